// Command server runs Continuity: the sync server for councils' adult social
// care teams when a care provider fails. With no arguments it serves on
// 127.0.0.1:8080 with an embedded SQLite database under ./data and demo data.
//
//	server [serve] [--addr A] [--db PATH] [--demo]
//	server migrate [--db PATH]
//	server token --sub NAME --role ROLE --device ID [--scope incident:ID ...] [--ttl 1h] [--db PATH]
//	server backup --db PATH --to FILE
//	server restore --from FILE --db PATH [--replace]
//	server retention [--dry-run] [--policy FILE] --db PATH
//	server user add | device enrol | device code | device revoke | scope grant | scope revoke | keys new | keys rotate
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "continuity:", err)
		os.Exit(1)
	}
}

// run dispatches a subcommand; main is only signal and exit-code wiring.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return serve(ctx, []string{"--demo"}, stdout, stderr)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, rest, stdout, stderr)
	case "migrate":
		return migrate(ctx, rest, stdout, stderr)
	case "token":
		return token(ctx, rest, stdout, stderr)
	case "import":
		return importCommand(ctx, rest, stdout, stderr)
	case "probe":
		return probe(ctx, rest, stdout, stderr)
	case "backup":
		return backup(ctx, rest, stdout, stderr)
	case "restore":
		return restore(ctx, rest, stdout, stderr)
	case "retention":
		return retentionCommand(ctx, rest, stdout, stderr)
	case "epoch":
		return epochCommand(ctx, rest, stdout, stderr)
	case "user", "device", "scope", "keys":
		return adminCommand(ctx, cmd, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	if len(cmd) > 0 && cmd[0] == '-' {
		return serve(ctx, args, stdout, stderr)
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

const usage = `usage: server <command> [flags]

commands:
  serve     run the sync server (the default; with no arguments: serve --demo)
  migrate   create or upgrade the database and exit
  token     print a signed access token for trying the API and for tests
            (registers the user, device and scopes as an admin would)
  user add        --sub NAME --role ROLE [--name "Full Name"]
  device enrol    --sub NAME --device ID   (prints the device's refresh and access tokens)
  device code     --sub NAME [--name "Ward iPad 3"] [--ttl 15m]
                  (prints a one-time enrolment code, alone on its last line)
  device revoke   --device ID
  scope grant     --sub NAME --incident UUID
  scope revoke    --sub NAME --incident UUID
  keys new        print a value for CONTINUITY_SIGNING_KEYS (the keys replicas share)
  keys rotate     [--env-file FILE] add a new signing key where the keys come from (the env
                  file's CONTINUITY_SIGNING_KEYS line, the variable, or the key file);
                  older keys keep verifying; says what to distribute
  import cqc FILE [--db PATH]   import CQC's care directory CSV (providers and services)
  backup    --to FILE [--db PATH]   consistent copy of a running server's SQLite database
  restore   --from FILE [--db PATH] [--replace] [--check]   verify a backup and put it in place
            (with a new epoch: devices that synced past the backup sync again)
  epoch new  [--db PATH|URL]   give the database a new epoch after a restore the server did
             not do (Litestream, PostgreSQL point-in-time recovery, pg_restore)
  epoch show [--db PATH|URL]   print the database's epoch
  retention [--dry-run] [--policy FILE] [--db PATH] [--print-policy]
            list (--dry-run) or remove records past their retention period, from the
            store and from devices (docs/retention.md)
  probe     [--url http://127.0.0.1:8080/readyz] exit 0 if the server is ready (container HEALTHCHECK)

run 'server <command> -h' for a command's flags.
`

// probe checks a server's readiness endpoint: the container health check,
// which needs no curl in the image.
func probe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "http://127.0.0.1:8080/readyz", "readiness URL")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("probe: %s answered %s", *url, resp.Status)
	}
	fmt.Fprintln(stdout, "ready")
	return nil
}
