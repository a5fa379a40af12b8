package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/continuity-care/continuity/server/auth"
	"github.com/continuity-care/continuity/server/care"
)

// demoPeople are the demo's users, one per screen a newcomer opens.
var demoPeople = []struct{ sub, role, name, screen, path string }{
	{"demo-social-worker", care.RoleSocialWorker, "Sam Okafor (demo social worker)", "field app", "/app/"},
	{"demo-back-office", care.RoleBackOffice, "Bea Lund (demo back office)", "console", "/console/"},
}

// demoCodes makes sure the demo's users exist and hold the demo incident,
// and prints a one-time enrolment code for each, so someone trying
// Continuity can open the field app and the console at once.
func demoCodes(ctx context.Context, svc *auth.Service, store care.AccessStore, incident, base, db string, stdout io.Writer) error {
	fmt.Fprintf(stdout, "Sign in with these one-time enrolment codes (each works once, for an hour):\n")
	for _, p := range demoPeople {
		if _, err := store.User(ctx, p.sub); errors.Is(err, care.ErrNotFound) {
			if _, err := svc.AddUser(ctx, p.sub, p.role, p.name); err != nil {
				return fmt.Errorf("demo user %s: %w", p.sub, err)
			}
		} else if err != nil {
			return err
		}
		err := store.GrantScope(ctx, care.Grant{Subject: p.sub, IncidentID: incident, GrantedAt: time.Now().UTC(), GrantedBy: "demo"})
		if err != nil && !errors.Is(err, care.ErrExists) {
			return fmt.Errorf("demo grant %s: %w", p.sub, err)
		}
		code, err := svc.IssueCode(ctx, p.sub, p.sub+" browser", "demo", time.Hour)
		if err != nil {
			return fmt.Errorf("demo code %s: %w", p.sub, err)
		}
		fmt.Fprintf(stdout, "  %-9s %s%-9s  %-13s %s\n", p.screen, base, p.path, p.role, code.Code)
	}
	fmt.Fprintf(stdout, "More codes: %s device code --sub demo-social-worker --db %s\n", selfCommand(), db)
	return nil
}
