package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
)

// The checkpointer copies committed pages from the WAL back into the
// database file on a connection of its own, after each commit, so that the
// single writer does not: a checkpoint run by the writer (SQLite's
// autocheckpoint) reads each page back from the WAL, writes it into the
// database and fsyncs both, in the middle of a group commit, while pushes
// wait. A PASSIVE checkpoint never blocks the writer or the readers and
// never waits for them; the writer's autocheckpoint (walAutocheckpoint)
// stays as the backstop for a checkpointer that falls behind, and then has
// little left to copy. Durability does not depend on it: a commit is in
// the fsynced WAL before it is answered.

// openCheckpointer opens the checkpointer's connection to path.
func openCheckpointer(ctx context.Context, path string) (*sql.DB, error) {
	db, err := openOne(ctx, "sqlite3", path)
	if err != nil {
		return nil, fmt.Errorf("open %s for checkpoints: %w", path, err)
	}
	return db, nil
}

// wakeCheckpointer tells the checkpointer a commit happened; wakes that
// arrive while it works coalesce into one more checkpoint.
func (s *Store) wakeCheckpointer() {
	select {
	case s.ckptWake <- struct{}{}:
	default:
	}
}

// checkpointLoop runs a PASSIVE checkpoint after each wake until the store
// closes.
func (s *Store) checkpointLoop() {
	defer close(s.ckptDone)
	for {
		select {
		case <-s.ckptWake:
		case <-s.quit:
			return
		}
		if err := s.checkpoint(context.Background()); err != nil {
			slog.Warn("sqlite: background checkpoint failed; the writer's own checkpoints go on", "err", err)
		}
	}
}

// checkpoint runs one PASSIVE checkpoint. (Its row, whether it was busy
// and how many WAL frames it copied, is of no use here: a checkpoint that
// copied less leaves the rest to the next one.)
func (s *Store) checkpoint(ctx context.Context) error {
	if _, err := s.ckpt.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}
