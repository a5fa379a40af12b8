package domain

import (
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
)

var logKinds = map[string]rules.LogKind{
	"decision_log":       rules.LogDecision,
	"movement_log":       rules.LogMovement,
	"risk_log":           rules.LogRisk,
	"communications_log": rules.LogCommunications,
	"meeting_records":    rules.LogMeeting,
	"family_contacts":    rules.LogContact,
	"move_corrections":   rules.LogMoveCorrection,
}

// logRule: logs are append-only.
func logRule(kind rules.LogKind) schema.Rule {
	return func(_ schema.Context, _ syncproto.Change, before, after *syncproto.Record) *syncproto.Error {
		var beforeF, afterF rules.Fields
		if !isCreate(before) {
			beforeF = fieldsOf(before)
		}
		if !after.Deleted() {
			afterF = fieldsOf(after)
		}
		return violationError(rules.CheckLogChange(kind, beforeF, afterF))
	}
}
