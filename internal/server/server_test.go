package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/server"
	"github.com/jellyha/jellyha/internal/store"
	"github.com/jellyha/jellyha/internal/testdb"
)

func TestHealthAndPublicInfo(t *testing.T) {
	ctx := context.Background()
	db, err := database.NewSQLite(testdb.SQLitePath(t), nil).Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := store.New(db)
	// Before migrating, the database is not ready: readiness says so.
	if _, err := db.Write.Exec(`CREATE TABLE jellyha_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(ctx, s, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	get := func(path string) (int, string) {
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/health/ready"); code != http.StatusServiceUnavailable || body != "Unhealthy" {
		t.Errorf("ready before migration: %d %q", code, body)
	}
	if code, _ := get("/health/live"); code != http.StatusOK {
		t.Errorf("live: %d", code)
	}
	if _, err := db.Write.Exec(`DROP TABLE jellyha_settings`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if code, body := get("/health"); code != http.StatusOK || body != "Healthy" {
		t.Errorf("health after migration: %d %q", code, body)
	}
	code, body := get("/System/Info/Public")
	var info struct {
		ID      string `json:"Id"`
		Version string
	}
	if err := json.Unmarshal([]byte(body), &info); err != nil || code != http.StatusOK {
		t.Fatalf("public info: %d %q %v", code, body, err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(info.ID) || info.Version != "10.11.11" {
		t.Errorf("public info %+v", info)
	}
}
