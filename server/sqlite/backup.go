package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/continuity-care/continuity/migrations"
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
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		_ = os.Remove(tmp)
		return BackupInfo{}, fmt.Errorf("backup %s: %w", src, err)
	}
	if err := syncFile(tmp); err != nil {
		_ = os.Remove(tmp)
		return BackupInfo{}, err
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
// serve: SQLite's integrity check passes and its migrations are not newer
// than this binary's.
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
	var problems []string
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return BackupInfo{}, fmt.Errorf("%w: %s: %v", ErrBackupInvalid, path, err)
	}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return BackupInfo{}, fmt.Errorf("%w: %s: %v", ErrBackupInvalid, path, err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return BackupInfo{}, fmt.Errorf("%w: %s: %v", ErrBackupInvalid, path, err)
	}
	if len(problems) > 0 {
		return BackupInfo{}, fmt.Errorf("%w: %s fails the integrity check: %s", ErrBackupInvalid, path, strings.Join(problems, "; "))
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
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM changes").Scan(&info.Changes, &info.LastSeq); err != nil {
		return BackupInfo{}, fmt.Errorf("%w: %s has no change log: %v", ErrBackupInvalid, path, err)
	}
	return info, nil
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
// restored file is migrated to this binary's schema and given a new epoch
// before it is put in place, so devices holding cursors or refresh tokens
// from after the backup are told to sync again or to re-enrol.
func Restore(ctx context.Context, from, dbPath string, opts RestoreOptions) (BackupInfo, error) {
	info, err := Verify(ctx, from)
	if err != nil {
		return BackupInfo{}, err
	}
	_, statErr := os.Stat(dbPath)
	if statErr == nil && !opts.Replace {
		return BackupInfo{}, fmt.Errorf("restore: %s exists; stop the server and pass --replace to move it aside", dbPath)
	}
	if err := os.MkdirAll(filepath.Dir(dbPath), 0o700); err != nil {
		return BackupInfo{}, fmt.Errorf("restore: %w", err)
	}
	tmp := dbPath + ".restoring"
	removeDB(tmp)
	if err := copyFile(from, tmp); err != nil {
		return BackupInfo{}, err
	}
	// Migrate the copy to this binary's schema and give it a new epoch
	// before it goes live: cursors and refresh tokens issued since the
	// backup name log positions and tokens this history does not have.
	epoch, err := renewEpoch(ctx, tmp)
	if err != nil {
		removeDB(tmp)
		return BackupInfo{}, fmt.Errorf("restore: %w", err)
	}
	if statErr == nil {
		now := time.Now
		if opts.Now != nil {
			now = opts.Now
		}
		aside := dbPath + ".replaced-" + now().UTC().Format("20060102T150405Z")
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Rename(dbPath+suffix, aside+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				removeDB(tmp)
				return BackupInfo{}, fmt.Errorf("restore: move %s aside: %w", dbPath+suffix, err)
			}
		}
	}
	for _, suffix := range []string{"-wal", ""} {
		if err := os.Rename(tmp+suffix, dbPath+suffix); err != nil && (suffix == "" || !errors.Is(err, os.ErrNotExist)) {
			removeDB(tmp)
			return BackupInfo{}, fmt.Errorf("restore: %w", err)
		}
	}
	_ = os.Remove(tmp + "-shm")
	if err := syncDir(filepath.Dir(dbPath)); err != nil {
		return BackupInfo{}, err
	}
	info.Epoch = epoch
	info.Path = dbPath
	return info, nil
}

// renewEpoch opens the database at path (migrating it) and gives it a new
// epoch.
func renewEpoch(ctx context.Context, path string) (string, error) {
	s, err := Open(ctx, path)
	if err != nil {
		return "", fmt.Errorf("open restored database: %w", err)
	}
	epoch, err := s.RenewEpoch(ctx)
	if err := errors.Join(err, s.Close()); err != nil {
		return "", err
	}
	return epoch, nil
}

// removeDB removes a database file and its WAL and shared-memory files.
func removeDB(path string) {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		_ = os.Remove(path + suffix)
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
