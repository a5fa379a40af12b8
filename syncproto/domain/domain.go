// Package domain wires the provider-failure rules (syncproto/rules) and the
// Management Checklist (syncproto/checklist) into the schema registry, so the
// server checks every pushed change against them and the client SDK can warn
// before it syncs. It does no I/O: other records are read through the
// schema.Lookup the caller provides.
//
// Each collection's rule, effects and loaders live in the file named for the
// collection (moves.go, move_legs.go, resident_events.go, …); values.go holds
// the readers of record values they share, effects.go the making of the
// server's own changes.
package domain

import (
	"strings"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/checklist"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// Options configure the rules.
type Options struct {
	// WorkingHours are the council's normal working hours for moves
	// (rules.DefaultWorkingHours when zero: Mon–Fri 09:00–17:00
	// Europe/London).
	WorkingHours rules.WorkingHours
	// ReviewSchedule is the post-move review programme scheduled when a
	// move is completed (rules.DefaultReviewSchedule when nil: 72 hours and
	// 4 weeks, 003 Appendix 2, 7.19).
	ReviewSchedule []rules.ReviewOffset
}

// Registry returns the registry of every domain collection with its rules
// and effects.
func Registry(o Options) *schema.Registry { return RegistryOf(o, schema.Domain()) }

// RegistryOf wires the rules and effects into the collections given, by
// collection name: a collection this package knows gets them whenever it is
// declared (e.g. move_corrections, declared with the move lifecycle).
func RegistryOf(o Options, cols []schema.Collection) *schema.Registry {
	if o.WorkingHours.Location == nil {
		o.WorkingHours = rules.DefaultWorkingHours()
	}
	if o.ReviewSchedule == nil {
		o.ReviewSchedule = rules.DefaultReviewSchedule()
	}
	cols = append([]schema.Collection(nil), cols...)
	for i := range cols {
		c := &cols[i]
		switch c.Name {
		case "incidents":
			c.Rules = append(c.Rules, incidentRule, closeRule)
			c.Effects = append(c.Effects, ChecklistEffect, EscalationEffect, IncidentLogEffect)
		case "providers":
			c.Rules = append(c.Rules, suspensionRule)
			c.Effects = append(c.Effects, NeighbourSuspensionEffect, SuspensionLogEffect)
		case "services":
			c.Rules = append(c.Rules, suspensionRule)
			c.Effects = append(c.Effects, SuspensionLogEffect)
		case "checklist_items":
			c.Rules = append(c.Rules, evidenceRule, signOffRule)
			c.Requirements = ChecklistRequirements
		case "residents":
			c.Rules = append(c.Rules, whereaboutsRule)
		case "resident_events":
			c.Rules = append(c.Rules, residentEventRule)
			c.Effects = append(c.Effects, ResidentEventEffect, WhereaboutsEffect, EventsLogEffect)
		case "placement_decisions":
			c.Rules = append(c.Rules, placementDecisionRule)
		case "rag_statuses":
			c.Rules = append(c.Rules, ragRule)
		case "capacity_assessments":
			c.Rules = append(c.Rules, assessmentRule)
			c.Requirements = rules.TwoStageRequirements
		case "best_interests_decisions":
			c.Rules = append(c.Rules, bestInterestsRule)
		case "moves":
			c.Rules = append(c.Rules, moveRule(o.WorkingHours))
			c.Effects = append(c.Effects, moveCompletionEffect(o.ReviewSchedule), WhereaboutsEffect, MovesLogEffect)
		case "move_legs":
			c.Rules = append(c.Rules, legRule)
			c.Effects = append(c.Effects, WhereaboutsEffect, LegsLogEffect)
		case "move_corrections":
			// A correction is checked against its move; where the person
			// is then follows from WhereaboutsEffect, and the logs say so.
			c.Rules = append(c.Rules, correctionRule)
			c.Effects = append(c.Effects, WhereaboutsEffect, CorrectionsLogEffect)
		}
		if c.Name == "moves" {
			// The destination's concerns and places (destinations.go), apart
			// from moveRule.
			c.Rules = append(c.Rules, destinationRule)
		}
		if reqs, ok := rules.ObligationRequirements[c.Name]; ok {
			c.Requirements = append(c.Requirements, reqs...)
			c.Rules = append(c.Rules, obligationRule(reqs))
		}
		if kind, ok := logKinds[c.Name]; ok {
			c.Rules = append(c.Rules, logRule(kind))
		}
	}
	reg := schema.MustRegistry(cols...)
	reg.SetGate("move_completion", rules.MoveCompletionGate())
	// Each checklist item's owner, due rule, sign-off roles and evidence
	// (syncproto/checklist), for the console and the app.
	reg.SetGate("checklist_sign_off", checklist.Gate())
	return reg
}

// violationError turns rule violations into the per-change rejection: the
// first violation's code and field, every message.
func violationError(vs rules.Violations) *syncproto.Error {
	if len(vs) == 0 {
		return nil
	}
	msgs := make([]string, len(vs))
	for i, v := range vs {
		msgs[i] = v.Message
	}
	field := ""
	if f := vs[0].Field; f != "" {
		if mapped, ok := ruleFields[f]; ok {
			f = mapped
		}
		if strings.HasPrefix(f, "legs.") {
			f = f[strings.LastIndex(f, ".")+1:]
		}
		if f != "" {
			field = "fields." + f
		}
	}
	return &syncproto.Error{Code: vs[0].Code, Field: field, Message: strings.Join(msgs, "; ")}
}

// ruleFields maps the rules' names for inputs onto the collections' field
// names ("" when the input is not a field of the change).
var ruleFields = map[string]string{
	"planned_start":      "planned_at",
	"planned_end":        "planned_arrival_at",
	"to":                 "status",
	"from":               "previous_status",
	"role":               "",
	"criterion":          "trigger_criterion",
	"regulated_provider": "provider_id",
	"working_hours":      "",
	"agreed_with_role":   "agreed_with_role",
	"provider_failed":    "process_1_provider_failed",
	"reason":             "reason",
}
