package cli

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/password"
	"github.com/jellyha/jellyha/internal/store"
	"github.com/jellyha/jellyha/internal/testdb"
)

func TestUserHelp(t *testing.T) {
	out, _, code := run(t, nil, "user", "-h")
	if code != 0 || !strings.Contains(out, "Usage: jellyha user") || !strings.Contains(out, "reset-password") {
		t.Errorf("user -h: %d %q", code, out)
	}
	for _, sub := range []string{"add", "list", "disable", "enable", "reset-password", "delete"} {
		if out, _, code := run(t, nil, "user", sub, "-h"); code != 0 || !strings.Contains(out, "Usage: jellyha user") {
			t.Errorf("user %s -h: %d %q", sub, code, out)
		}
	}
	for _, args := range [][]string{{"user"}, {"user", "frob"}, {"user", "add"}, {"user", "list", "extra"}, {"user", "add", "a", "b"}, {"user", "add", "x", "--nope"}} {
		if _, _, code := run(t, nil, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestUserCommandsSQLite(t *testing.T) {
	dir := t.TempDir()
	testUserCommands(t, []string{"JELLYFIN_DATA_DIR=" + dir}, func(t *testing.T) *database.DB {
		db, err := database.NewSQLite(dir+"/data/jellyfin.db", nil).Open(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}

func TestUserCommandsPostgres(t *testing.T) {
	url := testdb.NewPostgres(t)
	env := []string{
		"JELLYFIN_DATA_DIR=" + t.TempDir(),
		"JELLYFIN_DatabaseProvider=Jellyfin-PostgreSQL",
		"JELLYFIN_ConnectionStrings__Jellyfin-PostgreSQL=" + url,
	}
	testUserCommands(t, env, func(t *testing.T) *database.DB {
		p, err := database.NewPostgres(url, nil)
		if err != nil {
			t.Fatal(err)
		}
		db, err := p.Open(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}

// testUserCommands runs the user commands as an operator would, then
// checks the database through the store.
func testUserCommands(t *testing.T, env []string, open func(t *testing.T) *database.DB) {
	ok := func(want string, args ...string) {
		t.Helper()
		out, errOut, code := run(t, env, args...)
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("%v: exit %d, want output containing %q\n%s%s", args, code, want, out, errOut)
		}
	}
	fail := func(want string, args ...string) {
		t.Helper()
		out, errOut, code := run(t, env, args...)
		if code != 1 || !strings.Contains(errOut, want) {
			t.Fatalf("%v: exit %d, want failure mentioning %q\n%s%s", args, code, want, out, errOut)
		}
	}
	fail("needs a password", "user", "add", "root", "--admin")
	ok("added administrator root", "user", "add", "root", "--password", "toor", "--admin")
	ok("added user kid", "user", "add", "--password", "pw", "kid") // flags before the name too
	fail("already exists", "user", "add", "KID")
	fail("user names can contain", "user", "add", "bad/name")
	ok("kid", "user", "list")

	saved := stdin
	stdin = strings.NewReader("fromstdin\nignored\n")
	t.Cleanup(func() { stdin = saved })
	ok("set the password of kid", "user", "reset-password", "kid", "--password-stdin")
	fail("not both", "user", "reset-password", "kid", "--password", "x", "--password-stdin")

	ok("disabled kid", "user", "disable", "kid")
	fail("cannot be disabled", "user", "disable", "root")
	out, _, _ := run(t, env, "user", "list")
	if !regexp.MustCompile(`kid\s+[0-9a-f]{32}\s+user\s+disabled,hidden\s+yes`).MatchString(out) || !regexp.MustCompile(`root\s+[0-9a-f]{32}\s+admin\s+enabled`).MatchString(out) {
		t.Errorf("list:\n%s", out)
	}

	db := open(t)
	defer db.Close()
	s := store.New(db)
	ctx := context.Background()
	kid, err := s.UserByName(ctx, "kid")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := password.Verify("fromstdin", kid.PasswordHash); !ok || !kid.IsDisabled {
		t.Errorf("kid after reset and disable: %+v", kid)
	}
	// A locked-out user: enable also clears the failure count.
	kid.InvalidLoginAttemptCount = 5
	if err := s.UpdateUser(ctx, kid); err != nil {
		t.Fatal(err)
	}
	ok("enabled kid", "user", "enable", "kid")
	if kid, _ = s.UserByName(ctx, "kid"); kid.IsDisabled || kid.InvalidLoginAttemptCount != 0 {
		t.Errorf("kid after enable: %+v", kid)
	}
	ok("cleared the password of kid", "user", "reset-password", "kid")
	fail("needs a password", "user", "reset-password", "root")

	fail("at least one administrator", "user", "delete", "root")
	ok("deleted kid", "user", "delete", "kid")
	fail("not found", "user", "delete", "kid")
	if _, err := s.UserByName(ctx, "kid"); media.ErrorCode(err) != media.ENOTFOUND {
		t.Errorf("kid after delete: %v", err)
	}
}
