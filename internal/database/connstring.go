package database

import (
	"errors"
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
			// url.Error quotes the whole URL, password included: keep
			// only the reason.
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			return "", fmt.Errorf("PostgreSQL connection URL %s: %w", Mask(s), err)
		}
		return s, nil
	case isLibpq(s):
		return s, nil // pgx reports its own errors
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
			// Npgsql writes Require, VerifyFull...; libpq require, verify-full.
			v = strings.ToLower(v)
			v = strings.Replace(strings.Replace(v, "verifyfull", "verify-full", 1), "verifyca", "verify-ca", 1)
		}
		out = append(out, key+"="+quoteLibpq(v))
	}
	return strings.Join(out, " "), nil
}

// isLibpq reports whether s reads as libpq's key=value pairs: lower-case
// keys, values quoted with ' or bare up to white space, and no bare ';'
// (which only Npgsql's form uses, as its separator).
func isLibpq(s string) bool {
	pairs := 0
	for i := 0; i < len(s); {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i == len(s) {
			break
		}
		start := i
		for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] == '_') {
			i++
		}
		if i == start || i == len(s) || s[i] != '=' {
			return false
		}
		i++
		if i < len(s) && s[i] == '\'' {
			for i++; i < len(s) && s[i] != '\''; i++ {
				if s[i] == '\\' {
					i++
				}
			}
			if i >= len(s) {
				return false
			}
			i++
		} else {
			for ; i < len(s) && s[i] != ' ' && s[i] != '\t'; i++ {
				if s[i] == ';' {
					return false
				}
			}
		}
		pairs++
	}
	return pairs > 0
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
	libpqPassword  = regexp.MustCompile(`((?:^|\s)password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s]*)`)
	npgsqlPassword = regexp.MustCompile(`(?i)((?:^|;)\s*(?:password|pwd)\s*=\s*)('(?:[^']|'')*'|"(?:[^"]|"")*"|[^;]*)`)
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
	if isLibpq(s) {
		return libpqPassword.ReplaceAllString(s, "${1}********")
	}
	return npgsqlPassword.ReplaceAllString(s, "${1}********")
}
