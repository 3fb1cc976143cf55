package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/jellyha/jellyha/internal/config"
	"github.com/jellyha/jellyha/internal/events"
	"github.com/jellyha/jellyha/internal/server"
	"github.com/jellyha/jellyha/internal/store"
	"github.com/jellyha/jellyha/internal/transcode"
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
	transcodeDir := fs.String("transcode-dir", "", "this replica's directory for HLS transcodes (env JELLYHA_TRANSCODE_DIR; default <cachedir>/transcodes)")
	advertise := fs.String("advertise-url", "", "where the other replicas reach this one, for the transcodes it runs\n(env JELLYHA_ADVERTISE_URL; default http://<listen address, or host name>:<port>)")
	maxTranscodes := fs.Int("max-transcodes", 0, "the most ffmpeg transcodes run at once; more are refused with 503 (env JELLYHA_MAX_TRANSCODES; default the CPUs, at least 2)")
	idle := fs.Duration("transcode-idle", 0, "end a transcode no segment was asked of for this long (env JELLYHA_TRANSCODE_IDLE; default 1m)")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if *webDir == "" {
		*webDir = e.getenv("JELLYFIN_WEB_DIR")
	}
	if *transcodeDir == "" {
		*transcodeDir = e.getenv("JELLYHA_TRANSCODE_DIR")
	}
	if *advertise == "" {
		*advertise = e.getenv("JELLYHA_ADVERTISE_URL")
	}
	if v := e.getenv("JELLYHA_MAX_TRANSCODES"); *maxTranscodes == 0 && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("JELLYHA_MAX_TRANSCODES=%q: want a positive number", v)
		}
		*maxTranscodes = n
	}
	if v := e.getenv("JELLYHA_TRANSCODE_IDLE"); *idle == 0 && v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("JELLYHA_TRANSCODE_IDLE=%q: want a duration such as 90s", v)
		}
		*idle = d
	}
	log, err := newLogger(e.stderr, *logLevel)
	if err != nil {
		return err
	}
	// The server runs without them, but a newcomer should know at once
	// why files show no streams or durations and nothing transcodes.
	for _, prog := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(prog); err != nil {
			log.Warn(prog + " is not installed: scans read no streams or durations and nothing transcodes; on Debian: apt-get install ffmpeg")
		}
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
	srv.SetConfigDir(cfg.ConfigDir)
	if *webDir != "" {
		if err := srv.SetWebDir(*webDir); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	if *transcodeDir == "" {
		*transcodeDir = filepath.Join(cfg.CacheDir, "transcodes")
	}
	if *advertise == "" {
		*advertise = advertiseURL(ln.Addr())
	}
	tc, err := transcode.New(transcode.Options{Dir: *transcodeDir, MaxJobs: *maxTranscodes, IdleTimeout: *idle, Store: st2,
		ReplicaURL: *advertise, Log: log})
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer tc.Close()
	go tc.Run(ctx)
	srv.SetTranscoder(tc)
	log.Info("jellyha serving", "addr", ln.Addr().String(), "provider", db.Provider(), "database", db.ConnectionString(), "schema", st.Version(),
		"webdir", *webDir, "transcodes", *transcodeDir, "advertise", *advertise)
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
		tables, err := db.OptimizeAtStart(ctx)
		if err != nil && ctx.Err() == nil {
			log.Warn("optimize the database", "err", err)
		} else if len(tables) > 0 {
			log.Info("analysed tables without planner statistics", "tables", len(tables))
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

// advertiseURL is where the other replicas reach this one by default: the
// address it listens on, or its host name when it listens on every
// interface (a pod's name resolves within its cluster).
func advertiseURL(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return "http://" + a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		if name, err := os.Hostname(); err == nil && name != "" {
			host = name
		}
	}
	return "http://" + net.JoinHostPort(host, port)
}
