package server

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// The web client: a jellyfin-web build (its dist directory) served at
// /web/, as Jellyfin serves it. jellyfin-web finds the server from the part
// of its own address before /web, so it must live exactly there.

// webPrefix is where Jellyfin serves its web client.
const webPrefix = "/web/"

// SetWebDir serves the jellyfin-web build in dir at /web/ and redirects / to
// it. The directory must hold index.html: an empty or wrong directory is
// refused at start rather than answering 404 to every browser.
func (s *Server) SetWebDir(dir string) error {
	st, err := os.Stat(filepath.Join(dir, "index.html"))
	if err != nil || st.IsDir() {
		return fmt.Errorf("web client: %s holds no index.html; give the dist directory of a jellyfin-web build", dir)
	}
	files := http.StripPrefix(strings.TrimSuffix(webPrefix, "/"), http.FileServer(webFS{http.Dir(dir)}))
	s.web = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if t, ok := webTypes[strings.ToLower(path.Ext(r.URL.Path))]; ok {
			// FileServer would ask the system's MIME tables, which a slim
			// container may lack; fonts and icons must not go out typeless.
			w.Header().Set("Content-Type", t)
		}
		if r.URL.Path == webPrefix || strings.HasSuffix(r.URL.Path, ".html") {
			// index.html names the hashed bundles of this build: a browser
			// must ask again after an upgrade. The bundles themselves may
			// be cached (their names change with their content).
			w.Header().Set("Cache-Control", "no-cache")
		}
		files.ServeHTTP(w, r)
	})
	return nil
}

// webTypes are the content types of what a jellyfin-web build holds, so that
// they do not depend on the host's /etc/mime.types.
var webTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".json":        "application/json",
	".map":         "application/json",
	".webmanifest": "application/manifest+json",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".jpeg":        "image/jpeg",
	".gif":         "image/gif",
	".webp":        "image/webp",
	".ico":         "image/x-icon",
	".woff":        "font/woff",
	".woff2":       "font/woff2",
	".ttf":         "font/ttf",
	".wasm":        "application/wasm",
	".txt":         "text/plain; charset=utf-8",
	".xml":         "application/xml",
	".mp3":         "audio/mpeg",
	".wav":         "audio/wav",
}

// webFS hides directories without an index.html, so that FileServer never
// lists the build's folders.
type webFS struct{ http.FileSystem }

func (w webFS) Open(name string) (http.File, error) {
	f, err := w.FileSystem.Open(name)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	if st.IsDir() {
		idx, err := w.FileSystem.Open(path.Join(name, "index.html"))
		if err != nil {
			_ = f.Close()
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fs.ErrNotExist
			}
			return nil, err
		}
		_ = idx.Close()
	}
	return f, nil
}

// route sends the web client's paths to it and everything else to the API.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case s.web != nil && strings.HasPrefix(p, webPrefix):
		s.web.ServeHTTP(w, r)
	case s.web != nil && (p == "/" || p == strings.TrimSuffix(webPrefix, "/")):
		// Jellyfin sends the bare server address and /web to the client.
		http.Redirect(w, r, webPrefix, http.StatusFound)
	case s.web != nil && hasFoldedPrefix(p, strings.TrimSuffix(webPrefix, "/")) &&
		(len(p) == len(webPrefix)-1 || p[len(webPrefix)-1] == '/'):
		// /WEB/ or /Web/index.html, as a user may type it: Jellyfin matches
		// the prefix without regard to case. jellyfin-web finds the server
		// from the part of its address before "/web", so it is sent to the
		// canonical spelling rather than served where it would get lost.
		u := *r.URL
		u.Path = webPrefix + strings.TrimPrefix(p[len(webPrefix)-1:], "/")
		u.RawPath = ""
		http.Redirect(w, r, u.RequestURI(), http.StatusMovedPermanently) //nolint:gosec // G710: always under /web/ on this host
	case s.web == nil && p == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = fmt.Fprintf(w, "jellyha: a Jellyfin %s server. No web client is served here: start it with --webdir\n"+
			"pointing at a jellyfin-web build, or connect with any Jellyfin app to this address.\n", JellyfinVersion)
	default:
		s.api.ServeHTTP(w, r)
	}
}

// hasFoldedPrefix reports whether s begins with prefix, ignoring ASCII case.
func hasFoldedPrefix(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
