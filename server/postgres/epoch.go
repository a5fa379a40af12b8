package postgres

import (
	"context"
	"fmt"

	"github.com/continuity-care/continuity/server/care"
)

// Epoch implements care.Store: the database's identity, from db_epoch. It
// is read on every use rather than kept, so replicas that stay up through a
// point-in-time restore followed by 'server epoch new' see the new one.
func (s *Store) Epoch(ctx context.Context) (string, error) {
	var e string
	if err := s.pool.QueryRow(ctx, "SELECT epoch FROM db_epoch").Scan(&e); err != nil {
		return "", fmt.Errorf("read epoch: %w", err)
	}
	return e, nil
}

// RenewEpoch implements care.EpochRenewer: 'server epoch new' runs it after
// a point-in-time restore or a pg_restore.
func (s *Store) RenewEpoch(ctx context.Context) (string, error) {
	e := care.NewEpoch()
	if _, err := s.pool.Exec(ctx, "UPDATE db_epoch SET epoch = $1, changed_at = now()", e); err != nil {
		return "", fmt.Errorf("renew epoch: %w", err)
	}
	return e, nil
}
