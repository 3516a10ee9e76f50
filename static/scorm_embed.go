package static

import "embed"

// ContentFS holds what the SCORM content origin serves besides the
// packages (issue 16): the vendored scorm-again run-time (see
// scorm/README.md for its version) and the launcher page's script. It is
// kept out of FS so that the app's own origin never serves it.
//
//go:embed scorm
var ContentFS embed.FS
