package sqlite

import "fmt"

// The log's change ids and the records' ids are indexed by their 16 bytes,
// kept in columns of their own (migration 00022): changes_id is UNIQUE
// (id_key) and records_key UNIQUE (collection, record_key). The writer fills
// both from the ids it logs (idKey); a query compares a column with the key
// of a bound id or of another table's id (keyOf). For canonical lower-case
// UUIDs, the only ids stored, the 16 bytes order exactly as the text does,
// so a range or an ORDER BY over the key is the same as over the id. A
// lookup of one id also compares the text, so an id that is not a canonical
// UUID (its key NULL, or the key of another spelling) matches nothing; the
// writer's batch lookup of change ids (loggedIn) takes ids ParseChange has
// made canonical, and its answers are matched to them by their text.

// keyColumn is the key column beside id column col (id or record_id,
// optionally qualified).
func keyColumn(col string) string {
	for _, c := range [...]struct{ id, key string }{{"record_id", "record_key"}, {"id", "id_key"}} {
		if n := len(col) - len(c.id); n >= 0 && col[n:] == c.id && (n == 0 || col[n-1] == '.') {
			return col[:n] + c.key
		}
	}
	panic("sqlite: no key column beside " + col)
}

// keyOf is the key of the id held in expression x: a bound parameter, or a
// column of a table without a key column.
func keyOf(x string) string { return "unhex(replace(" + x + ", '-', ''))" }

// paramKey is the key of a bound id.
var paramKey = keyOf("?")

// changeByID is the condition that finds the log row of change id ?, twice
// bound (the key seeks changes_id, the text confirms it).
var changeByID = keyColumn("id") + " = " + paramKey + " AND id = ?"

// recordByKey is the condition that finds the row of record (collection ?,
// id ?), the id bound twice: the key seeks records_key, the text confirms it.
var recordByKey = "collection = ? AND " + keyColumn("record_id") + " = " + paramKey + " AND record_id = ?"

// changeOf is the condition that a log row c is the change whose id is held
// in column col, which may be empty (then nothing matches).
func changeOf(col string) string {
	return keyColumn("c.id") + " = " + keyOf(col) + " AND c.id = " + col + " AND " + col + " != ''"
}

// idKey is the 16-byte key the writer stores beside id, which ParseChange
// has made a canonical lower-case UUID: the bytes keyOf gives for the same
// id (SQLite's unhex of it without dashes), so that lookups find them. Any
// other id is an error.
func idKey(id string) (key [16]byte, err error) {
	ok := len(id) == 36
	for i, j := 0, 0; ok && i < 36; i++ {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			ok = id[i] == '-'
			continue
		}
		var v byte
		switch c := id[i]; {
		case '0' <= c && c <= '9':
			v = c - '0'
		case 'a' <= c && c <= 'f':
			v = c - 'a' + 10
		default:
			ok = false
		}
		key[j/2] |= v << (4 * (1 - j%2))
		j++
	}
	if !ok {
		return key, fmt.Errorf("id %q is not a canonical UUID", id)
	}
	return key, nil
}
