package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// replica is one "jellyha serve" process.
type replica struct {
	cmd  *exec.Cmd
	url  string
	mu   sync.Mutex
	logs bytes.Buffer
}

func (r *replica) log() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.logs.String()
}

var servingAddr = regexp.MustCompile(`msg="jellyha serving" addr=(\S+)`)

// startReplica runs bin serve on a free loopback port (the kernel picks it:
// --addr 127.0.0.1:0, read back from the log) and waits until /health says
// ready. The process is stopped when the test ends.
func startReplica(t *testing.T, bin string, env []string) *replica {
	t.Helper()
	r := &replica{cmd: exec.Command(bin, "serve", "--addr", "127.0.0.1:0")}
	r.cmd.Env = env
	stderr, err := r.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = r.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = r.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = r.cmd.Process.Kill()
			<-done
		}
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			r.mu.Lock()
			r.logs.WriteString(sc.Text() + "\n")
			r.mu.Unlock()
			if m := servingAddr.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	select {
	case a := <-addr:
		r.url = "http://" + a
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not start listening:\n%s", r.log())
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(r.url + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return r
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never became ready (%v):\n%s", r.url, err, r.log())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// call sends a request as a Jellyfin client would, with token if any, and
// decodes a JSON answer into out.
func (r *replica) call(t *testing.T, method, path, token string, body, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, r.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	auth := `MediaBrowser Client="replica-test", Device="test", DeviceId="replica-test-1", Version="1.0"`
	if token != "" {
		auth += fmt.Sprintf(`, Token="%s"`, token)
	}
	req.Header.Set("Authorization", auth)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return resp.StatusCode
}

// TestTwoReplicasShareSessions runs two "jellyha serve" processes on one
// PostgreSQL database and moves a client between them on every request, as
// a load balancer without sticky sessions does: a token issued by one is
// honoured by the other, play state written through one is read through
// the other, and a logout on one is refused by the other at once.
func TestTwoReplicasShareSessions(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "jellyha")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/jellyha").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	env := append(os.Environ(), pgEnv(t)...)
	jellyha := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("jellyha %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	// gendb fills only an empty database, so the library comes first and
	// our administrator second.
	jellyha("", "gendb", "--size", "tiny")
	jellyha("replica-pw\n", "user", "add", "ops", "--admin", "--password-stdin")

	a := startReplica(t, bin, env)
	b := startReplica(t, bin, env)
	if a.cmd.Process.Pid == b.cmd.Process.Pid || a.url == b.url {
		t.Fatal("the two replicas are one process")
	}
	var infoA, infoB struct {
		ID string `json:"Id"`
	}
	a.call(t, "GET", "/System/Info/Public", "", nil, &infoA)
	b.call(t, "GET", "/System/Info/Public", "", nil, &infoB)
	if infoA.ID == "" || infoA.ID != infoB.ID {
		t.Errorf("the replicas advertise server ids %q and %q; clients need one", infoA.ID, infoB.ID)
	}

	var login struct {
		AccessToken string
		User        struct {
			ID string `json:"Id"`
		}
	}
	if code := a.call(t, "POST", "/Users/AuthenticateByName", "", map[string]string{"Username": "ops", "Pw": "replica-pw"}, &login); code != http.StatusOK || login.AccessToken == "" {
		t.Fatalf("login on A: %d\n%s", code, a.log())
	}
	token := login.AccessToken
	var page struct {
		Items []struct {
			ID       string `json:"Id"`
			UserData struct{ IsFavorite bool }
		}
	}
	if code := b.call(t, "GET", "/Items?Recursive=true&IncludeItemTypes=Movie&Limit=1", token, nil, &page); code != http.StatusOK || len(page.Items) != 1 {
		t.Fatalf("browse on B with A's token: %d %+v", code, page)
	}
	item := page.Items[0]
	if item.UserData.IsFavorite {
		t.Fatal("the new user's movie is already a favourite")
	}
	var ud struct{ IsFavorite bool }
	if code := b.call(t, "POST", "/UserFavoriteItems/"+item.ID, token, nil, &ud); code != http.StatusOK || !ud.IsFavorite {
		t.Fatalf("favourite on B with A's token: %d %+v\n%s", code, ud, b.log())
	}
	var got struct {
		ID       string `json:"Id"`
		UserData struct{ IsFavorite bool }
	}
	if code := a.call(t, "GET", "/Items/"+item.ID, token, nil, &got); code != http.StatusOK || got.ID != item.ID || !got.UserData.IsFavorite {
		t.Errorf("item read on A after the favourite on B: %d %+v", code, got)
	}
	ud.IsFavorite = false
	if code := a.call(t, "GET", "/UserItems/"+item.ID+"/UserData", token, nil, &ud); code != http.StatusOK || !ud.IsFavorite {
		t.Errorf("user data read on A: %d %+v", code, ud)
	}

	if code := b.call(t, "POST", "/Sessions/Logout", token, nil, nil); code != http.StatusNoContent {
		t.Fatalf("logout on B: %d", code)
	}
	for _, r := range []*replica{a, b} {
		if code := r.call(t, "GET", "/Users/Me", token, nil, nil); code != http.StatusUnauthorized {
			t.Errorf("%s accepted the token after the logout on B: %d", r.url, code)
		}
	}
}
