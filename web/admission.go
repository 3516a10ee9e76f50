package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// Admission (issue 13, docs/capacity.md). Without a bound, an instance
// given more work than its CPU can do takes every request in and answers
// each later than the last, until every answer is later than its client
// waits and the instance works only for clients who have gone (measured:
// at 20,000 learners online on 2 cores every request timed out while the
// database idled). admit bounds the requests worked on at once: a request
// beyond waits its turn for Config.RequestQueueWait and is then answered
// 503 with Retry-After, at once and cheaply, so the requests let in keep
// their speed. The player's heartbeat waits a quarter of that: under a
// lasting overload it is the first turned away, because the next heartbeat
// adds the time between (up to learning.VisitGapCap), so shedding it loses
// nothing a learner sees; a burst of a few hundred milliseconds it waits
// out (measured: with no wait, 0.85 % of the heartbeats of 20,000 learners
// online were turned away by bursts the pages rode out). Health, readiness and metrics are never held back.

// errBusy is the answer to a request turned away by admit.
var errBusy = &echo.HTTPError{Code: http.StatusServiceUnavailable, Message: "busy"}

// heartbeatRoute is the player's heartbeat (web/routes.go).
const heartbeatRoute = "/learn/:enrolment/lessons/:lesson/heartbeat"

type admission struct {
	places   chan struct{}
	wait     time.Duration
	shed     *prometheus.CounterVec
	inFlight prometheus.Gauge
}

func newAdmission(max int, wait time.Duration, reg *prometheus.Registry) *admission {
	if max <= 0 {
		return nil
	}
	a := &admission{
		places: make(chan struct{}, max),
		wait:   wait,
		shed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "takumi_http_shed_total",
			Help: "Requests answered 503 because the instance was working on TAKUMI_MAX_REQUESTS requests, by route.",
		}, []string{"route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "takumi_http_requests_in_flight", Help: "Requests the instance is working on (admitted).",
		}),
	}
	reg.MustRegister(a.shed, a.inFlight)
	return a
}

// admit lets a request in when a place is free, or waits for one.
func (s *Server) admit(next echo.HandlerFunc) echo.HandlerFunc {
	a := s.admission
	if a == nil {
		return next
	}
	return func(c echo.Context) error {
		switch c.Request().URL.Path {
		case "/healthz", "/readyz", "/metrics":
			return next(c)
		}
		select {
		case a.places <- struct{}{}:
		default:
			wait := a.wait
			if c.Path() == heartbeatRoute {
				wait /= 4
			}
			if wait <= 0 {
				a.shed.WithLabelValues(c.Path()).Inc()
				return errBusy
			}
			t := time.NewTimer(wait)
			select {
			case a.places <- struct{}{}:
				t.Stop()
			case <-t.C:
				a.shed.WithLabelValues(c.Path()).Inc()
				return errBusy
			case <-c.Request().Context().Done():
				t.Stop()
				return c.Request().Context().Err()
			}
		}
		a.inFlight.Inc()
		defer func() {
			<-a.places
			a.inFlight.Dec()
		}()
		return next(c)
	}
}

// isBusy reports whether err is admit's answer.
func isBusy(err error) bool {
	he, ok := err.(*echo.HTTPError)
	return ok && he == errBusy
}
