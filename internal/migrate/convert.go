package migrate

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
)

// What converting one value did, beyond the plain mapping of Jellyfin's own
// forms (uppercase GUID text to uuid, 0/1 to boolean, its date text to
// timestamptz...). The rules are listed in docs/MIGRATE.md.
type change uint8

const (
	converted change = 1 << iota // a documented rule changed the value's form
	rounded                      // 100 ns ticks rounded to PostgreSQL's microseconds
)

// convert turns a value read from SQLite into the Go value that PostgreSQL's
// column takes (pgx encodes [16]byte as uuid, []int64 as bigint[]). A
// non-empty reason means the value cannot be stored and the row is rejected.
func convert(c *Column, v any) (out any, ch change, reason string) {
	if v == nil {
		if c.NotNull {
			return nil, 0, "NULL in a NOT NULL column"
		}
		return nil, 0, ""
	}
	switch c.Kind {
	case KindUUID:
		return toUUID(c, v)
	case KindBool:
		return toBool(v)
	case KindTime:
		return toTime(c, v)
	case KindInt32, KindInt64:
		return toInt(c, v)
	case KindFloat32, KindFloat64:
		return toFloat(c, v)
	case KindText:
		return toText(c, v)
	case KindBytes:
		switch x := v.(type) {
		case []byte:
			return x, 0, ""
		case string:
			return []byte(x), converted, ""
		}
		return nil, 0, wrongClass(v, "a BLOB")
	case KindInt64Array:
		s, ok := v.(string)
		if !ok {
			if b, isBytes := v.([]byte); isBytes {
				s = string(b)
			} else {
				return nil, 0, wrongClass(v, "a JSON array of integers")
			}
		}
		if s == "" && !c.NotNull {
			return nil, converted, ""
		}
		var ticks []int64
		if err := json.Unmarshal([]byte(s), &ticks); err != nil || ticks == nil {
			return nil, 0, fmt.Sprintf("%.40q is not a JSON array of integers", s)
		}
		return ticks, 0, ""
	}
	return nil, 0, "unknown column kind"
}

func wrongClass(v any, want string) string {
	return fmt.Sprintf("%s value %.40q where %s belongs", storageClass(v), fmt.Sprint(v), want)
}

func storageClass(v any) string {
	switch v.(type) {
	case int64:
		return "INTEGER"
	case float64:
		return "REAL"
	case string:
		return "TEXT"
	case []byte:
		return "BLOB"
	}
	return fmt.Sprintf("%T", v)
}

func toUUID(c *Column, v any) (any, change, string) {
	switch x := v.(type) {
	case string:
		if x == "" && !c.NotNull {
			return nil, converted, ""
		}
		id, err := media.ParseID(x)
		if err != nil {
			return nil, 0, fmt.Sprintf("%.40q is not a GUID", x)
		}
		// Jellyfin writes uppercase hyphenated; any other form is legal
		// input but counts as converted.
		if x != database.GUID(id) {
			return [16]byte(id), converted, ""
		}
		return [16]byte(id), 0, ""
	case []byte:
		if len(x) == 16 {
			// .NET's Guid.ToByteArray order: the first three fields
			// little-endian.
			var id [16]byte
			id[0], id[1], id[2], id[3] = x[3], x[2], x[1], x[0]
			id[4], id[5] = x[5], x[4]
			id[6], id[7] = x[7], x[6]
			copy(id[8:], x[8:])
			return id, converted, ""
		}
		return toUUID(c, string(x))
	}
	return nil, 0, wrongClass(v, "a GUID")
}

func toBool(v any) (any, change, string) {
	switch x := v.(type) {
	case int64:
		if x == 0 || x == 1 {
			return x == 1, 0, ""
		}
		// Microsoft.Data.Sqlite reads any non-zero integer as true.
		return true, converted, ""
	case float64:
		return x != 0, converted, ""
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "0", "false":
			return false, converted, ""
		case "1", "true":
			return true, converted, ""
		}
	}
	return nil, 0, wrongClass(v, "0 or 1")
}

func toTime(c *Column, v any) (any, change, string) {
	s, ok := v.(string)
	if !ok {
		return nil, 0, wrongClass(v, "a date")
	}
	if s == "" {
		if c.NotNull {
			return nil, 0, "empty date in a NOT NULL column"
		}
		return nil, converted, ""
	}
	t, err := database.ParseJellyfinTime(s)
	if err != nil {
		return nil, 0, fmt.Sprintf("%.40q is not a date", s)
	}
	var ch change
	if strings.ContainsAny(s, "TZ+") || len(s) == len("2006-01-02") {
		ch |= converted
	}
	if t.Nanosecond()%1000 != 0 {
		t = t.Round(time.Microsecond)
		ch |= rounded
	}
	return t, ch, ""
}

func toInt(c *Column, v any) (any, change, string) {
	var n int64
	var ch change
	switch x := v.(type) {
	case int64:
		n = x
	case float64:
		if x != math.Trunc(x) || x > math.MaxInt64 || x < math.MinInt64 {
			return nil, 0, wrongClass(v, "an integer")
		}
		n, ch = int64(x), converted
	case string:
		p, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		if err != nil {
			return nil, 0, wrongClass(v, "an integer")
		}
		n, ch = p, converted
	default:
		return nil, 0, wrongClass(v, "an integer")
	}
	if c.Kind == KindInt32 {
		if n > math.MaxInt32 || n < math.MinInt32 {
			return nil, 0, fmt.Sprintf("%d is out of range for integer", n)
		}
		return int32(n), ch, ""
	}
	return n, ch, ""
}

func toFloat(c *Column, v any) (any, change, string) {
	var f float64
	var ch change
	switch x := v.(type) {
	case float64:
		f = x
	case int64:
		f = float64(x)
	case string:
		p, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return nil, 0, wrongClass(v, "a number")
		}
		f, ch = p, converted
	default:
		return nil, 0, wrongClass(v, "a number")
	}
	if c.Kind == KindFloat32 {
		g := float32(f)
		if float64(g) != f && !math.IsNaN(f) {
			if math.IsInf(float64(g), 0) {
				return nil, 0, fmt.Sprintf("%g is out of range for real", f)
			}
			ch |= converted // more precision than .NET's float had
		}
		return g, ch, ""
	}
	return f, ch, ""
}

func toText(c *Column, v any) (any, change, string) {
	var s string
	var ch change
	switch x := v.(type) {
	case string:
		s = x
	case []byte:
		s, ch = string(x), converted
	case int64:
		s, ch = strconv.FormatInt(x, 10), converted
	case float64:
		s, ch = strconv.FormatFloat(x, 'g', -1, 64), converted
	default:
		return nil, 0, wrongClass(v, "text")
	}
	if !utf8.ValidString(s) {
		return nil, 0, fmt.Sprintf("%.40q is not valid UTF-8", s)
	}
	if strings.IndexByte(s, 0) >= 0 {
		// PostgreSQL text cannot hold U+0000; .NET strings can, and no
		// Jellyfin reader depends on one.
		s, ch = strings.ReplaceAll(s, "\x00", ""), ch|converted
	}
	if c.MaxLen > 0 {
		if n := utf8.RuneCountInString(s); n > c.MaxLen {
			return nil, 0, fmt.Sprintf("%d characters, longer than character varying(%d)", n, c.MaxLen)
		}
	}
	return s, ch, ""
}

// checksum is an order-independent digest of a table's rows: the sums, mod
// 2^64, of two halves of each row's SHA-256 over its canonical encoding.
// Equal tables give equal checksums whatever order the rows come in.
type checksum struct {
	Rows int64
	A, B uint64
}

func (c checksum) String() string { return fmt.Sprintf("%016x%016x", c.A, c.B) }

// add folds one converted row into the checksum.
func (c *checksum) add(buf *[]byte, vals []any) {
	b := (*buf)[:0]
	for _, v := range vals {
		b = appendCanonical(b, v)
	}
	*buf = b
	sum := sha256.Sum256(b)
	c.Rows++
	c.A += binary.LittleEndian.Uint64(sum[0:8])
	c.B += binary.LittleEndian.Uint64(sum[8:16])
}

// appendCanonical encodes a converted value unambiguously: a type tag, then
// a fixed-size value or a length-prefixed one.
func appendCanonical(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, 'N')
	case [16]byte:
		return append(append(b, 'U'), x[:]...)
	case bool:
		if x {
			return append(b, 'T')
		}
		return append(b, 'F')
	case time.Time:
		return binary.LittleEndian.AppendUint64(append(b, 'D'), uint64(x.UnixMicro()))
	case int32:
		return binary.LittleEndian.AppendUint64(append(b, 'I'), uint64(int64(x)))
	case int64:
		return binary.LittleEndian.AppendUint64(append(b, 'I'), uint64(x))
	case float32:
		return binary.LittleEndian.AppendUint32(append(b, 'f'), math.Float32bits(x))
	case float64:
		return binary.LittleEndian.AppendUint64(append(b, 'R'), math.Float64bits(x))
	case string:
		b = binary.LittleEndian.AppendUint32(append(b, 'S'), uint32(len(x)))
		return append(b, x...)
	case []byte:
		b = binary.LittleEndian.AppendUint32(append(b, 'B'), uint32(len(x)))
		return append(b, x...)
	case []int64:
		b = binary.LittleEndian.AppendUint32(append(b, 'A'), uint32(len(x)))
		for _, n := range x {
			b = binary.LittleEndian.AppendUint64(b, uint64(n))
		}
		return b
	}
	panic(fmt.Sprintf("migrate: no canonical form for %T", v))
}
