package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestGendbSQLite(t *testing.T) {
	out := filepath.Join(t.TempDir(), "jellyfin.db")
	stdout, stderr, code := run(t, nil, "gendb", "--size", "tiny", "--seed", "7", "--out", out)
	if code != 0 || !regexp.MustCompile(`BaseItems\s+\d+`).MatchString(stdout) || !strings.Contains(stdout, "elapsed:") {
		t.Fatalf("gendb: %d\n%s%s", code, stdout, stderr)
	}
	fi, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	_, stderr, code = run(t, nil, "gendb", "--out", out)
	if code != 1 || !strings.Contains(stderr, "already exists") {
		t.Errorf("gendb over an existing file: %d %q", code, stderr)
	}
	if fi2, _ := os.Stat(out); fi2.Size() != fi.Size() || !fi2.ModTime().Equal(fi.ModTime()) {
		t.Error("the existing file was changed")
	}
	if _, _, code := run(t, nil, "gendb", "--size", "huge", "--out", out+"2"); code != 1 {
		t.Errorf("unknown size: exit %d", code)
	}
	// Without --out, the configured data directory's jellyfin.db.
	dir := t.TempDir()
	if stdout, stderr, code := run(t, []string{"JELLYFIN_DATA_DIR=" + dir}, "gendb"); code != 0 || !strings.Contains(stdout, dir+"/data/jellyfin.db") {
		t.Errorf("gendb in the data directory: %d\n%s%s", code, stdout, stderr)
	}
}

func TestGendbPostgres(t *testing.T) {
	env := pgEnv(t)
	stdout, stderr, code := run(t, env, "gendb", "--size", "tiny")
	if code != 0 || !strings.Contains(stdout, "provider:   Jellyfin-PostgreSQL") || strings.Contains(stdout+stderr, "sw0rdfish") {
		t.Fatalf("gendb: %d\n%s%s", code, stdout, stderr)
	}
	if _, stderr, code := run(t, env, "gendb", "--size", "tiny"); code != 1 || !strings.Contains(stderr, "not empty") {
		t.Errorf("gendb into a filled database: %d %q", code, stderr)
	}
}
