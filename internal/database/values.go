package database

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/jellyha/jellyha/internal/media"
	"github.com/jellyha/jellyha/internal/schema"
)

// Jellyfin's SQLite date format: .NET's "yyyy-MM-dd HH:mm:ss.FFFFFFF", UTC,
// no zone suffix, trailing zeros of the fraction trimmed. Go's ".9999999"
// trims the same way, to 100 ns, the resolution of .NET ticks.
const sqliteTimeLayout = "2006-01-02 15:04:05.9999999"

// Rebind turns the store's ? placeholders into PostgreSQL's $1, $2...
func (db *DB) Rebind(query string) string {
	if db.Engine != schema.PostgreSQL {
		return query
	}
	var b strings.Builder
	n := 0
	inString := false
	for _, r := range query {
		switch {
		case r == '\'':
			inString = !inString
		case r == '?' && !inString:
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// GUID encodes id as Jellyfin stores it: uppercase hyphenated text on
// SQLite; PostgreSQL's uuid input reads the same text.
func GUID(id media.ID) string {
	return strings.ToUpper(id.Hyphenated())
}

// NullGUID is GUID, or NULL for the nil GUID.
func NullGUID(id media.ID) any {
	if id.IsZero() {
		return nil
	}
	return GUID(id)
}

// Time encodes t as Jellyfin stores dates: UTC text on SQLite, timestamptz
// on PostgreSQL. PostgreSQL keeps microseconds, not .NET's 100 ns ticks:
// the value is rounded to the nearest microsecond (pgx would truncate).
func (db *DB) Time(t time.Time) any {
	if db.Engine == schema.PostgreSQL {
		return t.UTC().Round(time.Microsecond)
	}
	return t.UTC().Format(sqliteTimeLayout)
}

// NullTime is Time, or NULL for nil.
func (db *DB) NullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return db.Time(*t)
}

// ScanGUID scans a GUID column, whichever form the engine returns it in.
type ScanGUID struct{ ID *media.ID }

// Scan implements sql.Scanner; NULL scans as the nil GUID.
func (s ScanGUID) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s.ID = media.NilID
		return nil
	case string:
		id, err := media.ParseID(v)
		*s.ID = id
		return err
	case []byte:
		if len(v) == 16 {
			copy(s.ID[:], v)
			return nil
		}
		id, err := media.ParseID(string(v))
		*s.ID = id
		return err
	case [16]byte:
		*s.ID = v
		return nil
	}
	return fmt.Errorf("database: cannot scan %T as a GUID", src)
}

// ScanTime scans a date column: Jellyfin's text on SQLite, timestamptz on
// PostgreSQL. NULL (and an empty string, which old Jellyfin data holds)
// scans as nil.
type ScanTime struct{ T **time.Time }

// Scan implements sql.Scanner.
func (s ScanTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s.T = nil
		return nil
	case time.Time:
		t := v.UTC()
		*s.T = &t
		return nil
	case string:
		if v == "" {
			*s.T = nil
			return nil
		}
		t, err := ParseJellyfinTime(v)
		if err != nil {
			return err
		}
		*s.T = &t
		return nil
	case []byte:
		return s.Scan(string(v))
	}
	return fmt.Errorf("database: cannot scan %T as a date", src)
}

// ParseJellyfinTime reads a date as Jellyfin writes it to SQLite
// ("2025-12-11 12:27:10.2655177", UTC), also accepting a "T" separator and a
// "Z" or numeric zone suffix.
func ParseJellyfinTime(s string) (time.Time, error) {
	for _, layout := range []string{sqliteTimeLayout, "2006-01-02T15:04:05.9999999", time.RFC3339Nano, "2006-01-02 15:04:05.9999999Z07:00", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("database: %q is not a Jellyfin date", s)
}

// IsUniqueViolation reports whether err is a unique constraint violation on
// either engine.
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}
