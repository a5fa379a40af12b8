package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// The writer's statements are prepared once, when the store opens, on its
// single connection, and each write transaction uses them through
// Tx.StmtContext, which finds them prepared on that connection. Preparing
// them per transaction cost the writer a twentieth of its time: a flush
// statement of 128 rows is 1,792 parameters for SQLite to parse and plan.
// A statement of many rows or many keys comes in sizes that are powers of
// two, so a few statements serve every size: flush writes 116 rows as 64 +
// 32 + 16 + 4, and Begin pads a list of 300 keys to 512 by repeating the
// last (a key named twice in an IN list is found once).

// maxIn is the largest key list Begin sends in one query.
const maxIn = 512

// writerStmts are the statements prepared on the writer's connection.
type writerStmts struct {
	dup, getRec, updRec, updRecScope, insQuar, written, maxSeq, maxRowid *sql.Stmt
	// logRows and recRows write 1, 2, 4 … flushRows rows, by count;
	// loggedIn and recordsIn read 1, 2, 4 … maxIn keys.
	logRows, recRows, loggedIn, recordsIn map[int]*sql.Stmt
}

// The writer's lookups by id (keys.go): a change by id (dup, written),
// a record by key (getRec), and n of either at once (loggedIn, recordsIn).
var (
	dupQuery     = "SELECT 1 FROM changes WHERE " + changeByID
	writtenQuery = "SELECT seq, subject, role FROM changes WHERE " + changeByID
	getRecQuery  = "SELECT rowid, scope, state FROM records WHERE " + recordByKey
)

func loggedInQuery(n int) string {
	return "SELECT id, scope, body FROM changes WHERE " + keyColumn("id") + " IN (" + repeatJoin(paramKey, n) + ")"
}

func recordsInQuery(n int) string {
	// The keys are joined, one seek of records_key each (a row-value IN
	// over the key of a bound id scanned the table when the index was on
	// the expression).
	return "SELECT r.rowid, r.collection, r.record_id, r.scope, r.state FROM (VALUES " + repeatJoin("(?, ?)", n) + ") AS k CROSS JOIN records r ON r.collection = k.column1 AND " +
		keyColumn("r.record_id") + " = " + keyOf("k.column2") + " AND r.record_id = k.column2"
}

// prepareWriter prepares the writer's statements on db.
func prepareWriter(ctx context.Context, db *sql.DB) (*writerStmts, error) {
	ws := &writerStmts{logRows: map[int]*sql.Stmt{}, recRows: map[int]*sql.Stmt{}, loggedIn: map[int]*sql.Stmt{}, recordsIn: map[int]*sql.Stmt{}}
	var errs []error
	prep := func(q string) *sql.Stmt {
		x, err := db.PrepareContext(ctx, q)
		if err != nil {
			errs = append(errs, fmt.Errorf("prepare %.60s: %w", q, err))
		}
		return x
	}
	ws.dup = prep(dupQuery)
	ws.getRec = prep(getRecQuery)
	ws.updRec = prep("UPDATE records SET deleted = ?, state = ?, wire = ?, wire_n = ?, updated_seq = ? WHERE rowid = ?")
	ws.updRecScope = prep("UPDATE records SET scope = ?, deleted = ?, state = ?, wire = ?, wire_n = ?, updated_seq = ? WHERE rowid = ?")
	ws.insQuar = prep(`INSERT INTO quarantine (change_id, collection, record_id, device_id, subject, role, code, field, message, raw, received_at, scope)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	ws.written = prep(writtenQuery)
	ws.maxSeq = prep("SELECT COALESCE(MAX(seq), 0) FROM changes")
	ws.maxRowid = prep("SELECT COALESCE(MAX(rowid), 0) FROM records")
	for n := 1; n <= flushRows; n *= 2 {
		ws.logRows[n] = prep(logInsert + repeatJoin(logValues, n))
		ws.recRows[n] = prep(recInsert + repeatJoin(recValues, n))
	}
	for n := 1; n <= maxIn; n *= 2 {
		ws.loggedIn[n] = prep(loggedInQuery(n))
		ws.recordsIn[n] = prep(recordsInQuery(n))
	}
	if err := errors.Join(errs...); err != nil {
		ws.close()
		return nil, err
	}
	return ws, nil
}

// close closes every statement.
func (ws *writerStmts) close() {
	for _, x := range []*sql.Stmt{ws.dup, ws.getRec, ws.updRec, ws.updRecScope, ws.insQuar, ws.written, ws.maxSeq, ws.maxRowid} {
		if x != nil {
			x.Close()
		}
	}
	for _, m := range []map[int]*sql.Stmt{ws.logRows, ws.recRows, ws.loggedIn, ws.recordsIn} {
		for _, x := range m {
			if x != nil {
				x.Close()
			}
		}
	}
}

// repeatJoin returns n copies of s joined by commas.
func repeatJoin(s string, n int) string {
	var b strings.Builder
	b.Grow(n * (len(s) + 1))
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s)
	}
	return b.String()
}

// pow2Below returns the largest power of two ≤ n (n ≥ 1).
func pow2Below(n int) int {
	p := 1
	for p*2 <= n {
		p *= 2
	}
	return p
}

// pow2Above returns the smallest power of two ≥ n (n ≥ 1).
func pow2Above(n int) int {
	p := 1
	for p < n {
		p *= 2
	}
	return p
}

// txStmts are the writer's statements inside one transaction.
type txStmts struct {
	ctx context.Context
	tx  *sql.Tx
	ws  *writerStmts
	in  map[*sql.Stmt]*sql.Stmt
}

// get returns x for use in the transaction.
func (st *txStmts) get(x *sql.Stmt) *sql.Stmt {
	if y, ok := st.in[x]; ok {
		return y
	}
	y := st.tx.StmtContext(st.ctx, x)
	st.in[x] = y
	return y
}
