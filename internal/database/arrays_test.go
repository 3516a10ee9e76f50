package database_test

import (
	"reflect"
	"sync"
	"testing"

	"takumi/internal/database"
)

// TestTextArrayScan reads the text forms PostgreSQL sends for text[] and
// uuid[] (quoted elements, NULL-free, empty), also from many goroutines at
// once, since the parser is shared.
func TestTextArrayScan(t *testing.T) {
	cases := map[string][]string{
		`{}`:                                     {},
		`{a,b}`:                                  {"a", "b"},
		`{"a b","c,d","e\"f"}`:                   {"a b", "c,d", `e"f`},
		`{東京,大阪}`:                                {"東京", "大阪"},
		`{3f1c0a52-8d61-4b8e-9b3a-2f0f3c9c1e11}`: {"3f1c0a52-8d61-4b8e-9b3a-2f0f3c9c1e11"},
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for in, want := range cases {
				var got database.TextArray
				if err := got.Scan(in); err != nil {
					t.Errorf("%s: %v", in, err)
					continue
				}
				if !reflect.DeepEqual([]string(got), want) {
					t.Errorf("%s: got %q, want %q", in, got, want)
				}
				var fromBytes database.TextArray
				if err := fromBytes.Scan([]byte(in)); err != nil || !reflect.DeepEqual([]string(fromBytes), want) {
					t.Errorf("%s as bytes: got %q, %v", in, fromBytes, err)
				}
			}
		}()
	}
	wg.Wait()
}

func BenchmarkTextArrayScan(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var a database.TextArray
		if err := a.Scan(`{tokyo,osaka,"kyoto fu"}`); err != nil {
			b.Fatal(err)
		}
	}
}
