package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/continuity-care/continuity/server/auth"
	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/oidc"
)

// envOIDCSecret names the environment variable holding the OpenID Connect
// client secret (never a flag: flags show in process listings).
const envOIDCSecret = "CONTINUITY_OIDC_CLIENT_SECRET"

// signInFlags are serve's council sign-in flags.
type signInFlags struct {
	publicURL, issuer, clientID, roleClaim, roleMap, subjectClaim *string
	lifetime                                                      *time.Duration
}

func addSignInFlags(fs *flag.FlagSet) signInFlags {
	return signInFlags{
		publicURL:    fs.String("public-url", "", "the server's address as browsers reach it, e.g. https://continuity.example.gov.uk; the OpenID Connect redirect URI is this + /v1/auth/oidc/callback"),
		issuer:       fs.String("oidc-issuer", "", "OpenID Connect issuer URL of the council's identity provider (e.g. https://login.microsoftonline.com/<tenant>/v2.0); empty: no council sign-in"),
		clientID:     fs.String("oidc-client-id", "", "OpenID Connect client id of Continuity's registration at the provider (the secret comes from "+envOIDCSecret+")"),
		roleClaim:    fs.String("oidc-role-claim", oidc.DefaultRoleClaim, "ID token claim holding the groups or roles that map to Continuity roles"),
		roleMap:      fs.String("oidc-role-map", "", `JSON file mapping role-claim values to roles, e.g. {"cont-back-office": "back_office"}; the first match in file order wins`),
		subjectClaim: fs.String("oidc-subject-claim", oidc.DefaultSubjectClaim, "ID token claim that names the user (email is used when it is absent)"),
		lifetime:     fs.Duration("oidc-session-lifetime", oidc.DefaultSessionLifetime, "how long a council sign-in lasts before the person signs in again (the council's policy)"),
	}
}

// councilSignIn builds the council sign-in from the flags, or returns nil
// when --oidc-issuer is not given (then nothing changes).
func councilSignIn(ctx context.Context, f signInFlags, authSvc *auth.Service, st store, log *slog.Logger) (*oidc.Service, error) {
	if *f.issuer == "" {
		for _, name := range []*string{f.clientID, f.roleMap} {
			if *name != "" {
				return nil, errors.New("serve: --oidc-client-id and --oidc-role-map need --oidc-issuer")
			}
		}
		return nil, nil
	}
	if *f.publicURL == "" {
		return nil, errors.New("serve: --oidc-issuer needs --public-url (the redirect URI is built from it)")
	}
	if *f.roleMap == "" {
		return nil, errors.New("serve: --oidc-issuer needs --oidc-role-map")
	}
	secret := os.Getenv(envOIDCSecret)
	if secret == "" {
		return nil, fmt.Errorf("serve: --oidc-issuer needs the client secret in %s", envOIDCSecret)
	}
	rm, err := oidc.LoadRoleMap(*f.roleMap)
	if err != nil {
		return nil, fmt.Errorf("serve: --oidc-role-map: %w", err)
	}
	signins, ok := st.(care.SignInStore)
	if !ok {
		return nil, errors.New("serve: this database keeps no sign-in sessions")
	}
	svc, err := oidc.New(ctx, oidc.Config{
		PublicURL: *f.publicURL, Issuer: *f.issuer, ClientID: *f.clientID, ClientSecret: secret,
		RoleClaim: *f.roleClaim, SubjectClaim: *f.subjectClaim, RoleMap: rm, SessionLifetime: *f.lifetime, Logger: log,
	}, authSvc, st, signins)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	log.Info("council sign-in on", "issuer", *f.issuer, "redirect_uri", svc.RedirectURI(), "role_claim", *f.roleClaim, "rp_initiated_logout", svc.EndSessionAdvertised())
	return svc, nil
}
