package postgres

// Change ids and record ids are stored as uuid in changes (id, record_id)
// and records (record_id) (migration 00021). Every id stored there is a
// canonical lower-case UUID, whose text is what PostgreSQL prints for the
// uuid and whose byte order is the uuid's order, so a uuid column returns
// the same strings in the same order as the text column did. Any other
// string names no change or record: it is never cast (a cast would fail,
// or would find "ABC..." as "abc..."), it simply matches nothing.

// isID reports whether s is a canonical lower-case UUID (8-4-4-4-12 hex
// digits), the only form of id the uuid columns hold.
func isID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		if isDash(i) {
			if c != '-' {
				return false
			}
		} else if !isHex(c) {
			return false
		}
	}
	return true
}

// isDash reports whether position i of a canonical UUID holds a dash.
func isDash(i int) bool { return i == 8 || i == 13 || i == 18 || i == 23 }

// isHex reports whether c is a lower-case hexadecimal digit.
func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' }

// idArg returns s as the argument of a uuid column's comparison: s itself
// when it is an id, else nil (SQL NULL), which matches nothing.
func idArg(s string) any {
	if isID(s) {
		return s
	}
	return nil
}

// onlyIDs returns the strings of ids that are ids; the others can be in
// no uuid column.
func onlyIDs(ids []string) []string {
	out := ids[:0:0]
	for _, id := range ids {
		if isID(id) {
			out = append(out, id)
		}
	}
	return out
}

// idBound turns "the ids greater than after" (in byte order, as the text
// column compared them) into a comparison with an id: ids > bound when
// inclusive is false, ids >= bound when it is true. none reports that no
// id is greater than after. after is usually "" (every id) or an id (a
// page's last record); any other string gets the smallest id greater than
// it, so a cursor that is not an id still pages as it did.
func idBound(after string) (bound string, inclusive, none bool) {
	// p: the length of after's longest prefix that starts some id.
	p := 0
	for p < len(after) && p < 36 && allowed(p, after[p]) {
		p++
	}
	if p == 36 {
		// after is an id, or an id followed by more: the ids greater than
		// it are those greater than that id.
		return after[:36], false, false
	}
	// The smallest id greater than after keeps as long a prefix of it as
	// it can: at position i it puts the smallest character allowed there
	// that is greater than after's (any allowed character when after
	// ends at i), then the smallest characters.
	for i := p; i >= 0; i-- {
		var c byte
		if i == len(after) {
			c = smallest(i)
		} else if next, ok := above(i, after[i]); ok {
			c = next
		} else {
			continue
		}
		b := []byte(after[:i])
		b = append(b, c)
		for j := i + 1; j < 36; j++ {
			b = append(b, smallest(j))
		}
		return string(b), true, false
	}
	return "", false, true
}

// allowed reports whether c may stand at position i of an id.
func allowed(i int, c byte) bool {
	if isDash(i) {
		return c == '-'
	}
	return isHex(c)
}

// smallest is the smallest character allowed at position i of an id.
func smallest(i int) byte {
	if isDash(i) {
		return '-'
	}
	return '0'
}

// above returns the smallest character allowed at position i of an id that
// is greater than c.
func above(i int, c byte) (byte, bool) {
	if isDash(i) {
		return '-', c < '-'
	}
	switch {
	case c < '0':
		return '0', true
	case c < '9':
		return c + 1, true
	case c < 'a':
		return 'a', true
	case c < 'f':
		return c + 1, true
	}
	return 0, false
}

// quarantinedID is a quarantine row q's change id as a uuid, or NULL when
// it is not an id (a quarantined change's id may be anything it was sent
// with): the change it names in the log is changes.id = quarantinedID.
const quarantinedID = `CASE WHEN q.change_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN q.change_id::uuid END`
