package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/bits-and-blooms/bloom/v3"

	"github.com/continuity-care/continuity/server/care"
)

// keyFilter answers, without reading the database, that a change id is
// certainly not logged or a record certainly has no row: a Bloom filter over
// the key of every change id and record the database holds. A push's Begin
// asks the database only about the ids and records the filter cannot rule
// out. Most of a push is usually new: new records, and changes never sent
// before. With random (version 4) ids each of those lookups reads a leaf of
// changes_id or records_key at a random place, which the insert then reads
// again; with time-ordered ids they all read the last leaf. The lookups cost
// the writer about a sixth of its time with v4 ids and little with v7
// (docs/benchmarks.md, "Lookups the filter rules out").
//
// The filter may hold keys the database does not (a change of a group that
// was rolled back, a change retention deleted): that only costs a lookup. It
// must hold every key the database does, so the writer adds a key before the
// row holding it is written (Append), and Open fills it from the database
// before the first push. Only the writer's goroutine uses it.
type keyFilter struct {
	// sets are filters of growing capacity, oldest first; keys go into
	// the last, which has room for more.
	sets []*bloom.BloomFilter
	room uint
	// last is the capacity of the last set.
	last uint
	// buf holds the key being added or tested.
	buf []byte
}

// filterFalsePositives is the rate at which each set of the filter answers
// "maybe" for a key it does not hold (about 10 bits a key).
const filterFalsePositives = 0.01

// filterMinKeys is the capacity of the first set of an empty database's
// filter (about 80 KB).
const filterMinKeys = 1 << 16

// newKeyFilter returns an empty filter with room for n keys before it grows.
func newKeyFilter(n uint) *keyFilter {
	f := &keyFilter{}
	f.grow(max(n, filterMinKeys))
	return f
}

// grow adds a set with room for n keys.
func (f *keyFilter) grow(n uint) {
	f.sets = append(f.sets, bloom.NewWithEstimates(n, filterFalsePositives))
	f.room, f.last = n, n
}

// add adds key b.
func (f *keyFilter) add(b []byte) {
	if f.room == 0 {
		// Each set twice the last: a filter of n keys has about
		// log2(n / filterMinKeys) sets, and answers "maybe" for a key it
		// does not hold at about that many times filterFalsePositives.
		f.grow(2 * f.last)
	}
	f.sets[len(f.sets)-1].Add(b)
	f.room--
}

// mayHold reports whether key b may have been added (false: certainly not).
func (f *keyFilter) mayHold(b []byte) bool {
	for i := len(f.sets) - 1; i >= 0; i-- {
		if f.sets[i].Test(b) {
			return true
		}
	}
	return false
}

// changeKey is the filter's key of a change id's key (from idKey).
func (f *keyFilter) changeKey(key [16]byte) []byte {
	f.buf = append(append(f.buf[:0], 'c'), key[:]...)
	return f.buf
}

// recordKey is the filter's key of a record, from its collection and its
// id's key (from idKey).
func (f *keyFilter) recordKey(collection string, key [16]byte) []byte {
	f.buf = append(append(append(append(f.buf[:0], 'r'), collection...), 0), key[:]...)
	return f.buf
}

// addChange adds the key of a logged change's id.
func (f *keyFilter) addChange(key [16]byte) { f.add(f.changeKey(key)) }

// addRecord adds the key of a record given a row.
func (f *keyFilter) addRecord(collection string, key [16]byte) { f.add(f.recordKey(collection, key)) }

// mayHoldChange reports whether change id may be logged. An id that is not a
// canonical UUID may be (the database is asked).
func (f *keyFilter) mayHoldChange(id string) bool {
	key, err := idKey(id)
	return err != nil || f.mayHold(f.changeKey(key))
}

// mayHoldRecord reports whether record k may have a row. A record whose id
// is not a canonical UUID may have (the database is asked).
func (f *keyFilter) mayHoldRecord(k care.RecordKey) bool {
	key, err := idKey(k.ID)
	return err != nil || f.mayHold(f.recordKey(k.Collection, key))
}

// loadKeyFilter returns a filter holding every change id and record in db,
// with room for as many again before it grows. It reads the two key indexes
// once; the largest seq and rowid (no counting) size it.
func loadKeyFilter(ctx context.Context, db *sql.DB) (*keyFilter, error) {
	var n uint
	if err := db.QueryRowContext(ctx, "SELECT COALESCE((SELECT MAX(seq) FROM changes), 0) + COALESCE((SELECT MAX(rowid) FROM records), 0)").Scan(&n); err != nil {
		return nil, fmt.Errorf("key filter: %w", err)
	}
	f := newKeyFilter(2 * n)
	rows, err := db.QueryContext(ctx, `SELECT 0, '', id_key FROM changes INDEXED BY changes_id
		UNION ALL SELECT 1, collection, record_key FROM records INDEXED BY records_key`)
	if err != nil {
		return nil, fmt.Errorf("key filter: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var record bool
		var collection string
		var key []byte
		if err := rows.Scan(&record, &collection, &key); err != nil {
			return nil, fmt.Errorf("key filter: %w", err)
		}
		if len(key) != 16 {
			return nil, fmt.Errorf("key filter: a stored key of %d bytes (collection %q), not 16", len(key), collection)
		}
		if record {
			f.addRecord(collection, [16]byte(key))
		} else {
			f.addChange([16]byte(key))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("key filter: %w", err)
	}
	return f, nil
}
