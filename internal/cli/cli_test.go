package cli

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jellyha/jellyha/internal/testdb"
)

func run(t *testing.T, environ []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	code = Main(context.Background(), args, &o, &e, environ)
	return o.String(), e.String(), code
}

func TestHelp(t *testing.T) {
	out, _, code := run(t, nil, "help")
	if code != 0 || !strings.Contains(out, "serve") || !strings.Contains(out, "db") {
		t.Errorf("help: %d %q", code, out)
	}
	for _, cmd := range []string{"serve", "db", "version"} {
		out, _, code := run(t, nil, cmd, "-h")
		if code != 0 || !strings.Contains(out, "Usage: jellyha "+cmd) {
			t.Errorf("%s -h: %d %q", cmd, code, out)
		}
		if out2, _, _ := run(t, nil, "help", cmd); out2 != out {
			t.Errorf("help %s differs from %s -h", cmd, cmd)
		}
	}
	if _, errOut, code := run(t, nil, "frobnicate"); code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %d %q", code, errOut)
	}
	if _, _, code := run(t, nil, "db", "vacuum"); code != 2 {
		t.Errorf("unknown db subcommand exit %d, want 2", code)
	}
}

func TestDBCommandsSQLite(t *testing.T) {
	dir := t.TempDir()
	env := []string{"JELLYFIN_DATA_DIR=" + dir}
	out, _, code := run(t, env, "db", "status")
	if code != 0 || !strings.Contains(out, "pending:    create the Jellyfin 10.11.11 schema") || !strings.Contains(out, "Data Source="+dir+"/data/jellyfin.db") {
		t.Fatalf("status on a new database: %d\n%s", code, out)
	}
	// jellyha's schema version is the number of its migrations.
	migrations, err := os.ReadDir("../schema/sqlite/jellyha")
	if err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := run(t, env, "db", "migrate"); code != 0 || !strings.Contains(out, fmt.Sprintf("schema:     Jellyfin 10.11.11, jellyha %d\n", len(migrations))) {
		t.Fatalf("migrate: %d\n%s%s", code, out, errOut)
	}
	if out, _, code := run(t, env, "db", "migrate"); code != 0 || !strings.Contains(out, "already up to date") {
		t.Errorf("second migrate: %d\n%s", code, out)
	}
	if out, _, code := run(t, env, "db", "status"); code != 0 || !strings.Contains(out, "pending:    none") || !strings.Contains(out, "71 rows, last EF migration 20260524120336_AddUniqueNormalizedUsernameIndex") {
		t.Errorf("status: %d\n%s", code, out)
	}
	if out, _, code := run(t, env, "db", "check"); code != 0 || !strings.Contains(out, "schema:     matches") {
		t.Errorf("check: %d\n%s", code, out)
	}
}

// npgsql writes a test database's URL in the Npgsql form the fork's
// manifests use, with a password that must never be printed.
func npgsql(t *testing.T, rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	return "Host=" + u.Hostname() + ";Port=" + port + ";Database=" + strings.TrimPrefix(u.Path, "/") + ";Username=" + u.User.Username() + ";Password=sw0rdfish"
}

func pgEnv(t *testing.T) []string {
	return []string{
		"JELLYFIN_DATA_DIR=" + t.TempDir(),
		"JELLYFIN_DatabaseProvider=Jellyfin-PostgreSQL",
		"JELLYFIN_ConnectionStrings__Jellyfin-PostgreSQL=" + npgsql(t, testdb.NewPostgres(t)),
	}
}

func TestDBCommandsPostgres(t *testing.T) {
	env := pgEnv(t)
	for _, args := range [][]string{{"db", "status"}, {"db", "migrate"}, {"db", "check"}} {
		out, errOut, code := run(t, env, args...)
		if code != 0 || strings.Contains(out+errOut, "sw0rdfish") || !strings.Contains(out, "Password=********") || !strings.Contains(out, "provider:   Jellyfin-PostgreSQL") {
			t.Errorf("%v: %d\n%s%s", args, code, out, errOut)
		}
	}
}

// TestConcurrentMigrateProcesses starts two "jellyha db migrate" processes
// against one empty PostgreSQL database at the same moment: one migrates, the
// other waits on the advisory lock and finds the work done.
func TestConcurrentMigrateProcesses(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "jellyha")
	build := exec.Command("go", "build", "-o", bin, "../../cmd/jellyha")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	env := append(os.Environ(), pgEnv(t)...)
	var wg sync.WaitGroup
	outs := make([]string, 2)
	start := make(chan struct{})
	for i := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(bin, "db", "migrate")
			cmd.Env = env
			<-start
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("process %d: %v\n%s", i, err, out)
			}
			outs[i] = string(out)
		}()
	}
	close(start)
	wg.Wait()
	both := outs[0] + outs[1]
	if strings.Count(both, "applied:    create the Jellyfin 10.11.11 schema") != 1 || strings.Count(both, "already up to date") != 1 {
		t.Errorf("want one process to migrate and the other to find it done:\n--- 1:\n%s--- 2:\n%s", outs[0], outs[1])
	}
	cmd := exec.Command(bin, "db", "check")
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "schema:     matches") {
		t.Errorf("check after concurrent migrate: %v\n%s", err, out)
	}
}
