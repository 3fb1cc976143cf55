package database

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// npgsqlKeys maps the Npgsql connection-string keywords the fork's manifests
// use (and their common synonyms) to libpq's. Keys are lower case, without
// spaces.
var npgsqlKeys = map[string]string{
	"host": "host", "server": "host",
	"port":     "port",
	"database": "dbname", "db": "dbname",
	"username": "user", "userid": "user", "user": "user", "uid": "user",
	"password": "password", "pwd": "password",
	"sslmode":         "sslmode",
	"applicationname": "application_name",
	"timeout":         "connect_timeout",
	"searchpath":      "search_path",
	"sslcertificate":  "sslcert", "sslkey": "sslkey", "rootcertificate": "sslrootcert",
	// Npgsql's "Command Timeout" is in seconds; it becomes statement_timeout.
	"commandtimeout": "statement_timeout",
	// Pool sizes are read by the provider, not by libpq.
	"maximumpoolsize": "pool_max_conns", "maxpoolsize": "pool_max_conns",
	"minimumpoolsize": "pool_min_conns", "minpoolsize": "pool_min_conns",
	"pooling": "",
}

// ToLibpq turns a PostgreSQL connection string in any of the forms users
// write (a postgres:// URL, libpq key=value pairs, or Npgsql's
// Key=Value;Key=Value form from the fork's manifests) into a libpq URL or
// key=value string that pgx parses.
func ToLibpq(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", fmt.Errorf("empty PostgreSQL connection string")
	case strings.HasPrefix(s, "postgres://"), strings.HasPrefix(s, "postgresql://"):
		if _, err := url.Parse(s); err != nil {
			return "", fmt.Errorf("PostgreSQL connection URL: %w", err)
		}
		return s, nil
	case !strings.Contains(s, ";") && !looksNpgsql(s):
		return s, nil // libpq key=value; pgx reports its own errors
	}
	pairs, err := splitNpgsql(s)
	if err != nil {
		return "", err
	}
	var out []string
	for _, kv := range pairs {
		norm := strings.ToLower(strings.ReplaceAll(kv[0], " ", ""))
		key, ok := npgsqlKeys[norm]
		if !ok {
			valid := make([]string, 0, len(npgsqlKeys))
			for k := range npgsqlKeys {
				valid = append(valid, k)
			}
			sort.Strings(valid)
			return "", fmt.Errorf("PostgreSQL connection string: unknown key %q (known: %s)", kv[0], strings.Join(valid, ", "))
		}
		if key == "" {
			continue
		}
		v := kv[1]
		if key == "statement_timeout" {
			v += "s"
		}
		if key == "sslmode" {
			v = strings.ToLower(v) // Npgsql writes Require, Prefer...
		}
		out = append(out, key+"="+quoteLibpq(v))
	}
	return strings.Join(out, " "), nil
}

// looksNpgsql tells a single Npgsql pair ("Host=db") from libpq pairs.
func looksNpgsql(s string) bool {
	k, _, ok := strings.Cut(s, "=")
	return ok && !strings.ContainsAny(k, " \t") && k != strings.ToLower(k)
}

// splitNpgsql splits Key=Value;Key=Value, where a value may be quoted with
// ' or " (doubling the quote to escape it), as Npgsql accepts.
func splitNpgsql(s string) ([][2]string, error) {
	var pairs [][2]string
	for i := 0; i < len(s); {
		for i < len(s) && (s[i] == ';' || s[i] == ' ') {
			i++
		}
		if i >= len(s) {
			break
		}
		eq := strings.IndexByte(s[i:], '=')
		if eq < 0 {
			return nil, fmt.Errorf("PostgreSQL connection string: %q has no '='", s[i:])
		}
		key := strings.TrimSpace(s[i : i+eq])
		i += eq + 1
		for i < len(s) && s[i] == ' ' {
			i++
		}
		var val strings.Builder
		if i < len(s) && (s[i] == '\'' || s[i] == '"') {
			q := s[i]
			i++
			for {
				if i >= len(s) {
					return nil, fmt.Errorf("PostgreSQL connection string: unterminated quote in %s", key)
				}
				if s[i] == q {
					if i+1 < len(s) && s[i+1] == q {
						val.WriteByte(q)
						i += 2
						continue
					}
					i++
					break
				}
				val.WriteByte(s[i])
				i++
			}
		} else {
			end := strings.IndexByte(s[i:], ';')
			if end < 0 {
				end = len(s) - i
			}
			val.WriteString(strings.TrimSpace(s[i : i+end]))
			i += end
		}
		pairs = append(pairs, [2]string{key, val.String()})
	}
	return pairs, nil
}

func quoteLibpq(v string) string {
	if v != "" && !strings.ContainsAny(v, " '\\") {
		return v
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

var (
	kvPassword = regexp.MustCompile(`(?i)((?:^|[;\s])\s*(?:password|pwd)\s*=\s*)('(?:[^'\\]|\\.|'')*'|"(?:[^"]|"")*"|[^;\s]*)`)
)

// Mask returns s with any password replaced by "********", in whichever form
// s is written, so that a connection string can be printed or logged.
func Mask(s string) string {
	if strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://") {
		u, err := url.Parse(s)
		if err != nil {
			return "postgres://(unparseable URL hidden)"
		}
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "********")
		}
		q := u.Query()
		if q.Has("password") {
			q.Set("password", "********")
			u.RawQuery = q.Encode()
		}
		return strings.Replace(u.String(), "%2A%2A%2A%2A%2A%2A%2A%2A", "********", 1)
	}
	return kvPassword.ReplaceAllString(s, "${1}********")
}
