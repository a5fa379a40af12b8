package reports

import (
	"sort"
	"time"

	"github.com/continuity-care/continuity/syncproto/rules"
)

// ProviderRow is one provider of the RAG register: its current QMT RAG
// status with the history and reasons behind it, CQC's market-oversight
// risk, and whether contracting is suspended (and by whom).
type ProviderRow struct {
	ProviderID          string   `json:"provider_id"`
	Name                string   `json:"name"`
	CQCProviderID       string   `json:"cqc_provider_id,omitempty"`
	MarketOversight     bool     `json:"market_oversight"`
	MarketOversightRisk string   `json:"market_oversight_risk,omitempty"`
	Areas               []string `json:"local_authority_areas,omitempty"`
	Services            int      `json:"services"`
	// RAG is the latest RAG status ("" when never rated, or when the reader
	// may not see RAG statuses); RAGHistory every step, latest first.
	RAG        string     `json:"rag,omitempty"`
	RAGHistory []RAGEntry `json:"rag_history"`
	// OpenConcerns counts concerns not resolved (0 when the reader may not
	// see concerns).
	OpenConcerns         int    `json:"open_concerns"`
	ContractingSuspended bool   `json:"contracting_suspended"`
	SuspendedBy          string `json:"suspended_by_authority,omitempty"`
	SuspensionReason     string `json:"suspension_reason,omitempty"`
	SuspendedOn          string `json:"suspended_on,omitempty"`
	// NeighbourSuspended is set when the suspension follows a
	// neighbouring authority's (003 s.9).
	NeighbourSuspended bool `json:"neighbour_suspended"`
	// Incidents are the ids of the reader's incidents about this provider.
	Incidents []string `json:"incidents"`
	// RAGFloor is the lowest status the RAG tool's triggers the records
	// show allow ("" when none is met; 003 Appendix 1), RAGTriggers those
	// triggers in the appendix's words, and BelowTriggers is set when the
	// latest status is lower (a reason must then be recorded with the
	// step, or the triggers appeared after it).
	RAGFloor      string             `json:"rag_floor,omitempty"`
	RAGTriggers   []rules.RAGTrigger `json:"rag_triggers"`
	BelowTriggers bool               `json:"below_triggers"`
}

// RAGEntry is one step of a provider's RAG history.
type RAGEntry struct {
	ID            string    `json:"id"`
	ServiceName   string    `json:"service_name,omitempty"`
	Previous      string    `json:"previous_status,omitempty"`
	Status        string    `json:"status"`
	Reason        string    `json:"reason"`
	DecidedAt     time.Time `json:"decided_at"`
	DecidedBy     string    `json:"decided_by"`
	DecidedByRole string    `json:"decided_by_role"`
	OversightRisk string    `json:"market_oversight_risk,omitempty"`
	ConcernsCount int       `json:"concerns"`
	// BelowTriggersReason says why the step rates the provider below its
	// RAG triggers, if it does.
	BelowTriggersReason string `json:"below_triggers_reason,omitempty"`
}

// ProviderRegister lists every provider in Data, by name: Data holds the
// providers, services, the incidents the reader may see and, where the
// reader may see them, RAG statuses and concerns.
func ProviderRegister(d Data) []ProviderRow {
	ix := newIndex(Data{Records: d.Records})
	rows := []ProviderRow{}
	at := map[string]int{}
	for _, p := range ix.all("providers") {
		at[p.ID] = len(rows)
		rows = append(rows, ProviderRow{
			ProviderID: p.ID, Name: str(p, "name"), CQCProviderID: str(p, "cqc_provider_id"),
			MarketOversight: boolean(p, "market_oversight"), MarketOversightRisk: str(p, "market_oversight_risk"),
			Areas: strs(p, "local_authority_areas"), RAGHistory: []RAGEntry{}, Incidents: []string{},
			ContractingSuspended: boolean(p, "contracting_suspended"), SuspendedBy: str(p, "suspended_by_authority"),
			SuspensionReason: str(p, "suspension_reason"), SuspendedOn: str(p, "suspended_on"),
		})
		r := &rows[len(rows)-1]
		r.NeighbourSuspended = r.ContractingSuspended && r.SuspendedBy != ""
	}
	row := func(id string) *ProviderRow {
		if i, ok := at[id]; ok {
			return &rows[i]
		}
		return nil
	}
	facts := map[string]*rules.RAGFacts{}
	fact := func(id string) *rules.RAGFacts {
		if facts[id] == nil {
			facts[id] = &rules.RAGFacts{}
		}
		return facts[id]
	}
	for _, p := range ix.all("providers") {
		fact(p.ID).Suspended = boolean(p, "contracting_suspended")
	}
	for _, s := range ix.all("services") {
		if r := row(str(s, "provider_id")); r != nil {
			r.Services++
			f := fact(r.ProviderID)
			if c := str(s, "cqc_rating"); c != "" {
				f.CQCRatings = append(f.CQCRatings, c)
			}
			f.Suspended = f.Suspended || boolean(s, "contracting_suspended")
		}
	}
	for _, rs := range ix.all("rag_statuses") {
		r := row(str(rs, "provider_id"))
		if r == nil {
			continue
		}
		r.RAGHistory = append(r.RAGHistory, RAGEntry{ID: rs.ID, ServiceName: serviceName(ix, str(rs, "service_id")), Previous: str(rs, "previous_status"),
			Status: str(rs, "status"), Reason: str(rs, "reason"), DecidedAt: instant(rs, "decided_at"), DecidedBy: str(rs, "decided_by"),
			DecidedByRole: str(rs, "decided_by_role"), OversightRisk: str(rs, "market_oversight_risk"), ConcernsCount: len(strs(rs, "concern_ids")),
			BelowTriggersReason: str(rs, "below_triggers_reason")})
	}
	for _, c := range ix.all("concerns") {
		if r := row(str(c, "provider_id")); r != nil && str(c, "status") != "resolved" {
			r.OpenConcerns++
			fact(r.ProviderID).UnresolvedConcerns = append(fact(r.ProviderID).UnresolvedConcerns, str(c, "source"))
		}
	}
	for _, inc := range ix.all("incidents") {
		if r := row(str(inc, "provider_id")); r != nil {
			r.Incidents = append(r.Incidents, inc.ID)
		}
	}
	for i := range rows {
		h := rows[i].RAGHistory
		sort.SliceStable(h, func(a, b int) bool { return byTime(h[b].DecidedAt, h[a].DecidedAt, h[b].ID, h[a].ID) })
		if len(h) > 0 {
			rows[i].RAG = h[0].Status
		}
		floor, met := rules.RAGFloor(*fact(rows[i].ProviderID))
		rows[i].RAGFloor, rows[i].RAGTriggers = string(floor), append([]rules.RAGTrigger{}, met...)
		rows[i].BelowTriggers = rows[i].RAG != "" && floor != "" && rules.RAGStatus(rows[i].RAG).Level() < floor.Level()
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Name != rows[j].Name {
			return rows[i].Name < rows[j].Name
		}
		return rows[i].ProviderID < rows[j].ProviderID
	})
	return rows
}
