package web

import "github.com/labstack/echo/v4"

// NOT FINISHED: these handlers are being written; until then they answer 404.

func (s *Server) handleWallet(c echo.Context) error { return echo.ErrNotFound }

func (s *Server) handleCertificate(c echo.Context) error { return echo.ErrNotFound }

func (s *Server) handleCredentialQR(c echo.Context) error { return echo.ErrNotFound }
