package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/server"
	"github.com/jellyha/jellyha/internal/store"
	"github.com/jellyha/jellyha/internal/testdb"
)

func newServer(t *testing.T) *server.Server {
	t.Helper()
	ctx := context.Background()
	db, err := database.NewSQLite(testdb.SQLitePath(t), nil).Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(ctx, store.New(db), "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// noRedirects is a client that reports redirects instead of following them.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

type reply struct {
	code            int
	ctype, location string
	body            string
}

func fetch(t *testing.T, url string) reply {
	t.Helper()
	resp, err := noRedirects.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Location"), string(b)}
}

// TestWebClient serves a fake jellyfin-web build (an index.html, a bundle,
// a font and a folder) as --webdir does.
func TestWebClient(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"index.html":              "<!DOCTYPE html><title>Jellyfin</title>",
		"main.jellyfin.bundle.js": "console.log('jellyfin-web')",
		"assets/fonts/x.woff2":    "wOF2",
		"themes/dark/theme.css":   "body{}",
		"config.json":             `{"servers":[]}`,
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv := newServer(t)
	if err := srv.SetWebDir(t.TempDir()); err == nil || !strings.Contains(err.Error(), "index.html") {
		t.Errorf("a directory without index.html: %v", err)
	}
	if err := srv.SetWebDir(dir); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	for _, tc := range []struct {
		path string
		want reply
	}{
		{"/", reply{code: http.StatusFound, location: "/web/"}},
		{"/web", reply{code: http.StatusFound, location: "/web/"}},
		{"/web/", reply{code: http.StatusOK, ctype: "text/html; charset=utf-8", body: files["index.html"]}},
		{"/web/index.html", reply{code: http.StatusMovedPermanently, location: "./"}},
		{"/web/main.jellyfin.bundle.js", reply{code: http.StatusOK, ctype: "text/javascript; charset=utf-8", body: files["main.jellyfin.bundle.js"]}},
		// Any spelling of the prefix reaches the canonical one.
		{"/WEB/", reply{code: http.StatusMovedPermanently, location: "/web/"}},
		{"/Web", reply{code: http.StatusMovedPermanently, location: "/web/"}},
		{"/wEb/themes/dark/theme.css?v=1", reply{code: http.StatusMovedPermanently, location: "/web/themes/dark/theme.css?v=1"}},
		{"/webos", reply{code: http.StatusNotFound}},
		// A doubled slash cannot turn it into another host.
		{"/WEB//evil.example/x", reply{code: http.StatusMovedPermanently, location: "/web/evil.example/x"}},
		{"/web/assets/fonts/x.woff2", reply{code: http.StatusOK, ctype: "font/woff2", body: "wOF2"}},
		{"/web/themes/dark/theme.css", reply{code: http.StatusOK, ctype: "text/css; charset=utf-8", body: "body{}"}},
		{"/web/config.json", reply{code: http.StatusOK, ctype: "application/json", body: files["config.json"]}},
		// No listings of the build's folders, nothing outside it.
		{"/web/assets/", reply{code: http.StatusNotFound, ctype: "text/plain; charset=utf-8", body: "404 page not found\n"}},
		{"/web/nothing.js", reply{code: http.StatusNotFound, ctype: "text/plain; charset=utf-8", body: "404 page not found\n"}},
	} {
		got := fetch(t, ts.URL+tc.path)
		if tc.want.body == "" {
			got.body = ""
		}
		if tc.want.ctype == "" {
			got.ctype = ""
		}
		if got != tc.want {
			t.Errorf("GET %s: got %+v, want %+v", tc.path, got, tc.want)
		}
	}
	// A new build must reach browsers: index.html is revalidated.
	resp, err := http.Get(ts.URL + "/web/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("index.html Cache-Control %q, want no-cache", cc)
	}
	// The API is still there, beside the client.
	if r := fetch(t, ts.URL+"/System/Ping"); r.code != http.StatusOK || r.body != "Jellyfin Server" {
		t.Errorf("ping beside the web client: %+v", r)
	}
	// Paths outside the build are not reachable through it.
	if r := fetch(t, ts.URL+"/web/../../etc/passwd"); r.code == http.StatusOK && strings.Contains(r.body, "root:") {
		t.Errorf("escaped the web directory: %+v", r)
	}
}

// TestNoWebClient: without --webdir, / is a short plain page and /web is
// not found.
func TestNoWebClient(t *testing.T) {
	ts := httptest.NewServer(newServer(t).Handler())
	defer ts.Close()
	if r := fetch(t, ts.URL+"/"); r.code != http.StatusOK || r.ctype != "text/plain; charset=utf-8" || !strings.Contains(r.body, "--webdir") {
		t.Errorf("/ without a web client: %+v", r)
	}
	for _, p := range []string{"/web", "/web/", "/web/index.html"} {
		if r := fetch(t, ts.URL+p); r.code != http.StatusNotFound {
			t.Errorf("%s without a web client: %+v", p, r)
		}
	}
}
