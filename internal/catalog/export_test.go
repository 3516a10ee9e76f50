package catalog

import "time"

// SetRefDataClock sets the clock of s's skill-area and provider cache
// (tests move it past RefDataTTL).
func SetRefDataClock(s *Service, now func() time.Time) { s.refs.now = now }
