package domain

import (
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// DoLSTaskID is the record id of the DoLS team's task raised when a move
// takes a person under a DoLS authorisation to a new home.
func DoLSTaskID(moveID string) string { return derivedID("dols-task", moveID) }

// DoLSRequestDays is how long the new home has to request the new
// authorisation: the DoLS team's task is due this many days after the move.
// An urgent authorisation lasts at most 7 days (MCA 2005 Sched. A1 para 78),
// so the standard request is made within them.
const DoLSRequestDays = 7

// dolsFollowsThePerson: "DoLS follows the person". An authorisation (or a
// request) is for the place the person was deprived of their liberty in;
// after a completed move the new home, as managing authority, must request
// a new one (003 Appendix 2, 3.10 "refers all those who are DOLS-liable to
// the DOLS Team for new assessment"). The person's dols_status becomes
// new_request_needed, and a task for the DoLS team names the person, the
// move and the new home.
func dolsFollowsThePerson(ctx schema.Context, move, res *syncproto.Record, to string, done time.Time) ([]syncproto.Change, error) {
	if res == nil || !res.Exists() || res.Deleted() {
		return nil, nil
	}
	switch str(res, "dols_status") {
	case schema.DoLSAuthorised, schema.DoLSUrgent, schema.DoLSRequested:
	default:
		return nil, nil
	}
	out := []syncproto.Change{effectChange(ctx, derivedID("dols-new-request", move.ID), "residents", res.ID, map[string]any{
		"dols_status": schema.DoLSNewRequestNeeded})}
	dest, err := ctx.Lookup.Record("services", to)
	if err != nil {
		return nil, err
	}
	prov := str(dest, "provider_id")
	if prov == "" {
		// team_tasks name a provider; without one the task cannot be filed,
		// and the status above still shows on the board and the reports.
		return out, nil
	}
	if t, err := ctx.Lookup.Record("team_tasks", DoLSTaskID(move.ID)); err != nil {
		return nil, err
	} else if t != nil && t.Exists() {
		return out, nil
	}
	home := str(dest, "name")
	if home == "" {
		home = "the new home"
	}
	due := done.In(london).AddDate(0, 0, DoLSRequestDays).Format(time.DateOnly)
	out = append(out, effectChange(ctx, derivedID("dols-task-create", move.ID), "team_tasks", DoLSTaskID(move.ID), map[string]any{
		"provider_id": prov, "team": "dols", "source": "dols_new_request", "status": "open",
		"title":      "New DoLS authorisation needed at " + home,
		"details":    "A person under a DoLS authorisation (" + str(res, "dols_status") + ") moved to " + home + " on " + done.In(london).Format(time.DateOnly) + ". The authorisation does not follow them: the new home, as managing authority, refers them to the DOLS Team for new assessment on a standard or urgent request (003 Appendix 2, 3.10).",
		"created_at": ctx.Now.UTC().Format(time.RFC3339), "resident_id": res.ID, "move_id": move.ID, "service_id": to, "due_on": due,
	}))
	return out, nil
}
