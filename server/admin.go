package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/continuity-care/continuity/server/auth"
	"github.com/continuity-care/continuity/server/care"
	"github.com/google/uuid"
)

// adminCommand runs `user add`, `device enrol|code|revoke`, `scope grant|revoke`
// and `keys rotate`: what the admin API does, for councils without a UI.
func adminCommand(ctx context.Context, noun string, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%s: missing action\n%s", noun, usage)
	}
	verb, rest := args[0], args[1:]
	fs := flag.NewFlagSet(noun+" "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", defaultDB, "SQLite database file")
	sub := fs.String("sub", "", "user name")
	role := fs.String("role", "", "role")
	name := fs.String("name", "", "display name")
	device := fs.String("device", "", "device id")
	incident := fs.String("incident", "", "incident id (uuid)")
	ttl := fs.Duration("ttl", auth.DefaultCodeTTL, "how long an enrolment code stays valid (device code)")
	envFile := fs.String("env-file", "", "keys rotate: the environment file (KEY=value lines, e.g. a systemd EnvironmentFile or a compose env_file) whose "+auth.EnvKeys+" line is rotated in place")
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if noun == "keys" {
		switch verb {
		case "new":
			return newKeys(stdout, stderr)
		case "rotate":
			return rotateKeys(*dbPath, *envFile, stdout, stderr)
		}
		return fmt.Errorf("keys: unknown action %q (new, rotate)", verb)
	}
	svc, store, err := openAuth(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer store.Close()
	now := time.Now().UTC()
	need := func(flags ...string) error {
		vals := map[string]string{"sub": *sub, "role": *role, "device": *device, "incident": *incident}
		for _, f := range flags {
			if vals[f] == "" {
				return fmt.Errorf("%s %s: --%s is required", noun, verb, f)
			}
		}
		return nil
	}
	var out any
	switch noun + " " + verb {
	case "user add":
		if err := need("sub", "role"); err != nil {
			return err
		}
		out, err = svc.AddUser(ctx, *sub, *role, *name)
	case "device enrol":
		if err := need("sub", "device"); err != nil {
			return err
		}
		out, err = svc.Enrol(ctx, *sub, *device)
	case "device code":
		if err := need("sub"); err != nil {
			return err
		}
		deviceName := *name
		if deviceName == "" {
			deviceName = *sub + " device"
		}
		code, err := svc.IssueCode(ctx, *sub, deviceName, "admin-command", *ttl)
		if err != nil {
			return fmt.Errorf("%s %s: %w", noun, verb, err)
		}
		// The code alone on the last line, for scripts.
		fmt.Fprintf(stdout, "enrolment code for %s's new device %q (device id %s), single use, valid until %s:\n%s\n",
			code.Subject, code.DeviceName, code.DeviceID, code.ExpiresAt.Format(time.RFC3339), code.Code)
		return nil
	case "device revoke":
		if err := need("device"); err != nil {
			return err
		}
		if err = store.RevokeDevice(ctx, *device, now); err == nil {
			out, err = store.Device(ctx, *device)
		}
	case "scope grant", "scope revoke":
		if err := need("sub", "incident"); err != nil {
			return err
		}
		inc := *incident
		if inc != care.AllIncidents {
			id, perr := uuid.Parse(inc)
			if perr != nil {
				return fmt.Errorf("%s %s: --incident must be a uuid, or * for every incident", noun, verb)
			}
			inc = id.String()
		}
		g := care.Grant{Subject: *sub, IncidentID: inc, GrantedAt: now, GrantedBy: "admin-command"}
		if verb == "grant" && !auth.ValidSubject(*sub) {
			return fmt.Errorf("scope grant: --sub %q is not a valid user name, or is a name the server acts as", *sub)
		}
		if verb == "grant" {
			err = store.GrantScope(ctx, g)
		} else {
			err = store.RevokeScope(ctx, *sub, inc, now)
			g.RevokedAt = &now
		}
		out = g
	default:
		return fmt.Errorf("unknown command %q\n%s", noun+" "+verb, usage)
	}
	if errors.Is(err, care.ErrNotFound) {
		return fmt.Errorf("%s %s: %w", noun, verb, err)
	}
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// newKeys prints a value for CONTINUITY_SIGNING_KEYS holding one new key,
// alone on stdout (so it can be captured), and on stderr what to do with it.
func newKeys(stdout, stderr io.Writer) error {
	k, err := auth.NewKey(time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, auth.FormatKeys([]auth.Key{k}))
	fmt.Fprintf(stderr, "Give every server replica this value as %s (e.g. %s=<value> in its environment file, mode 0600),\n"+
		"keep it as safe as the database, and never put it in a command line. Rotate later with '%s keys rotate --env-file FILE'.\n",
		auth.EnvKeys, auth.EnvKeys, selfCommand())
	return nil
}

// rotateKeys adds a new signing key in front of the existing ones: new tokens
// are signed with it, tokens signed with older keys stay valid until they
// expire. It works on where the keys come from: the environment file named
// by envFile (its CONTINUITY_SIGNING_KEYS line is rewritten), else the
// variable itself (the new value is printed: the variable's source is not
// this program's to write), else the SQLite key file beside the database.
// With a PostgreSQL --db and neither, nothing is written: the key file
// would be this machine's alone.
func rotateKeys(dbPath, envFile string, stdout, stderr io.Writer) error {
	now := time.Now()
	k, err := auth.NewKey(now)
	if err != nil {
		return err
	}
	distribute := func(ids []string) {
		fmt.Fprintf(stderr, "Now signing with %s; still verifying %s.\n", k.ID, strings.Join(ids[1:], ", "))
	}
	switch {
	case envFile != "":
		ids, err := rotateEnvFile(envFile, k)
		if err != nil {
			return fmt.Errorf("keys rotate: %w", err)
		}
		distribute(ids)
		fmt.Fprintf(stdout, "wrote %s: copy it (mode 0600) to every replica, replacing theirs, and restart them one at a time;\n"+
			"until all have restarted, tokens signed by a restarted replica are refused by the others for up to their 15 minute life.\n", envFile)
		return nil
	case strings.TrimSpace(os.Getenv(auth.EnvKeys)) != "":
		ks, err := auth.ParseKeys(os.Getenv(auth.EnvKeys))
		if err != nil {
			return fmt.Errorf("keys rotate: %s: %w", auth.EnvKeys, err)
		}
		keys := append([]auth.Key{k}, ks.All()...)
		fmt.Fprintln(stdout, auth.FormatKeys(keys))
		distribute(ids(keys))
		fmt.Fprintf(stderr, "%s comes from this process's environment, which this command cannot change: set it to the value printed above\n"+
			"wherever every replica reads it (its environment file or secret store), then restart the replicas one at a time.\n", auth.EnvKeys)
		return nil
	case isPostgres(dbPath):
		return fmt.Errorf("keys rotate: with a PostgreSQL --db the replicas' keys are in %s, which is not set here, so nothing was written "+
			"(a key file here would be this machine's alone). Run it with the replicas' value in %s, or with --env-file naming their environment file", auth.EnvKeys, auth.EnvKeys)
	}
	dir := dataDir(dbPath)
	ks, err := auth.LoadKeys(dir, now)
	if err != nil {
		return err
	}
	keys := append([]auth.Key{k}, ks.All()...)
	path := filepath.Join(dir, auth.KeyFileName)
	if err := auth.WriteKeys(path, keys); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "signing with %s; still verifying %s\n", k.ID, strings.Join(ids(keys)[1:], ", "))
	fmt.Fprintf(stderr, "wrote %s; restart the server to sign with the new key\n", path)
	return nil
}

// ids returns the keys' ids in order.
func ids(keys []auth.Key) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.ID
	}
	return out
}

// rotateEnvFile puts k in front of the keys of path's CONTINUITY_SIGNING_KEYS
// line (adding the line when there is none), keeping every other line, and
// replaces the file atomically with mode 0600. It returns the key ids.
func rotateEnvFile(path string, k auth.Key) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(b) == 0 {
		lines = nil
	}
	keys := []auth.Key{k}
	at := -1
	for i, l := range lines {
		name, val, ok := strings.Cut(strings.TrimSpace(l), "=")
		if !ok || strings.TrimSpace(strings.TrimPrefix(name, "export ")) != auth.EnvKeys {
			continue
		}
		val = strings.Trim(strings.TrimSpace(val), `"'`)
		ks, err := auth.ParseKeys(val)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, i+1, err)
		}
		keys = append(keys, ks.All()...)
		at = i
	}
	line := auth.EnvKeys + "=" + auth.FormatKeys(keys)
	if at >= 0 {
		lines[at] = line
	} else {
		lines = append(lines, line)
	}
	tmp := path + ".tmp"
	_ = os.Remove(tmp)
	if err := os.WriteFile(tmp, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		return nil, err
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, err
	}
	return ids(keys), nil
}
