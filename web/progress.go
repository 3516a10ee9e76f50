package web

import "github.com/labstack/echo/v4"

// NOT FINISHED: these handlers are being written; until then they answer 404.

func (s *Server) handleProgress(c echo.Context) error { return echo.ErrNotFound }

func (s *Server) handleMethodology(c echo.Context) error { return echo.ErrNotFound }

func (s *Server) handleProgressJSON(c echo.Context) error { return echo.ErrNotFound }

func (s *Server) handleProgressCSV(c echo.Context) error { return echo.ErrNotFound }

