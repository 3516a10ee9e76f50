package wallet

import (
	"fmt"
	"html"
	"strings"

	"github.com/boombuler/barcode/qr"
)

// qrQuietZone is the blank margin around a QR code, in modules: the four
// the QR standard asks for, so phones find the code on any background.
const qrQuietZone = 4

// qrModulePixels is the drawn size of one module when the SVG stands
// alone (an <img> or a download); pages size the inline code with CSS.
const qrModulePixels = 4

// QRCodeSVG draws content as a QR code (error correction level M) in SVG:
// a white square and one black path, one horizontal run of dark modules
// per subpath, with crisp edges. It uses presentation attributes only,
// never style attributes, so it renders under the pages' strict
// Content-Security-Policy when inlined. title is the image's accessible
// name (a <title> child). Both the printable certificate (inline) and
// /credentials/:id/qr.svg use it.
func QRCodeSVG(content, title string) (string, error) {
	code, err := qr.Encode(content, qr.M, qr.Auto)
	if err != nil {
		return "", fmt.Errorf("qr code: %w", err)
	}
	n := code.Bounds().Dx()
	dark := func(x, y int) bool {
		r, _, _, _ := code.At(x, y).RGBA()
		return r == 0
	}
	size := n + 2*qrQuietZone
	var b strings.Builder
	b.Grow(n * n * 3)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" shape-rendering="crispEdges" role="img">`,
		size, size, size*qrModulePixels, size*qrModulePixels)
	b.WriteString("<title>" + html.EscapeString(title) + "</title>")
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, size, size)
	for y := 0; y < n; y++ {
		for x := 0; x < n; {
			if !dark(x, y) {
				x++
				continue
			}
			start := x
			for x < n && dark(x, y) {
				x++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", start+qrQuietZone, y+qrQuietZone, x-start, x-start)
		}
	}
	b.WriteString(`"/></svg>`)
	return b.String(), nil
}
