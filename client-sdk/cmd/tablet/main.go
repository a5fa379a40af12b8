// Command tablet is a command-line Continuity tablet: the client SDK driven
// from a shell, for trying a server and for scripted tests.
//
//	tablet enrol  --server URL (--refresh-token T [--device ID] | --token JWT)
//	tablet record resident --incident ID --given-name G --family-name F [...]
//	tablet record check --resident ID --outcome safe_and_well [...]
//	tablet record put --collection C [--id ID] --fields JSON
//	tablet record delete --collection C --id ID
//	tablet list residents --incident ID | list checks --resident ID
//	tablet sync
//	tablet status
//
// Every command takes --db (default ./data/tablet.db).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	continuity "github.com/continuity-care/continuity/client-sdk"
)

const defaultDB = "data/tablet.db"

const usage = `usage: tablet <command> [flags]

commands:
  enrol            store the server and the device's credentials
                   --server URL (--refresh-token T [--device ID] | --token ACCESS_TOKEN)
  record resident  add or update a resident
                   --incident ID --given-name G --family-name F [--dob YYYY-MM-DD] [--nhs N]
                   [--room R] [--notes TEXT] [--id ID to update]
  record check     record a safe-and-well check
                   --resident ID --outcome safe_and_well|concerns|not_seen [--observations TEXT]
                   [--actions TEXT] [--location L] [--visitor NAME] [--seen yes|no]
                   [--feels-safe yes|no|unsure|unable_to_say] [--own-words TEXT] [--visited-at RFC3339]
  record put       write fields to any record: --collection C [--id ID] --fields JSON
  record delete    delete a record: --collection C --id ID
  list residents   --incident ID
  list checks      --resident ID
  sync             push the outbox and pull what is new
  status           show the sync status and any rejected changes

every command takes --db PATH (default ./data/tablet.db).
`

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "tablet:", err)
		if code := continuity.ErrorCode(err); code != "" {
			fmt.Fprintln(os.Stderr, "code:", code)
		}
		os.Exit(1)
	}
}

// run dispatches a command.
func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "enrol", "enroll":
		return enrol(rest, stdout, stderr)
	case "record":
		return record(rest, stdout, stderr)
	case "list":
		return list(rest, stdout, stderr)
	case "sync":
		return syncCmd(rest, stdout, stderr)
	case "status":
		return status(rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

// newFlags returns a flag set with --db.
func newFlags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs, fs.String("db", defaultDB, "the tablet's database file")
}

func open(db string) (*continuity.Client, error) {
	return continuity.Open(&continuity.Config{DBPath: db})
}

func enrol(args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("enrol", stderr)
	server := fs.String("server", "", "server URL, e.g. http://127.0.0.1:8080 (required)")
	refresh := fs.String("refresh-token", "", "refresh token from the device's enrolment")
	device := fs.String("device", "", "device id the refresh token was issued for (asked of the server when empty)")
	token := fs.String("token", "", "a fixed access token (e.g. from `server token`), instead of a refresh token")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *server == "" || (*refresh == "") == (*token == "") {
		return errors.New("enrol: --server and one of --refresh-token or --token are required")
	}
	c, err := open(*db)
	if err != nil {
		return err
	}
	defer c.Close()
	if *token != "" {
		err = c.EnrolWithAccessToken(*server, *token)
	} else {
		err = c.EnrolWithRefreshToken(*server, *device, *refresh)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "enrolled device %s with %s (database %s)\n", c.DeviceID(), *server, *db)
	return nil
}

func record(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("record: say what to record: resident, check, put or delete")
	}
	what, rest := args[0], args[1:]
	switch what {
	case "resident":
		return recordResident(rest, stdout, stderr)
	case "check":
		return recordCheck(rest, stdout, stderr)
	case "put":
		return recordPut(rest, stdout, stderr)
	case "delete":
		return recordDelete(rest, stdout, stderr)
	}
	return fmt.Errorf("record: unknown kind %q (resident, check, put, delete)", what)
}

func recordResident(args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("record resident", stderr)
	r := &continuity.Resident{}
	fs.StringVar(&r.ID, "id", "", "resident id, to update an existing resident")
	fs.StringVar(&r.IncidentID, "incident", "", "incident id (required for a new resident)")
	fs.StringVar(&r.GivenName, "given-name", "", "given name")
	fs.StringVar(&r.FamilyName, "family-name", "", "family name")
	fs.StringVar(&r.PreferredName, "preferred-name", "", "what the person likes to be called")
	fs.StringVar(&r.DateOfBirth, "dob", "", "date of birth, YYYY-MM-DD")
	fs.StringVar(&r.NHSNumber, "nhs", "", "NHS number, 10 digits")
	fs.StringVar(&r.Room, "room", "", "room")
	fs.StringVar(&r.Notes, "notes", "", "notes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return save(*db, stdout, "resident", func(c *continuity.Client) (string, error) { return c.SaveResident(r) })
}

func recordCheck(args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("record check", stderr)
	s := &continuity.SafeAndWellCheck{}
	fs.StringVar(&s.ID, "id", "", "check id, to update a check")
	fs.StringVar(&s.ResidentID, "resident", "", "resident id (required)")
	fs.StringVar(&s.Outcome, "outcome", "", "safe_and_well, concerns or not_seen (required)")
	fs.StringVar(&s.Observations, "observations", "", "observations")
	fs.StringVar(&s.Actions, "actions", "", "actions taken or needed")
	fs.StringVar(&s.Location, "location", "", "where the person was seen")
	fs.StringVar(&s.VisitorName, "visitor", "", "who visited")
	fs.StringVar(&s.Seen, "seen", "", "the person was seen in person: yes or no")
	fs.StringVar(&s.FeelsSafe, "feels-safe", "", "yes, no, unsure or unable_to_say")
	fs.StringVar(&s.InOwnWords, "own-words", "", "what the person said")
	fs.StringVar(&s.VisitedAt, "visited-at", "", "visit time, RFC 3339 (default now)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return save(*db, stdout, "check", func(c *continuity.Client) (string, error) { return c.RecordCheck(s) })
}

func recordPut(args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("record put", stderr)
	col := fs.String("collection", "", "collection (required)")
	id := fs.String("id", "", "record id (a new record when empty)")
	fields := fs.String("fields", "", `fields as a JSON object, e.g. {"room": "12"} (required)`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *col == "" || *fields == "" {
		return errors.New("record put: --collection and --fields are required")
	}
	return save(*db, stdout, *col, func(c *continuity.Client) (string, error) { return c.Put(*col, *id, *fields) })
}

// save opens the tablet's database, makes one write and says what was saved.
func save(db string, stdout io.Writer, what string, write func(*continuity.Client) (string, error)) error {
	c, err := open(db)
	if err != nil {
		return err
	}
	defer c.Close()
	id, err := write(c)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "saved %s %s\n", what, id)
	return nil
}

func recordDelete(args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("record delete", stderr)
	col := fs.String("collection", "", "collection (required)")
	id := fs.String("id", "", "record id (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *col == "" || *id == "" {
		return errors.New("record delete: --collection and --id are required")
	}
	c, err := open(*db)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Delete(*col, *id); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "deleted %s %s\n", *col, *id)
	return nil
}

func list(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("list: residents or checks")
	}
	what, rest := args[0], args[1:]
	fs, db := newFlags("list "+what, stderr)
	incident := fs.String("incident", "", "incident id (list residents)")
	resident := fs.String("resident", "", "resident id (list checks)")
	if err := fs.Parse(rest); err != nil {
		return err
	}
	c, err := open(*db)
	if err != nil {
		return err
	}
	defer c.Close()
	mark := func(p bool) string {
		if p {
			return " (not synced)"
		}
		return ""
	}
	switch what {
	case "residents":
		if *incident == "" {
			return errors.New("list residents: --incident is required")
		}
		rs, err := c.ResidentsOf(*incident)
		if err != nil {
			return err
		}
		for i := 0; i < rs.Len(); i++ {
			r := rs.At(i)
			fmt.Fprintf(stdout, "%s  %s, %s  room %q%s\n", r.ID, r.FamilyName, r.GivenName, r.Room, mark(r.Pending))
		}
		fmt.Fprintf(stdout, "%d residents\n", rs.Len())
	case "checks":
		if *resident == "" {
			return errors.New("list checks: --resident is required")
		}
		cs, err := c.ChecksOf(*resident)
		if err != nil {
			return err
		}
		for i := 0; i < cs.Len(); i++ {
			k := cs.At(i)
			fmt.Fprintf(stdout, "%s  %s  %s  %s%s\n", k.ID, k.VisitedAt, k.Outcome, k.Observations, mark(k.Pending))
		}
		fmt.Fprintf(stdout, "%d checks\n", cs.Len())
	default:
		return fmt.Errorf("list: unknown kind %q (residents, checks)", what)
	}
	return nil
}

func syncCmd(args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("sync", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := open(*db)
	if err != nil {
		return err
	}
	defer c.Close()
	rep, err := c.Sync()
	if rep != nil {
		fmt.Fprintf(stdout, "pushed %d (applied %d, duplicate %d, rejected %d, re-stamped %d); pulled %d; purged %d\n",
			rep.Pushed, rep.Applied, rep.Duplicates, rep.Rejected, rep.Restamped, rep.Pulled, rep.Purged)
	}
	if err != nil {
		return err
	}
	if rep.Rejected > 0 {
		fmt.Fprintln(stdout, "some changes were rejected: run `tablet status` to see why")
	}
	return nil
}

func status(args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("status", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := open(*db)
	if err != nil {
		return err
	}
	defer c.Close()
	s, err := c.Status()
	if err != nil {
		return err
	}
	or := func(v, dflt string) string {
		if v == "" {
			return dflt
		}
		return v
	}
	fmt.Fprintf(stdout, "server:       %s\n", or(s.ServerURL, "(not enrolled)"))
	fmt.Fprintf(stdout, "device:       %s (role %s)\n", or(s.DeviceID, "-"), or(s.Role, "unknown"))
	fmt.Fprintf(stdout, "pending:      %d\n", s.PendingChanges)
	fmt.Fprintf(stdout, "rejected:     %d\n", s.RejectedChanges)
	fmt.Fprintf(stdout, "last sync:    %s\n", or(s.LastSyncAt, "never"))
	fmt.Fprintf(stdout, "last attempt: %s\n", or(s.LastAttemptAt, "never"))
	if s.LastError != "" {
		fmt.Fprintf(stdout, "last error:   %s\n", s.LastError)
	}
	if s.ClockOffsetMillis != 0 {
		fmt.Fprintf(stdout, "clock offset: %d ms (corrected from the server's time)\n", s.ClockOffsetMillis)
	}
	rej, err := c.RejectedChanges()
	if err != nil {
		return err
	}
	for i := 0; i < rej.Len(); i++ {
		r := rej.At(i)
		field := ""
		if r.Field != "" {
			field = " [" + r.Field + "]"
		}
		fmt.Fprintf(stdout, "rejected %s %s %s: %s%s: %s\n", r.Op, r.Collection, r.RecordID, r.Code, field, strings.TrimSpace(r.Message))
	}
	return nil
}
