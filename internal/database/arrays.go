package database

import (
	"strconv"

	"github.com/jellyha/jellyha/internal/schema"
)

// Int64s encodes a list of integers as Jellyfin's primitive collections are
// stored (KeyframeData.KeyframeTicks): a JSON array in TEXT on SQLite, e.g.
// [0,20020000,40040000], and a bigint[] on PostgreSQL. A nil list is NULL;
// an empty one is [] (or '{}').
func (db *DB) Int64s(v []int64) any {
	if v == nil {
		return nil
	}
	if db.Engine == schema.PostgreSQL {
		return v // pgx encodes []int64 as int8[]
	}
	b := make([]byte, 0, 2+len(v)*9)
	b = append(b, '[')
	for i, n := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, n, 10)
	}
	return string(append(b, ']'))
}
