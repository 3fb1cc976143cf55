package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/jellyha/jellyha/internal/config"
	"github.com/jellyha/jellyha/internal/events"
	"github.com/jellyha/jellyha/internal/server"
	"github.com/jellyha/jellyha/internal/store"
)

func runServe(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "serve", "serve [flags]\n\nRuns the server: opens (and migrates) the database, then listens.\n\nFlags:")
	var f config.Flags
	f.Register(fs)
	addr := fs.String("addr", ":8096", "address to listen on (Jellyfin's port is 8096)")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	discovery := fs.String("discovery-addr", fmt.Sprintf(":%d", server.DiscoveryPort),
		`UDP address for LAN discovery ("Who is JellyfinServer?", as Jellyfin's port 7359); "" turns it off`)
	webDir := fs.String("webdir", "", "a jellyfin-web build (its dist directory) to serve at /web/, as Jellyfin's --webdir (env JELLYFIN_WEB_DIR)")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if *webDir == "" {
		*webDir = e.getenv("JELLYFIN_WEB_DIR")
	}
	log, err := newLogger(e.stderr, *logLevel)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, e, &f, log)
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	name, _ := os.Hostname()
	st2 := store.New(db)
	srv, err := server.New(ctx, st2, name, log)
	if err != nil {
		return err
	}
	cfg, err := f.Load(e.environ)
	if err != nil {
		return err
	}
	// Change notices for WebSocket clients: LISTEN/NOTIFY on PostgreSQL,
	// so a change made through one replica reaches clients of all.
	bus := events.Open(db, log)
	defer func() { _ = bus.Close() }()
	srv.SetEvents(bus)
	srv.SetScanner(newScanner(st2, cfg, log))
	srv.SetCacheDir(cfg.CacheDir)
	if *webDir != "" {
		if err := srv.SetWebDir(*webDir); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	log.Info("jellyha serving", "addr", ln.Addr().String(), "provider", db.Provider(), "database", db.ConnectionString(), "schema", st.Version(),
		"webdir", *webDir)
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	if *discovery != "" {
		// Discovery is a convenience: a replica that cannot have the port
		// (another one on this host has it) serves without it.
		if pc, err := net.ListenPacket("udp", *discovery); err != nil {
			log.Warn("LAN discovery off", "addr", *discovery, "err", err)
		} else {
			port := ln.Addr().(*net.TCPAddr).Port
			go func() {
				if err := srv.ServeDiscovery(ctx, pc, port); err != nil {
					log.Warn("LAN discovery stopped", "err", err)
				}
			}()
		}
	}
	// Statistics in the background: on a big database ANALYZE takes
	// seconds, and the server is ready without it.
	go func() {
		if err := db.Optimize(ctx, true); err != nil && ctx.Err() == nil {
			log.Warn("optimize the database", "err", err)
		}
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// WebSocket clients are told the server is going away (and reconnect
	// to another replica) while the HTTP server drains its requests.
	sockets := make(chan error, 1)
	go func() { sockets <- srv.CloseSockets(shutdown) }()
	if err := hs.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	if err := <-sockets; err != nil {
		log.Warn("close WebSocket connections", "err", err)
	}
	log.Info("jellyha stopped")
	return nil
}
