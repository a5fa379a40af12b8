package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/continuity-care/continuity/server/sqlite"
)

// backup takes a consistent copy of a (possibly running) server's SQLite
// database.
func backup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", defaultDB, "SQLite database file to copy (the server may be running)")
	to := fs.String("to", "", "file to write the copy to (must not exist)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *to == "" {
		return errors.New("backup: --to is required")
	}
	if isPostgres(*dbPath) {
		return errors.New("backup: --db is a PostgreSQL database; use pg_dump or point-in-time recovery (docs/operations.md)")
	}
	info, err := sqlite.Backup(ctx, *dbPath, *to)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written: %s (%d bytes, migration %d, %d changes, last log position %d)\n",
		info.Path, info.Bytes, info.Version, info.Changes, info.LastSeq)
	return nil
}

// restore checks a backup and puts it in place of a stopped server's
// database.
func restore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "backup file written by 'server backup'")
	dbPath := fs.String("db", defaultDB, "SQLite database file to restore into (stop the server first)")
	replace := fs.Bool("replace", false, "move an existing database aside (kept as PATH.replaced-TIME) and replace it")
	check := fs.Bool("check", false, "only verify the backup; change nothing")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" {
		return errors.New("restore: --from is required")
	}
	if isPostgres(*dbPath) {
		return errors.New("restore: --db is a PostgreSQL database; use pg_restore (docs/operations.md)")
	}
	if *check {
		info, err := sqlite.Verify(ctx, *from)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "backup ok: %s (migration %d, %d changes, last log position %d)\n", info.Path, info.Version, info.Changes, info.LastSeq)
		return nil
	}
	info, err := sqlite.Restore(ctx, *from, *dbPath, sqlite.RestoreOptions{Replace: *replace})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s into %s (%d changes, last log position %d, new epoch %s); devices sync again from the start when they next sync and push again what they wrote since the backup; devices enrolled, or whose tokens were refreshed, after the backup must be enrolled again (docs/operations.md)\n",
		*from, info.Path, info.Changes, info.LastSeq, info.Epoch)
	return nil
}
