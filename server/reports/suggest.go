package reports

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// AnyArea, given in SuggestOptions.Areas, accepts destinations in any area.
const AnyArea = "any"

// SuggestOptions configure Suggest.
type SuggestOptions struct {
	// Areas are the areas a destination may be in besides the failing
	// service's own local authority, which is always acceptable. Each is
	// matched, ignoring case and surrounding space, against a service's
	// local_authority and area and the vacancy's area (e.g. "Derbyshire
	// County Council" or "Amber Valley"). AnyArea ("any") accepts every
	// area. The default (nil) keeps people within the failing service's
	// local authority: the council's own market, where its contracts and
	// quality monitoring reach, and nearest to families. Destinations are
	// always ranked same area (locality) first, then same local authority,
	// then elsewhere.
	Areas []string
}

// Suggestion is a proposed destination for one resident, or the reason
// none could be found (ServiceID empty). It is a proposal for a social
// worker to discuss with the person (7.2, 7.3, 7.9), not a decision.
type Suggestion struct {
	// Rank is the order in which residents were placed, from 1: residents
	// flagged very frail, assess early or wishing to move early first (in
	// that order of weight); within each tier friendship groups that fit
	// whole somewhere, then groups that must be split, then everyone else
	// by name; last, residents with no registration category recorded.
	Rank            int    `json:"rank"`
	ResidentID      string `json:"resident_id"`                // the resident
	ResidentName    string `json:"resident_name"`              // their full name
	FriendshipGroup string `json:"friendship_group,omitempty"` // their friendship group, if any
	// Category is the registration category of care the resident needs.
	Category string `json:"category"`
	// ServiceID, ServiceName, VacancyID, LocalAuthority and Area name the
	// suggested place; all empty when the resident could not be placed.
	ServiceID      string `json:"service_id,omitempty"`
	ServiceName    string `json:"service_name,omitempty"`
	VacancyID      string `json:"vacancy_id,omitempty"`
	LocalAuthority string `json:"local_authority,omitempty"`
	Area           string `json:"area,omitempty"`
	// Reasons explain the suggestion (or its absence) in plain words.
	Reasons []string `json:"reasons"`
}

// Placed reports whether the suggestion names a destination.
func (s Suggestion) Placed() bool { return s.ServiceID != "" }

// slot is one usable vacancy and the places not yet suggested.
type slot struct {
	id       string
	category string
	places   int
	left     int
	area     string
	asOf     string
}

// dest is a service that may receive residents.
type dest struct {
	id, name, la, area string
	amber              bool
	slots              map[string][]*slot // by category, by vacancy id
}

func (d *dest) left(category string) int {
	n := 0
	for _, s := range d.slots[category] {
		n += s.left
	}
	return n
}

// take uses one place of the category and returns its vacancy.
func (d *dest) take(category string) *slot {
	for _, s := range d.slots[category] {
		if s.left > 0 {
			s.left--
			return s
		}
	}
	return nil
}

// person is a resident who needs a suggestion.
type person struct {
	r        *syncproto.Record
	name     string
	category string
	group    string
	prio     int
	home     *syncproto.Record // the service the person is leaving, if known
	current  string
}

// unit is residents placed together: a friendship group's members who
// still need a place, or one person.
type unit struct {
	group     string
	members   []*person
	groupSize int            // residents carrying the label, moved or not
	anchors   map[string]int // service id → members already moved or moving there
	prio      int
}

// excluded is a vacancy that was not used, and why.
type excluded struct {
	category, service, why string
}

// suggester holds one Suggest run's state.
type suggester struct {
	ix        *index
	any       bool
	areas     map[string]bool // normalised acceptable areas
	areaNames []string        // the same, as given
	dests     []*dest         // by name, then id
	excluded  []excluded
	failing   map[string]bool
}

// Suggest proposes a destination for each of the incident's residents who
// still need a move (no completed move and no planned or in-transit one;
// not recorded as moved, deceased or left). See DESIGN.md for the
// algorithm; in short: only accepting vacancies with places, at services
// registered for the resident's category, not suspended, not rated RED, not
// closing and not the failing provider's; in an acceptable area; friendship
// groups to one service when it has the places, else split with the most
// kept together; flagged residents first; no vacancy's places suggested
// twice. The result is sorted by Rank and depends only on the records, not
// on their order.
func Suggest(d Data, opts SuggestOptions) []Suggestion {
	sg := &suggester{ix: newIndex(d), areas: map[string]bool{}, failing: map[string]bool{}}
	for _, a := range opts.Areas {
		switch n := norm(a); {
		case n == AnyArea:
			sg.any = true
		case n != "" && !sg.areas[n]:
			sg.areas[n] = true
			sg.areaNames = append(sg.areaNames, strings.Join(strings.Fields(a), " "))
		}
	}
	sort.Strings(sg.areaNames)
	sg.findFailing()
	sg.buildDests()
	units, unplaceable := sg.units()
	out := []Suggestion{}
	// Tier by tier (flags first), friendship groups that fit whole
	// somewhere are placed before any group is split, so that splitting one
	// group never takes the places that keep another together; then
	// everyone else in the tier.
	for i := 0; i < len(units); {
		j := i
		for j < len(units) && units[j].prio == units[i].prio {
			j++
		}
		var split, singles []*unit
		for _, u := range units[i:j] {
			switch {
			case u.group == "":
				singles = append(singles, u)
			case sg.wholeFit(u) == nil:
				split = append(split, u)
			default:
				out = append(out, sg.place(u)...)
			}
		}
		for _, u := range append(split, singles...) {
			out = append(out, sg.place(u)...)
		}
		i = j
	}
	for _, p := range unplaceable {
		out = append(out, sg.unplaced(p, "no registration category recorded: the category of care needed must be checked first (3.3)"))
	}
	for i := range out {
		out[i].Rank = i + 1
	}
	return out
}

func norm(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// findFailing marks the failing provider's services and the incident's.
func (sg *suggester) findFailing() {
	inc := sg.ix.incident()
	if inc == nil {
		return
	}
	for _, id := range strs(inc, "service_ids") {
		sg.failing[id] = true
	}
	if pid := str(inc, "provider_id"); pid != "" {
		for _, s := range sg.ix.all("services") {
			if str(s, "provider_id") == pid {
				sg.failing[s.ID] = true
			}
		}
	}
}

// incidentService is the incident's first known service (in the order
// listed), the home of residents whose current service is not recorded.
func (sg *suggester) incidentService() *syncproto.Record {
	inc := sg.ix.incident()
	if inc == nil {
		return nil
	}
	for _, id := range strs(inc, "service_ids") {
		if s := sg.ix.get("services", id); s != nil {
			return s
		}
	}
	return nil
}

// latestRAG returns the latest RAG status of a service: its own, or its
// provider's when the provider's entry is later.
func (sg *suggester) latestRAG(svc *syncproto.Record) string {
	var best *syncproto.Record
	for _, r := range sg.ix.all("rag_statuses") {
		sid := str(r, "service_id")
		if sid != svc.ID && (sid != "" || str(r, "provider_id") != str(svc, "provider_id")) {
			continue
		}
		if best == nil || byTime(instant(best, "decided_at"), instant(r, "decided_at"), best.ID, r.ID) {
			best = r
		}
	}
	return str(best, "status")
}

// buildDests keeps the vacancies that may be used and notes why the others
// may not.
func (sg *suggester) buildDests() {
	byID := map[string]*dest{}
	left := sg.placesLeft()
	for _, v := range sg.ix.all("vacancies") {
		cat := str(v, "category")
		svc := sg.ix.get("services", str(v, "service_id"))
		name := serviceName(sg.ix, str(v, "service_id"))
		if name == "" {
			name = "service " + str(v, "service_id")
		}
		why := sg.unusable(v, svc, cat)
		if why == "" && left[v.ID] <= 0 {
			p := rules.PlacesLeft(sg.vacancies(), sg.placements(), str(v, "service_id"), rules.RegistrationCategory(cat))
			why = fmt.Sprintf("no places left: %d declared, %d used by planned or completed moves", p.Declared, p.Used)
		}
		if why != "" {
			sg.excluded = append(sg.excluded, excluded{category: cat, service: name, why: why})
			continue
		}
		d := byID[svc.ID]
		if d == nil {
			d = &dest{id: svc.ID, name: name, la: str(svc, "local_authority"), area: str(svc, "area"), slots: map[string][]*slot{}}
			d.amber = sg.latestRAG(svc) == "AMBER"
			byID[svc.ID] = d
			sg.dests = append(sg.dests, d)
		}
		n := left[v.ID]
		d.slots[cat] = append(d.slots[cat], &slot{id: v.ID, category: cat, places: n, left: n, area: str(v, "area"), asOf: str(v, "as_of")})
	}
	sort.Slice(sg.dests, func(i, j int) bool {
		if sg.dests[i].name != sg.dests[j].name {
			return sg.dests[i].name < sg.dests[j].name
		}
		return sg.dests[i].id < sg.dests[j].id
	})
	for _, d := range sg.dests {
		for _, ss := range d.slots {
			sort.Slice(ss, func(i, j int) bool { return ss[i].id < ss[j].id })
		}
	}
	sort.Slice(sg.excluded, func(i, j int) bool {
		a, b := sg.excluded[i], sg.excluded[j]
		if a.category != b.category {
			return a.category < b.category
		}
		if a.service != b.service {
			return a.service < b.service
		}
		return a.why < b.why
	})
}

// vacancies are the market's vacancies as the rules read them.
func (sg *suggester) vacancies() []rules.Vacancy {
	var out []rules.Vacancy
	for _, v := range sg.ix.all("vacancies") {
		asOf, _ := time.Parse(time.DateOnly, str(v, "as_of"))
		out = append(out, rules.Vacancy{ID: v.ID, ServiceID: str(v, "service_id"), Category: rules.RegistrationCategory(str(v, "category")),
			Places: integer(v, "places"), Accepting: boolean(v, "accepting"), AsOf: asOf})
	}
	return out
}

// placements are the incident's moves as they use their destinations'
// places.
func (sg *suggester) placements() []rules.Placement {
	var out []rules.Placement
	for _, m := range sg.ix.all("moves") {
		out = append(out, rules.Placement{MoveID: m.ID, ServiceID: str(m, "to_service_id"), Status: rules.MoveStatus(str(m, "status")),
			CompletedAt: instant(m, "completed_at"), Category: rules.RegistrationCategory(str(sg.ix.get("residents", str(m, "resident_id")), "registration_category"))})
	}
	return out
}

// placesLeft shares out what is left of each service's places in a
// category (rules.PlacesLeft: declared, less those the planned and
// completed moves use) among its accepting vacancies, in id order: the
// places each vacancy may still offer, by vacancy id.
func (sg *suggester) placesLeft() map[string]int {
	vs, ps := sg.vacancies(), sg.placements()
	out := map[string]int{}
	done := map[[2]string]bool{}
	for _, v := range vs {
		k := [2]string{v.ServiceID, string(v.Category)}
		if done[k] {
			continue
		}
		done[k] = true
		p := rules.PlacesLeft(vs, ps, v.ServiceID, v.Category)
		rest := p.Left
		for _, w := range vs { // sg.ix.all walks in id order
			if w.ServiceID != v.ServiceID || w.Category != v.Category || !w.Accepting {
				continue
			}
			n := min(max(w.Places, 0), max(rest, 0))
			out[w.ID] = n
			rest -= n
		}
	}
	return out
}

// unusable says why a vacancy may not be suggested, or "" if it may.
func (sg *suggester) unusable(v, svc *syncproto.Record, cat string) string {
	switch {
	case svc == nil:
		return "its service is not known"
	case sg.failing[svc.ID]:
		return "it is the failing provider's"
	case !boolean(v, "accepting"):
		return "not accepting placements"
	case integer(v, "places") <= 0:
		return "no places"
	case cat == "":
		return "the vacancy has no category"
	}
	switch s := str(svc, "operating_status"); s {
	case "closing", "closed":
		return "the service is " + s
	}
	switch rag := sg.latestRAG(svc); rag {
	case "RED", "PROVIDER_FAILURE":
		return "rated " + rag
	}
	regulated, set := boolSet(svc, "regulated")
	var cats []rules.RegistrationCategory
	for _, c := range strs(svc, "registration_categories") {
		cats = append(cats, rules.RegistrationCategory(c))
	}
	suspended := boolean(svc, "contracting_suspended") || boolean(sg.ix.get("providers", str(svc, "provider_id")), "contracting_suspended")
	dest := rules.Service{ID: svc.ID, Registered: regulated || !set, Categories: cats, Suspended: suspended}
	vs := rules.CheckDestination([]rules.RegistrationCategory{rules.RegistrationCategory(cat)}, dest)
	vs = append(vs, rules.CheckDestinationConcerns(dest, rules.DestinationOverride{})...)
	switch {
	case vs.Has(rules.CodeDestinationNotRegistered) && set && !regulated:
		return "the service is not registered with CQC"
	case vs.Has(rules.CodeDestinationNotRegistered):
		return "the service is not registered for " + cat
	case vs.Has(rules.CodeDestinationSuspended):
		return "contracting with it is suspended"
	}
	return ""
}

// priority is a resident's flag tier: very frail weighs most, then assess
// early, then wishes to move early; a lower key is placed first.
func priority(r *syncproto.Record) int {
	k := 0
	if !boolean(r, "very_frail") {
		k += 4
	}
	if !boolean(r, "assess_early") {
		k += 2
	}
	if !boolean(r, "wishes_to_move_early") {
		k++
	}
	return k
}

// groupLabel is a resident's friendship group, trimmed.
func groupLabel(r *syncproto.Record) string { return strings.TrimSpace(str(r, "friendship_group")) }

// units gathers the residents who need a suggestion into placing units, in
// placing order, and returns apart those who cannot be matched at all.
func (sg *suggester) units() ([]*unit, []*person) {
	ms := movesByResident(sg.ix)
	groups := map[string]*unit{}
	groupSize := map[string]int{}
	anchors := map[string]map[string]int{}
	// Where each resident is, or is going, by move: for friendship groups.
	going := map[string]string{}
	for _, m := range sg.ix.all("moves") {
		st := str(m, "status")
		if st != moveCompleted && !activeMove(st) {
			continue
		}
		rid := str(m, "resident_id")
		if _, done := going[rid]; done && st != moveCompleted {
			continue // a completed move wins over a planned one
		}
		going[rid] = str(m, "to_service_id")
	}
	var units []*unit
	var unmatched []*person
	for _, r := range sg.ix.all("residents") {
		g := groupLabel(r)
		st := str(r, "status")
		if st == statusDeceased || st == statusLeft {
			continue
		}
		if g != "" {
			groupSize[g]++
		}
		if !ms.stillToMove(r) || ms.active[r.ID] {
			to := going[r.ID]
			if to == "" && st == statusMoved {
				to = str(r, "current_service_id")
			}
			if g != "" && to != "" {
				if anchors[g] == nil {
					anchors[g] = map[string]int{}
				}
				anchors[g][to]++
			}
			continue
		}
		p := &person{r: r, name: residentName(r), category: str(r, "registration_category"), group: g, prio: priority(r), current: str(r, "current_service_id")}
		p.home = sg.ix.get("services", p.current)
		if p.home == nil {
			p.home = sg.incidentService()
		}
		if p.category == "" {
			unmatched = append(unmatched, p)
			continue
		}
		if g == "" {
			units = append(units, &unit{members: []*person{p}, prio: p.prio})
			continue
		}
		u := groups[g]
		if u == nil {
			u = &unit{group: g, prio: p.prio}
			groups[g] = u
			units = append(units, u)
		}
		u.members = append(u.members, p)
		u.prio = min(u.prio, p.prio)
	}
	for _, u := range units {
		sort.Slice(u.members, func(i, j int) bool { return lessPerson(u.members[i], u.members[j]) })
		if u.group != "" {
			u.groupSize = groupSize[u.group]
			u.anchors = anchors[u.group]
		}
	}
	sort.Slice(units, func(i, j int) bool {
		a, b := units[i], units[j]
		if a.prio != b.prio {
			return a.prio < b.prio
		}
		if (a.group != "") != (b.group != "") {
			return a.group != ""
		}
		if len(a.members) != len(b.members) {
			return len(a.members) > len(b.members)
		}
		return lessPerson(a.members[0], b.members[0])
	})
	sort.Slice(unmatched, func(i, j int) bool { return lessPerson(unmatched[i], unmatched[j]) })
	return units, unmatched
}

func lessPerson(a, b *person) bool {
	if a.prio != b.prio {
		return a.prio < b.prio
	}
	if a.name != b.name {
		return a.name < b.name
	}
	return a.r.ID < b.r.ID
}

// areaTier ranks a destination for a person leaving home: 0 same area
// (locality), 1 same local authority, 2 another acceptable area; -1 when
// the area is not acceptable.
func (sg *suggester) areaTier(home *syncproto.Record, d *dest) int {
	homeLA, homeArea := norm(str(home, "local_authority")), norm(str(home, "area"))
	sameLA := homeLA != "" && norm(d.la) == homeLA
	switch {
	case sameLA && homeArea != "" && norm(d.area) == homeArea:
		return 0
	case sameLA:
		return 1
	case sg.any || sg.areas[norm(d.la)] || sg.areas[norm(d.area)]:
		return 2
	}
	for _, ss := range d.slots {
		for _, s := range ss {
			if sg.areas[norm(s.area)] {
				return 2
			}
		}
	}
	return -1
}

func (sg *suggester) areaReason(home *syncproto.Record, d *dest) string {
	switch sg.areaTier(home, d) {
	case 0:
		return fmt.Sprintf("same area (%s, %s)", d.area, d.la)
	case 1:
		return fmt.Sprintf("same local authority (%s), area %s", d.la, d.area)
	default:
		where := strings.Trim(d.area+", "+d.la, ", ")
		if where == "" {
			where = "area not recorded"
		}
		return fmt.Sprintf("outside the home's local authority: %s, within the areas chosen", where)
	}
}

// candidate is a destination considered for a unit.
type candidate struct {
	d      *dest
	tier   int
	anchor int
	// preferred counts the unit's members whose stated preferences name the
	// service or its area (003 Appendix 2, 7.2, 7.9).
	preferred int
}

// prefers reports whether a resident's stated preferences name d: the
// service itself, or its area or local authority.
func prefers(r *syncproto.Record, d *dest) bool {
	for _, id := range strs(r, "preferred_service_ids") {
		if id == d.id {
			return true
		}
	}
	for _, a := range strs(r, "preferred_areas") {
		if n := norm(a); n != "" && (n == norm(d.area) || n == norm(d.la)) {
			return true
		}
	}
	return false
}

// better orders candidates: the person's stated preferences, friends
// already there, nearer, not AMBER, then by name and id.
func better(a, b candidate) bool {
	if a.preferred != b.preferred {
		return a.preferred > b.preferred
	}
	if a.anchor != b.anchor {
		return a.anchor > b.anchor
	}
	if a.tier != b.tier {
		return a.tier < b.tier
	}
	if a.d.amber != b.d.amber {
		return !a.d.amber
	}
	if a.d.name != b.d.name {
		return a.d.name < b.d.name
	}
	return a.d.id < b.d.id
}

// candidates lists the destinations acceptable for every member of u.
func (sg *suggester) candidates(u *unit) []candidate {
	var out []candidate
	for _, d := range sg.dests {
		tier, preferred := -1, 0
		ok := true
		for _, p := range u.members {
			t := sg.areaTier(p.home, d)
			if prefers(p.r, d) {
				// A home the person asked for is acceptable wherever it is.
				preferred++
				t = max(t, 0)
			}
			if t < 0 || d.id == p.current {
				ok = false
				break
			}
			tier = max(tier, t)
		}
		if ok {
			out = append(out, candidate{d: d, tier: tier, anchor: u.anchors[d.id], preferred: preferred})
		}
	}
	return out
}

// wholeFit returns the best destination with places for every member of
// u, or nil.
func (sg *suggester) wholeFit(u *unit) *candidate {
	need := countByCategory(u.members)
	fits := func(c candidate) bool {
		for cat, n := range need {
			if c.d.left(cat) < n {
				return false
			}
		}
		return true
	}
	var best *candidate
	for _, c := range sg.candidates(u) {
		if fits(c) && (best == nil || better(c, *best)) {
			best = &c
		}
	}
	return best
}

// place suggests destinations for one unit: all at the best destination
// with room for everyone, else split, the most members together first.
func (sg *suggester) place(u *unit) []Suggestion {
	cands := sg.candidates(u)
	assigned := map[*person]candidate{}
	slots := map[*person]*slot{}
	whole := false
	if best := sg.wholeFit(u); best != nil {
		whole = true
		for _, p := range u.members {
			assigned[p] = *best
			slots[p] = best.d.take(p.category)
		}
	} else {
		remaining := append([]*person(nil), u.members...)
		for len(remaining) > 0 {
			var pick *candidate
			pickN := 0
			for i := range cands {
				n := 0
				for cat, k := range countByCategory(remaining) {
					n += min(k, cands[i].d.left(cat))
				}
				if n > pickN || (n == pickN && n > 0 && better(cands[i], *pick)) {
					pick, pickN = &cands[i], n
				}
			}
			if pick == nil {
				break
			}
			var rest []*person
			for _, p := range remaining {
				if s := pick.d.take(p.category); s != nil {
					assigned[p], slots[p] = *pick, s
				} else {
					rest = append(rest, p)
				}
			}
			remaining = rest
		}
	}
	at := map[string]int{} // service id → members of this unit placed there
	for _, c := range assigned {
		at[c.d.id]++
	}
	var out []Suggestion
	for _, p := range u.members {
		c, ok := assigned[p]
		if !ok {
			var extra []string
			if u.group != "" && u.groupSize > 1 {
				extra = append(extra, fmt.Sprintf("member of the %s friendship group: no place left for them", u.group))
			}
			out = append(out, sg.unplaced(p, extra...))
			continue
		}
		s := Suggestion{
			ResidentID: p.r.ID, ResidentName: p.name, FriendshipGroup: p.group, Category: p.category,
			ServiceID: c.d.id, ServiceName: c.d.name, VacancyID: slots[p].id, LocalAuthority: c.d.la, Area: c.d.area,
		}
		s.Reasons = append(s.Reasons, flagReasons(p.r)...)
		s.Reasons = append(s.Reasons, "registered for "+p.category)
		if prefers(p.r, c.d) {
			s.Reasons = append(s.Reasons, "named in the stated preferences of the person or their family (7.2, 7.9)")
		}
		if sg.areaTier(p.home, c.d) < 0 {
			s.Reasons = append(s.Reasons, "outside the areas searched ("+strings.Trim(c.d.area+", "+c.d.la, ", ")+"), but named in the stated preferences")
		} else {
			s.Reasons = append(s.Reasons, sg.areaReason(p.home, c.d))
		}
		if u.group != "" && u.groupSize > 1 {
			s.Reasons = append(s.Reasons, groupReasons(u, c, at[c.d.id], whole)...)
		}
		sl := slots[p]
		if sl.asOf != "" {
			s.Reasons = append(s.Reasons, fmt.Sprintf("vacancy of %d place(s) for %s, confirmed %s", sl.places, p.category, sl.asOf))
		} else {
			s.Reasons = append(s.Reasons, fmt.Sprintf("vacancy of %d place(s) for %s", sl.places, p.category))
		}
		if c.d.amber {
			s.Reasons = append(s.Reasons, "the service is rated AMBER: check the concerns with the Quality and Monitoring Team first (7.6)")
		}
		s.Reasons = append(s.Reasons, cautions(p.r)...)
		out = append(out, s)
	}
	return out
}

func countByCategory(ps []*person) map[string]int {
	m := map[string]int{}
	for _, p := range ps {
		m[p.category]++
	}
	return m
}

// groupReasons explain how a friendship group fared at one destination.
func groupReasons(u *unit, c candidate, placedHere int, whole bool) []string {
	together := placedHere + c.anchor
	var out []string
	switch {
	case together == u.groupSize:
		out = append(out, fmt.Sprintf("keeps the %s friendship group together (%d of %d)", u.group, together, u.groupSize))
	case together > 1:
		out = append(out, fmt.Sprintf("keeps %d of %d of the %s friendship group together", together, u.groupSize, u.group))
	default:
		out = append(out, fmt.Sprintf("%s friendship group split: no place with the others", u.group))
	}
	if c.anchor > 0 {
		out = append(out, fmt.Sprintf("joins %d member(s) of the group already moved or moving there", c.anchor))
	}
	if !whole && placedHere > 0 && together > 1 {
		out = append(out, fmt.Sprintf("only %d place(s) for the group here: group split", placedHere))
	} else if whole && together < u.groupSize && c.anchor == 0 && u.groupSize > len(u.members) {
		out = append(out, "others in the group have moved or are moving elsewhere")
	}
	return out
}

// flagReasons say why a person was placed early.
func flagReasons(r *syncproto.Record) []string {
	var out []string
	if boolean(r, "very_frail") {
		out = append(out, "very frail: placed first; exceptional arrangements may be needed (3.5)")
	}
	if boolean(r, "assess_early") {
		out = append(out, "to be assessed early: placed first (3.7)")
	}
	if boolean(r, "wishes_to_move_early") {
		out = append(out, "wishes to move early: placed first (3.6)")
	}
	return out
}

// cautions are things to settle before the move, whatever the destination.
func cautions(r *syncproto.Record) []string {
	var out []string
	if str(r, "status") == "in_hospital" {
		out = append(out, "in hospital: plan the move with the discharge team")
	}
	switch str(r, "funding_stream") {
	case schema.FundingNHSCHC:
		out = append(out, "fully funded NHS CHC: the NHS leads and co-ordinates the placement")
	case schema.FundingOutOfArea:
		if a := str(r, "placing_authority"); a != "" {
			out = append(out, "placed by "+a+": they must agree the placement (4.2, 7.23)")
		} else {
			out = append(out, "out-of-area placement: the placing authority must agree it (4.2, 7.23)")
		}
	}
	if schema.UnderDoLS(str(r, "dols_status")) {
		out = append(out, "DoLS authorisation in force: the new home must request its own (3.10)")
	}
	return out
}

// unplaced explains why no destination was found for p.
func (sg *suggester) unplaced(p *person, extra ...string) Suggestion {
	s := Suggestion{ResidentID: p.r.ID, ResidentName: p.name, FriendshipGroup: p.group, Category: p.category}
	s.Reasons = append(s.Reasons, flagReasons(p.r)...)
	s.Reasons = append(s.Reasons, extra...)
	if p.category != "" {
		inArea, taken := 0, 0
		var further []string
		seen := map[string]bool{}
		for _, d := range sg.dests {
			total, left := 0, 0
			for _, sl := range d.slots[p.category] {
				total += sl.places
				left += sl.left
			}
			if total == 0 || d.id == p.current {
				continue
			}
			if sg.areaTier(p.home, d) >= 0 {
				inArea += total
				taken += total - left
			} else if !seen[d.id] {
				seen[d.id] = true
				further = append(further, fmt.Sprintf("%s (%s, %d)", d.name, strings.Trim(d.area+", "+d.la, ", "), total))
			}
		}
		where := sg.areasText(p.home)
		switch {
		case inArea > 0 && taken == inArea:
			s.Reasons = append(s.Reasons, fmt.Sprintf("all %d place(s) for %s in %s are suggested for residents considered earlier", inArea, p.category, where))
		case inArea > 0:
			s.Reasons = append(s.Reasons, fmt.Sprintf("%d of %d place(s) for %s in %s are suggested for residents considered earlier; the rest could not be used together with their friendship group", taken, inArea, p.category, where))
		default:
			s.Reasons = append(s.Reasons, fmt.Sprintf("no accepting place for %s in %s", p.category, where))
		}
		if len(further) > 0 {
			s.Reasons = append(s.Reasons, fmt.Sprintf("places for %s outside the areas chosen: %s; widen the areas to consider them", p.category, strings.Join(further, "; ")))
		}
		var ex []string
		for _, e := range sg.excluded {
			if e.category == p.category {
				ex = append(ex, e.service+": "+e.why)
			}
		}
		if len(ex) > 0 {
			s.Reasons = append(s.Reasons, fmt.Sprintf("vacancies for %s not used: %s", p.category, strings.Join(ex, "; ")))
		}
	}
	s.Reasons = append(s.Reasons, cautions(p.r)...)
	return s
}

// areasText names the acceptable areas for a person leaving home.
func (sg *suggester) areasText(home *syncproto.Record) string {
	if sg.any {
		return "any area"
	}
	var names []string
	if la := str(home, "local_authority"); la != "" {
		names = append(names, la)
	}
	names = append(names, sg.areaNames...)
	if len(names) == 0 {
		return "no acceptable area (the failing service has no local authority recorded and no areas were given)"
	}
	return strings.Join(names, ", ")
}
