package web

import "github.com/labstack/echo/v4"

// NOT FINISHED: these handlers are being written; until then they answer 404.

func (s *Server) handleAdminProgrammes(c echo.Context) error { return echo.ErrNotFound }

func (s *Server) handleAdminProgrammeNew(c echo.Context) error { return echo.ErrNotFound }

func (s *Server) handleAdminProgrammeCreate(c echo.Context) error { return echo.ErrNotFound }

func (s *Server) handleAdminProgramme(c echo.Context) error { return echo.ErrNotFound }

func (s *Server) handleAdminProgrammeSave(c echo.Context) error { return echo.ErrNotFound }

