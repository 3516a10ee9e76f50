package web

import "github.com/labstack/echo/v4"

// NOT FINISHED: these handlers are being written; until then they answer 404.

func (s *Server) handleOrgCredentials(c echo.Context) error { return echo.ErrNotFound }

func (s *Server) handleOrgRevokeForm(c echo.Context) error { return echo.ErrNotFound }

func (s *Server) handleOrgRevoke(c echo.Context) error { return echo.ErrNotFound }

func (s *Server) handleAdminCredentials(c echo.Context) error { return echo.ErrNotFound }

func (s *Server) handleAdminRevokeForm(c echo.Context) error { return echo.ErrNotFound }

func (s *Server) handleAdminRevoke(c echo.Context) error { return echo.ErrNotFound }
