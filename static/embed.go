// Package static holds the CSS, vendored JavaScript and images the binary
// serves itself: nothing is loaded from another origin.
package static

import "embed"

// FS is the embedded static tree (css/, js/, img/, accessibility/).
//
//go:embed css js img accessibility
var FS embed.FS
