package rules

import "time"

// PostMoveItem is one piece of work after a move that the seed asks for,
// with how long after the move's completion it is due.
type PostMoveItem struct {
	// Key names the item in figures: gp_change, dwp, contract,
	// placing_authority.
	Key string
	// Item is the seed's item (003 Appendix 2) and Title its words.
	Item, Title string
	// Field is the move's boolean that records it done.
	Field string
	// Days after the completion date (Europe/London) it is due.
	Days int
	// OnlyPlacedElsewhere: only for people another authority placed.
	OnlyPlacedElsewhere bool
}

// PostMoveWork is the work after a move (003 Appendix 2): the GP change
// (7.22 "Any changes of GP and new provision to be recorded in all
// appropriate systems"), the DWP (7.26 "Notify Department of Work and
// Pensions of change of Home"), the contract (7.27 "new contracts need to
// be issued, old contracts terminated") and, for a person another authority
// placed, that authority (4.2, 7.23). The seed gives no deadlines; these are
// ours: the placing authority the next day, the GP and the DWP within a
// week, the contract within four weeks (the 4-week review, 7.19).
func PostMoveWork() []PostMoveItem {
	return []PostMoveItem{
		{Key: "placing_authority", Item: "7.23", Title: "Placing authority notified of the move", Field: "placing_authority_notified", Days: 1, OnlyPlacedElsewhere: true},
		{Key: "gp_change", Item: "7.22", Title: "GP change recorded", Field: "gp_changed", Days: 7},
		{Key: "dwp", Item: "7.26", Title: "DWP notified of the change of home", Field: "dwp_notified", Days: 7},
		{Key: "contract", Item: "7.27", Title: "New contract issued, old one ended", Field: "contract_issued", Days: 28},
	}
}

// PostMoveDue is when an item is due: the calendar date in loc of the
// completion, plus the item's days.
func PostMoveDue(completed time.Time, it PostMoveItem, loc *time.Location) string {
	return completed.In(loc).AddDate(0, 0, it.Days).Format(time.DateOnly)
}
