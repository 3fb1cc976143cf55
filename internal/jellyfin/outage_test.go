package jellyfin

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/testdb"
)

// TestReportsAcrossDatabaseRestart: a progress report the server
// acknowledged is in the database, even while the database is away; a
// report made while it is away is answered 503 (never 204, and never 401,
// which would log the user out); once the database is back, the client's
// next reports succeed without restarting the replica.
//
// The replica reaches PostgreSQL through a loopback proxy. "Restart" is
// what a replica sees of one: every connection cut, new ones refused, then
// accepted again.
func TestReportsAcrossDatabaseRestart(t *testing.T) {
	ctx := context.Background()
	dsn := testdb.NewPostgres(t)
	proxy, proxied := testdb.NewProxy(t, dsn)
	p, err := database.NewPostgres(proxied, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := newBrowseEnv(t, newTestServer(t, p, nil))

	var film ItemIn
	for _, it := range e.list(e.bob, "/Items?IncludeItemTypes=Movie&Recursive=true").Items {
		if it.RunTimeTicks != nil && *it.RunTimeTicks > 600*media.TicksPerSecond && it.UserData.PlayCount == 0 {
			film = it
			break
		}
	}
	if film.ID == "" {
		t.Fatal("no unplayed film in the generated library")
	}
	at := func(pct int64) int64 { return *film.RunTimeTicks * pct / 100 }
	report := func(path string, pct int64) (int, string) {
		code, body := e.do(req{"POST", path, map[string]any{"ItemId": film.ID, "PositionTicks": at(pct), "PlaySessionId": "ps1",
			"PlayMethod": "DirectPlay"}, as(e.bob)})
		return code, string(body)
	}
	// stored reads the position straight from the database, not through
	// the replica.
	direct, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close(ctx)
	stored := func() int64 {
		t.Helper()
		var pos int64
		if err := direct.QueryRow(ctx, `SELECT "PlaybackPositionTicks" FROM "UserData" WHERE "ItemId" = $1 AND "UserId" = $2`,
			media.MustParseID(film.ID).Hyphenated(), e.bobID.Hyphenated()).Scan(&pos); err != nil {
			t.Fatal(err)
		}
		return pos
	}

	if code, body := report("/Sessions/Playing", 0); code != 204 {
		t.Fatalf("start: %d %s", code, body)
	}
	if code, body := report("/Sessions/Playing/Progress", 30); code != 204 {
		t.Fatalf("progress: %d %s", code, body)
	}

	proxy.Down()
	if got := stored(); got != at(30) {
		t.Errorf("the acknowledged report is not in the database: position %d, want %d", got, at(30))
	}
	for _, path := range []string{"/Sessions/Playing/Progress", "/Sessions/Playing/Stopped"} {
		code, body := report(path, 40)
		if code != 503 {
			t.Errorf("%s with the database away: %d %s, want 503", path, code, body)
		}
	}
	code, body := e.do(req{"GET", "/UserItems/" + film.ID + "/UserData", nil, as(e.bob)})
	if code != 503 {
		t.Errorf("reading user data with the database away: %d %s, want 503", code, body)
	}
	if got := stored(); got != at(30) {
		t.Errorf("a refused report changed the position to %d", got)
	}

	proxy.Up()
	if code, body := report("/Sessions/Playing/Progress", 50); code != 204 {
		t.Fatalf("the first report after the database came back: %d %s", code, body)
	}
	if code, body := report("/Sessions/Playing/Stopped", 55); code != 204 {
		t.Fatalf("stop after the database came back: %d %s", code, body)
	}
	var d UserDataIn
	e.expect(req{"GET", "/UserItems/" + film.ID + "/UserData", nil, as(e.bob)}, 200, &d)
	if d.PlaybackPositionTicks != at(55) || d.Played || d.PlayCount != 1 {
		t.Errorf("after the restart: %+v, want position %d, not played, one play", d, at(55))
	}
	if !strings.Contains(strings.Join(ids(e.list(e.bob, "/UserItems/Resume").Items), ","), film.ID) {
		t.Errorf("the film is not in Continue Watching after the restart")
	}
}
