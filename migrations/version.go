package migrations

import (
	"context"
	"errors"
	"fmt"

	"github.com/pressly/goose/v3"
)

// ErrNewerDatabase is wrapped by CheckNotNewer's refusal: the database has
// migrations this binary does not know, written by a newer server.
var ErrNewerDatabase = errors.New("the database is newer than this server")

// CheckNotNewer refuses a database at a migration newer than the newest p
// knows, naming both versions: an older binary would serve a schema it does
// not understand (and goose would call it up to date).
func CheckNotNewer(ctx context.Context, p *goose.Provider) error {
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("read the database's migration version: %w", err)
	}
	var latest int64
	for _, s := range p.ListSources() {
		latest = max(latest, s.Version)
	}
	if current > latest {
		return fmt.Errorf("%w: the database is at migration %d and this server knows migrations up to %d; run the server version that migrated it, or a newer one (docs/operations.md)",
			ErrNewerDatabase, current, latest)
	}
	return nil
}
