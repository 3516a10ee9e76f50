package credential

// OnVerify sets a function called after every verification with its
// source ("presented": a credential someone uploaded or pasted; "stored": a
// credential's public page) and verdict; the app counts them as a metric.
// Call it once, before serving.
func (s *Service) OnVerify(f func(source string, v Verdict)) { s.onVerify = f }

func (s *Service) observeVerify(source string, r *Report) {
	if s.onVerify != nil {
		s.onVerify(source, r.Verdict)
	}
}
