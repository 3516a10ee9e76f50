package web

import (
	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
)

// isHTMX reports whether the request was made by htmx (HX-Request header).
// A history restore (the back button after hx-push-url, when htmx has no
// snapshot of the page) also says HX-Request but needs the whole page.
func isHTMX(c echo.Context) bool {
	h := c.Request().Header
	return h.Get("HX-Request") == "true" && h.Get("HX-Boosted") != "true" && h.Get("HX-History-Restore-Request") != "true"
}

// renderPartial renders fragment for an htmx request and full (the same
// content inside the layout) otherwise, so every interaction works without
// JavaScript. htmx 2 does not swap 4xx responses by default, so fragments
// with validation errors are sent as 200 to htmx and as 422 to plain forms.
func renderPartial(c echo.Context, status int, fragment, full templ.Component) error {
	if isHTMX(c) {
		if status == 422 {
			status = 200
		}
		return render(c, status, fragment)
	}
	return render(c, status, full)
}
