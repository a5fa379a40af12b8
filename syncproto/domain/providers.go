package domain

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
	"github.com/google/uuid"
)

// suspensionRule: suspending contracting with a provider or service, or
// lifting it, is the Director's decision on a report (003 Appendix 1); a
// neighbouring authority's suspension of care home placements suspends
// automatically (s.9).
func suspensionRule(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) *syncproto.Error {
	if after.Deleted() || system(ctx) || !touches(c, "contracting_suspended") {
		return nil
	}
	was, _ := boolean(before, "contracting_suspended")
	now, _ := boolean(after, "contracting_suspended")
	if was == now {
		return nil
	}
	careHome := rules.ServiceType(str(after, "service_type")).IsCareHome()
	if c.Collection == "providers" {
		services, err := ctx.Lookup.Find("services", "provider_id", jsonString(c.RecordID))
		if err != nil {
			return syncproto.Errorf(syncproto.CodeInternal, "", "could not read the provider's services")
		}
		for _, s := range services {
			careHome = careHome || (!s.Deleted() && rules.ServiceType(str(s, "service_type")).IsCareHome())
		}
	}
	neighbour := str(after, "suspended_by_authority")
	if c.Collection == "services" {
		prov, err := ctx.Lookup.Record("providers", str(after, "provider_id"))
		if err != nil {
			return syncproto.Errorf(syncproto.CodeInternal, "", "could not read the provider")
		}
		neighbour = str(prov, "suspended_by_authority")
	}
	return violationError(rules.CheckSuspension(rules.SuspensionChange{Role: rules.Role(ctx.Role), Suspend: now, NeighbourAuthority: neighbour, CareHome: careHome}))
}

// neighbourNotice flags the provider and raises the social care team's task
// for a neighbouring authority's suspension (003 s.9).
func neighbourNotice(ctx schema.Context, c syncproto.Change, provider *syncproto.Record, authority string, services []*syncproto.Record) []syncproto.Change {
	var homes, review []string
	for _, svc := range services {
		if svc.Deleted() {
			continue
		}
		d := rules.NeighbourSuspension(rules.ServiceType(str(svc, "service_type")))
		if d.Action == rules.SuspendAutomatically {
			homes = append(homes, str(svc, "name"))
		} else {
			review = append(review, str(svc, "name"))
		}
	}
	sort.Strings(homes)
	sort.Strings(review)
	details := fmt.Sprintf("%s has suspended placements with %s.", authority, str(provider, "name"))
	if r := str(provider, "suspension_reason"); r != "" {
		details += " Reason given: " + r
	}
	if len(homes) > 0 {
		details += " Contracting is suspended here automatically for its care homes (003 s.9): " + strings.Join(homes, ", ") + "."
	}
	if len(review) > 0 {
		details += " To review before any decision to suspend (003 s.9): " + strings.Join(review, ", ") + "."
	}
	details += " Check the residents we place there and confirm the provider's RAG status to the relevant social workers."
	key := c.RecordID + "/" + authority
	return []syncproto.Change{
		effectChange(ctx, derivedID("neighbour-flag", key), "providers", c.RecordID, map[string]any{
			"flagged_for_review": true, "flag_reason": authority + " suspended placements (003 s.9); suspension is a RED indicator in the QMT's RAG tool",
		}),
		effectChange(ctx, derivedID("neighbour-task-change", key), "team_tasks", derivedID("neighbour-task", key), map[string]any{
			"provider_id": c.RecordID, "team": "social_care", "source": "neighbouring_authority_suspension", "status": "open",
			"title":   "Neighbouring authority suspension: " + str(provider, "name"),
			"details": details, "created_at": ctx.Now.UTC().Format(time.RFC3339),
		}),
	}
}

// suspensionNamespace roots the ids of the changes the s.9 effect makes.
var suspensionNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://continuity.example/s9"))

// NeighbourSuspensionEffect applies 003 s.9: when a neighbouring authority's
// suspension of a provider is recorded (suspended_by_authority), contracting
// with the provider's care homes is suspended here automatically; its other
// services (home care and the rest) are left for review, as the seed says.
// The provider is flagged for review and the details are sent to the
// relevant social care team as a team task ("DCC will automatically suspend
// contracting with that Provider and send the details to the relevant social
// care team").
func NeighbourSuspensionEffect(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) ([]syncproto.Change, error) {
	by := str(after, "suspended_by_authority")
	if by == "" || by == str(before, "suspended_by_authority") || after.Deleted() {
		return nil, nil
	}
	if ctx.Clock == nil {
		return nil, fmt.Errorf("s.9: no clock to stamp the suspension")
	}
	services, err := ctx.Lookup.Find("services", "provider_id", jsonString(c.RecordID))
	if err != nil {
		return nil, err
	}
	out := neighbourNotice(ctx, c, after, by, services)
	for _, svc := range services {
		if svc.Deleted() || !rules.ServiceType(str(svc, "service_type")).IsCareHome() {
			continue
		}
		if d := rules.NeighbourSuspension(rules.ServiceType(str(svc, "service_type"))); d.Action != rules.SuspendAutomatically {
			continue
		}
		if already, _ := boolean(svc, "contracting_suspended"); already {
			continue
		}
		out = append(out, syncproto.Change{
			ID: uuid.NewSHA1(suspensionNamespace, []byte(svc.ID+"/"+c.ID)).String(), Collection: "services", RecordID: svc.ID,
			Op: syncproto.OpUpsert, Fields: map[string]json.RawMessage{"contracting_suspended": json.RawMessage("true")},
			HLC: ctx.Clock.Now(), RecordedAt: ctx.Now.UTC(), DeviceID: ctx.Clock.Node(),
		})
	}
	return out, nil
}
