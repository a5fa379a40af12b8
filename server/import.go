package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/cqc"
)

// importCommand runs `import cqc FILE`: the CQC care directory into the
// providers and services collections.
func importCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "cqc" {
		return errors.New("usage: server import cqc FILE [--db PATH]")
	}
	fs := flag.NewFlagSet("import cqc", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", defaultDB, "SQLite database file")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("usage: server import cqc FILE [--db PATH]")
	}
	file := fs.Arg(0)
	// Flags may also follow the file name.
	if err := fs.Parse(fs.Args()[1:]); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return errors.New("usage: server import cqc FILE [--db PATH]")
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	store, err := openStore(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer store.Close()
	log := slog.New(slog.NewTextHandler(stderr, nil))
	sync := care.NewSync(store, newRegistry(), time.Now, "server", log)
	p := care.Principal{Subject: "cqc-import", Role: care.RoleAdmin, DeviceID: "cqc-import"}
	rep, err := cqc.Import(ctx, sync, p, f)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "read %d rows: %d imported, %d skipped with errors, %d not tracked; %d changes applied, %d unchanged, %d rejected\n",
		rep.Parse.Read, rep.Parse.Imported, rep.Parse.Skipped, rep.NotTracked, rep.Applied, rep.Unchanged, rep.Rejected)
	for _, e := range rep.Parse.Errors {
		fmt.Fprintf(stderr, "  %v\n", e)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
