package main

import (
	"fmt"
	"slices"
	"strconv"
)

// spread is one measure over repeated runs: its median, its least and
// greatest value, and how many runs it is over.
type spread struct {
	Median, Min, Max float64
	N                int
}

// spreadOf returns xs's median (the mean of the two middle values when
// there is an even number of them), range and count; the zero spread for
// none.
func spreadOf(xs []float64) spread {
	if len(xs) == 0 {
		return spread{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	m := s[n/2]
	if n%2 == 0 {
		m = (s[n/2-1] + s[n/2]) / 2
	}
	return spread{Median: m, Min: s[0], Max: s[n-1], N: n}
}

// format writes the spread of runs runs with f and then unit: one run's
// figure alone, as before --runs; for more, the median and then the range,
// "median (min–max)", followed by how many runs it is over when some runs
// had no figure (a ratio with nothing to divide by); "n/a" for none.
func (s spread) format(runs int, f func(float64) string, unit string) string {
	switch {
	case s.N == 0:
		return "n/a"
	case runs <= 1:
		return f(s.Median) + unit
	}
	out := fmt.Sprintf("%s%s (%s–%s%s)", f(s.Median), unit, f(s.Min), f(s.Max), unit)
	if s.N < runs {
		out += fmt.Sprintf(" over %d of %d runs", s.N, runs)
	}
	return out
}

// ratiosWithin returns, for each run i that both have, num[i] / den[i]: a
// ratio of two figures measured in the same run, so that a change in the
// machine's load between runs falls on both. A run whose den is not
// positive is left out.
func ratiosWithin(num, den []float64) []float64 {
	var out []float64
	for i := range min(len(num), len(den)) {
		if den[i] > 0 {
			out = append(out, num[i]/den[i])
		}
	}
	return out
}

// couchKind is the couch case's runs with one kind of ids, in the order
// they ran.
type couchKind struct {
	IDs  string
	Runs []couchResults
}

// figures returns f of Continuity's (ours) and pouchdb-server's figures, run
// by run.
func (k couchKind) figures(f func(serverFigures) float64) (ours, theirs []float64) {
	for _, r := range k.Runs {
		ours = append(ours, f(r.Ours))
		theirs = append(theirs, f(r.Theirs))
	}
	return ours, theirs
}

// couchAim is one line of the couch case's aims: what is measured, the
// figure it is judged on, the aim, and whether the figure meets it.
type couchAim struct {
	Name, Measured, Aim string
	Met                 bool
}

// pushRate is a server's push rate in records per second.
func pushRate(f serverFigures) float64 { return f.Push.rate() }

// peakRSS is a server's peak RSS in bytes.
func peakRSS(f serverFigures) float64 { return float64(f.Peak) }

// couchAims judges the couch case's aims on its runs, kind by kind in the
// order given: push beside pouchdb-server against the aim for the kind of
// ids, Continuity's peak RSS, and, with both kinds, Continuity's own v4 / v7
// push ratio. A ratio is judged on the median of the ratios within each run
// (run i's Continuity beside run i's pouchdb-server, run i's v4 beside run
// i's v7); peak RSS, a limit rather than a typical value, on the worst run.
// With one run each figure is that run's, written as before --runs.
func couchAims(kinds []couchKind) []couchAim {
	var out []couchAim
	var v4, v7 []float64
	for _, k := range kinds {
		ours, theirs := k.figures(pushRate)
		aim := aimCouchPushV7
		if k.IDs == "v4" {
			aim, v4 = aimCouchPushV4, ours
		} else {
			v7 = ours
		}
		if s := spreadOf(ratiosWithin(ours, theirs)); s.N > 0 {
			out = append(out, couchAim{
				Name:     fmt.Sprintf("push, %s ids: Continuity / pouchdb-server", k.IDs),
				Measured: medianRatio(s), Aim: fmt.Sprintf("≥ %.0f×", aim), Met: s.Median >= aim,
			})
		}
		peaks, _ := k.figures(peakRSS)
		if s := spreadOf(peaks); s.N > 0 {
			out = append(out, couchAim{
				Name:     fmt.Sprintf("peak RSS, %s ids: Continuity", k.IDs),
				Measured: worstRSS(s), Aim: fmt.Sprintf("≤ %d MB", aimIngestRSS>>20), Met: s.Max <= aimIngestRSS,
			})
		}
	}
	if len(v4) > 0 && len(v7) > 0 {
		if s := spreadOf(ratiosWithin(v4, v7)); s.N > 0 {
			out = append(out, couchAim{
				Name:     "push, Continuity v4 ids / v7 ids",
				Measured: medianRatio(s), Aim: fmt.Sprintf("≥ %.1f×", aimIDsRatio), Met: s.Median >= aimIDsRatio,
			})
		}
	}
	return out
}

// decimals returns a formatter of numbers with n decimals.
func decimals(n int) func(float64) string {
	return func(x float64) string { return strconv.FormatFloat(x, 'f', n, 64) }
}

// inMB returns bytes in MB.
func inMB(x float64) float64 { return x / (1 << 20) }

// times writes a ratio.
func times(x float64) string { return decimals(2)(x) + "×" }

// megabytes writes bytes as MB.
func megabytes(x float64) string { return decimals(1)(inMB(x)) + " MB" }

// medianRatio writes the ratio an aim is judged on: one run's, or the
// median of the runs' own ratios, saying so, and their range.
func medianRatio(s spread) string {
	if s.N == 1 {
		return times(s.Median)
	}
	return fmt.Sprintf("%s, the median of %d runs' own ratios (%s–%s)", times(s.Median), s.N, decimals(2)(s.Min), times(s.Max))
}

// worstRSS writes the peak RSS an aim is judged on: one run's, or the
// worst run's, saying so, and the range.
func worstRSS(s spread) string {
	if s.N == 1 {
		return megabytes(s.Max)
	}
	return fmt.Sprintf("%s, the worst of %d runs (%s–%s)", megabytes(s.Max), s.N, decimals(1)(inMB(s.Min)), megabytes(s.Max))
}
