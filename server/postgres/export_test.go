package postgres

import (
	"context"

	"github.com/continuity-care/continuity/server/care"
)

// RetriesForTest returns how many push attempts ran again.
func (s *Store) RetriesForTest() int64 { return s.retries.Load() }

// SetBeforeCommit makes every push call f just before it commits.
func (s *Store) SetBeforeCommit(f func()) { s.beforeCommit = f }

// SettingForTest returns a setting of the store's sessions.
func (s *Store) SettingForTest(ctx context.Context, name string) (string, error) {
	var v string
	err := s.pool.QueryRow(ctx, "SELECT current_setting($1)", name).Scan(&v)
	return v, err
}

// ChangesQueryForTest returns the query, and its arguments, of a log page of
// at most n changes after position after that pass f.
func ChangesQueryForTest(after int64, f care.Filter, n int) (string, []any) {
	return changesQuery(after, f, n)
}

// RecordsQueryForTest returns Records' query of collection under f, or
// Incidents' query when collection is empty.
func RecordsQueryForTest(collection string, f care.Filter) (string, []any) {
	if collection == "" {
		return incidentsQuery, nil
	}
	return recordsQuery(collection, f)
}

// StateQueryForTest returns the query of a state page of at most n records
// after (collection, id) that pass f.
func StateQueryForTest(collection, id string, f care.Filter, n int) (string, []any) {
	return stateQuery(collection, id, f, n)
}

// PlanCountsForTest returns, for each statement prepared on the store's idle
// connections whose text contains substr, how many times PostgreSQL planned
// it generically and how many times with its parameters' values.
func (s *Store) PlanCountsForTest(ctx context.Context, substr string) (generic, custom int64, err error) {
	for _, c := range s.pool.AcquireAllIdle(ctx) {
		var g, cu int64
		if err == nil {
			err = c.QueryRow(ctx, "SELECT COALESCE(sum(generic_plans), 0)::bigint, COALESCE(sum(custom_plans), 0)::bigint FROM pg_prepared_statements WHERE strpos(statement, $1) > 0", substr).Scan(&g, &cu)
		}
		generic, custom = generic+g, custom+cu
		c.Release()
	}
	return generic, custom, err
}
