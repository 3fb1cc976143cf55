package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/jellyha/jellyha/internal/config"
	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/password"
	"github.com/jellyha/jellyha/internal/store"
)

// stdin is where --password-stdin reads; tests replace it.
var stdin io.Reader = os.Stdin

const userSynopsis = `user <add|list|disable|enable|reset-password|delete> [NAME] [flags]

  add NAME             create a user (hidden from the login screen, as
                       Jellyfin does); --admin makes an administrator, who
                       needs a password
  list                 list the users
  disable NAME         stop a user from logging in; their sessions end
  enable NAME          let a disabled or locked-out user log in again, and
                       clear their failed-login count
  reset-password NAME  set a new password, or clear it when none is given
                       (not allowed for an administrator)
  delete NAME          delete a user, their sessions and play state; the
                       last administrator cannot be deleted

For recovering a locked-out server: it works on the database directly, no
login needed.

Flags:`

func runUser(ctx context.Context, e *env, args []string) error {
	fs := flagSet(e, "user", userSynopsis)
	var f config.Flags
	f.Register(fs)
	logLevel := fs.String("log-level", "warn", "log level: debug, info, warn, error")
	pw := fs.String("password", "", "the password (add, reset-password); visible to other local users in the process list: prefer --password-stdin")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	admin := fs.Bool("admin", false, "make the new user an administrator (add)")
	sub, names, err := parseSub(e, fs, args)
	if err != nil {
		return err
	}
	wantName := sub != "list"
	switch sub {
	case "add", "list", "disable", "enable", "reset-password", "delete":
	default:
		fmt.Fprintf(e.stderr, "jellyha user: unknown subcommand %q\n\n", sub)
		fs.Usage()
		return exitError{2}
	}
	if wantName && len(names) != 1 || !wantName && len(names) != 0 {
		fmt.Fprintf(e.stderr, "jellyha user %s: %s\n\n", sub, map[bool]string{true: "give exactly one user name", false: "takes no arguments"}[wantName])
		fs.Usage()
		return exitError{2}
	}
	if *pw != "" && *pwStdin {
		return errors.New("give --password or --password-stdin, not both")
	}
	plain := *pw
	if *pwStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read the password: %w", err)
		}
		if plain = strings.TrimRight(line, "\r\n"); plain == "" {
			return errors.New("--password-stdin: standard input held no password")
		}
	}

	log, err := newLogger(e.stderr, *logLevel)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, e, &f, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	s := store.New(db)
	if sub == "list" {
		return listUsers(ctx, e, s)
	}
	name := names[0]
	if sub == "add" {
		return addUser(ctx, e, s, name, plain, *admin)
	}
	u, err := s.UserByName(ctx, name)
	if err != nil {
		return err
	}
	switch sub {
	case "disable":
		if u.IsAdministrator {
			// As POST /Users/{id}/Policy: an administrator is demoted
			// first, so the last one can never be locked out.
			return fmt.Errorf("%s is an administrator, and administrators cannot be disabled", u.Name)
		}
		u.IsDisabled = true
		if err := s.UpdateUser(ctx, u); err != nil {
			return err
		}
		if err := s.DeleteUserDevices(ctx, u.ID, ""); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "disabled %s; their sessions have ended\n", u.Name)
	case "enable":
		u.IsDisabled, u.InvalidLoginAttemptCount = false, 0
		if err := s.UpdateUser(ctx, u); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "enabled %s\n", u.Name)
	case "reset-password":
		if plain == "" && u.IsAdministrator {
			return fmt.Errorf("%s is an administrator and needs a password: give --password or --password-stdin", u.Name)
		}
		u.PasswordHash = ""
		if plain != "" {
			if u.PasswordHash, err = password.Hash(plain); err != nil {
				return err
			}
		}
		if err := s.UpdateUser(ctx, u); err != nil {
			return err
		}
		// A new password ends the sessions opened with the old one.
		if err := s.DeleteUserDevices(ctx, u.ID, ""); err != nil {
			return err
		}
		if plain == "" {
			fmt.Fprintf(e.stdout, "cleared the password of %s; their sessions have ended\n", u.Name)
		} else {
			fmt.Fprintf(e.stdout, "set the password of %s; their sessions have ended\n", u.Name)
		}
	case "delete":
		if err := s.DeleteUserKeepingAdmin(ctx, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "deleted %s\n", u.Name)
	}
	return nil
}

func addUser(ctx context.Context, e *env, s *store.Store, name, plain string, admin bool) error {
	if err := media.ValidateUserName(name); err != nil {
		return err
	}
	if admin && plain == "" {
		return errors.New("an administrator needs a password: give --password or --password-stdin")
	}
	u := &media.User{Name: name, IsAdministrator: admin, IsHidden: true, EnableAllFolders: true}
	if plain != "" {
		h, err := password.Hash(plain)
		if err != nil {
			return err
		}
		u.PasswordHash = h
	}
	if err := s.CreateUser(ctx, u); err != nil {
		return err
	}
	role := "user"
	if admin {
		role = "administrator"
	}
	fmt.Fprintf(e.stdout, "added %s %s (%s)\n", role, u.Name, u.ID)
	return nil
}

func listUsers(ctx context.Context, e *env, s *store.Store) error {
	users, err := s.Users(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tID\tROLE\tSTATE\tPASSWORD\tLAST LOGIN")
	for _, u := range users {
		role, state, pw, last := "user", "enabled", "yes", "never"
		if u.IsAdministrator {
			role = "admin"
		}
		if u.IsDisabled {
			state = "disabled"
		}
		if u.IsHidden {
			state += ",hidden"
		}
		if u.PasswordHash == "" {
			pw = "no"
		}
		if u.LastLoginDate != nil {
			last = u.LastLoginDate.UTC().Format("2006-01-02 15:04:05Z")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Name, u.ID, role, state, pw, last)
	}
	return tw.Flush()
}
