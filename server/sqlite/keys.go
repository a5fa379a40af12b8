package sqlite

// The log's change ids and the records' ids are indexed by their 16 bytes
// (migration 00021): changes_id is UNIQUE (unhex(replace(id, '-', ''))) and
// records_key UNIQUE (collection, unhex(replace(record_id, '-', ''))). SQLite
// uses an expression index only for a query that names the same expression,
// so every query that seeks or orders by either id goes through these. For
// canonical lower-case UUIDs, the only ids stored, the 16 bytes order exactly
// as the text does, so a range or an ORDER BY over the key is the same as
// over the id. A lookup of one id also compares the text, so an id that is
// not a canonical UUID (its key NULL, or the key of another spelling)
// matches nothing, as before; the writer's batch lookup of change ids
// (loggedIn) takes ids ParseChange has made canonical, and its answers are
// matched to them by their text.

// idKey is the index expression of the id held in column col (id or
// record_id, optionally qualified).
func idKey(col string) string { return "unhex(replace(" + col + ", '-', ''))" }

// paramKey is the key of a bound id.
const paramKey = "unhex(replace(?, '-', ''))"

// changeByID is the condition that finds the log row of change id ?, twice
// bound (the key seeks changes_id, the text confirms it).
var changeByID = idKey("id") + " = " + paramKey + " AND id = ?"

// recordByKey is the condition that finds the row of record (collection ?,
// id ?), the id bound twice: the key seeks records_key, the text confirms it.
var recordByKey = "collection = ? AND " + idKey("record_id") + " = " + paramKey + " AND record_id = ?"

// changeOf is the condition that a log row c is the change whose id is held
// in column col, which may be empty (then nothing matches).
func changeOf(col string) string {
	return idKey("c.id") + " = " + idKey(col) + " AND c.id = " + col + " AND " + col + " != ''"
}
