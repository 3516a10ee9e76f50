package catalog_test

import (
	"archive/zip"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"takumi/internal/catalog"
	"takumi/internal/dbtest"
	"takumi/internal/storage"
)

// BenchmarkImportScormLarge imports a 200 MB SCORM package of 500 files
// (incompressible, as media are) from a file on disk, and reports the
// time and how far the Go heap grew while it ran (issue 16: < 30 s, < 100
// MB). Run: go test ./internal/catalog/ -run '^$' -bench ImportScormLarge -benchtime 1x
func BenchmarkImportScormLarge(b *testing.B) {
	db := dbtest.New(b)
	dir := b.TempDir()
	files, err := storage.NewDir(filepath.Join(dir, "store"))
	if err != nil {
		b.Fatal(err)
	}
	s := catalog.NewService(db.Gorm, files)
	providerID, userID := portableFixture(b, db, "scorm-bench")
	zpath := filepath.Join(dir, "big.zip")
	f, err := os.Create(zpath)
	if err != nil {
		b.Fatal(err)
	}
	zw := zip.NewWriter(f)
	manifest, _ := os.ReadFile("testdata/scorm/scorm2004/imsmanifest.xml")
	for _, name := range []string{"imsmanifest.xml", "index.html", "shared/sco.js", "shared/sco.css"} {
		w, _ := zw.Create(name)
		if name == "imsmanifest.xml" {
			w.Write(manifest)
		} else {
			w.Write([]byte("x"))
		}
	}
	chunk := make([]byte, 400<<10)
	for i := range 496 {
		rand.Read(chunk)
		w, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("media/clip-%03d.bin", i), Method: zip.Store})
		if err != nil {
			b.Fatal(err)
		}
		w.Write(chunk)
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	a := catalog.Actor{UserID: userID}
	for i := 0; b.Loop(); i++ {
		zf, _ := os.Open(zpath)
		st, _ := zf.Stat()
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		var peak atomic.Uint64
		stop := make(chan struct{})
		go func() {
			var m runtime.MemStats
			for {
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
					runtime.ReadMemStats(&m)
					if m.HeapInuse > peak.Load() {
						peak.Store(m.HeapInuse)
					}
				}
			}
		}()
		start := time.Now()
		_, err := s.ImportScorm(context.Background(), a, catalog.ImportRequest{ProviderID: providerID, Code: fmt.Sprintf("big-%d", i), File: zf, Size: st.Size()})
		elapsed := time.Since(start)
		close(stop)
		zf.Close()
		if err != nil {
			b.Fatal(err)
		}
		growth := int64(peak.Load()) - int64(before.HeapInuse)
		b.ReportMetric(float64(st.Size())/(1<<20), "MiB")
		b.ReportMetric(float64(growth)/(1<<20), "heap-growth-MiB")
		b.Logf("imported %d MiB, 500 files in %v; heap in use grew by at most %.1f MiB", st.Size()>>20, elapsed, float64(growth)/(1<<20))
	}
}
