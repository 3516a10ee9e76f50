package memo_test

import (
	"sync"
	"testing"

	"takumi/internal/memo"
)

func TestCache(t *testing.T) {
	t.Run("GetPut", func(t *testing.T) {
		c := memo.New[string, int](4)
		if _, ok := c.Get("a"); ok {
			t.Fatal("empty cache has a")
		}
		c.Put("a", 1)
		c.Put("a", 2)
		if v, ok := c.Get("a"); !ok || v != 2 {
			t.Fatalf("a = %d, %v; want 2, true", v, ok)
		}
	})
	t.Run("Bounded", func(t *testing.T) {
		c := &memo.Cache[int, int]{Limit: 3}
		for i := range 3 {
			c.Put(i, i)
		}
		c.Put(1, 10) // a known key does not reset it
		if c.Len() != 3 {
			t.Fatalf("len %d after replacing a value, want 3", c.Len())
		}
		c.Put(3, 3) // full: starts again with this entry alone
		if c.Len() != 1 {
			t.Fatalf("len %d after a fourth key, want 1", c.Len())
		}
		if _, ok := c.Get(0); ok {
			t.Fatal("0 kept past the limit")
		}
		if v, ok := c.Get(3); !ok || v != 3 {
			t.Fatalf("3 = %d, %v", v, ok)
		}
		for i := range 1000 {
			c.Put(i, i)
			if c.Len() > 3 {
				t.Fatalf("len %d > limit 3", c.Len())
			}
		}
	})
	t.Run("Clear", func(t *testing.T) {
		c := memo.New[string, string](8)
		c.Put("k", "v")
		c.Clear()
		if _, ok := c.Get("k"); ok {
			t.Fatal("k kept after Clear")
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		c := memo.New[int, int](16)
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 500 {
					c.Put(g*1000+i, i)
					c.Get(i)
				}
			})
		}
		wg.Wait()
		if c.Len() > 16 {
			t.Fatalf("len %d > 16", c.Len())
		}
	})
}
