// Command apiload measures the latency of a running jellyha (or Jellyfin)
// server's browse endpoints as a client sees it: it logs in, finds the
// libraries, then fires requests one after another (no concurrency, so
// each figure is one request's own latency) and prints p50, p90, p99 and
// the maximum per endpoint. bench/api.sh runs it; it uses only net/http so
// that it measures the server, not a client library.
//
//	apiload -url http://127.0.0.1:8096 -user admin -password jellyfin -n 200
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
)

// authHeader is how jellyfin-web describes itself; the token is appended
// once logged in.
const authHeader = `MediaBrowser Client="apiload", Device="bench", DeviceId="jellyha-apiload", Version="1.0.0"`

type client struct {
	base  string
	token string
	http  *http.Client
}

func (c *client) do(method, path string, body any, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return 0, err
	}
	h := authHeader
	if c.token != "" {
		h += `, Token="` + c.token + `"`
	}
	req.Header.Set("Authorization", h)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return len(b), fmt.Errorf("%s %s: %s: %.200s", method, path, resp.Status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return len(b), fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return len(b), nil
}

// endpoint is one measured request; page gives the path of the i-th
// request (pages move through the library, so that deep offsets count too).
type endpoint struct {
	name string
	page func(i int) string
	n    int // measured requests; 0: the -n flag's
}

func main() {
	base := flag.String("url", "http://127.0.0.1:8096", "server URL")
	user := flag.String("user", "admin", "user to log in as")
	password := flag.String("password", "jellyfin", "password")
	n := flag.Int("n", 200, "measured requests per endpoint")
	warmup := flag.Int("warmup", 10, "unmeasured requests per endpoint first")
	names := flag.Int("names", 0, "measured requests per names list (the genres, studios and artists tabs, the filter dialog); 0: none")
	flag.Parse()
	c := &client{base: strings.TrimSuffix(*base, "/"), http: &http.Client{Timeout: time.Minute}}
	if err := run(c, *user, *password, *n, *warmup, *names); err != nil {
		fmt.Fprintln(os.Stderr, "apiload:", err)
		os.Exit(1)
	}
}

func run(c *client, user, password string, n, warmup, names int) error {
	var auth struct {
		AccessToken string
		User        struct {
			ID string `json:"Id"`
		}
	}
	if _, err := c.do("POST", "/Users/AuthenticateByName", map[string]string{"Username": user, "Pw": password}, &auth); err != nil {
		return err
	}
	c.token = auth.AccessToken
	var views struct {
		Items []struct {
			ID             string `json:"Id"`
			Name           string
			CollectionType string
		}
	}
	if _, err := c.do("GET", "/UserViews?userId="+auth.User.ID, nil, &views); err != nil {
		return err
	}
	libs := map[string]string{}
	for _, v := range views.Items {
		libs[v.CollectionType] = v.ID
	}
	count := func(q string) (int, error) {
		var r struct{ TotalRecordCount int }
		_, err := c.do("GET", "/Items?"+q+"&Limit=1", nil, &r)
		return r.TotalRecordCount, err
	}
	// The web client's own library grid query (movies tab), and the same
	// over every video item.
	const fields = "&Fields=PrimaryImageAspectRatio,MediaSourceCount&ImageTypeLimit=1&EnableImageTypes=Primary,Backdrop,Banner,Thumb"
	var eps []endpoint
	pages := func(name, q string) error {
		total, err := count(q)
		if err != nil {
			return err
		}
		if total == 0 {
			return fmt.Errorf("%s: no items", name)
		}
		fmt.Printf("# %s: %d items, pages of 100 spread over all of them\n", name, total)
		eps = append(eps, endpoint{name: name, page: func(i int) string {
			// Successive requests stride through the whole list (a prime
			// stride, so every page comes up), first page included.
			start := (i * 37 * 100) % total
			start -= start % 100
			return fmt.Sprintf("/Items?%s&StartIndex=%d&Limit=100%s", q, start, fields)
		}})
		return nil
	}
	if id, ok := libs["movies"]; ok {
		if err := pages("items: movies library, SortName", "userId="+auth.User.ID+"&ParentId="+id+
			"&Recursive=true&IncludeItemTypes=Movie&SortBy=SortName,ProductionYear&SortOrder=Ascending"); err != nil {
			return err
		}
	}
	if err := pages("items: Movie,Episode in all libraries, SortName", "userId="+auth.User.ID+
		"&Recursive=true&IncludeItemTypes=Movie,Episode&SortBy=SortName&SortOrder=Ascending"); err != nil {
		return err
	}
	eps = append(eps,
		endpoint{name: "resume (12, Video)", page: func(int) string {
			return "/UserItems/Resume?userId=" + auth.User.ID + "&Limit=12&MediaTypes=Video&EnableTotalRecordCount=false" + fields
		}},
		endpoint{name: "next up (24)", page: func(int) string {
			return "/Shows/NextUp?userId=" + auth.User.ID + "&Limit=24&EnableTotalRecordCount=false&DisableFirstEpisode=false&EnableResumable=false&EnableRewatching=false" + fields
		}},
		endpoint{name: "latest (16, movies)", page: func(int) string {
			return "/Items/Latest?userId=" + auth.User.ID + "&Limit=16&ParentId=" + url.QueryEscape(libs["movies"]) + fields
		}},
	)
	// The names lists as jellyfin-web asks for them: whole lists for a
	// library's genres and networks tabs and the filter dialog, pages of
	// 100 for the artists tabs. They are slower than the grids, so they
	// get their own (smaller) count.
	if names > 0 {
		u := "&userId=" + auth.User.ID
		tab := "?SortBy=SortName&SortOrder=Ascending&Recursive=true&Fields=PrimaryImageAspectRatio,SortName&StartIndex=0"
		for _, e := range []struct{ name, path string }{
			{"names: movie genres tab", "/Genres" + tab + "&IncludeItemTypes=Movie&EnableTotalRecordCount=false&ParentId=" + libs["movies"] + u},
			{"names: tv networks tab", "/Studios" + tab + "&IncludeItemTypes=Series&ParentId=" + libs["tvshows"] + u},
			{"names: album artists tab (100)", "/Artists/AlbumArtists" + tab + "&Limit=100&ParentId=" + libs["music"] + u},
			{"names: artists tab (100)", "/Artists" + tab + "&Limit=100&ParentId=" + libs["music"] + u},
			{"names: music genres tab", "/MusicGenres" + tab + "&ParentId=" + libs["music"] + u},
			{"names: people search (24)", "/Persons?SearchTerm=an&Limit=24" + u},
			{"names: all genres (100)", "/Genres" + tab + "&Limit=100" + u},
			{"names: movie filter dialog", "/Items/Filters?ParentId=" + libs["movies"] + "&IncludeItemTypes=Movie" + u},
			{"names: album filter dialog", "/Items/Filters2?ParentId=" + libs["music"] + "&IncludeItemTypes=MusicAlbum" + u},
		} {
			eps = append(eps, endpoint{name: e.name, page: func(int) string { return e.path }, n: names})
		}
		// An actor's page: the items of one person, from a person's id.
		var people struct {
			Items []struct {
				ID string `json:"Id"`
			}
		}
		if _, err := c.do("GET", "/Persons?StartIndex=500&Limit=1"+u, nil, &people); err != nil {
			return err
		}
		if len(people.Items) == 1 {
			path := "/Items?SortBy=SortName&Recursive=true&Limit=100&PersonIds=" + people.Items[0].ID + u + fields
			eps = append(eps, endpoint{name: "items: a person's (100)", page: func(int) string { return path }, n: names})
		}
	}
	fmt.Printf("%-50s %6s %9s %9s %9s %9s %9s\n", "endpoint", "n", "p50 ms", "p90 ms", "p99 ms", "max ms", "KiB")
	for _, e := range eps {
		n := n
		if e.n > 0 {
			n = e.n
		}
		for i := range warmup {
			if _, err := c.do("GET", e.page(i), nil, nil); err != nil {
				return err
			}
		}
		times := make([]time.Duration, 0, n)
		size := 0
		for i := range n {
			t0 := time.Now()
			b, err := c.do("GET", e.page(i), nil, nil)
			if err != nil {
				return err
			}
			times = append(times, time.Since(t0))
			size = max(size, b)
		}
		slices.Sort(times)
		fmt.Printf("%-50s %6d %9.1f %9.1f %9.1f %9.1f %9d\n", e.name, n, ms(pct(times, 50)), ms(pct(times, 90)), ms(pct(times, 99)),
			ms(times[len(times)-1]), size/1024)
	}
	return nil
}

// pct is the nearest-rank percentile of sorted.
func pct(sorted []time.Duration, p int) time.Duration {
	i := (p*len(sorted) + 99) / 100
	return sorted[max(i-1, 0)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
