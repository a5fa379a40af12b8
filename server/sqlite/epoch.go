package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/continuity-care/continuity/server/care"
)

// Epoch implements care.Store: the database's identity, from db_epoch.
func (s *Store) Epoch(ctx context.Context) (string, error) {
	var e string
	if err := s.reader.QueryRowContext(ctx, "SELECT epoch FROM db_epoch").Scan(&e); err != nil {
		return "", fmt.Errorf("read epoch: %w", err)
	}
	return e, nil
}

// RenewEpoch implements care.EpochRenewer: restore calls it on the restored
// file before it is put in place, and 'server epoch new' after a Litestream
// restore.
func (s *Store) RenewEpoch(ctx context.Context) (string, error) {
	e := care.NewEpoch()
	if _, err := s.writer.ExecContext(ctx, "UPDATE db_epoch SET epoch = ?, changed_at = ?", e, time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
		return "", fmt.Errorf("renew epoch: %w", err)
	}
	return e, nil
}
