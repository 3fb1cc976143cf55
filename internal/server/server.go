// Package server is jellyha's HTTP server: it builds the handler that
// `jellyha serve` listens with. The Jellyfin API itself, health probes
// included, is package jellyfin.
package server

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/jellyha/jellyha/internal/jellyfin"
	"github.com/jellyha/jellyha/internal/scan"
	"github.com/jellyha/jellyha/internal/store"
)

// JellyfinVersion is the Jellyfin release jellyha advertises to clients.
const JellyfinVersion = jellyfin.Version

// Server holds the HTTP handler's dependencies.
type Server struct {
	api *jellyfin.Router
}

// New returns a Server; it reads (or, first time, creates) the server id
// that every replica shares.
func New(ctx context.Context, s *store.Store, name string, log *slog.Logger) (*Server, error) {
	api, err := jellyfin.New(ctx, s, name, log)
	if err != nil {
		return nil, err
	}
	return &Server{api: api}, nil
}

// SetScanner sets the scanner /Library/Refresh runs.
func (s *Server) SetScanner(sc *scan.Scanner) { s.api.SetScanner(sc) }

// SetCacheDir sets where resized images are cached.
func (s *Server) SetCacheDir(dir string) { s.api.SetCacheDir(dir) }

// Handler returns the router.
func (s *Server) Handler() http.Handler { return s.api }
