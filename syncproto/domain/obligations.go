package domain

import (
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// obligationRule checks a record of the seed's obligations (payments,
// notifications, belongings, complaints …) against its requirements as
// data, rules.ObligationRequirements, on the record as the change leaves
// it: the devices check the same data before they save.
func obligationRule(reqs []rules.Requirement) schema.Rule {
	return func(_ schema.Context, _ syncproto.Change, _, after *syncproto.Record) *syncproto.Error {
		if after == nil || after.Deleted() {
			return nil
		}
		return violationError(rules.Check(reqs, fieldsOf(after)))
	}
}
