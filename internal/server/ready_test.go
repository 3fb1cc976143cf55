package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/server"
	"github.com/jellyha/jellyha/internal/store"
	"github.com/jellyha/jellyha/internal/testdb"
)

// probe answers the status and body of path on ts.
func probe(t *testing.T, ts *httptest.Server, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func wantReady(t *testing.T, ts *httptest.Server, ready bool, when string) {
	t.Helper()
	code, body := probe(t, ts, "/health/ready")
	if ready && (code != http.StatusOK || body != "Healthy") || !ready && (code != http.StatusServiceUnavailable || body != "Unhealthy") {
		t.Errorf("%s: /health/ready %d %q, want ready=%v", when, code, body, ready)
	}
	// Liveness never depends on the database: an orchestrator must not
	// restart replicas because the database is away.
	if code, _ := probe(t, ts, "/health/live"); code != http.StatusOK {
		t.Errorf("%s: /health/live %d", when, code)
	}
}

// TestReadinessSchemaNotCurrent: a replica whose schema is behind what it
// expects (a jellyha step not applied) or ahead of it (a newer jellyha
// migrated the database) is not ready, and is again once it matches.
func TestReadinessSchemaNotCurrent(t *testing.T) {
	ctx := context.Background()
	db, err := database.NewSQLite(testdb.SQLitePath(t), nil).Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(ctx, store.New(db), "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	wantReady(t, ts, true, "migrated")

	latest := st.JellyhaLatest
	var name, applied string
	if err := db.Read.QueryRowContext(ctx, `SELECT name, applied_at FROM jellyha_migrations WHERE version = ?`, latest).Scan(&name, &applied); err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Write.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`DELETE FROM jellyha_migrations WHERE version = ?`, latest)
	wantReady(t, ts, false, "a jellyha migration pending")
	exec(`INSERT INTO jellyha_migrations (version, name, applied_at) VALUES (?, ?, ?)`, latest, name, applied)
	wantReady(t, ts, true, "the migration recorded again")
	exec(`INSERT INTO jellyha_migrations (version, name, applied_at) VALUES (?, 'from_the_future', ?)`, latest+1, applied)
	wantReady(t, ts, false, "migrated by a newer jellyha")
	exec(`DELETE FROM jellyha_migrations WHERE version = ?`, latest+1)
	exec(`DELETE FROM "__EFMigrationsHistory" WHERE "MigrationId" = (SELECT MAX("MigrationId") FROM "__EFMigrationsHistory")`)
	wantReady(t, ts, false, "Jellyfin's last EF migration missing")
}

// TestReadinessDatabaseDown: when the PostgreSQL database stops taking
// connections, readiness says so within its timeout, and recovers when
// the database is back, without a restart.
func TestReadinessDatabaseDown(t *testing.T) {
	ctx := context.Background()
	dsn := testdb.NewPostgres(t)
	p, err := database.NewPostgres(dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	db, err := p.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(ctx, store.New(db), "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	wantReady(t, ts, true, "up")

	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	admin, err := pgx.Connect(ctx, testdb.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	adminExec := func(q string) {
		t.Helper()
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	// "Down" as a replica sees it: its connections are cut and new ones
	// refused.
	adminExec(`ALTER DATABASE ` + name + ` ALLOW_CONNECTIONS false`)
	adminExec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '` + name + `'`)
	start := time.Now()
	wantReady(t, ts, false, "database down")
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("readiness took %s to answer with the database down", d)
	}
	adminExec(`ALTER DATABASE ` + name + ` ALLOW_CONNECTIONS true`)
	wantReady(t, ts, true, "database back")
}
