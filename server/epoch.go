package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
)

// epochCommand shows or replaces the database's epoch: 'epoch new' is run
// after a restore the server did not do itself (a Litestream restore, a
// PostgreSQL point-in-time recovery or pg_restore), so that devices which
// synced past the restored point sync again from the start and devices
// whose refresh tokens were issued after it are asked to re-enrol.
func epochCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "new" && args[0] != "show") {
		return errors.New("usage: server epoch new|show [--db PATH|postgres://...]")
	}
	sub := args[0]
	fs := flag.NewFlagSet("epoch "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", defaultDB, "SQLite database file or postgres:// URL")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	st, err := openStore(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer st.Close()
	old, err := st.Epoch(ctx)
	if err != nil {
		return err
	}
	if sub == "show" {
		fmt.Fprintf(stdout, "epoch %s\n", old)
		return st.Close()
	}
	epoch, err := st.RenewEpoch(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "epoch of %s changed from %s to %s: devices will sync again from the start (keeping their unsent changes); devices enrolled or whose tokens were refreshed after the restored point must be enrolled again\n",
		redact(*dbPath), old, epoch)
	return st.Close()
}
