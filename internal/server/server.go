// Package server is jellyha's HTTP server: it builds the handler that
// `jellyha serve` listens with: the Jellyfin API (package jellyfin, health
// probes included) and, when given one, a jellyfin-web build at /web/.
package server

import (
	"context"
	"log/slog"
	"net"
	"net/http"

	"github.com/jellyha/jellyha/internal/events"
	"github.com/jellyha/jellyha/internal/jellyfin"
	"github.com/jellyha/jellyha/internal/scan"
	"github.com/jellyha/jellyha/internal/store"
	"github.com/jellyha/jellyha/internal/transcode"
)

// JellyfinVersion is the Jellyfin release jellyha advertises to clients.
const JellyfinVersion = jellyfin.Version

// DiscoveryPort is the UDP port Jellyfin clients broadcast to.
const DiscoveryPort = jellyfin.DiscoveryPort

// Server holds the HTTP handler's dependencies.
type Server struct {
	api *jellyfin.Router
	// web serves the web client's files (SetWebDir); nil without one.
	web http.Handler
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

// ServeDiscovery answers Jellyfin's LAN discovery broadcasts on pc until
// ctx ends, pointing clients at httpPort.
func (s *Server) ServeDiscovery(ctx context.Context, pc net.PacketConn, httpPort int) error {
	return s.api.ServeDiscovery(ctx, pc, httpPort)
}

// SetEvents sets the bus that carries change notices between replicas
// (events.Open); without it they stay in this process.
func (s *Server) SetEvents(b events.Bus) { s.api.SetEvents(b) }

// CloseSockets ends the WebSocket connections, which http.Server's
// Shutdown does not track, and waits for them or for ctx.
func (s *Server) CloseSockets(ctx context.Context) error { return s.api.CloseSockets(ctx) }

// SetTranscoder sets the manager of HLS transcodes.
func (s *Server) SetTranscoder(m *transcode.Manager) { s.api.SetTranscoder(m) }

// SetCacheDir sets where resized images are cached.
func (s *Server) SetCacheDir(dir string) { s.api.SetCacheDir(dir) }

// SetConfigDir sets Jellyfin's configuration directory, under which users'
// uploaded pictures are named (users/<name>/profile.<ext>).
func (s *Server) SetConfigDir(dir string) { s.api.SetConfigDir(dir) }

// Handler returns the server's handler: the web client's files when
// SetWebDir gave them, and the Jellyfin API.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.route) }
