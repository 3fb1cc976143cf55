package migrate

import (
	"context"
	"fmt"
)

// ToSQLite writes a PostgreSQL database back to a new jellyfin.db.
func ToSQLite(ctx context.Context, o Options) (*Report, error) {
	return nil, fmt.Errorf("not yet")
}
