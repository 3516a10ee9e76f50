package web

import "github.com/labstack/echo/v4"

// NOT FINISHED: these handlers are being written; until then they answer 404.

func (s *Server) handleCredentialPage(c echo.Context) error { return echo.ErrNotFound }

func (s *Server) handleCredentialJSON(c echo.Context) error { return echo.ErrNotFound }

func (s *Server) handleStatusList(c echo.Context) error { return echo.ErrNotFound }

func (s *Server) handleDIDDocument(c echo.Context) error { return echo.ErrNotFound }

func (s *Server) handleVerifyForm(c echo.Context) error { return echo.ErrNotFound }

func (s *Server) handleVerify(c echo.Context) error { return echo.ErrNotFound }
