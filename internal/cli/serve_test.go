package cli

import (
	"bytes"
	"context"
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

// TestServeSaysFFmpegIsMissing: without ffmpeg and ffprobe on the PATH,
// serve says at start which package to install, before anything else.
func TestServeSaysFFmpegIsMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // serve logs the warning, then stops at the database
	var o, e bytes.Buffer
	Main(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--discovery-addr", ""}, &o, &e, []string{"JELLYFIN_DATA_DIR=" + t.TempDir()})
	for _, prog := range []string{"ffmpeg", "ffprobe"} {
		if !strings.Contains(e.String(), prog+" is not installed") || !strings.Contains(e.String(), "apt-get install ffmpeg") {
			t.Errorf("no word of the missing %s:\n%s", prog, e.String())
		}
	}
}
