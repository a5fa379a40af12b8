package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/continuity-care/continuity/server/postgres"
	"github.com/jackc/pgx/v5"
)

// postgresEnv names the environment variable that is --postgres's default.
const postgresEnv = "CONTINUITY_BENCH_POSTGRES"

// withIDs runs f with newID (and the children's ids) set to kind, then
// restores cfg.IDs.
func withIDs(cfg config, kind string, f func() error) error {
	if err := setIDs(kind); err != nil {
		return err
	}
	err := f()
	return errors.Join(err, setIDs(cfg.IDs))
}

// measureOtherIDs generates the push workload again with the other kind of
// ids and runs push ingest on it on a fresh database, as the first run did.
func measureOtherIDs(ctx context.Context, cfg config, dir string) (p phase, peak int64, err error) {
	other := otherIDs(cfg.IDs)
	err = withIDs(cfg, other, func() error {
		cfg.logf("push ingest again with %s ids", other)
		w, err := newPushWorkload(cfg.Devices, cfg.Changes, cfg.Batch, cfg.Updates, cfg.Seed)
		if err != nil {
			return err
		}
		quiet := cfg
		quiet.CPUProfile = profileFor(cfg.CPUProfile, other)
		if cfg.Child {
			p, peak, err = measureIngestChild(ctx, quiet, filepath.Join(dir, "ingest-"+other), w)
		} else {
			p, err = measureIngest(ctx, quiet, filepath.Join(dir, "ingest-"+other), w)
		}
		return err
	})
	if err != nil {
		return p, 0, fmt.Errorf("push ingest with %s ids: %w", other, err)
	}
	return p, peak, nil
}

// profileFor names the CPU profile of a second run (x.pprof → x.v4.pprof,
// whose phases then add their own name).
func profileFor(path, kind string) string {
	if path == "" {
		return ""
	}
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "." + kind + ext
}

// measurePostgres runs push ingest on PostgreSQL at cfg.Postgres with v7 and
// then v4 ids, each on a fresh schema, the server in the bench's process.
func measurePostgres(ctx context.Context, cfg config, dir string) ([]idsPhase, error) {
	var out []idsPhase
	for _, kind := range []string{"v7", "v4"} {
		err := withIDs(cfg, kind, func() error {
			cfg.logf("push ingest on PostgreSQL with %s ids", kind)
			w, err := newPushWorkload(cfg.Devices, cfg.Changes, cfg.Batch, cfg.Updates, cfg.Seed)
			if err != nil {
				return err
			}
			dsn, drop, err := freshSchema(ctx, cfg.Postgres)
			if err != nil {
				return err
			}
			defer drop()
			store, err := postgres.Open(ctx, dsn)
			if err != nil {
				return err
			}
			keys := filepath.Join(dir, "pg-"+kind)
			if err := os.MkdirAll(keys, 0o700); err != nil {
				store.Close()
				return err
			}
			srv, err := startServerOn(ctx, keys, store)
			if err != nil {
				store.Close()
				return err
			}
			ir, err := ingestOn(ctx, srv, w)
			if err != nil {
				return err
			}
			quiet := cfg
			quiet.CPUProfile = ""
			p, err := runIngest(ctx, quiet, ir, w)
			if err == nil {
				out = append(out, idsPhase{IDs: kind, phase: p})
			}
			return err
		})
		if err != nil {
			return out, fmt.Errorf("push ingest on PostgreSQL with %s ids: %w", kind, err)
		}
	}
	return out, nil
}

// freshSchema creates an empty schema on the server at base and returns a
// DSN whose search_path is that schema, and a function dropping it.
func freshSchema(ctx context.Context, base string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "continuity_bench_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		conn.Close(ctx)
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	drop := func() {
		_, _ = conn.Exec(context.Background(), "DROP SCHEMA "+name+" CASCADE")
		conn.Close(context.Background())
	}
	if !strings.Contains(base, "://") {
		return base + " search_path=" + name, drop, nil
	}
	u, err := url.Parse(base)
	if err != nil {
		drop()
		return "", nil, fmt.Errorf("--postgres: %w", err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}
