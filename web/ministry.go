package web

import "github.com/labstack/echo/v4"

// NOT FINISHED: these handlers are being written; until then they answer 404.

func (s *Server) handleMinistry(c echo.Context) error { return echo.ErrNotFound }

func (s *Server) handleMinistryExport(c echo.Context) error { return echo.ErrNotFound }

