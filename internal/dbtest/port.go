package dbtest

import (
	"net"
	"strconv"
	"testing"
)

// FreePorts returns n distinct ports of 127.0.0.1 on which nothing listens
// when it returns, for a server that has to be told its port before it
// starts (a `takumi serve` subprocess, a private PostgreSQL, an object
// store), or for an address where nothing answers. The n listeners are all
// open before any is closed, so the ports differ; another process may still
// take one before the server does, so use them at once. This is the one
// free-port helper of the repository (tests and scripts/capacity).
func FreePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	lns := make([]net.Listener, 0, n)
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// FreePort is one port of FreePorts for a test; it fails t when there is none.
func FreePort(t testing.TB) int {
	t.Helper()
	ports, err := FreePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	return ports[0]
}

// FreeAddr is FreePort as an address "127.0.0.1:PORT".
func FreeAddr(t testing.TB) string {
	t.Helper()
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(FreePort(t)))
}
