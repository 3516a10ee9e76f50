package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"takumi/internal/bulkenrol"
	"takumi/internal/catalog"
)

// uploadRoute is a route that receives a file larger than the global 2 MB
// body limit allows, with its own cap and transfer time.
type uploadRoute struct {
	match func(echo.Context) bool
	// limit is the largest body accepted: the largest file plus room for
	// the form around it.
	limit func(*Server) int64
	// transfer is how long the body may take to arrive (the server's
	// timeouts are meant for pages); writeToo extends the write deadline too.
	transfer time.Duration
	writeToo bool
	// parseEarly reads the form here, before the CSRF check does, so that
	// an over-limit body gets the route's own refusal, not a CSRF error.
	parseEarly bool
	// tooLarge answers an over-limit body (nil: the generic 413 page).
	tooLarge func(*Server, echo.Context) error
}

// uploadRoutes lists every upload route.
var uploadRoutes = []uploadRoute{
	{ // lesson media: the domain then applies the lesson kind's own limit
		match:    isMediaUpload,
		limit:    func(s *Server) int64 { l := s.Courses.UploadLimits(); return max(l.Video, l.Resource) + 1<<20 },
		transfer: mediaTransferTime, writeToo: true,
	},
	{ // course import files
		match:    isCourseImport,
		limit:    func(s *Server) int64 { return max(catalog.MaxImportBytes, s.Courses.ScormMaxBytes()) + 1<<20 }, // .takumi.zip or SCORM
		transfer: courseTransferTime, writeToo: true,
	},
	{ // a SCORM package added to a course (web/scorm.go)
		match:    isScormAdd,
		limit:    func(s *Server) int64 { return s.Courses.ScormMaxBytes() + 1<<20 },
		transfer: courseTransferTime, writeToo: true,
	},
	{ // bulk enrolment CSV
		match:      isBulkUpload,
		limit:      func(*Server) int64 { return bulkenrol.MaxFileBytes + 1<<20 },
		transfer:   bulkUploadTime,
		parseEarly: true,
		tooLarge:   (*Server).bulkTooLarge,
	},
	{ // a credential to verify, pasted or uploaded: over the cap the verify
		// page explains, never an error page (web/credentials.go)
		match:      isVerifyUpload,
		limit:      func(*Server) int64 { return verifyBodyLimit },
		transfer:   verifyUploadTime,
		parseEarly: true,
		tooLarge:   (*Server).verifyTooLarge,
	},
}

// uploadRouteOf returns the upload route the request is for, or nil.
func (s *Server) uploadRouteOf(c echo.Context) *uploadRoute {
	for i := range uploadRoutes {
		if uploadRoutes[i].match(c) {
			return &uploadRoutes[i]
		}
	}
	return nil
}

// uploadLimit caps the body of an upload route before anything reads it: a
// declared length over the cap is refused at once without reading the
// body, and a body that grows past it is cut off. SECURITY: these routes
// are exempt from the global limit, so without this they would accept any
// size.
func (s *Server) uploadLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		u := s.uploadRouteOf(c)
		if u == nil {
			return next(c)
		}
		tooLarge := func() error {
			if u.tooLarge != nil {
				return u.tooLarge(s, c)
			}
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge)
		}
		limit := u.limit(s)
		r := c.Request()
		if r.ContentLength > limit {
			return tooLarge()
		}
		r.Body = http.MaxBytesReader(c.Response(), r.Body, limit)
		rc := http.NewResponseController(c.Response().Writer)
		_ = rc.SetReadDeadline(time.Now().Add(u.transfer))
		if u.writeToo {
			_ = rc.SetWriteDeadline(time.Now().Add(u.transfer))
		}
		if u.parseEarly {
			if err := r.ParseMultipartForm(8 << 20); err != nil {
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					return tooLarge()
				}
			}
		}
		return next(c)
	}
}
