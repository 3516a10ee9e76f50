package wallet

import (
	"encoding/xml"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/boombuler/barcode/qr"

	"takumi/internal/jst"
)

// svgModules reads the dark modules back out of a QRCodeSVG drawing: every
// subpath is one horizontal run "Mx yhNv1h-Nz".
func svgModules(t *testing.T, svg string) (size int, dark map[[2]int]bool) {
	t.Helper()
	var doc struct {
		XMLName xml.Name `xml:"svg"`
		ViewBox string   `xml:"viewBox,attr"`
		Title   string   `xml:"title"`
		Path    struct {
			D string `xml:"d,attr"`
		} `xml:"path"`
	}
	if err := xml.Unmarshal([]byte(svg), &doc); err != nil {
		t.Fatalf("not well-formed SVG: %v", err)
	}
	f := strings.Fields(doc.ViewBox)
	if len(f) != 4 || f[0] != "0" || f[1] != "0" || f[2] != f[3] {
		t.Fatalf("viewBox %q", doc.ViewBox)
	}
	size, _ = strconv.Atoi(f[2])
	run := regexp.MustCompile(`^M(\d+) (\d+)h(\d+)v1h-(\d+)z`)
	dark = map[[2]int]bool{}
	for d := doc.Path.D; d != ""; {
		m := run.FindStringSubmatch(d)
		if m == nil || m[3] != m[4] {
			t.Fatalf("unexpected path data at %.40q", d)
		}
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		n, _ := strconv.Atoi(m[3])
		for i := 0; i < n; i++ {
			dark[[2]int{x + i, y}] = true
		}
		d = d[len(m[0]):]
	}
	return size, dark
}

func TestQRCodeSVG(t *testing.T) {
	const url = "https://takumi.example.jp/credentials/5b0e7a4e-0f57-4c38-9a3e-2d3f1c1a9b77"
	svg, err := QRCodeSVG(url, `検証ページ <QR> & "code"`)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("SameModulesAsTheEncoder", func(t *testing.T) {
		code, err := qr.Encode(url, qr.M, qr.Auto)
		if err != nil {
			t.Fatal(err)
		}
		n := code.Bounds().Dx()
		size, dark := svgModules(t, svg)
		if size != n+2*qrQuietZone {
			t.Fatalf("drawing is %d modules wide, want %d + quiet zone", size, n)
		}
		count := 0
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				r, _, _, _ := code.At(x, y).RGBA()
				if want := r == 0; dark[[2]int{x + qrQuietZone, y + qrQuietZone}] != want {
					t.Fatalf("module (%d,%d): drawn dark=%v, encoder dark=%v", x, y, !want, want)
				}
				if r == 0 {
					count++
				}
			}
		}
		if count != len(dark) {
			t.Fatalf("%d modules drawn, the code has %d dark modules (something drawn in the quiet zone?)", len(dark), count)
		}
	})
	t.Run("NoStyleAttributesCrispEdges", func(t *testing.T) {
		if strings.Contains(svg, "style") || !strings.Contains(svg, `shape-rendering="crispEdges"`) {
			t.Fatalf("svg: %.200s", svg)
		}
	})
	t.Run("TitleEscaped", func(t *testing.T) {
		if !strings.Contains(svg, "<title>検証ページ &lt;QR&gt; &amp; &#34;code&#34;</title>") {
			t.Fatalf("title not escaped: %.300s", svg)
		}
	})
}

// TestDates checks the dates the certificate prints (jst.LongDate in both
// languages) are days in Japan.
func TestDates(t *testing.T) {
	at, _ := time.Parse(time.RFC3339, "2026-11-26T16:30:00Z") // 27 November, 01:30 in Japan
	if got := jst.LongDate("ja", at); got != "2026年11月27日" {
		t.Errorf("ja %q", got)
	}
	if got := jst.LongDate("en", at); got != "27 November 2026" {
		t.Errorf("en %q", got)
	}
}
