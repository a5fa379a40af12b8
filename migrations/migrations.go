// Package migrations embeds Continuity's numbered SQL migrations, one folder
// per database engine, applied at start-up with pressly/goose.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed sqlite/*.sql
var sqliteFS embed.FS

// SQLite returns the SQLite migrations.
func SQLite() fs.FS { return mustSub(sqliteFS, "sqlite") }

//go:embed postgres/*.sql
var postgresFS embed.FS

// Postgres returns the PostgreSQL migrations.
func Postgres() fs.FS { return mustSub(postgresFS, "postgres") }

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}
