// Command cancelload sends GETs on -c connections for -d, each request
// given up (its connection closed) after -timeout: clients that go away
// mid-request, as wrk's --timeout does but below a second (wrk takes whole
// seconds). docs/capacity.md ("Connections kept when a request is
// cancelled") counts the PostgreSQL sessions such a run starts.
//
//	go run ./scripts/cancelload -url http://127.0.0.1:PORT/courses -c 16 -d 20s -timeout 10ms
package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	url := flag.String("url", "", "URL")
	conns := flag.Int("c", 16, "connections")
	dur := flag.Duration("d", 20*time.Second, "duration")
	timeout := flag.Duration("timeout", 10*time.Millisecond, "per-request timeout")
	flag.Parse()
	tr := &http.Transport{MaxIdleConnsPerHost: *conns}
	cl := &http.Client{Transport: tr, Timeout: *timeout}
	var ok, gaveUp, other atomic.Int64
	end := time.Now().Add(*dur)
	var wg sync.WaitGroup
	for range *conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) {
				r, err := cl.Get(*url)
				if err != nil {
					gaveUp.Add(1)
					continue
				}
				_, err = io.Copy(io.Discard, r.Body)
				r.Body.Close()
				if err != nil {
					gaveUp.Add(1)
				} else if r.StatusCode == 200 {
					ok.Add(1)
				} else {
					other.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	fmt.Printf("completed 200: %d, given up (timeout %v): %d, other status: %d\n", ok.Load(), *timeout, gaveUp.Load(), other.Load())
}
