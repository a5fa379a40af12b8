package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/continuity-care/continuity/server/care"
)

var _ care.RetentionStore = (*Store)(nil)

// HeldRecords implements care.RetentionStore.
func (s *Store) HeldRecords(ctx context.Context, collection, afterID string, limit int) ([]care.HeldRecord, error) {
	rows, err := s.pool.Query(ctx, `SELECT r.record_id, r.scope, r.state,
		(SELECT COUNT(*) FROM changes c WHERE c.collection = r.collection AND c.record_id = r.record_id),
		COALESCE((SELECT c.id FROM changes c WHERE c.collection = r.collection AND c.record_id = r.record_id ORDER BY c.seq DESC LIMIT 1), ''),
		(SELECT COUNT(*) FROM quarantine q WHERE q.collection = r.collection AND q.record_id = r.record_id AND q.code <> $1)
		FROM records r WHERE r.collection = $2 AND r.record_id > $3 AND r.state IS NOT NULL ORDER BY r.record_id LIMIT $4`,
		care.CodeRetentionRemoved, collection, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("held records: %w", err)
	}
	defer rows.Close()
	out := []care.HeldRecord{}
	for rows.Next() {
		h := care.HeldRecord{Collection: collection}
		var state []byte
		var changes, quarantined int64
		if err := rows.Scan(&h.RecordID, &h.Scope, &state, &changes, &h.LastChangeID, &quarantined); err != nil {
			return nil, fmt.Errorf("held records: %w", err)
		}
		if h.State, err = care.DecodeState(collection, h.RecordID, h.Scope, state); err != nil {
			return nil, err
		}
		h.Changes, h.Quarantined = int(changes), int(quarantined)
		out = append(out, h)
	}
	return out, rows.Err()
}

// Purge implements care.RetentionStore. It locks the record's row, so a
// push writing the record waits for it (or it for the push, and then finds
// the record changed); it takes no append lock, because it appends nothing:
// it only removes rows below the record's newest one.
func (s *Store) Purge(ctx context.Context, p care.Purge) (care.RetentionEntry, error) {
	var e care.RetentionEntry
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var state []byte
		switch err := tx.QueryRow(ctx, "SELECT state FROM records WHERE collection = $1 AND record_id = $2 FOR UPDATE", p.Collection, p.RecordID).Scan(&state); {
		case errors.Is(err, pgx.ErrNoRows) || err == nil && state == nil:
			return fmt.Errorf("purge %s/%s: %w", p.Collection, p.RecordID, care.ErrNotFound)
		case err != nil:
			return fmt.Errorf("purge: %w", err)
		}
		rec, err := care.DecodeState(p.Collection, p.RecordID, "", state)
		if err != nil {
			return err
		}
		if !rec.Deleted() || rec.Tombstone.ChangeID != p.Keep {
			return fmt.Errorf("purge %s/%s: %w", p.Collection, p.RecordID, care.ErrRetentionChanged)
		}
		var lastID string
		var lastSeq int64
		if err := tx.QueryRow(ctx, "SELECT id, seq FROM changes WHERE collection = $1 AND record_id = $2 ORDER BY seq DESC LIMIT 1",
			p.Collection, p.RecordID).Scan(&lastID, &lastSeq); err != nil {
			return fmt.Errorf("purge: newest change: %w", err)
		}
		if lastID != p.Keep {
			return fmt.Errorf("purge %s/%s: %w", p.Collection, p.RecordID, care.ErrRetentionChanged)
		}
		tag, err := tx.Exec(ctx, "DELETE FROM changes WHERE collection = $1 AND record_id = $2 AND seq < $3", p.Collection, p.RecordID, lastSeq)
		if err != nil {
			return fmt.Errorf("purge: remove changes: %w", err)
		}
		rows, err := tx.Query(ctx, "SELECT id FROM quarantine WHERE collection = $1 AND record_id = $2 AND code <> $3 ORDER BY id",
			p.Collection, p.RecordID, care.CodeRetentionRemoved)
		if err != nil {
			return fmt.Errorf("quarantine of record: %w", err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return fmt.Errorf("quarantine of record: %w", err)
		}
		if err := removeQuarantine(ctx, tx, ids, p.Rule); err != nil {
			return err
		}
		e = care.RetentionEntry{At: p.At.UTC(), Rule: p.Rule, Collection: p.Collection, RecordID: p.RecordID, IncidentID: p.IncidentID,
			ChangesRemoved: int(tag.RowsAffected()), QuarantineRemoved: len(ids)}
		return logRetention(ctx, tx, &e)
	})
	if err != nil {
		return care.RetentionEntry{}, err
	}
	return e, nil
}

// PurgeQuarantine implements care.RetentionStore.
func (s *Store) PurgeQuarantine(ctx context.Context, p care.QuarantinePurge) (care.RetentionEntry, error) {
	e := care.RetentionEntry{At: p.At.UTC(), Rule: p.Rule, IncidentID: p.IncidentID, QuarantineRemoved: 1}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var code string
		switch err := tx.QueryRow(ctx, "SELECT collection, record_id, code FROM quarantine WHERE id = $1 FOR UPDATE", p.ID).Scan(&e.Collection, &e.RecordID, &code); {
		case errors.Is(err, pgx.ErrNoRows) || err == nil && code == care.CodeRetentionRemoved:
			return fmt.Errorf("purge quarantine %d: %w", p.ID, care.ErrNotFound)
		case err != nil:
			return fmt.Errorf("purge quarantine: %w", err)
		}
		if err := removeQuarantine(ctx, tx, []int64{p.ID}, p.Rule); err != nil {
			return err
		}
		return logRetention(ctx, tx, &e)
	})
	if err != nil {
		return care.RetentionEntry{}, err
	}
	return e, nil
}

// removeQuarantine deletes quarantine rows, except that the row holding the
// table's highest id is emptied into a marker instead (no change, no record, just the rule), then deletes markers
// no longer holding the highest id. PostgreSQL's identity column never
// reuses an id, but SQLite's rowid would, and the two stores keep the same
// rows so the quarantine lists the same on either.
func removeQuarantine(ctx context.Context, tx pgx.Tx, ids []int64, rule string) error {
	if len(ids) == 0 {
		return nil
	}
	var top int64
	if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(id), 0) FROM quarantine").Scan(&top); err != nil {
		return fmt.Errorf("purge quarantine: %w", err)
	}
	for _, id := range ids {
		var err error
		if id == top {
			_, err = tx.Exec(ctx, `UPDATE quarantine SET change_id = '', collection = '', record_id = '', code = $1, field = '', message = $2, raw = '{}' WHERE id = $3`,
				care.CodeRetentionRemoved, "a rejected change removed under retention rule "+rule, id)
		} else {
			_, err = tx.Exec(ctx, "DELETE FROM quarantine WHERE id = $1", id)
		}
		if err != nil {
			return fmt.Errorf("purge quarantine: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, "DELETE FROM quarantine WHERE code = $1 AND id < $2", care.CodeRetentionRemoved, top); err != nil {
		return fmt.Errorf("purge quarantine markers: %w", err)
	}
	return nil
}

func logRetention(ctx context.Context, tx pgx.Tx, e *care.RetentionEntry) error {
	err := tx.QueryRow(ctx, `INSERT INTO retention_log (at, rule, collection, record_id, incident_id, changes_removed, quarantine_removed)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, e.At, e.Rule, e.Collection, e.RecordID, e.IncidentID, e.ChangesRemoved, e.QuarantineRemoved).Scan(&e.ID)
	if err != nil {
		return fmt.Errorf("retention log: %w", err)
	}
	return nil
}

// RetentionLog implements care.RetentionStore.
func (s *Store) RetentionLog(ctx context.Context, f care.RetentionFilter) ([]care.RetentionEntry, error) {
	args := []any{f.AfterID}
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	q := "SELECT id, at, rule, collection, record_id, incident_id, changes_removed, quarantine_removed FROM retention_log WHERE id > $1"
	if f.Collection != "" {
		q += " AND collection = " + arg(f.Collection)
	}
	if f.RecordID != "" {
		q += " AND record_id = " + arg(f.RecordID)
	}
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	q += " ORDER BY id LIMIT " + arg(f.Limit)
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("retention log: %w", err)
	}
	defer rows.Close()
	out := []care.RetentionEntry{}
	for rows.Next() {
		var e care.RetentionEntry
		if err := rows.Scan(&e.ID, &e.At, &e.Rule, &e.Collection, &e.RecordID, &e.IncidentID, &e.ChangesRemoved, &e.QuarantineRemoved); err != nil {
			return nil, fmt.Errorf("retention log: %w", err)
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
