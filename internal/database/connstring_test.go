package database

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// forkConn is the Npgsql connection string from the HA fork's manifests.
const forkConn = "Host=jellyfin-postgres;Port=5432;Database=jellyfin;Username=jellyfin;Password=secret"

func TestToLibpqParses(t *testing.T) {
	type want struct {
		host     string
		port     uint16
		database string
		user     string
		password string
		// sslmode is checked as the TLS configuration pgx derives from it:
		// "disable" means no TLS, "require" means TLS without verification,
		// "verify-full" means TLS verifying the server name.
		sslmode string
		// params are runtime parameters that must be set (to these values).
		params map[string]string
		// connectTimeout in seconds, 0 for unchecked.
		connectTimeout int
	}
	tests := []struct {
		name string
		in   string
		want want
	}{
		{
			name: "fork manifests",
			in:   forkConn,
			want: want{host: "jellyfin-postgres", port: 5432, database: "jellyfin", user: "jellyfin", password: "secret"},
		},
		{
			name: "fork manifests with trailing semicolon and spaces",
			in:   "  Host=jellyfin-postgres; Port=5432; Database=jellyfin; Username=jellyfin; Password=secret;  ",
			want: want{host: "jellyfin-postgres", port: 5432, database: "jellyfin", user: "jellyfin", password: "secret"},
		},
		{
			name: "quoted password with semicolon and doubled quote",
			in:   "Host=db;Database=jf;Username=u;Password='a;b''c'",
			want: want{host: "db", port: 5432, database: "jf", user: "u", password: "a;b'c"},
		},
		{
			name: "double-quoted password with semicolon and doubled quote",
			in:   `Host=db;Database=jf;Username=u;Password="x;y""z"`,
			want: want{host: "db", port: 5432, database: "jf", user: "u", password: `x;y"z`},
		},
		{
			name: "quoted password with space and backslash",
			in:   `Host=db;Database=jf;Username=u;Password='p w\d'`,
			want: want{host: "db", port: 5432, database: "jf", user: "u", password: `p w\d`},
		},
		{
			name: "quoted value then more keys",
			in:   "Password='a;b';Host=db;Database=jf;User ID=u",
			want: want{host: "db", port: 5432, database: "jf", user: "u", password: "a;b"},
		},
		{
			name: "keys without regard to case, synonyms and spaces",
			in:   "SERVER=db;port=6432;DB=jf;User ID=bob;PWD=pw",
			want: want{host: "db", port: 6432, database: "jf", user: "bob", password: "pw"},
		},
		{
			name: "user id with odd spacing",
			in:   "Host=db;Database=jf;user id = bob ;Password=pw",
			want: want{host: "db", port: 5432, database: "jf", user: "bob", password: "pw"},
		},
		{
			name: "uid",
			in:   "Host=db;Database=jf;Uid=bob;Password=pw",
			want: want{host: "db", port: 5432, database: "jf", user: "bob", password: "pw"},
		},
		{
			name: "command timeout becomes statement_timeout",
			in:   forkConn + ";Command Timeout=30",
			want: want{host: "jellyfin-postgres", port: 5432, database: "jellyfin", user: "jellyfin", password: "secret",
				params: map[string]string{"statement_timeout": "30s"}},
		},
		{
			name: "CommandTimeout without space",
			in:   forkConn + ";CommandTimeout=5",
			want: want{host: "jellyfin-postgres", port: 5432, database: "jellyfin", user: "jellyfin", password: "secret",
				params: map[string]string{"statement_timeout": "5s"}},
		},
		{
			name: "timeout becomes connect_timeout",
			in:   forkConn + ";Timeout=7",
			want: want{host: "jellyfin-postgres", port: 5432, database: "jellyfin", user: "jellyfin", password: "secret",
				connectTimeout: 7},
		},
		{
			name: "application name and search path",
			in:   forkConn + ";Application Name=jelly ha;Search Path=public",
			want: want{host: "jellyfin-postgres", port: 5432, database: "jellyfin", user: "jellyfin", password: "secret",
				params: map[string]string{"application_name": "jelly ha", "search_path": "public"}},
		},
		{
			name: "ssl mode require",
			in:   forkConn + ";SSL Mode=Require",
			want: want{host: "jellyfin-postgres", port: 5432, database: "jellyfin", user: "jellyfin", password: "secret",
				sslmode: "require"},
		},
		{
			name: "ssl mode disable",
			in:   forkConn + ";SslMode=Disable",
			want: want{host: "jellyfin-postgres", port: 5432, database: "jellyfin", user: "jellyfin", password: "secret",
				sslmode: "disable"},
		},
		{
			name: "ssl mode verify full",
			in:   forkConn + ";SSL Mode=VerifyFull",
			want: want{host: "jellyfin-postgres", port: 5432, database: "jellyfin", user: "jellyfin", password: "secret",
				sslmode: "verify-full"},
		},
		{
			name: "pool sizes pass to the provider, pooling is dropped",
			in:   forkConn + ";Maximum Pool Size=50;Min Pool Size=2;Pooling=true",
			want: want{host: "jellyfin-postgres", port: 5432, database: "jellyfin", user: "jellyfin", password: "secret",
				params: map[string]string{"pool_max_conns": "50", "pool_min_conns": "2"}},
		},
		{
			name: "single Npgsql pair",
			in:   "Host=jellyfin-postgres",
			want: want{host: "jellyfin-postgres", port: 5432},
		},
		{
			name: "empty quoted password",
			in:   "Host=db;Database=jf;Username=u;Password=''",
			want: want{host: "db", port: 5432, database: "jf", user: "u", password: ""},
		},
		{
			name: "postgres URL",
			in:   "postgres://jellyfin:secret@jellyfin-postgres:5432/jellyfin?sslmode=disable",
			want: want{host: "jellyfin-postgres", port: 5432, database: "jellyfin", user: "jellyfin", password: "secret", sslmode: "disable"},
		},
		{
			name: "postgresql URL",
			in:   "postgresql://jellyfin:secret@jellyfin-postgres:6000/jellyfin",
			want: want{host: "jellyfin-postgres", port: 6000, database: "jellyfin", user: "jellyfin", password: "secret"},
		},
		{
			name: "libpq key=value",
			in:   "host=jellyfin-postgres port=5432 dbname=jellyfin user=jellyfin password=secret sslmode=disable",
			want: want{host: "jellyfin-postgres", port: 5432, database: "jellyfin", user: "jellyfin", password: "secret", sslmode: "disable"},
		},
		{
			name: "libpq key=value with quoted password",
			in:   "host=db dbname=jf user=u password='a b'",
			want: want{host: "db", port: 5432, database: "jf", user: "u", password: "a b"},
		},
		{
			name: "libpq key=value with semicolon in quoted password",
			in:   "host=db dbname=jf user=u password='a;b'",
			want: want{host: "db", port: 5432, database: "jf", user: "u", password: "a;b"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ToLibpq(tt.in)
			if err != nil {
				t.Fatalf("ToLibpq(%q): %v", tt.in, err)
			}
			// pgx falls back to PG* variables and the user name for
			// anything missing; keep them out of the way.
			for _, v := range []string{"PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGSSLMODE", "PGPASSFILE", "PGSERVICE", "PGSERVICEFILE", "PGAPPNAME", "PGCONNECT_TIMEOUT", "PGOPTIONS"} {
				t.Setenv(v, "")
			}
			cfg, err := pgx.ParseConfig(s)
			if err != nil {
				t.Fatalf("pgx.ParseConfig(%q) (from %q): %v", s, tt.in, err)
			}
			w := tt.want
			if cfg.Host != w.host {
				t.Errorf("Host = %q, want %q (libpq %q)", cfg.Host, w.host, s)
			}
			if cfg.Port != w.port {
				t.Errorf("Port = %d, want %d (libpq %q)", cfg.Port, w.port, s)
			}
			if w.database != "" && cfg.Database != w.database {
				t.Errorf("Database = %q, want %q (libpq %q)", cfg.Database, w.database, s)
			}
			if w.user != "" && cfg.User != w.user {
				t.Errorf("User = %q, want %q (libpq %q)", cfg.User, w.user, s)
			}
			if cfg.Password != w.password {
				t.Errorf("Password = %q, want %q (libpq %q)", cfg.Password, w.password, s)
			}
			for k, v := range w.params {
				if got, ok := cfg.RuntimeParams[k]; !ok || got != v {
					t.Errorf("RuntimeParams[%q] = %q (present %v), want %q (libpq %q)", k, got, ok, v, s)
				}
			}
			if _, ok := cfg.RuntimeParams["pooling"]; ok {
				t.Errorf("RuntimeParams has pooling (libpq %q)", s)
			}
			if w.connectTimeout != 0 && cfg.ConnectTimeout.Seconds() != float64(w.connectTimeout) {
				t.Errorf("ConnectTimeout = %v, want %ds (libpq %q)", cfg.ConnectTimeout, w.connectTimeout, s)
			}
			switch w.sslmode {
			case "disable":
				if cfg.TLSConfig != nil || len(cfg.Fallbacks) != 0 {
					t.Errorf("sslmode disable: TLSConfig = %v, %d fallbacks (libpq %q)", cfg.TLSConfig, len(cfg.Fallbacks), s)
				}
			case "require":
				if cfg.TLSConfig == nil || !cfg.TLSConfig.InsecureSkipVerify || len(cfg.Fallbacks) != 0 {
					t.Errorf("sslmode require: want TLS without verification and no plain fallback (libpq %q)", s)
				}
			case "verify-full":
				if cfg.TLSConfig == nil || cfg.TLSConfig.InsecureSkipVerify || cfg.TLSConfig.ServerName != w.host || len(cfg.Fallbacks) != 0 {
					t.Errorf("sslmode verify-full: want TLS verifying %q and no plain fallback (libpq %q)", w.host, s)
				}
			}
		})
	}
}

func TestToLibpqOutput(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{
			name: "fork manifests",
			in:   forkConn,
			want: "host=jellyfin-postgres port=5432 dbname=jellyfin user=jellyfin password=secret",
		},
		{
			name: "quoted password",
			in:   "Password='a;b''c'",
			want: `password='a;b\'c'`,
		},
		{
			name: "password with space and backslash",
			in:   `Password="x y\z"`,
			want: `password='x y\\z'`,
		},
		{
			name: "empty password",
			in:   "Host=db;Password=",
			want: "host=db password=''",
		},
		{
			name: "ssl mode lower-cased",
			in:   "Host=db;SSL Mode=Require",
			want: "host=db sslmode=require",
		},
		{
			name: "command timeout",
			in:   "Host=db;Command Timeout=30",
			want: "host=db statement_timeout=30s",
		},
		{
			name: "pooling dropped",
			in:   "Host=db;Pooling=false",
			want: "host=db",
		},
		{
			name: "postgres URL unchanged",
			in:   "postgres://u:p@h:5432/d?sslmode=require",
			want: "postgres://u:p@h:5432/d?sslmode=require",
		},
		{
			name: "postgresql URL unchanged but trimmed",
			in:   "  postgresql://u@h/d  ",
			want: "postgresql://u@h/d",
		},
		{
			name: "libpq key=value unchanged",
			in:   "host=h port=5432 dbname=d user=u password=p",
			want: "host=h port=5432 dbname=d user=u password=p",
		},
		{
			name: "single lower-case pair unchanged",
			in:   "host=h",
			want: "host=h",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ToLibpq(tt.in)
			if err != nil {
				t.Fatalf("ToLibpq(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ToLibpq(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestToLibpqErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // substrings of the error
	}{
		{name: "empty", in: "", want: []string{"empty"}},
		{name: "blank", in: "  \t ", want: []string{"empty"}},
		{name: "unknown key", in: forkConn + ";Frobnicate=yes", want: []string{`"Frobnicate"`}},
		{name: "unknown key with spaces", in: "Host=db;Trust Me=true", want: []string{`"Trust Me"`}},
		{name: "unknown key first", in: "Bogus=1;Host=db", want: []string{`"Bogus"`}},
		{name: "unterminated single quote", in: "Host=db;Password='abc", want: []string{"unterminated", "Password"}},
		{name: "unterminated double quote", in: `Host=db;Password="abc;Port=5432`, want: []string{"unterminated", "Password"}},
		{name: "unterminated after doubled quote", in: "Host=db;Password='ab''", want: []string{"unterminated"}},
		{name: "pair without equals", in: "Host=db;garbage", want: []string{"garbage", "'='"}},
		{name: "bad URL", in: "postgres://u:p@h:port/d", want: []string{"URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ToLibpq(tt.in)
			if err == nil {
				t.Fatalf("ToLibpq(%q) = %q, want an error", tt.in, got)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("ToLibpq(%q) error %q does not contain %q", tt.in, err, w)
				}
			}
		})
	}
}

func TestMask(t *testing.T) {
	const stars = "********"
	tests := []struct {
		name   string
		in     string
		secret string // must not appear in the output; "" for none
		// want is the exact output, if given.
		want string
	}{
		{
			name:   "npgsql password",
			in:     "Host=db;Username=u;Password=s3cr3t;Database=jf",
			secret: "s3cr3t",
			want:   "Host=db;Username=u;Password=********;Database=jf",
		},
		{
			name:   "npgsql password last",
			in:     forkConn,
			secret: "secret",
			want:   "Host=jellyfin-postgres;Port=5432;Database=jellyfin;Username=jellyfin;Password=********",
		},
		{
			name:   "npgsql password first",
			in:     "Password=s3cr3t;Host=db",
			secret: "s3cr3t",
			want:   "Password=********;Host=db",
		},
		{
			name:   "npgsql pwd",
			in:     "Server=db;Uid=u;pwd=s3cr3t;",
			secret: "s3cr3t",
			want:   "Server=db;Uid=u;pwd=********;",
		},
		{
			name:   "npgsql PWD with spaces around '='",
			in:     "Server=db; PWD = s3cr3t ;Port=5432",
			secret: "s3cr3t",
		},
		{
			name:   "npgsql quoted password with semicolon",
			in:     "Host=db;Password='a;b''c';Port=5432",
			secret: "a;b",
			want:   "Host=db;Password=********;Port=5432",
		},
		{
			name:   "npgsql double-quoted password",
			in:     `Host=db;Password="x;y""z";Port=5432`,
			secret: "x;y",
			want:   "Host=db;Password=********;Port=5432",
		},
		{
			name:   "npgsql unquoted password with space",
			in:     "Host=db;Password=my secret;Port=5432",
			secret: "secret",
			want:   "Host=db;Password=********;Port=5432",
		},
		{
			name:   "libpq password",
			in:     "host=db user=u password=s3cr3t dbname=jf",
			secret: "s3cr3t",
			want:   "host=db user=u password=******** dbname=jf",
		},
		{
			name:   "libpq quoted password",
			in:     "host=db password='a b' dbname=jf",
			secret: "a b",
			want:   "host=db password=******** dbname=jf",
		},
		{
			name:   "libpq quoted password with escaped quote",
			in:     `host=db password='it\'s x' dbname=jf`,
			secret: "s x",
			want:   "host=db password=******** dbname=jf",
		},
		{
			name:   "URL user password",
			in:     "postgres://jellyfin:s3cr3t@db:5432/jellyfin?sslmode=disable",
			secret: "s3cr3t",
			want:   "postgres://jellyfin:********@db:5432/jellyfin?sslmode=disable",
		},
		{
			name:   "postgresql URL user password",
			in:     "postgresql://jellyfin:s3cr3t@db/jellyfin",
			secret: "s3cr3t",
			want:   "postgresql://jellyfin:********@db/jellyfin",
		},
		{
			name:   "URL query password",
			in:     "postgres://db/jellyfin?user=jellyfin&password=s3cr3t",
			secret: "s3cr3t",
		},
		{
			name:   "URL with both passwords",
			in:     "postgres://u:s3cr3t@db/jf?password=0th3r",
			secret: "s3cr3t",
		},
		{
			name:   "URL with both passwords, query one",
			in:     "postgres://u:s3cr3t@db/jf?password=0th3r",
			secret: "0th3r",
		},
		{
			name:   "URL with escaped password",
			in:     "postgres://u:p%40ss@db/jf",
			secret: "p%40ss",
			want:   "postgres://u:********@db/jf",
		},
		{
			name: "npgsql without password",
			in:   "Host=db;Username=u;Database=jf",
			want: "Host=db;Username=u;Database=jf",
		},
		{
			name: "libpq without password",
			in:   "host=db user=u dbname=jf",
			want: "host=db user=u dbname=jf",
		},
		{
			name: "URL without password",
			in:   "postgres://jellyfin@db:5432/jellyfin?sslmode=disable",
			want: "postgres://jellyfin@db:5432/jellyfin?sslmode=disable",
		},
		{
			name: "URL without user",
			in:   "postgres://db/jellyfin",
			want: "postgres://db/jellyfin",
		},
		{
			name: "empty",
			in:   "",
			want: "",
		},
		{
			name: "password-like key is not a password",
			in:   "host=db passwordfile=/x",
			want: "host=db passwordfile=/x",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Mask(tt.in)
			if tt.secret != "" {
				if strings.Contains(got, tt.secret) {
					t.Errorf("Mask(%q) = %q, which shows the password %q", tt.in, got, tt.secret)
				}
				if !strings.Contains(got, stars) {
					t.Errorf("Mask(%q) = %q, which lacks %q", tt.in, got, stars)
				}
			}
			if tt.want != "" || tt.in == "" {
				if got != tt.want {
					t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
				}
			}
		})
	}
}

// TestToLibpqErrorHidesPassword checks that ToLibpq's errors never show the
// password: NewPostgres returns them without masking.
func TestToLibpqErrorHidesPassword(t *testing.T) {
	for _, in := range []string{
		"Host=db;Password=s3cr3t;Bogus=1",
		"Host=db;Password='s3cr3t",
		"Host=db;garbage;Password=s3cr3t",
		"postgres://u:s3cr3t@db:notaport/jf",
	} {
		t.Run(in, func(t *testing.T) {
			_, err := ToLibpq(in)
			if err == nil {
				t.Fatalf("ToLibpq(%q) succeeded, want an error", in)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("ToLibpq(%q) error %q shows the password", in, err)
			}
		})
	}
}

// TestMaskConnErrorMessage checks the use NewPostgres makes of Mask: masking
// a pgx error that may quote the libpq form of a connection string.
func TestMaskConnErrorMessage(t *testing.T) {
	for _, in := range []string{
		"Host=db;Port=notaport;Password=s3cr3t",
		"host=db port=notaport password=s3cr3t",
		"postgres://u:s3cr3t@db/jf?port=notaport",
	} {
		t.Run(in, func(t *testing.T) {
			libpq, err := ToLibpq(in)
			if err != nil {
				t.Fatalf("ToLibpq(%q): %v", in, err)
			}
			_, err = pgx.ParseConfig(libpq)
			if err == nil {
				t.Fatalf("pgx.ParseConfig(%q) succeeded, want an error", libpq)
			}
			if m := Mask(err.Error()); strings.Contains(m, "s3cr3t") {
				t.Errorf("masked pgx error %q shows the password", m)
			}
		})
	}
}
