package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/continuity-care/continuity/server/auth"

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
		st, err := postgres.Open(ctx, db)
		if err != nil {
			// pgx hides the password of a URL it cannot parse; make sure
			// no error names it, whatever the driver says.
			return nil, redactError(db, err)
		}
		return st, nil
	}
	if err := checkWritable(filepath.Dir(db)); err != nil {
		return nil, err
	}
	return sqlite.Open(ctx, db)
}

// checkWritable makes sure the SQLite database's folder exists and this
// user can create files in it (the database's -wal and -shm), so that a
// volume owned by another user (a root-owned bind mount in a container)
// is refused with what to do, not SQLite's "no such file" or "readonly
// database".
func checkWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("the data folder %s cannot be created by this user (uid %d): %w; create it and give it to this user (in the container image: chown 10001:10001 on the host folder mounted at /app/data)", dir, os.Getuid(), err)
	}
	f, err := os.CreateTemp(dir, ".continuity-write-check-*")
	if err != nil {
		return fmt.Errorf("the data folder %s is not writable by this user (uid %d): %w; give it to this user (in the container image: chown 10001:10001 on the host folder mounted at /app/data)", dir, os.Getuid(), err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// addPasswordFileFlag adds --db-password-file: a file holding the
// PostgreSQL password, so it need not be in --db (process arguments are
// readable by other users with ps).
func addPasswordFileFlag(fs *flag.FlagSet) *string {
	return fs.String("db-password-file", "", "file holding the PostgreSQL password for --db (its first line; mode 0600), instead of a password in the URL. PGPASSWORD, ~/.pgpass (PGPASSFILE) and pg_service.conf (PGSERVICEFILE) work too")
}

// withPasswordFile returns db with the password read from file (its first
// line) set in the URL; db unchanged when file is empty.
func withPasswordFile(db, file string) (string, error) {
	if file == "" {
		return db, nil
	}
	if !isPostgres(db) {
		return "", errors.New("--db-password-file is for a postgres:// --db")
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("--db-password-file: %w", err)
	}
	pw, _, _ := strings.Cut(string(b), "\n")
	pw = strings.TrimRight(pw, "\r")
	if pw == "" {
		return "", fmt.Errorf("--db-password-file %s: the first line is empty", file)
	}
	u, err := url.Parse(db)
	if err != nil {
		return "", fmt.Errorf("--db: not a URL: %s", redact(db))
	}
	user := ""
	if u.User != nil {
		user = u.User.Username()
	}
	u.User = url.UserPassword(user, pw)
	return u.String(), nil
}

// loadKeys returns the signing keys for --db: from CONTINUITY_SIGNING_KEYS,
// else (SQLite only) from the key file beside the database. A PostgreSQL
// database is shared by replicas, whose tokens and cursors verify on each
// other only with the same keys: without the variable it is refused rather
// than a key of this machine's own made.
func loadKeys(db string) (*auth.KeySet, error) {
	if isPostgres(db) && strings.TrimSpace(os.Getenv(auth.EnvKeys)) == "" {
		return nil, fmt.Errorf("%s is not set: with a PostgreSQL --db every replica must have the same signing keys, "+
			"or a token or cursor issued by one replica is refused (401) by the others. Make a value with '%s keys new' "+
			"and give every replica the same %s", auth.EnvKeys, selfCommand(), auth.EnvKeys)
	}
	return auth.LoadKeys(dataDir(db), time.Now())
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

// redact hides the password of a database URL (in its user part or a
// password= parameter) for printing and logging. A postgres URL that does
// not parse is hidden whole.
func redact(db string) string {
	if !isPostgres(db) {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		return "postgres://(a URL that does not parse; hidden)"
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// redactError replaces db's password, wherever err's message holds it, by
// xxxxx.
func redactError(db string, err error) error {
	pw := ""
	if u, perr := url.Parse(db); perr == nil {
		if u.User != nil {
			pw, _ = u.User.Password()
		}
		if pw == "" {
			pw = u.Query().Get("password")
		}
	}
	if pw == "" || !strings.Contains(err.Error(), pw) {
		return err
	}
	return &redactedError{msg: strings.ReplaceAll(err.Error(), pw, "xxxxx"), err: err}
}

// redactedError is an error whose message has a password hidden; Unwrap
// keeps errors.Is and errors.As working.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
