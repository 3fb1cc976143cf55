package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLibraryAndScanCommands(t *testing.T) {
	dir := t.TempDir()
	env := []string{"JELLYFIN_DATA_DIR=" + dir}
	if out, _, code := run(t, env, "library", "list"); code != 0 || !strings.Contains(out, "no libraries") {
		t.Fatalf("list: %d %s", code, out)
	}
	if _, _, code := run(t, env, "library", "add", "Films"); code != 2 {
		t.Errorf("add without --type or folder: exit %d, want 2", code)
	}
	media := filepath.Join(dir, "media")
	if err := os.MkdirAll(filepath.Join(media, "Nothing (2000)"), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := run(t, env, "library", "add", "Films", "--type", "movies", media); code != 0 || !strings.Contains(out, `added the movies library "Films"`) {
		t.Fatalf("add: %d %s%s", code, out, errOut)
	}
	if _, errOut, code := run(t, env, "library", "add", "films", "--type", "movies", media); code != 1 || !strings.Contains(errOut, "already a library") {
		t.Errorf("add twice: %d %s", code, errOut)
	}
	if out, _, code := run(t, env, "library", "list"); code != 0 || !strings.Contains(out, "Films") || !strings.Contains(out, media) {
		t.Errorf("list: %d %s", code, out)
	}
	if out, errOut, code := run(t, env, "scan", "--library", "Films"); code != 0 || !strings.Contains(out, "scanned 1 libraries") {
		t.Errorf("scan: %d %s%s", code, out, errOut)
	}
	if _, errOut, code := run(t, env, "scan", "--library", "Nope"); code != 1 || !strings.Contains(errOut, "no library named") {
		t.Errorf("scan of an unknown library: %d %s", code, errOut)
	}
}

func TestDemoWithoutFFmpeg(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, errOut, code := run(t, []string{"JELLYFIN_DATA_DIR=" + t.TempDir()}, "demo")
	if code != 1 || !strings.Contains(errOut, "apt-get install ffmpeg") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("demo without ffmpeg: %d %q", code, errOut)
	}
}
