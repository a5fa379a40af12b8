package main

import (
	"context"
	"errors"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/postgres"
	"github.com/continuity-care/continuity/server/sqlite"
)

// store is what the commands need of a database.
type store interface {
	care.Store
	care.AccessStore
	care.ReadAuditStore
	care.EpochRenewer
}

// isPostgres reports whether --db names a PostgreSQL database.
func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// openStore opens the database named by --db: a PostgreSQL URL, or else an
// SQLite file (created and migrated).
func openStore(ctx context.Context, db string) (store, error) {
	if strings.TrimSpace(db) == "" {
		return nil, errors.New("--db is empty: give an SQLite file path or a postgres:// URL")
	}
	if isPostgres(db) {
		return postgres.Open(ctx, db)
	}
	return sqlite.Open(ctx, db)
}

// dataDir is where the signing key is kept for --db when the keys do not
// come from the environment: the SQLite file's folder, or ./data for
// PostgreSQL (replicas should share keys through CONTINUITY_SIGNING_KEYS).
func dataDir(db string) string {
	if isPostgres(db) {
		return "data"
	}
	return filepath.Dir(db)
}

// redact hides the password of a database URL for printing.
func redact(db string) string {
	u, err := url.Parse(db)
	if err != nil || u.User == nil {
		return db
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
