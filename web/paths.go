package web

import "github.com/labstack/echo/v4"

// NOT FINISHED: these handlers are being written; until then they answer 404.

func (s *Server) handleStudioPaths(c echo.Context) error { return echo.ErrNotFound }

func (s *Server) handleStudioPathNew(c echo.Context) error { return echo.ErrNotFound }

func (s *Server) handleStudioPathCreate(c echo.Context) error { return echo.ErrNotFound }

func (s *Server) handleStudioPath(c echo.Context) error { return echo.ErrNotFound }

func (s *Server) handleStudioPathSave(c echo.Context) error { return echo.ErrNotFound }

func (s *Server) handlePathShow(c echo.Context) error { return echo.ErrNotFound }
