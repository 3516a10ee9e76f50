package seed

import (
	"math/rand/v2"
	"sort"
)

// Random streams: each kind of data, and each chunk of it, draws from its
// own stream, so the rows do not depend on which worker wrote which chunk.
const (
	streamLearners   = 1
	streamUsers      = 2
	streamBench      = 3
	streamEnrolments = 4
	streamCourses    = 5
)

func (g *generator) rng(kind, chunk int) *rand.Rand {
	return rand.New(rand.NewPCG(g.o.RandomSeed, uint64(kind)<<40|uint64(chunk)))
}

// newUUID draws a version-4 UUID from r.
func newUUID(r *rand.Rand) [16]byte {
	var u [16]byte
	a, b := r.Uint64(), r.Uint64()
	for i := range 8 {
		u[i] = byte(a >> (8 * i))
		u[8+i] = byte(b >> (8 * i))
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

// weighted picks indexes in proportion to their weights.
type weighted struct{ cum []float64 }

func newWeighted(weights []float64) *weighted {
	w := &weighted{cum: make([]float64, len(weights))}
	total := 0.0
	for i, x := range weights {
		total += x
		w.cum[i] = total
	}
	for i := range w.cum {
		w.cum[i] /= total
	}
	return w
}

func (w *weighted) pick(r *rand.Rand) int {
	i := sort.SearchFloat64s(w.cum, r.Float64())
	if i >= len(w.cum) {
		i = len(w.cum) - 1
	}
	return i
}
