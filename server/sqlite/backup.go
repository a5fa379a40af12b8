package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/continuity-care/continuity/migrations"
	"github.com/continuity-care/continuity/server/care"
	"github.com/pressly/goose/v3"
)

// BackupInfo describes a database copy: what it holds and which schema
// version it was written by.
type BackupInfo struct {
	// Path is the file described.
	Path string
	// Version is the newest migration applied to it.
	Version int64
	// Changes is how many changes its log holds.
	Changes int64
	// LastSeq is the newest log position in it: every change acknowledged
	// before the copy began is at or below it.
	LastSeq int64
	// Bytes is the file's size.
	Bytes int64
	// Epoch is the new epoch Restore gave the restored database.
	Epoch string
}

// ErrBackupInvalid is wrapped by Verify and Restore when a file is not a
// usable Continuity database.
var ErrBackupInvalid = errors.New("not a usable Continuity backup")

// LatestVersion is the newest migration this binary knows.
func LatestVersion() (int64, error) {
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectSQLite3, db, migrations.SQLite())
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	var v int64
	for _, s := range p.ListSources() {
		v = max(v, s.Version)
	}
	return v, nil
}

// Backup writes a consistent copy of the database at src to dest while a
// server may be running on it: VACUUM INTO reads one snapshot under a read
// transaction, so the writer and readers carry on, and the copy holds every
// change committed before it began. dest must not exist; the copy is written
// beside it and renamed into place only once it is complete and synced.
func Backup(ctx context.Context, src, dest string) (BackupInfo, error) {
	if _, err := os.Stat(src); err != nil {
		return BackupInfo{}, fmt.Errorf("backup source: %w", err)
	}
	if _, err := os.Stat(dest); err == nil {
		return BackupInfo{}, fmt.Errorf("backup: %s already exists; choose a new file name", dest)
	}
	db, err := sql.Open("sqlite3", "file:"+src+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		return BackupInfo{}, fmt.Errorf("open %s: %w", src, err)
	}
	defer db.Close()
	tmp := dest + ".partial"
	_ = os.Remove(tmp)
	// VACUUM INTO writes into an empty file, keeping its mode: create it
	// readable by this user alone, whatever the umask.
	if err := createPrivate(tmp); err != nil {
		return BackupInfo{}, fmt.Errorf("backup: %w", err)
	}
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		_ = os.Remove(tmp)
		return BackupInfo{}, fmt.Errorf("backup %s: %w", src, err)
	}
	if err := syncFile(tmp); err != nil {
		_ = os.Remove(tmp)
		return BackupInfo{}, err
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		_ = os.Remove(tmp)
		return BackupInfo{}, fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp, dest); err != nil {
		_ = os.Remove(tmp)
		return BackupInfo{}, fmt.Errorf("backup: %w", err)
	}
	if err := syncDir(filepath.Dir(dest)); err != nil {
		return BackupInfo{}, err
	}
	return Verify(ctx, dest)
}

// Verify checks that path is a whole Continuity database this binary can
// serve, and nothing more: SQLite's integrity and foreign-key checks pass,
// its migrations are not newer than this binary's, and its schema (every
// table, index, view and trigger) is exactly what this binary's migrations
// make at its version. A restored file is trusted as the server's own
// database, so an extra trigger or view in it would run inside the server;
// one is refused, with a message naming what differs.
func Verify(ctx context.Context, path string) (BackupInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("verify: %w", err)
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_query_only=true")
	if err != nil {
		return BackupInfo{}, fmt.Errorf("open %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := checkLines(ctx, db, "PRAGMA integrity_check", "ok"); err != nil {
		return BackupInfo{}, fmt.Errorf("%w: %s fails the integrity check: %v", ErrBackupInvalid, path, err)
	}
	info := BackupInfo{Path: path, Bytes: st.Size()}
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied").Scan(&info.Version); err != nil {
		return BackupInfo{}, fmt.Errorf("%w: %s has no migration history: %v", ErrBackupInvalid, path, err)
	}
	latest, err := LatestVersion()
	if err != nil {
		return BackupInfo{}, err
	}
	if info.Version == 0 {
		return BackupInfo{}, fmt.Errorf("%w: %s has no migrations applied", ErrBackupInvalid, path)
	}
	if info.Version > latest {
		return BackupInfo{}, fmt.Errorf("%w: %s is at migration %d, newer than this binary's %d: restore it with a newer server", ErrBackupInvalid, path, info.Version, latest)
	}
	got, err := schemaObjects(ctx, db)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("%w: %s: read its schema: %v", ErrBackupInvalid, path, err)
	}
	want, err := migratedSchema(ctx, info.Version)
	if err != nil {
		return BackupInfo{}, err
	}
	if diff := schemaDiff(want, got); len(diff) > 0 {
		return BackupInfo{}, fmt.Errorf("%w: %s does not have the schema of migration %d: %s", ErrBackupInvalid, path, info.Version, strings.Join(diff, "; "))
	}
	if err := checkLines(ctx, db, "PRAGMA foreign_key_check", ""); err != nil {
		return BackupInfo{}, fmt.Errorf("%w: %s fails the foreign key check: %v", ErrBackupInvalid, path, err)
	}
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM changes").Scan(&info.Changes, &info.LastSeq); err != nil {
		return BackupInfo{}, fmt.Errorf("%w: %s has no change log: %v", ErrBackupInvalid, path, err)
	}
	return info, nil
}

// checkLines runs a checking PRAGMA and returns an error listing every row
// it answers other than ok (integrity_check answers "ok" when all is well;
// foreign_key_check answers nothing, so ok is "").
func checkLines(ctx context.Context, db *sql.DB, pragma, ok string) error {
	rows, err := db.QueryContext(ctx, pragma)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	var problems []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		parts := make([]string, 0, len(vals))
		for _, v := range vals {
			parts = append(parts, v.String)
		}
		if line := strings.Join(parts, " "); line != ok {
			problems = append(problems, line)
		}
		if len(problems) == 10 {
			problems = append(problems, "...")
			break
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// schemaObject is one row of sqlite_master: a table, index, view or
// trigger, and the SQL that made it.
type schemaObject struct {
	kind, name, table, sql string
}

// schemaObjects reads a database's schema, keyed by "type name". The
// planner's statistics tables (sqlite_stat1, sqlite_stat4, which PRAGMA
// optimize creates) hold no code and are left out.
func schemaObjects(ctx context.Context, db *sql.DB) (map[string]schemaObject, error) {
	rows, err := db.QueryContext(ctx, "SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master WHERE substr(name, 1, 11) <> 'sqlite_stat'")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]schemaObject{}
	for rows.Next() {
		var o schemaObject
		if err := rows.Scan(&o.kind, &o.name, &o.table, &o.sql); err != nil {
			return nil, err
		}
		o.sql = strings.Join(strings.Fields(o.sql), " ")
		out[o.kind+" "+o.name] = o
	}
	return out, rows.Err()
}

// migratedSchema returns the schema this binary's migrations make up to
// version, in a fresh in-memory database.
func migratedSchema(ctx context.Context, version int64) (map[string]schemaObject, error) {
	db, err := sql.Open("sqlite3", "file::memory:?_foreign_keys=on")
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	p, err := goose.NewProvider(goose.DialectSQLite3, db, migrations.SQLite())
	if err != nil {
		return nil, fmt.Errorf("verify: migrations: %w", err)
	}
	if _, err := p.UpTo(ctx, version); err != nil {
		return nil, fmt.Errorf("verify: migrate a reference database to %d: %w", version, err)
	}
	return schemaObjects(ctx, db)
}

// schemaDiff lists how got differs from want, in a stable order: "extra
// trigger x", "missing table y", "changed index z".
func schemaDiff(want, got map[string]schemaObject) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[k]; !ok {
			out = append(out, "extra "+k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(want)) {
		g, ok := got[k]
		switch {
		case !ok:
			out = append(out, "missing "+k)
		case g != want[k]:
			out = append(out, "changed "+k)
		}
	}
	return out
}

// RestoreOptions are Restore's choices.
type RestoreOptions struct {
	// Replace allows an existing database at the target path to be moved
	// aside (to PATH.replaced-<time>) and replaced.
	Replace bool
	// Now stamps the name of a replaced database; time.Now when nil.
	Now func() time.Time
}

// Restore verifies the backup at from and puts a copy of it at dbPath. The
// server must be stopped. An existing database there is refused unless
// opts.Replace is set, and then kept beside it rather than deleted. The
// copy is migrated to this binary's schema and verified again before
// anything at dbPath is moved; if putting it in place fails after the live
// database was moved aside, the live database is moved back, so a failed
// restore never leaves a server unable to start.
func Restore(ctx context.Context, from, dbPath string, opts RestoreOptions) (BackupInfo, error) {
	info, err := Verify(ctx, from)
	if err != nil {
		return BackupInfo{}, err
	}
	_, err = os.Stat(dbPath)
	exists := err == nil
	if exists && !opts.Replace {
		return BackupInfo{}, fmt.Errorf("restore: %s exists; stop the server and pass --replace to move it aside", dbPath)
	}
	if err := os.MkdirAll(filepath.Dir(dbPath), 0o700); err != nil {
		return BackupInfo{}, fmt.Errorf("restore: %w", err)
	}
	// Prepare the copy beside the target: copied, migrated and verified
	// before the live database is touched.
	tmp := dbPath + ".restoring"
	removeDB(tmp)
	if err := copyFile(from, tmp); err != nil {
		removeDB(tmp)
		return BackupInfo{}, err
	}
	// Migrate the copy to this binary's schema and give it a new epoch
	// before it goes live: cursors and refresh tokens issued since the
	// backup name log positions and tokens this history does not have.
	epoch, err := migrateFile(ctx, tmp)
	if err != nil {
		removeDB(tmp)
		return BackupInfo{}, fmt.Errorf("restore: migrate the copy: %w", err)
	}
	if _, err := Verify(ctx, tmp); err != nil {
		removeDB(tmp)
		return BackupInfo{}, fmt.Errorf("restore: the migrated copy: %w", err)
	}
	var aside string
	if exists {
		now := time.Now
		if opts.Now != nil {
			now = opts.Now
		}
		aside = dbPath + ".replaced-" + now().UTC().Format("20060102T150405Z")
		var moved []string
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Rename(dbPath+suffix, aside+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				putBack(aside, dbPath, moved)
				removeDB(tmp)
				return BackupInfo{}, fmt.Errorf("restore: move %s aside: %w", dbPath+suffix, err)
			} else if err == nil {
				moved = append(moved, suffix)
			}
		}
	}
	fail := func(err error) (BackupInfo, error) {
		removeDB(dbPath)
		if exists {
			putBack(aside, dbPath, []string{"", "-wal", "-shm"})
		}
		removeDB(tmp)
		return BackupInfo{}, err
	}
	if err := restoreStep("rename", func() error { return os.Rename(tmp, dbPath) }); err != nil {
		return fail(fmt.Errorf("restore: %w", err))
	}
	_ = os.Remove(tmp + "-shm")
	if err := syncDir(filepath.Dir(dbPath)); err != nil {
		return fail(err)
	}
	if err := restoreStep("open", func() error {
		s, err := Open(ctx, dbPath)
		if err != nil {
			return err
		}
		return s.Close()
	}); err != nil {
		return fail(fmt.Errorf("restore: open restored database: %w", err))
	}
	info.Epoch = epoch
	info.Path = dbPath
	return info, nil
}

// restoreFault, when set (by tests), is called before each step of putting
// a restored copy in place and may fail it.
var restoreFault func(step string) error

func restoreStep(step string, fn func() error) error {
	if restoreFault != nil {
		if err := restoreFault(step); err != nil {
			return err
		}
	}
	return fn()
}

// migrateFile applies this binary's migrations to the database at path,
// gives it a new epoch and closes it, leaving no -wal or -shm file beside
// it. It returns the new epoch.
func migrateFile(ctx context.Context, path string) (string, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000&_foreign_keys=on&_journal_mode=DELETE")
	if err != nil {
		return "", err
	}
	db.SetMaxOpenConns(1)
	epoch := care.NewEpoch()
	err = Migrate(ctx, db)
	if err == nil {
		_, err = db.ExecContext(ctx, "UPDATE db_epoch SET epoch = ?, changed_at = ?", epoch, time.Now().UTC().Format(time.RFC3339Nano))
	}
	if err := errors.Join(err, db.Close()); err != nil {
		return "", err
	}
	return epoch, nil
}

// removeDB removes a database file and its -wal and -shm files.
func removeDB(path string) {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		_ = os.Remove(path + suffix)
	}
}

// putBack moves the files moved aside (by suffix) back to dbPath.
func putBack(aside, dbPath string, suffixes []string) {
	for _, suffix := range suffixes {
		if err := os.Rename(aside+suffix, dbPath+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			slog.Error("restore: could not move the replaced database back", "from", aside+suffix, "to", dbPath+suffix, "err", err)
		}
	}
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("restore: read %s: %w", from, err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("restore: write %s: %w", to, err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		_ = os.Remove(to)
		return fmt.Errorf("restore: copy to %s: %w", to, err)
	}
	if err := dst.Sync(); err != nil {
		dst.Close()
		return fmt.Errorf("restore: sync %s: %w", to, err)
	}
	return dst.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
