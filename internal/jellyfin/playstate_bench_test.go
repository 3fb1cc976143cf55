package jellyfin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/jellyha/jellyha/internal/gendb"
)

// BenchmarkProgressReport measures progress-report throughput
// (POST /Sessions/Playing/Progress) through the whole router over HTTP on
// each engine: every report is a committed write of the session row and
// the user's data, acknowledged only after the commit. "serial" is one
// client reporting as fast as it can; "parallel" is 24 clients at once
// (12 per core), each playing its own video, as many homes' players at
// once. Run with
//
//	go test ./internal/jellyfin -run '^$' -bench ProgressReport -benchtime 2000x
//
// and read reports/s.
func BenchmarkProgressReport(b *testing.B) {
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			env := newReportBench(b, name)
			b.Run("serial", func(b *testing.B) {
				pos := int64(0)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					pos += 10_000_000
					env.progress(b, 0, pos)
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reports/s")
			})
			b.Run("parallel", func(b *testing.B) {
				var next atomic.Int64
				b.SetParallelism(12) // 24 clients on 2 cores
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					c := int(next.Add(1)-1) % len(env.films)
					pos := int64(0)
					for pb.Next() {
						pos += 10_000_000
						env.progress(b, c, pos)
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reports/s")
			})
		})
	}
}

type reportBench struct {
	url    string
	tokens []string // one per client, alternating between two users
	films  []string
	client *http.Client
}

func newReportBench(b *testing.B, engine string) *reportBench {
	ctx := context.Background()
	s := newTestServer(b, engines[engine](b), nil)
	st := s.store
	if _, err := gendb.Generate(ctx, st, gendb.Options{Size: gendb.Tiny, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	if err := st.SetSetting(ctx, settingWizardCompleted, "true"); err != nil {
		b.Fatal(err)
	}
	env := &reportBench{url: s.url, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	users := [][2]string{{gendb.AdminName, gendb.AdminPassword}, {"bob", "bob-password"}}
	const clients = 24
	for i := range clients {
		u := users[i%2]
		var res AuthenticationResultIn
		env.call(b, "POST", "/Users/AuthenticateByName", "", fmt.Sprintf("bench-%d", i),
			map[string]string{"Username": u[0], "Pw": u[1]}, &res, 200)
		env.tokens = append(env.tokens, res.AccessToken)
	}
	var films listIn
	env.call(b, "GET", "/Items?IncludeItemTypes=Movie,Episode&Recursive=true&Limit=24", env.tokens[0], "bench-0", nil, &films, 200)
	for _, f := range films.Items {
		env.films = append(env.films, f.ID)
	}
	if len(env.films) < clients {
		b.Fatalf("%d videos in the generated library, want %d", len(env.films), clients)
	}
	for c := range env.films {
		env.call(b, "POST", "/Sessions/Playing", env.tokens[c], fmt.Sprintf("bench-%d", c),
			map[string]any{"ItemId": env.films[c], "PositionTicks": 0, "PlaySessionId": fmt.Sprintf("ps%d", c), "PlayMethod": "DirectPlay"}, nil, 204)
	}
	return env
}

func (e *reportBench) progress(b *testing.B, c int, pos int64) {
	e.call(b, "POST", "/Sessions/Playing/Progress", e.tokens[c], fmt.Sprintf("bench-%d", c),
		map[string]any{"ItemId": e.films[c], "PositionTicks": pos, "PlaySessionId": fmt.Sprintf("ps%d", c), "PlayMethod": "DirectPlay"}, nil, 204)
}

// call makes one request as client device with token and checks its
// status; b.Fatal is not allowed in RunParallel's goroutines, so a failure
// is b.Error and the benchmark fails at its end.
func (e *reportBench) call(b *testing.B, method, path, token, device string, body, out any, status int) {
	var rd io.Reader
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			b.Error(err)
			return
		}
		rd = bytes.NewReader(j)
	}
	r, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		b.Error(err)
		return
	}
	h := `MediaBrowser Client="Bench", Device="Box", DeviceId="` + device + `", Version="1.0"`
	if token != "" {
		h += `, Token="` + token + `"`
	}
	r.Header.Set("Authorization", h)
	r.Header.Set("Content-Type", "application/json")
	resp, err := e.client.Do(r)
	if err != nil {
		b.Error(err)
		return
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		b.Errorf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, status, got)
		return
	}
	if out != nil {
		if err := json.Unmarshal(got, out); err != nil {
			b.Error(err)
		}
	}
}
