package progress

// TextArray passes a []string as one array parameter, for the tests (see pgArray).
func TextArray(s []string) any { return pgArray(s) }
