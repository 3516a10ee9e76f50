package main

import (
	"io"
	"log/slog"
	"runtime/debug"
	"testing"
)

// TestServeGC: serve raises the garbage collector's target to
// serveGCPercent, unless the operator set GOGC, whose value then stands.
func TestServeGC(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	was := debug.SetGCPercent(100)
	defer debug.SetGCPercent(was)

	setServeGC("", log)
	if got := debug.SetGCPercent(100); got != serveGCPercent {
		t.Errorf("GOGC unset: target %d %%, want %d %%", got, serveGCPercent)
	}
	debug.SetGCPercent(50) // as GOGC=50 would have set it at start
	setServeGC("50", log)
	if got := debug.SetGCPercent(100); got != 50 {
		t.Errorf("GOGC=50: target %d %%, want the operator's 50 %%", got)
	}
}
