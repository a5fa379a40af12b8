package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/continuity-care/continuity/server/care"
)

var _ care.RetentionStore = (*Store)(nil)

// HeldRecords implements care.RetentionStore.
func (s *Store) HeldRecords(ctx context.Context, collection, afterID string, limit int) ([]care.HeldRecord, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT r.record_id, r.scope, r.state,
		(SELECT COUNT(*) FROM changes c INDEXED BY changes_rec WHERE c.rec = r.rowid),
		COALESCE((SELECT c.id FROM changes c INDEXED BY changes_rec WHERE c.rec = r.rowid ORDER BY c.seq DESC LIMIT 1), ''),
		(SELECT COUNT(*) FROM quarantine q WHERE q.collection = r.collection AND q.record_id = r.record_id AND q.code != ?)
		FROM records r WHERE r.collection = ? AND r.record_id > ? ORDER BY r.record_id LIMIT ?`,
		care.CodeRetentionRemoved, collection, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("held records: %w", err)
	}
	defer rows.Close()
	out := []care.HeldRecord{}
	for rows.Next() {
		h := care.HeldRecord{Collection: collection}
		var state []byte
		if err := rows.Scan(&h.RecordID, &h.Scope, &state, &h.Changes, &h.LastChangeID, &h.Quarantined); err != nil {
			return nil, fmt.Errorf("held records: %w", err)
		}
		if h.State, err = care.DecodeState(collection, h.RecordID, h.Scope, state); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// Purge implements care.RetentionStore. The kept tombstone is the record's
// newest log row, so the rows removed are all below it and the log's
// highest seq (which SQLite would otherwise reuse) is never removed.
func (s *Store) Purge(ctx context.Context, p care.Purge) (care.RetentionEntry, error) {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return care.RetentionEntry{}, fmt.Errorf("purge: begin: %w", err)
	}
	defer tx.Rollback()
	var state []byte
	switch err := tx.QueryRowContext(ctx, "SELECT state FROM records WHERE collection = ? AND record_id = ?", p.Collection, p.RecordID).Scan(&state); {
	case errors.Is(err, sql.ErrNoRows):
		return care.RetentionEntry{}, fmt.Errorf("purge %s/%s: %w", p.Collection, p.RecordID, care.ErrNotFound)
	case err != nil:
		return care.RetentionEntry{}, fmt.Errorf("purge: %w", err)
	}
	rec, err := care.DecodeState(p.Collection, p.RecordID, "", state)
	if err != nil {
		return care.RetentionEntry{}, err
	}
	if !rec.Deleted() || rec.Tombstone.ChangeID != p.Keep {
		return care.RetentionEntry{}, fmt.Errorf("purge %s/%s: %w", p.Collection, p.RecordID, care.ErrRetentionChanged)
	}
	var lastID string
	var lastSeq int64
	if err := tx.QueryRowContext(ctx, "SELECT id, seq FROM changes INDEXED BY changes_rec WHERE rec = (SELECT rowid FROM records WHERE collection = ? AND record_id = ?) ORDER BY seq DESC LIMIT 1",
		p.Collection, p.RecordID).Scan(&lastID, &lastSeq); err != nil {
		return care.RetentionEntry{}, fmt.Errorf("purge: newest change: %w", err)
	}
	if lastID != p.Keep {
		return care.RetentionEntry{}, fmt.Errorf("purge %s/%s: %w", p.Collection, p.RecordID, care.ErrRetentionChanged)
	}
	res, err := tx.ExecContext(ctx, "DELETE FROM changes WHERE rec = (SELECT rowid FROM records WHERE collection = ? AND record_id = ?) AND seq < ?", p.Collection, p.RecordID, lastSeq)
	if err != nil {
		return care.RetentionEntry{}, fmt.Errorf("purge: remove changes: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return care.RetentionEntry{}, fmt.Errorf("purge: %w", err)
	}
	ids, err := quarantineOf(ctx, tx, p.Collection, p.RecordID)
	if err != nil {
		return care.RetentionEntry{}, err
	}
	if err := removeQuarantine(ctx, tx, ids, p.Rule); err != nil {
		return care.RetentionEntry{}, err
	}
	e := care.RetentionEntry{At: p.At.UTC(), Rule: p.Rule, Collection: p.Collection, RecordID: p.RecordID, IncidentID: p.IncidentID,
		ChangesRemoved: int(n), QuarantineRemoved: len(ids)}
	if err := logRetention(ctx, tx, &e); err != nil {
		return care.RetentionEntry{}, err
	}
	if err := tx.Commit(); err != nil {
		return care.RetentionEntry{}, fmt.Errorf("purge: commit: %w", err)
	}
	return e, nil
}

// PurgeQuarantine implements care.RetentionStore.
func (s *Store) PurgeQuarantine(ctx context.Context, p care.QuarantinePurge) (care.RetentionEntry, error) {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return care.RetentionEntry{}, fmt.Errorf("purge quarantine: begin: %w", err)
	}
	defer tx.Rollback()
	e := care.RetentionEntry{At: p.At.UTC(), Rule: p.Rule, IncidentID: p.IncidentID, QuarantineRemoved: 1}
	var code string
	switch err := tx.QueryRowContext(ctx, "SELECT collection, record_id, code FROM quarantine WHERE id = ?", p.ID).Scan(&e.Collection, &e.RecordID, &code); {
	case errors.Is(err, sql.ErrNoRows) || err == nil && code == care.CodeRetentionRemoved:
		return care.RetentionEntry{}, fmt.Errorf("purge quarantine %d: %w", p.ID, care.ErrNotFound)
	case err != nil:
		return care.RetentionEntry{}, fmt.Errorf("purge quarantine: %w", err)
	}
	if err := removeQuarantine(ctx, tx, []int64{p.ID}, p.Rule); err != nil {
		return care.RetentionEntry{}, err
	}
	if err := logRetention(ctx, tx, &e); err != nil {
		return care.RetentionEntry{}, err
	}
	if err := tx.Commit(); err != nil {
		return care.RetentionEntry{}, fmt.Errorf("purge quarantine: commit: %w", err)
	}
	return e, nil
}

// quarantineOf returns the ids of a record's quarantine rows, markers aside.
func quarantineOf(ctx context.Context, tx *sql.Tx, collection, id string) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, "SELECT id FROM quarantine WHERE collection = ? AND record_id = ? AND code != ? ORDER BY id",
		collection, id, care.CodeRetentionRemoved)
	if err != nil {
		return nil, fmt.Errorf("quarantine of record: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("quarantine of record: %w", err)
		}
		ids = append(ids, n)
	}
	return ids, rows.Err()
}

// removeQuarantine deletes quarantine rows, except that the row holding the
// table's highest id is emptied into a marker instead (no change, no record, just the rule) (SQLite gives a new
// row max(id)+1, so deleting it would hand its id to the next rejected
// change); then it deletes markers no longer holding the highest id.
func removeQuarantine(ctx context.Context, tx *sql.Tx, ids []int64, rule string) error {
	if len(ids) == 0 {
		return nil
	}
	var top int64
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM quarantine").Scan(&top); err != nil {
		return fmt.Errorf("purge quarantine: %w", err)
	}
	for _, id := range ids {
		var err error
		if id == top {
			_, err = tx.ExecContext(ctx, `UPDATE quarantine SET change_id = '', collection = '', record_id = '', code = ?, field = '', message = ?, raw = '{}' WHERE id = ?`,
				care.CodeRetentionRemoved, "a rejected change removed under retention rule "+rule, id)
		} else {
			_, err = tx.ExecContext(ctx, "DELETE FROM quarantine WHERE id = ?", id)
		}
		if err != nil {
			return fmt.Errorf("purge quarantine: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM quarantine WHERE code = ? AND id < ?", care.CodeRetentionRemoved, top); err != nil {
		return fmt.Errorf("purge quarantine markers: %w", err)
	}
	return nil
}

func logRetention(ctx context.Context, tx *sql.Tx, e *care.RetentionEntry) error {
	res, err := tx.ExecContext(ctx, `INSERT INTO retention_log (at, rule, collection, record_id, incident_id, changes_removed, quarantine_removed)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, e.At.Format(time.RFC3339Nano), e.Rule, e.Collection, e.RecordID, e.IncidentID, e.ChangesRemoved, e.QuarantineRemoved)
	if err != nil {
		return fmt.Errorf("retention log: %w", err)
	}
	if e.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("retention log: %w", err)
	}
	return nil
}

// RetentionLog implements care.RetentionStore.
func (s *Store) RetentionLog(ctx context.Context, f care.RetentionFilter) ([]care.RetentionEntry, error) {
	q := "SELECT id, at, rule, collection, record_id, incident_id, changes_removed, quarantine_removed FROM retention_log WHERE id > ?"
	args := []any{f.AfterID}
	if f.Collection != "" {
		q += " AND collection = ?"
		args = append(args, f.Collection)
	}
	if f.RecordID != "" {
		q += " AND record_id = ?"
		args = append(args, f.RecordID)
	}
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	q += " ORDER BY id LIMIT ?"
	args = append(args, f.Limit)
	rows, err := s.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("retention log: %w", err)
	}
	defer rows.Close()
	out := []care.RetentionEntry{}
	for rows.Next() {
		var e care.RetentionEntry
		var at string
		if err := rows.Scan(&e.ID, &at, &e.Rule, &e.Collection, &e.RecordID, &e.IncidentID, &e.ChangesRemoved, &e.QuarantineRemoved); err != nil {
			return nil, fmt.Errorf("retention log: %w", err)
		}
		e.At = parseTS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
