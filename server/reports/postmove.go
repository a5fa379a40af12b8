package reports

import (
	"sort"

	"github.com/continuity-care/continuity/syncproto"

	"github.com/continuity-care/continuity/syncproto/domain"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// PostMoveTask is one piece of work after a completed move not yet done
// (rules.PostMoveWork): GP change, DWP, new contract, placing authority.
type PostMoveTask struct {
	MoveID       string `json:"move_id"`
	ResidentID   string `json:"resident_id"`
	ResidentName string `json:"resident_name"`
	// Item is the work's key (gp_change, dwp, contract,
	// placing_authority); Ref the seed's item and Title its words.
	Item    string `json:"item"`
	Ref     string `json:"ref"`
	Title   string `json:"title"`
	DueOn   string `json:"due_on"`
	Overdue bool   `json:"overdue"`
	// ToService is the new home.
	ToService string `json:"to_service,omitempty"`
}

// PostMoveFigures count the work after moves still outstanding.
type PostMoveFigures struct {
	// Outstanding counts items not done; Overdue those past their date.
	Outstanding int `json:"outstanding"`
	Overdue     int `json:"overdue"`
	// ByItem counts the outstanding ones by item (every item listed).
	ByItem map[string]int `json:"by_item"`
	// Tasks lists them, earliest due first.
	Tasks []PostMoveTask `json:"tasks"`
}

// postMoveWork lists the work outstanding after the incident's completed
// moves (not voided by a correction), as of day.
func postMoveWork(ix *index, day string) PostMoveFigures {
	f := PostMoveFigures{ByItem: map[string]int{}, Tasks: []PostMoveTask{}}
	for _, it := range rules.PostMoveWork() {
		f.ByItem[it.Key] = 0
	}
	voided := voidedMoves(ix)
	legs := map[string][]*syncproto.Record{}
	for _, lg := range ix.all("move_legs") {
		legs[str(lg, "move_id")] = append(legs[str(lg, "move_id")], lg)
	}
	for _, m := range ix.all("moves") {
		if str(m, "status") != moveCompleted || voided[m.ID] {
			continue
		}
		res := ix.get("residents", str(m, "resident_id"))
		done := domain.WhereaboutsMoveOf(m, legs[m.ID]).CompletedAt
		for _, c := range ix.all(domain.MoveCorrections) {
			if str(c, "move_id") == m.ID && rules.CorrectionKind(str(c, "kind")) == rules.CorrectionCompletedAt && !instant(c, "completed_at").IsZero() {
				done = instant(c, "completed_at")
			}
		}
		if done.IsZero() {
			continue
		}
		for _, it := range rules.PostMoveWork() {
			if boolean(m, it.Field) || (it.OnlyPlacedElsewhere && str(res, "placing_authority") == "") {
				continue
			}
			t := PostMoveTask{MoveID: m.ID, ResidentID: str(m, "resident_id"), ResidentName: residentName(res), Item: it.Key, Ref: it.Item, Title: it.Title,
				DueOn: rules.PostMoveDue(done, it, london), ToService: serviceName(ix, str(m, "to_service_id"))}
			t.Overdue = t.DueOn < day
			f.Outstanding++
			f.ByItem[it.Key]++
			if t.Overdue {
				f.Overdue++
			}
			f.Tasks = append(f.Tasks, t)
		}
	}
	sort.Slice(f.Tasks, func(i, j int) bool {
		a, b := f.Tasks[i], f.Tasks[j]
		if a.DueOn != b.DueOn {
			return a.DueOn < b.DueOn
		}
		if a.MoveID != b.MoveID {
			return a.MoveID < b.MoveID
		}
		return a.Item < b.Item
	})
	return f
}

// DoLSToRequest is a person whose DoLS authorisation did not follow them
// to their new home: a new request is needed there (003 Appendix 2, 3.10).
type DoLSToRequest struct {
	ResidentID   string `json:"resident_id"`
	ResidentName string `json:"resident_name"`
	// Home is where they are now; TaskID and DueOn the DoLS team's task,
	// when one was raised, and TaskStatus where it stands.
	Home       string `json:"home,omitempty"`
	TaskID     string `json:"task_id,omitempty"`
	DueOn      string `json:"due_on,omitempty"`
	TaskStatus string `json:"task_status,omitempty"`
}

// dolsToRequest lists the incident's residents whose dols_status is
// new_request_needed, with the DoLS team's task for each.
func dolsToRequest(ix *index) []DoLSToRequest {
	tasks := map[string]*syncproto.Record{}
	for _, t := range ix.all("team_tasks") {
		if str(t, "source") == "dols_new_request" {
			if rid := str(t, "resident_id"); tasks[rid] == nil || str(t, "created_at") > str(tasks[rid], "created_at") {
				tasks[rid] = t
			}
		}
	}
	out := []DoLSToRequest{}
	transit := inTransit(ix)
	for _, r := range ix.all("residents") {
		if str(r, "dols_status") != schema.DoLSNewRequestNeeded {
			continue
		}
		d := DoLSToRequest{ResidentID: r.ID, ResidentName: residentName(r), Home: serviceName(ix, placeOf(ix, r, transit).ServiceID)}
		if t := tasks[r.ID]; t != nil {
			d.TaskID, d.DueOn, d.TaskStatus = t.ID, str(t, "due_on"), str(t, "status")
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].ResidentName != out[j].ResidentName {
			return out[i].ResidentName < out[j].ResidentName
		}
		return out[i].ResidentID < out[j].ResidentID
	})
	return out
}
