package catalog

import "time"

// SetRefDataClock sets the clock of s's skill-area and provider cache
// (tests move it past RefDataTTL).
func SetRefDataClock(s *Service, now func() time.Time) { s.refs.now = now }

// ChangeGeneration is s's catalogue change generation and whether its
// listener listens (signal.go).
func ChangeGeneration(s *Service) (uint64, bool) { return s.signal.current() }

// SetListenTimes sets how long the listener waits before it probes and
// for its probe, and where the probe goes; the returned func restores them.
func SetListenTimes(wait, probe time.Duration, channel string) (restore func()) {
	w, p, ch := listenWait, probeWait, probeChannel
	listenWait, probeWait, probeChannel = wait, probe, channel
	return func() { listenWait, probeWait, probeChannel = w, p, ch }
}

// SearchIndexLoaded reports whether s's search index of the current
// generation is loaded (searchindex.go), waiting for a load under way.
func SearchIndexLoaded(s *Service) bool {
	s.index.wait()
	gen, up := s.signal.current()
	s.index.mu.Lock()
	defer s.index.mu.Unlock()
	return up && s.index.ready != nil && s.index.ready.gen == gen && !s.index.ready.tooBig
}
