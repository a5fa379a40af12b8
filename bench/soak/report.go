package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// recoveryWindow is how long after a restart a request counts as part of
// the reconnection rush rather than steady running.
const recoveryWindow = 2 * time.Second

// latencies splits request samples by the kills: those in flight when the
// server was killed (straddled), those started within recoveryWindow of a
// restart, and the rest (steady). Between kills means steady plus recovery.
type latencies struct {
	between, steady, recovery []time.Duration
	straddled                 int
}

func splitLatencies(samples []sample, kills []killEvent) latencies {
	var l latencies
	for _, s := range samples {
		switch classify(s, kills) {
		case "straddled":
			l.straddled++
		case "recovery":
			l.between = append(l.between, s.dur)
			l.recovery = append(l.recovery, s.dur)
		default:
			l.between = append(l.between, s.dur)
			l.steady = append(l.steady, s.dur)
		}
	}
	return l
}

// classify places a request relative to the kills: "straddled" (in flight
// when the server was killed), "recovery" (started within recoveryWindow
// of a restart) or "steady".
func classify(s sample, kills []killEvent) string {
	end := s.start.Add(s.dur)
	class := "steady"
	for _, k := range kills {
		if !s.start.After(k.at) && !end.Before(k.at) {
			return "straddled"
		}
		if !s.start.Before(k.ready) && s.start.Before(k.ready.Add(recoveryWindow)) {
			class = "recovery"
		}
	}
	return class
}

// writeSamples writes every push and pull answered 200 as CSV: kind, start
// (ms since the run began), duration (ms), and its class; then the kills.
func writeSamples(path string, r *results) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	_ = w.Write([]string{"kind", "start_ms", "duration_ms", "class"})
	msSince := func(t time.Time) string { return strconv.FormatFloat(float64(t.Sub(r.started))/1e6, 'f', 3, 64) }
	for _, k := range []struct {
		name    string
		samples []sample
	}{{"push", r.counters.pushes}, {"pull", r.counters.pulls}} {
		for _, s := range k.samples {
			_ = w.Write([]string{k.name, msSince(s.start), strconv.FormatFloat(float64(s.dur)/1e6, 'f', 3, 64), classify(s, r.kills)})
		}
	}
	for _, c := range r.timeline {
		_ = w.Write([]string{"cpu", msSince(c.at), fmt.Sprintf("machine=%.2f server=%.2f soak=%.2f", c.machine, c.server, c.self), "cores"})
	}
	for _, k := range r.kills {
		_ = w.Write([]string{"kill", msSince(k.at), strconv.FormatFloat(float64(k.ready.Sub(k.at))/1e6, 'f', 3, 64), "down"})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// percentile is the nearest-rank percentile p (0-100) of ds; 0 for none.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := int(p/100*float64(len(s))+0.999999) - 1
	return s[min(max(rank, 0), len(s)-1)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func p50p99(ds []time.Duration) string {
	if len(ds) == 0 {
		return "no requests"
	}
	return fmt.Sprintf("%s / %s (%d requests)", ms(percentile(ds, 50)), ms(percentile(ds, 99)), len(ds))
}

// report prints the soak's table (Markdown, so a run can be pasted into
// docs/benchmarks.md) and its verdict.
func report(w io.Writer, r *results) {
	o := r.opts
	row := func(k, v string) { fmt.Fprintf(w, "| %s | %s |\n", k, v) }
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| measure | value |")
	fmt.Fprintln(w, "|---|---|")
	row("devices", fmt.Sprintf("%d (%s, %s)", o.Devices, plural(r.socialWorkers, "social worker"), plural(r.transport, "transport coordinator")))
	row("run", fmt.Sprintf("%s, %s (seed %d, batch ≤ %d, a round every %s on average, pull limit %d, ≤ %d pages a round)",
		r.ended.Sub(r.started).Round(100*time.Millisecond), plural(len(r.kills), "kill"), o.Seed, o.Batch, o.Interval, o.PullLimit, o.PullPages))
	if len(r.kills) > 0 {
		var down []time.Duration
		for _, k := range r.kills {
			down = append(down, k.ready.Sub(k.at))
		}
		row("server down per kill (kill to ready)", fmt.Sprintf("median %s, longest %s", ms(percentile(down, 50)), ms(slices.Max(down))))
	}
	row("requests", fmt.Sprintf("%d (%d pushes and %d pulls answered 200)", r.counters.requests, len(r.counters.pushes), len(r.counters.pulls)))
	row("changes recorded", fmt.Sprint(r.sent))
	row("acknowledged", fmt.Sprintf("%d (%d applied, %d duplicate)", r.applied+r.duplicates, r.applied, r.duplicates))
	if r.verifyErr != nil {
		row("found", "not known: "+r.verifyErr.Error())
	} else {
		row("found", fmt.Sprintf("%d (%d pages of the change log)", r.check.found, r.pulledPages))
		row("lost", fmt.Sprint(r.check.lost))
		row("altered (other content or device)", fmt.Sprint(r.check.altered))
		row("in the log, never acknowledged", fmt.Sprint(r.check.unackedFound))
	}
	row("unacknowledged at the end", fmt.Sprint(r.unacked))
	row("rejected changes", byKey(r.rejected))
	if r.refused > 0 {
		row("changes in pushes refused whole", fmt.Sprint(r.refused))
	}
	row("errors by status", byStatus(r.counters.statuses))
	row("connection errors", fmt.Sprint(r.counters.connErrors))
	if r.cursorResets > 0 || r.lockedOut > 0 || r.counters.refreshes > 0 {
		row("cursors refused / devices locked out / refreshes", fmt.Sprintf("%d / %d / %d", r.cursorResets, r.lockedOut, r.counters.refreshes))
	}
	push := splitLatencies(r.counters.pushes, r.kills)
	pull := splitLatencies(r.counters.pulls, r.kills)
	row("push p50 / p99 between kills", p50p99(push.between))
	row("push p50 / p99, steady (not within 2 s of a restart)", p50p99(push.steady))
	row("push p50 / p99, first 2 s after a restart", p50p99(push.recovery))
	row("pushes in flight at a kill (left out)", fmt.Sprint(push.straddled))
	row("pull p50 / p99 between kills", p50p99(pull.between))
	if r.peakRSS > 0 {
		row("peak server RSS", fmt.Sprintf("%.1f MiB", float64(r.peakRSS)/(1<<20)))
	} else {
		row("peak server RSS", "not known (no /proc)")
	}
	for _, h := range r.hostile {
		if h.baseRSS > 0 {
			row("hostile: "+h.name, fmt.Sprintf("server RSS +%.1f MiB (%.1f to %.1f MiB); answers %s", float64(h.growth())/(1<<20),
				float64(h.baseRSS)/(1<<20), float64(h.peakRSS)/(1<<20), byStatus(h.statuses)))
		} else {
			row("hostile: "+h.name, "RSS not known (no /proc); answers "+byStatus(h.statuses))
		}
	}
	if wall := r.ended.Sub(r.started); wall > 0 && r.runServerCPU > 0 {
		row("CPU cores busy during the run: server / soak devices", fmt.Sprintf("%.2f / %.2f (of %d)",
			r.runServerCPU.Seconds()/wall.Seconds(), r.runSelfCPU.Seconds()/wall.Seconds(), runtime.NumCPU()))
	}
	if m, ok := meanMachine(r.timeline); ok {
		row("CPU cores busy on the whole machine (every process)", fmt.Sprintf("%.2f on average, %.2f at the busiest second", m, maxMachine(r.timeline)))
	}
	row("server exits not caused by the soak", fmt.Sprint(r.crashes))
	fails := r.failures()
	verdict := "PASS"
	if len(fails) > 0 {
		verdict = "FAIL: " + strings.Join(fails, "; ")
	}
	row("verdict", verdict)

	if len(r.check.examples) > 0 {
		fmt.Fprintln(w, "\nExamples:")
		for _, e := range r.check.examples {
			fmt.Fprintln(w, "  "+e)
		}
	}
	if len(r.counters.firstError) > 0 {
		fmt.Fprintln(w, "\nFirst error response of each status:")
		for _, st := range sortedKeys(r.counters.firstError) {
			fmt.Fprintf(w, "  %d: %s\n", st, clip(r.counters.firstError[st], 300))
		}
	}
	if len(r.firstRejected) > 0 {
		fmt.Fprintln(w, "\nFirst rejection of each code:")
		for _, code := range sortedKeys(r.firstRejected) {
			fmt.Fprintf(w, "  %s: %s\n", code, clip(r.firstRejected[code], 300))
		}
	}
	if len(r.crashLog) > 0 || len(r.serverErrorLines) > 0 {
		fmt.Fprintln(w, "\nServer:")
		for _, l := range append(r.crashLog, r.serverErrorLines...) {
			fmt.Fprintln(w, "  "+clip(l, 500))
		}
	}
}

func byStatus(m map[int]int) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, st := range sortedKeys(m) {
		name := fmt.Sprint(st)
		if st == -1 {
			name = "unreadable 200"
		}
		parts = append(parts, fmt.Sprintf("%s: %d", name, m[st]))
	}
	return strings.Join(parts, ", ")
}

func byKey(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s: %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func sortedKeys[K int | string, V any](m map[K]V) []K {
	ks := make([]K, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func clip(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func meanMachine(tl []cpuSample) (float64, bool) {
	sum, n := 0.0, 0
	for _, c := range tl {
		if c.machineKnown {
			sum += c.machine
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	return sum / float64(n), true
}

func maxMachine(tl []cpuSample) float64 {
	m := 0.0
	for _, c := range tl {
		if c.machineKnown {
			m = max(m, c.machine)
		}
	}
	return m
}
