package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/continuity-care/continuity/server/retention"
)

// retentionCommand lists (--dry-run) or removes what the retention policy
// says is no longer to be kept.
func retentionCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runRetention(ctx, args, stdout, stderr, time.Now)
}

// runRetention is retentionCommand with the clock injected (tests).
func runRetention(ctx context.Context, args []string, stdout, stderr io.Writer, now func() time.Time) error {
	fs := flag.NewFlagSet("retention", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", defaultDB, "SQLite database file, or a postgres:// URL")
	policyFile := fs.String("policy", "", "retention policy (JSON); default: the built-in policy (docs/retention.md)")
	dryRun := fs.Bool("dry-run", false, "list what is due; change nothing")
	printPolicy := fs.Bool("print-policy", false, "print the policy in force as JSON (a starting point for --policy) and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("retention: unexpected argument %q", fs.Arg(0))
	}
	reg := newRegistry()
	policy := retention.Default()
	if *policyFile != "" {
		p, err := retention.Load(*policyFile, reg)
		if err != nil {
			return err
		}
		policy = p
	}
	if *printPolicy {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(policy)
	}
	st, err := openStore(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer st.Close()
	rs, ok := st.(retention.Store)
	if !ok {
		return errors.New("retention: this database does not support retention")
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	svc := retention.New(rs, reg, policy, now, "retention", log)
	tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
	if *dryRun {
		plan, err := svc.Plan(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(tw, "COLLECTION\tRECORD\tINCIDENT\tRULE\tDUE SINCE\tCHANGES\tQUARANTINED")
		for _, d := range plan.Due {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\n", orDash(d.Collection), recordOrRow(d), orDash(d.IncidentID), d.Rule,
				d.DueSince.Format(time.DateOnly), d.Changes, d.Quarantined)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "dry run as of %s: %d due; nothing changed (run without --dry-run to remove them)\n", plan.AsOf.Format(time.RFC3339), len(plan.Due))
		return nil
	}
	rep, err := svc.Run(ctx)
	if rep != nil {
		fmt.Fprintln(tw, "COLLECTION\tRECORD\tINCIDENT\tRULE\tCHANGES REMOVED\tQUARANTINE REMOVED")
		for _, e := range rep.Removed {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\n", orDash(e.Collection), orDash(e.RecordID), orDash(e.IncidentID), e.Rule, e.ChangesRemoved, e.QuarantineRemoved)
		}
		if ferr := tw.Flush(); ferr != nil && err == nil {
			err = ferr
		}
		fmt.Fprintf(stdout, "retention run as of %s: %d removed (each kept as a tombstone that devices apply on their next sync), %d changed since planned and left for the next run\n",
			rep.AsOf.Format(time.RFC3339), len(rep.Removed), len(rep.Skipped))
	}
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func recordOrRow(d retention.Due) string {
	if d.QuarantineID != 0 {
		return fmt.Sprintf("%s (quarantine #%d)", orDash(d.RecordID), d.QuarantineID)
	}
	return d.RecordID
}
