package jellyfin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/gendb"
	"github.com/jellyha/jellyha/internal/store"
	"github.com/jellyha/jellyha/internal/testdb"
)

// BenchmarkBrowseAPI is bench/apiload's home-screen and grid requests
// served by the whole router in process (no sockets, no client): what a
// request costs the server, from routing to the last byte of JSON, so that
// a CPU profile shows where it goes. It runs on the generated library named
// by JELLYHA_BENCH_DB (a copy of a `jellyha gendb` jellyfin.db, or a
// postgres:// URL of one moved there by `jellyha migrate`), as the
// generated administrator:
//
//	JELLYHA_BENCH_DB=/tmp/lb.db go test ./internal/jellyfin -run '^$' -bench BrowseAPI -benchtime 100x -cpuprofile /tmp/cpu.out
//
// bench/api.sh measures the same requests over HTTP, with percentiles.
func BenchmarkBrowseAPI(b *testing.B) {
	src := os.Getenv("JELLYHA_BENCH_DB")
	if src == "" {
		b.Skip("set JELLYHA_BENCH_DB to a generated jellyfin.db or postgres:// URL")
	}
	var p database.Provider = database.NewSQLite(src, nil)
	if strings.HasPrefix(src, "postgres://") || strings.HasPrefix(src, "postgresql://") {
		var err error
		if p, err = database.NewPostgres(src, nil); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	st := store.New(testdb.Open(b, p))
	rt, err := New(ctx, st, "benchhost", nil)
	if err != nil {
		b.Fatal(err)
	}
	serve := func(b *testing.B, r *http.Request) []byte {
		w := httptest.NewRecorder()
		rt.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("%s %s: %d %s", r.Method, r.URL, w.Code, w.Body.Bytes())
		}
		return w.Body.Bytes()
	}
	login, _ := json.Marshal(map[string]string{"Username": gendb.AdminName, "Pw": gendb.AdminPassword})
	r := httptest.NewRequest("POST", "/Users/AuthenticateByName", strings.NewReader(string(login)))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", `MediaBrowser Client="bench", Device="bench", DeviceId="browse-bench", Version="1"`)
	var auth struct {
		AccessToken string
		User        struct {
			ID string `json:"Id"`
		}
	}
	if err := json.Unmarshal(serve(b, r), &auth); err != nil {
		b.Fatal(err)
	}
	get := func(b *testing.B, path string) []byte {
		r := httptest.NewRequest("GET", path, nil)
		r.Header.Set("X-Emby-Token", auth.AccessToken)
		return serve(b, r)
	}
	var views struct {
		Items []struct {
			ID             string `json:"Id"`
			CollectionType string
		}
	}
	if err := json.Unmarshal(get(b, "/UserViews?userId="+auth.User.ID), &views); err != nil {
		b.Fatal(err)
	}
	movies := ""
	for _, v := range views.Items {
		if v.CollectionType == "movies" {
			movies = v.ID
		}
	}
	// As bench/apiload asks them: the web client's fields, page 11 of the
	// grids (below the order cache's threshold); MoviesPages strides
	// through the whole grid as apiload does, so that each request reads
	// rows the previous ones did not.
	const fields = "&Fields=PrimaryImageAspectRatio,MediaSourceCount&ImageTypeLimit=1&EnableImageTypes=Primary,Backdrop,Banner,Thumb"
	u := "userId=" + auth.User.ID
	grid := "/Items?" + u + "&ParentId=" + movies + "&Recursive=true&IncludeItemTypes=Movie&SortBy=SortName,ProductionYear&SortOrder=Ascending&Limit=100" + fields
	same := func(path string) func(int) string { return func(int) string { return path } }
	for _, c := range []struct {
		name string
		path func(i int) string
	}{
		{"MoviesPage", same(grid + "&StartIndex=1000")},
		{"MoviesPages", func(i int) string { return fmt.Sprintf("%s&StartIndex=%d", grid, (i*37*100)%20000) }},
		{"MoviesByRating", same("/Items?" + u + "&ParentId=" + movies + "&Recursive=true&IncludeItemTypes=Movie&SortBy=CommunityRating,SortName&SortOrder=Descending&StartIndex=0&Limit=100" + fields)},
		{"AllPage", same("/Items?" + u + "&Recursive=true&IncludeItemTypes=Movie,Episode&SortBy=SortName&SortOrder=Ascending&StartIndex=500&Limit=100" + fields)},
		{"Resume", same("/UserItems/Resume?" + u + "&Limit=12&MediaTypes=Video&EnableTotalRecordCount=false" + fields)},
		{"NextUp", same("/Shows/NextUp?" + u + "&Limit=24&EnableTotalRecordCount=false&DisableFirstEpisode=false&EnableResumable=false&EnableRewatching=false" + fields)},
		{"Latest", same("/Items/Latest?" + u + "&Limit=16&ParentId=" + url.QueryEscape(movies) + fields)},
	} {
		b.Run(c.name, func(b *testing.B) {
			size, i := 0, 0
			for b.Loop() {
				size = len(get(b, c.path(i)))
				i++
			}
			if size < 100 {
				b.Fatalf("%s: a %d-byte reply", c.path(0), size)
			}
			b.ReportMetric(float64(size)/1024, "KiB")
		})
	}
}
