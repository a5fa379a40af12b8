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

// heldRecordsQuery reads a page of a collection's records in records_key
// order, with the counts retention weighs (retention code, collection, the
// record id after which, limit).
var heldRecordsQuery = `SELECT r.record_id, r.scope, r.state,
		(SELECT COUNT(*) FROM changes c INDEXED BY changes_rec WHERE c.rec = r.rowid),
		COALESCE((SELECT c.id FROM changes c INDEXED BY changes_rec WHERE c.rec = r.rowid ORDER BY c.seq DESC LIMIT 1), ''),
		(SELECT COUNT(*) FROM quarantine q WHERE q.collection = r.collection AND q.record_id = r.record_id AND q.code != ?)
		FROM records r WHERE r.collection = ? AND ` + keyColumn("r.record_id") + ` > ` + paramKey + ` ORDER BY ` + keyColumn("r.record_id") + ` LIMIT ?`

// HeldRecords implements care.RetentionStore.
func (s *Store) HeldRecords(ctx context.Context, collection, afterID string, limit int) ([]care.HeldRecord, error) {
	rows, err := s.reader.QueryContext(ctx, heldRecordsQuery, care.CodeRetentionRemoved, collection, afterID, limit)
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

// InPurgeTx implements care.RetentionStore: a transaction on the writer,
// which holds the database until it ends.
func (s *Store) InPurgeTx(ctx context.Context, fn func(care.PurgeTx) error) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("purge: begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(purgeTx{tx}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("purge: commit: %w", err)
	}
	return nil
}

// purgeTx is care.PurgeTx on a SQLite transaction.
type purgeTx struct{ tx *sql.Tx }

var _ care.PurgeTx = purgeTx{}

// recordRow selects a record's rowid, the key of its change-log rows.
var recordRow = "(SELECT rowid FROM records WHERE " + recordByKey + ")"

func (t purgeTx) HeldState(ctx context.Context, collection, id string) ([]byte, error) {
	var state []byte
	err := t.tx.QueryRowContext(ctx, "SELECT state FROM records WHERE "+recordByKey, collection, id, id).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return state, err
}

func (t purgeTx) NewestChange(ctx context.Context, collection, id string) (changeID string, seq int64, err error) {
	err = t.tx.QueryRowContext(ctx, "SELECT id, seq FROM changes INDEXED BY changes_rec WHERE rec = "+recordRow+" ORDER BY seq DESC LIMIT 1",
		collection, id, id).Scan(&changeID, &seq)
	return changeID, seq, err
}

func (t purgeTx) RemoveChanges(ctx context.Context, collection, id string, before int64) (int, error) {
	res, err := t.tx.ExecContext(ctx, "DELETE FROM changes WHERE rec = "+recordRow+" AND seq < ?", collection, id, id, before)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func (t purgeTx) QuarantineOf(ctx context.Context, collection, id string) ([]int64, error) {
	rows, err := t.tx.QueryContext(ctx, "SELECT id FROM quarantine WHERE collection = ? AND record_id = ? AND code != ? ORDER BY id",
		collection, id, care.CodeRetentionRemoved)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		ids = append(ids, n)
	}
	return ids, rows.Err()
}

func (t purgeTx) QuarantineRow(ctx context.Context, id int64) (collection, recordID, code string, err error) {
	err = t.tx.QueryRowContext(ctx, "SELECT collection, record_id, code FROM quarantine WHERE id = ?", id).Scan(&collection, &recordID, &code)
	if errors.Is(err, sql.ErrNoRows) {
		err = care.ErrNotFound
	}
	return collection, recordID, code, err
}

func (t purgeTx) TopQuarantineID(ctx context.Context) (top int64, err error) {
	err = t.tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM quarantine").Scan(&top)
	return top, err
}

func (t purgeTx) MarkQuarantine(ctx context.Context, id int64, message string) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE quarantine SET change_id = '', collection = '', record_id = '', code = ?, field = '', message = ?, raw = '{}' WHERE id = ?`,
		care.CodeRetentionRemoved, message, id)
	return err
}

func (t purgeTx) DeleteQuarantine(ctx context.Context, id int64) error {
	_, err := t.tx.ExecContext(ctx, "DELETE FROM quarantine WHERE id = ?", id)
	return err
}

func (t purgeTx) DeleteMarkersBelow(ctx context.Context, top int64) error {
	_, err := t.tx.ExecContext(ctx, "DELETE FROM quarantine WHERE code = ? AND id < ?", care.CodeRetentionRemoved, top)
	return err
}

func (t purgeTx) LogRetention(ctx context.Context, e *care.RetentionEntry) error {
	res, err := t.tx.ExecContext(ctx, `INSERT INTO retention_log (at, rule, collection, record_id, incident_id, changes_removed, quarantine_removed)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, e.At.Format(time.RFC3339Nano), e.Rule, e.Collection, e.RecordID, e.IncidentID, e.ChangesRemoved, e.QuarantineRemoved)
	if err != nil {
		return err
	}
	e.ID, err = res.LastInsertId()
	return err
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
