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
	bound, inclusive, none := idBound(afterID)
	if none {
		return []care.HeldRecord{}, nil
	}
	op := ">"
	if inclusive {
		op = ">="
	}
	rows, err := s.pool.Query(ctx, `SELECT r.record_id, r.scope, r.state,
		(SELECT COUNT(*) FROM changes c WHERE c.collection = r.collection AND c.record_id = r.record_id),
		COALESCE((SELECT c.id::text FROM changes c WHERE c.collection = r.collection AND c.record_id = r.record_id ORDER BY c.seq DESC LIMIT 1), ''),
		(SELECT COUNT(*) FROM quarantine q WHERE q.collection = r.collection AND q.record_id = r.record_id::text AND q.code <> $1)
		FROM records r WHERE r.collection = $2 AND r.record_id `+op+` $3::uuid AND r.state IS NOT NULL ORDER BY r.record_id LIMIT $4`,
		care.CodeRetentionRemoved, collection, bound, limit)
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

// InPurgeTx implements care.RetentionStore. A purge locks the record's
// row, so a push writing the record waits for it (or it for the push, and
// then finds the record changed); it takes no append lock, because it
// appends nothing: it only removes rows below the record's newest one.
func (s *Store) InPurgeTx(ctx context.Context, fn func(care.PurgeTx) error) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return fn(purgeTx{tx}) })
}

// purgeTx is care.PurgeTx on a PostgreSQL transaction: the rows it reads
// are locked FOR UPDATE.
type purgeTx struct{ tx pgx.Tx }

var _ care.PurgeTx = purgeTx{}

func (t purgeTx) HeldState(ctx context.Context, collection, id string) ([]byte, error) {
	var state []byte
	err := t.tx.QueryRow(ctx, "SELECT state FROM records WHERE collection = $1 AND record_id = $2 FOR UPDATE", collection, idArg(id)).Scan(&state)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return state, err
}

func (t purgeTx) NewestChange(ctx context.Context, collection, id string) (changeID string, seq int64, err error) {
	err = t.tx.QueryRow(ctx, "SELECT id, seq FROM changes WHERE collection = $1 AND record_id = $2 ORDER BY seq DESC LIMIT 1",
		collection, idArg(id)).Scan(&changeID, &seq)
	return changeID, seq, err
}

func (t purgeTx) RemoveChanges(ctx context.Context, collection, id string, before int64) (int, error) {
	tag, err := t.tx.Exec(ctx, "DELETE FROM changes WHERE collection = $1 AND record_id = $2 AND seq < $3", collection, idArg(id), before)
	return int(tag.RowsAffected()), err
}

func (t purgeTx) QuarantineOf(ctx context.Context, collection, id string) ([]int64, error) {
	rows, err := t.tx.Query(ctx, "SELECT id FROM quarantine WHERE collection = $1 AND record_id = $2 AND code <> $3 ORDER BY id",
		collection, id, care.CodeRetentionRemoved)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

func (t purgeTx) QuarantineRow(ctx context.Context, id int64) (collection, recordID, code string, err error) {
	err = t.tx.QueryRow(ctx, "SELECT collection, record_id, code FROM quarantine WHERE id = $1 FOR UPDATE", id).Scan(&collection, &recordID, &code)
	if errors.Is(err, pgx.ErrNoRows) {
		err = care.ErrNotFound
	}
	return collection, recordID, code, err
}

func (t purgeTx) TopQuarantineID(ctx context.Context) (top int64, err error) {
	err = t.tx.QueryRow(ctx, "SELECT COALESCE(MAX(id), 0) FROM quarantine").Scan(&top)
	return top, err
}

func (t purgeTx) MarkQuarantine(ctx context.Context, id int64, message string) error {
	_, err := t.tx.Exec(ctx, `UPDATE quarantine SET change_id = '', collection = '', record_id = '', code = $1, field = '', message = $2, raw = '{}' WHERE id = $3`,
		care.CodeRetentionRemoved, message, id)
	return err
}

func (t purgeTx) DeleteQuarantine(ctx context.Context, id int64) error {
	_, err := t.tx.Exec(ctx, "DELETE FROM quarantine WHERE id = $1", id)
	return err
}

func (t purgeTx) DeleteMarkersBelow(ctx context.Context, top int64) error {
	_, err := t.tx.Exec(ctx, "DELETE FROM quarantine WHERE code = $1 AND id < $2", care.CodeRetentionRemoved, top)
	return err
}

func (t purgeTx) LogRetention(ctx context.Context, e *care.RetentionEntry) error {
	return t.tx.QueryRow(ctx, `INSERT INTO retention_log (at, rule, collection, record_id, incident_id, changes_removed, quarantine_removed)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, e.At, e.Rule, e.Collection, e.RecordID, e.IncidentID, e.ChangesRemoved, e.QuarantineRemoved).Scan(&e.ID)
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
