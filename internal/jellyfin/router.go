// Package jellyfin is the Jellyfin HTTP API. Every route is one row of a
// table (routes.go) that says who may call it; the table is registered on a
// standard ServeMux and also drives the normaliser that lets clients use
// any casing and the /emby prefix. Handlers keep no state between requests:
// sessions, tokens and the startup wizard live in the database, so any
// replica can answer any request.
package jellyfin

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/jellyha/jellyha/internal/events"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/scan"
	"github.com/jellyha/jellyha/internal/store"
	"github.com/jellyha/jellyha/internal/transcode"
)

// Version is the Jellyfin release jellyha advertises. Clients gate features
// on it, and the SDK refuses servers older than 10.10.
const Version = "10.11.11"

// Router serves the Jellyfin API.
type Router struct {
	store    *store.Store
	log      *slog.Logger
	serverID media.ID
	// hostName is the server name used until the startup wizard sets one.
	hostName string
	// cacheDir holds resized images (SetCacheDir).
	cacheDir string
	// configDir is Jellyfin's configuration directory (SetConfigDir).
	configDir string
	touch     *touchCache
	routes    []route
	norm      *normaliser
	mux       *http.ServeMux
	scanner   *scan.Scanner

	// events carries change notices to the WebSocket clients of every
	// replica (SetEvents); hub is this replica's connections.
	events      events.Bus
	unsubscribe func()
	hub         *hub
	// keepAlive is the WebSocket keep-alive timeout; userDataDelay how
	// long UserDataChanged notices gather; scanPoll how often the library
	// scan's state is read for administrators' connections. Tests shorten
	// them.
	keepAlive     time.Duration
	userDataDelay time.Duration
	scanPoll      time.Duration
	// transcoder runs HLS transcodes (SetTranscoder); nil: none.
	transcoder *transcode.Manager
}

// New returns a Router on s. It reads, or the first time creates, the server
// id every replica shares.
func New(ctx context.Context, s *store.Store, hostName string, log *slog.Logger) (*Router, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	v, err := s.SettingOrInit(ctx, settingServerID, func() string { return media.NewID().String() })
	if err != nil {
		return nil, err
	}
	id, err := media.ParseID(v)
	if err != nil {
		return nil, err
	}
	rt := &Router{store: s, log: log, serverID: id, hostName: hostName, touch: newTouchCache(),
		scanner: scan.New(s, scan.Options{Log: log}), keepAlive: defaultKeepAlive, userDataDelay: defaultUserDataDelay,
		scanPoll: defaultScanPoll}
	rt.hub = newHub(rt)
	rt.unsubscribe = func() {}
	rt.SetEvents(events.NewLocal())
	rt.routes = rt.table()
	rt.mux = http.NewServeMux()
	for _, r := range rt.routes {
		rt.mux.Handle(r.method+" "+r.pattern, rt.guard(r))
	}
	rt.norm = newNormaliser(rt.routes)
	return rt, nil
}

// ServerID is the id the server advertises (jellyha_settings "ServerId").
func (rt *Router) ServerID() media.ID { return rt.serverID }

// ServeHTTP normalises the request and routes it.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		// A handler bug must cost one request, not the process. The panic
		// is logged with the request so that it gets fixed.
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler { //nolint:errorlint // a sentinel panic value, compared as net/http does
				panic(v)
			}
			rt.log.Error("handler panic", "method", r.Method, "path", r.URL.Path, "panic", v)
			writeText(w, http.StatusInternalServerError, "internal server error")
		}
	}()
	rt.norm.normalise(r)
	rt.mux.ServeHTTP(w, r)
}
