package reports

import "time"

// DayFigures are one calendar day's moves and checks.
type DayFigures struct {
	Day string `json:"day"` // YYYY-MM-DD, Europe/London
	// MovesPlanned counts moves planned to leave that day (not
	// cancelled); MovesArrived counts movement-log arrivals that day.
	MovesPlanned int `json:"moves_planned"`
	MovesArrived int `json:"moves_arrived"`
	// Checks counts safe-and-well checks made that day; NotSeen those that
	// did not see the person.
	Checks  int `json:"checks"`
	NotSeen int `json:"not_seen"`
}

// dailyFigures counts moves and checks per calendar day, from the first to
// the last day with either, at most 31 days ending at the latest such day;
// days with neither are listed with zeros so charts keep their scale.
func dailyFigures(ix *index) []DayFigures {
	days := map[string]*DayFigures{}
	at := func(t time.Time) *DayFigures {
		k := today(t)
		if days[k] == nil {
			days[k] = &DayFigures{Day: k}
		}
		return days[k]
	}
	for _, m := range ix.all("moves") {
		if t := instant(m, "planned_at"); !t.IsZero() && str(m, "status") != moveCancelled {
			at(t).MovesPlanned++
		}
	}
	for _, e := range ix.all("movement_log") {
		if t := instant(e, "occurred_at"); !t.IsZero() && str(e, "event") == "arrived" {
			at(t).MovesArrived++
		}
	}
	for _, c := range ix.all("safe_and_well_checks") {
		if t := instant(c, "visited_at"); !t.IsZero() {
			f := at(t)
			f.Checks++
			if str(c, "outcome") == "not_seen" {
				f.NotSeen++
			}
		}
	}
	out := []DayFigures{}
	keys := sortedKeys(days)
	if len(keys) == 0 {
		return out
	}
	last, _ := time.Parse(time.DateOnly, keys[len(keys)-1])
	first, _ := time.Parse(time.DateOnly, keys[0])
	if last.Sub(first) > 30*24*time.Hour {
		first = last.AddDate(0, 0, -30)
	}
	for t := first; !t.After(last); t = t.AddDate(0, 0, 1) {
		k := t.Format(time.DateOnly)
		if f := days[k]; f != nil {
			out = append(out, *f)
		} else {
			out = append(out, DayFigures{Day: k})
		}
	}
	return out
}
