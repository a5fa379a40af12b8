package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
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
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if noun == "keys" {
		if verb != "rotate" {
			return fmt.Errorf("keys: unknown action %q (rotate)", verb)
		}
		return rotateKeys(*dbPath, stdout)
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

// rotateKeys adds a new signing key in front of the existing ones: new tokens
// are signed with it, tokens signed with older keys stay valid until they
// expire. Remove an old key from the file once its tokens have expired.
func rotateKeys(dbPath string, stdout io.Writer) error {
	dir := dataDir(dbPath)
	ks, err := auth.LoadKeys(dir, time.Now())
	if err != nil {
		return err
	}
	k, err := auth.NewKey(time.Now())
	if err != nil {
		return err
	}
	keys := append([]auth.Key{k}, ks.All()...)
	if err := auth.WriteKeys(filepath.Join(dir, auth.KeyFileName), keys); err != nil {
		return err
	}
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.ID
	}
	fmt.Fprintf(stdout, "signing with %s; still verifying %s\n", k.ID, strings.Join(ids[1:], ", "))
	return nil
}
