package postgres

import "context"

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
