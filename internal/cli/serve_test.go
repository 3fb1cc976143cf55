package cli

import (
	"strings"
	"testing"
)

// TestServeRefusesAnEmptyWebDir: a --webdir (or JELLYFIN_WEB_DIR) without
// index.html stops serve at start, instead of a server that answers 404 to
// every browser.
func TestServeRefusesAnEmptyWebDir(t *testing.T) {
	empty := t.TempDir()
	env := []string{"JELLYFIN_DATA_DIR=" + t.TempDir()}
	for _, tc := range []struct {
		env  []string
		args []string
	}{
		{env, []string{"serve", "--addr", "127.0.0.1:0", "--webdir", empty}},
		{append(env, "JELLYFIN_WEB_DIR="+empty), []string{"serve", "--addr", "127.0.0.1:0"}},
	} {
		_, stderr, code := run(t, tc.env, tc.args...)
		if code != 1 || !strings.Contains(stderr, empty+" holds no index.html") {
			t.Errorf("%v: %d %q", tc.args, code, stderr)
		}
	}
	if out, _, _ := run(t, nil, "serve", "-h"); !strings.Contains(out, "-webdir") {
		t.Errorf("serve -h does not mention --webdir:\n%s", out)
	}
}
