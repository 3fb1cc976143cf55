// Package server is jellyha's HTTP server. For now it answers what
// orchestrators and Jellyfin clients ask first: health and public server
// information; the Jellyfin API grows here.
package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/store"
)

// JellyfinVersion is the Jellyfin release jellyha advertises to clients.
const JellyfinVersion = "10.11.11"

// Server holds the HTTP handlers' dependencies.
type Server struct {
	store    *store.Store
	log      *slog.Logger
	serverID media.ID
	name     string
}

// New returns a Server; it reads (or, first time, creates) the server id
// that every replica shares.
func New(ctx context.Context, s *store.Store, name string, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	v, err := s.SettingOrInit(ctx, "ServerId", func() string { return media.NewID().String() })
	if err != nil {
		return nil, err
	}
	id, err := media.ParseID(v)
	if err != nil {
		return nil, err
	}
	return &Server{store: s, log: log, serverID: id, name: name}, nil
}

// Handler returns the router.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", s.health)
	mux.HandleFunc("GET /health/live", func(w http.ResponseWriter, _ *http.Request) { writeText(w, http.StatusOK, "Healthy") })
	mux.HandleFunc("GET /health/ready", s.health)
	mux.HandleFunc("GET /System/Info/Public", s.publicInfo)
	mux.HandleFunc("GET /System/Ping", func(w http.ResponseWriter, _ *http.Request) { writeText(w, http.StatusOK, "Jellyfin Server") })
	return mux
}

// health is readiness: the database answers and its schema is current.
// Jellyfin's own /health answers "Healthy" or "Unhealthy" as text.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	st, err := s.store.DB().Status(ctx)
	if err != nil || !st.Current() {
		s.log.Warn("not ready", "err", err)
		writeText(w, http.StatusServiceUnavailable, "Unhealthy")
		return
	}
	writeText(w, http.StatusOK, "Healthy")
}

func (s *Server) publicInfo(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"LocalAddress":           "http://" + r.Host,
		"ServerName":             s.name,
		"Version":                JellyfinVersion,
		"ProductName":            "Jellyfin Server",
		"OperatingSystem":        "",
		"Id":                     s.serverID.String(),
		"StartupWizardCompleted": false,
	})
}

func writeText(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
