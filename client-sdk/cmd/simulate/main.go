// Command simulate runs a fleet of simulated Continuity tablets through the
// Larkfield House scenario (testdata/scenario) against a real server, then
// checks that every device converged with the server.
//
//	go run ./client-sdk/cmd/simulate [--devices 20] [--rounds 5] [--seed 1] [--offline 0.2]
//	go run ./client-sdk/cmd/simulate --server URL --admin-token TOKEN [...]
//
// Without --server it builds ./server, starts it with the demo scenario on a
// free loopback port and enrols the fleet with the server's own `user add`,
// `scope grant` and `device enrol` commands; with --server it enrols through
// the admin API. The fleet is mostly social workers, one or two transport
// coordinators and a back-office device. Each round every tablet may be out
// of signal for a while (it does not sync), does the work of its role on
// site (safe-and-well checks, notes, capacity assessments, move plans, the
// legs of moves on the day, decision-log entries), sometimes two social
// workers change the same resident's details at once, and the tablets with
// signal sync. After the last round every device syncs until nothing moves
// and each device's records are compared with a fresh pull from the server.
// The exit status is non-zero unless every device converged with nothing
// left pending.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "simulate:", err)
		os.Exit(1)
	}
}

// run parses the flags, runs the simulation and prints its summary. It
// returns an error when the fleet did not converge or left changes pending.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	opts, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	_, err = simulate(ctx, opts, stdout, stderr)
	return err
}
