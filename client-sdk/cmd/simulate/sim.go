package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	continuity "github.com/continuity-care/continuity/client-sdk"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/domain"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// summary is what a simulation did and whether the fleet converged.
type summary struct {
	Devices, Rounds  int
	Roles            map[string]int
	Written          int
	Refused          map[string]int // writes the device itself refused, by code
	Pushed           int
	Applied          int
	Duplicates       int
	LostAnswers      int
	Rejected         int
	RejectedCodes    map[string]int
	ConflictsRaised  int // conflict records naming this fleet's devices
	ConflictsOpen    int // open conflict records of the incident on the server
	SyncErrors       int
	Pending          int
	Passes           int // final sync passes before the check
	Converged        bool
	Mismatch         string
	TimeToConverge   time.Duration
	Elapsed          time.Duration
	Server, Incident string
}

// sim is one simulation run.
type sim struct {
	opts    *options
	stdout  io.Writer
	stderr  io.Writer
	w       *world
	reg     *schema.Registry
	url     string
	rng     *mrand.Rand
	devices []*device
	audit   *auditor
	hc      *http.Client
	logMu   sync.Mutex
}

func (s *sim) logf(format string, args ...any) {
	if !s.opts.verbose {
		return
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.stderr, format+"\n", args...)
}

// simulate runs the whole simulation and prints its progress and summary.
func simulate(ctx context.Context, opts *options, stdout, stderr io.Writer) (*summary, error) {
	began := time.Now()
	w, err := loadWorld(opts.scenario)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "continuity-simulate-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if opts.keep {
			fmt.Fprintf(stderr, "kept the server and tablet databases in %s\n", tmp)
			return
		}
		os.RemoveAll(tmp)
	}()
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConnsPerHost = 8
	s := &sim{opts: opts, stdout: stdout, stderr: stderr, w: w, reg: domain.Registry(domain.Options{}),
		rng: mrand.New(mrand.NewPCG(opts.seed, 0x5eed)), hc: &http.Client{Transport: base, Timeout: 60 * time.Second}}

	var enr enroller
	if opts.server == "" {
		srv, err := startServer(ctx, opts.repo, tmp, opts.scenario)
		if err != nil {
			return nil, err
		}
		defer func() {
			srv.stop()
			if opts.verbose {
				fmt.Fprintf(stderr, "server log:\n%s\n", srv.log.String())
			}
		}()
		if srv.incident != w.incident {
			return nil, fmt.Errorf("the server loaded incident %s, the scenario is about %s", srv.incident, w.incident)
		}
		s.url, enr = srv.url, cliEnroller{srv}
	} else {
		if err := waitReady(ctx, opts.server, 10*time.Second); err != nil {
			return nil, err
		}
		s.url, enr = opts.server, apiEnroller{url: opts.server, token: opts.adminToken, hc: s.hc}
	}
	dbDir := opts.dbDir
	if dbDir == "" {
		dbDir = filepath.Join(tmp, "tablets")
	}
	if err := os.MkdirAll(dbDir, 0o700); err != nil {
		return nil, err
	}
	defer func() {
		for _, d := range s.devices {
			d.client.Close()
		}
	}()
	if err := s.enrol(ctx, enr, base, dbDir); err != nil {
		return nil, err
	}
	fmt.Fprintf(stdout, "simulating %d tablets (%s) for %d rounds, seed %d\nserver %s, incident %s\n",
		len(s.devices), rolesLine(s.roles()), opts.rounds, opts.seed, s.url, w.incident)

	sum, err := s.run(ctx)
	if sum != nil {
		sum.Elapsed = time.Since(began)
		s.printSummary(sum)
	}
	if err != nil {
		return sum, err
	}
	switch {
	case !sum.Converged:
		return sum, fmt.Errorf("the fleet did not converge: %s", sum.Mismatch)
	case sum.Pending > 0:
		return sum, fmt.Errorf("%d changes are still pending on the devices", sum.Pending)
	}
	return sum, nil
}

// enrol registers the fleet and opens each tablet's database: social
// workers, one or two transport coordinators, and the back office.
func (s *sim) enrol(ctx context.Context, enr enroller, base http.RoundTripper, dbDir string) error {
	n := s.opts.devices
	nTC := 0
	switch {
	case n >= 12:
		nTC = 2
	case n >= 3:
		nTC = 1
	}
	nSW := n - 1 - nTC
	var rb [3]byte
	if _, err := rand.Read(rb[:]); err != nil {
		return err
	}
	run := "sim" + hex.EncodeToString(rb[:])
	type plan struct {
		acct  account
		label string
	}
	var plans []plan
	name := func(pool []string, i int) string {
		if i < len(pool) {
			return pool[i]
		}
		return fmt.Sprintf("%s %d", pool[i%len(pool)], i/len(pool)+1)
	}
	for i := range nSW {
		label := fmt.Sprintf("sw%02d", i+1)
		plans = append(plans, plan{account{subject: run + "-" + label, role: roleSocialWorker, name: name(socialWorkerNames, i), device: run + "-tab-" + label, incidents: []string{s.w.incident}}, label})
	}
	for i := range nTC {
		label := fmt.Sprintf("tc%d", i+1)
		plans = append(plans, plan{account{subject: run + "-" + label, role: roleTransport, name: name(transportNames, i), device: run + "-tab-" + label, incidents: []string{s.w.incident}}, label})
	}
	bo := account{subject: run + "-bo", role: roleBackOffice, name: backOfficeNames[0], device: run + "-tab-bo", incidents: []string{"*"}}
	plans = append(plans, plan{bo, "bo"})

	pairs := make([]tokenPair, len(plans))
	errs := make([]error, len(plans))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i, p := range plans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			pairs[i], errs[i] = enr.enrol(ctx, p.acct)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("enrol the fleet: %w", err)
	}
	tcIndex := 0
	for i, p := range plans {
		net := &lossyTransport{base: base, p: s.opts.lossy, rng: mrand.New(mrand.NewPCG(s.opts.seed, uint64(1000+i)))}
		path := filepath.Join(dbDir, p.acct.device+".db")
		c, err := continuity.Open(&continuity.Config{
			DBPath:     path,
			HTTPClient: &http.Client{Transport: net, Timeout: 60 * time.Second},
			RetryBase:  20 * time.Millisecond, RetryMax: 500 * time.Millisecond,
		})
		if err != nil {
			return fmt.Errorf("open %s: %w", path, err)
		}
		d := &device{acct: p.acct, label: p.label, client: c, net: net,
			rng: mrand.New(mrand.NewPCG(s.opts.seed, uint64(i+1))), stepped: map[string]int{}, logf: s.logf,
			stats: deviceStats{refused: map[string]int{}}}
		s.devices = append(s.devices, d)
		if err := c.EnrolWithRefreshToken(s.url, p.acct.device, pairs[i].RefreshToken); err != nil {
			return fmt.Errorf("enrol %s: %w", p.acct.device, err)
		}
		switch p.acct.role {
		case roleSocialWorker:
			for j, r := range s.w.residents {
				if j%nSW == i {
					d.caseload = append(d.caseload, r)
				}
			}
		case roleTransport:
			d.share = shareOf(tcIndex, nTC)
			tcIndex++
		}
	}
	audit := bo
	audit.device = run + "-bo-audit"
	pair, err := enr.enrol(ctx, audit)
	if err != nil {
		return fmt.Errorf("enrol the back office's audit device: %w", err)
	}
	store := &memTokens{refresh: pair.RefreshToken, access: pair.AccessToken, accessExpiresAtMs: time.Now().Add(time.Duration(pair.ExpiresIn) * time.Second).UnixMilli()}
	s.audit = &auditor{url: s.url, hc: s.hc, tokens: continuity.NewRefreshTokenSource(s.url, store, s.hc, nil)}
	return nil
}

func (s *sim) roles() map[string]int {
	m := map[string]int{}
	for _, d := range s.devices {
		m[d.acct.role]++
	}
	return m
}

func rolesLine(m map[string]int) string {
	var parts []string
	for _, r := range []struct{ role, one, many string }{
		{roleSocialWorker, "social worker", "social workers"},
		{roleTransport, "transport coordinator", "transport coordinators"},
		{roleBackOffice, "back office", "back office"},
	} {
		switch n := m[r.role]; {
		case n == 1:
			parts = append(parts, "1 "+r.one)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%d %s", n, r.many))
		}
	}
	return strings.Join(parts, ", ")
}

// syncTotals add up the reports of one sync of several devices.
type syncTotals struct {
	pushed, applied, duplicates, rejected, pulled, errors int
}

// syncAll syncs the devices at once.
func (s *sim) syncAll(ctx context.Context, devs []*device) syncTotals {
	reps := make([]*continuity.SyncReport, len(devs))
	errs := make([]error, len(devs))
	var wg sync.WaitGroup
	for i, d := range devs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reps[i], errs[i] = d.sync(ctx)
		}()
	}
	wg.Wait()
	var t syncTotals
	for i, r := range reps {
		if r != nil {
			t.pushed += r.Pushed
			t.applied += r.Applied
			t.duplicates += r.Duplicates
			t.rejected += r.Rejected
			t.pulled += r.Pulled
		}
		if errs[i] != nil {
			t.errors++
		}
	}
	return t
}

// actionsFor draws how much work a device does this round.
func (s *sim) actionsFor(d *device) int {
	a := s.opts.actions
	if d.acct.role == roleBackOffice {
		return max(1, a/2)
	}
	lo := (a + 1) / 2
	return lo + d.rng.IntN(a+a/2-lo+1)
}

// run drives the rounds, the final syncs and the convergence check.
func (s *sim) run(ctx context.Context) (*summary, error) {
	prog := newProgress(s.opts.progress, s.stdout, s.opts.rounds+1)
	defer prog.finish()

	// In the office, with signal: every tablet takes its first copy.
	if t := s.syncAll(ctx, s.devices); t.errors > 0 {
		for _, d := range s.devices {
			if d.stats.lastErr != nil {
				return nil, fmt.Errorf("first sync of %s: %w", d.label, d.stats.lastErr)
			}
		}
	}
	for _, d := range s.devices {
		d.stats.pulled = 0
	}
	for r := 1; r <= s.opts.rounds; r++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		roundStart := time.Now()
		for _, d := range s.devices {
			if d.acct.role != roleBackOffice && d.online(r) && chance(s.rng, s.opts.offline) {
				d.offlineUntil = r + s.rng.IntN(3)
			}
		}
		var wg sync.WaitGroup
		for _, d := range s.devices {
			n := s.actionsFor(d)
			wg.Add(1)
			go func() {
				defer wg.Done()
				d.work(s.w, r, n)
			}()
		}
		wg.Wait()
		clashes := s.clash()
		var online []*device
		for _, d := range s.devices {
			if d.online(r) {
				online = append(online, d)
			}
		}
		t := s.syncAll(ctx, online)
		line := fmt.Sprintf("round %d/%d: %d online, %d changes pushed (%d applied, %d duplicates, %d rejected), %d pulled, %d concurrent edits, %s",
			r, s.opts.rounds, len(online), t.pushed, t.applied, t.duplicates, t.rejected, t.pulled, clashes, time.Since(roundStart).Round(time.Millisecond))
		if t.errors > 0 {
			line += fmt.Sprintf(", %d syncs failed", t.errors)
		}
		prog.step(fmt.Sprintf("round %d/%d: %d online, %d pushed", r, s.opts.rounds, len(online), t.pushed), line)
	}

	// Everyone back in signal: sync until nothing moves, then compare.
	end := time.Now()
	for _, d := range s.devices {
		d.offlineUntil = 0
	}
	sum := &summary{Devices: len(s.devices), Rounds: s.opts.rounds, Roles: s.roles(), Server: s.url, Incident: s.w.incident}
	quietPasses := func() {
		quiet := 0
		for quiet < 1 || sum.Passes < 2 {
			if sum.Passes >= 10 || ctx.Err() != nil {
				return
			}
			sum.Passes++
			t := s.syncAll(ctx, s.devices)
			if t.pushed == 0 && t.pulled == 0 && t.errors == 0 {
				quiet++
			} else {
				quiet = 0
			}
		}
	}
	quietPasses()
	for attempt := 0; ; attempt++ {
		ok, mismatch, err := s.converged(ctx)
		if err != nil {
			return nil, err
		}
		if ok {
			sum.Converged, sum.Mismatch = true, ""
			sum.TimeToConverge = time.Since(end)
			break
		}
		sum.Mismatch = mismatch
		if attempt == 2 {
			break
		}
		sum.Passes++
		s.syncAll(ctx, s.devices)
	}
	prog.step("converged: "+yesNo(sum.Converged),
		fmt.Sprintf("final sync: %d passes, converged: %s, %s", sum.Passes, yesNo(sum.Converged), time.Since(end).Round(time.Millisecond)))
	return sum, s.tally(ctx, sum)
}

// clash has two social workers work on the same resident without seeing
// each other's work. They change the resident's funding and notes: the
// funding is flagged, so the server raises a conflict; the notes are last
// writer wins. Sometimes both also book the resident a move for the same
// slot: the server applies the first and rejects the second
// (resident_double_placed), which its tablet keeps for the person to see.
func (s *sim) clash() int {
	var sws []*device
	for _, d := range s.devices {
		if d.acct.role == roleSocialWorker {
			sws = append(sws, d)
		}
	}
	if len(sws) < 2 {
		return 0
	}
	pair := func() (*device, *device) {
		i := s.rng.IntN(len(sws))
		j := (i + 1 + s.rng.IntN(len(sws)-1)) % len(sws)
		return sws[i], sws[j]
	}
	n := 1 + s.rng.IntN(2)
	for range n {
		a, b := pair()
		p := pick(s.rng, s.w.residents)
		funding := []string{"la_funded", "nhs_chc", "fnc", "self_funder"}
		x := s.rng.IntN(len(funding))
		y := (x + 1 + s.rng.IntN(len(funding)-1)) % len(funding)
		for k, d := range []*device{a, b} {
			r, err := d.client.Resident(p.id)
			if err != nil {
				d.did("resident funding", err)
				continue
			}
			f := funding[x]
			if k == 1 {
				f = funding[y]
			}
			note := d.noteLine(fmt.Sprintf("Funding confirmed as %s after a call with the placing team.", strings.ReplaceAll(f, "_", " ")))
			_, err = d.client.SaveResident(&continuity.Resident{ID: p.id, FundingStream: f, Notes: appendNote(r.Notes, note)})
			d.did("resident funding", err)
		}
	}
	if chance(s.rng, 0.35) {
		a, b := pair()
		start := workingSlot(s.rng)
		for _, p := range s.w.residents[s.rng.IntN(len(s.w.residents)):] {
			ca, oka := a.movable(s.w, p)
			_, okb := b.movable(s.w, p)
			p.category = ca
			dests := s.w.destinationsFor(p)
			if !oka || !okb || len(dests) == 0 {
				continue
			}
			for _, d := range []*device{a, b} {
				_, err := d.proposeMove(p, pick(s.rng, dests), start)
				d.did("move plan", err)
			}
			n++
			break
		}
	}
	return n
}

// converged compares every device's records with a fresh pull from the
// server.
func (s *sim) converged(ctx context.Context) (bool, string, error) {
	state, err := s.audit.state(ctx)
	if err != nil {
		return false, "", fmt.Errorf("read the server's state: %w", err)
	}
	names := s.reg.Names()
	found := make([][]string, len(s.devices))
	errs := make([]error, len(s.devices))
	var wg sync.WaitGroup
	for i, d := range s.devices {
		wg.Add(1)
		go func() {
			defer wg.Done()
			found[i], errs[i] = s.compare(d, state, names)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return false, "", err
	}
	var problems []string
	for _, f := range found {
		problems = append(problems, f...)
	}
	if len(problems) > 0 {
		msg := problems[0]
		if len(problems) > 1 {
			msg += fmt.Sprintf(" (and %d more problems)", len(problems)-1)
		}
		return false, msg, nil
	}
	return true, "", nil
}

// compare lists how a device differs from the server's state.
func (s *sim) compare(d *device, state map[string]*syncproto.Record, names []string) ([]string, error) {
	var incidents []string
	if !slices.Contains(d.acct.incidents, "*") {
		incidents = d.acct.incidents
	}
	want, err := expectedView(state, s.reg, d.acct.role, incidents)
	if err != nil {
		return nil, err
	}
	got, err := deviceView(d.client, names)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.label, err)
	}
	var problems []string
	if first, n := difference(want, got); n > 0 {
		problems = append(problems, fmt.Sprintf("%s: %d records differ from the server (first: %s)", d.label, n, first))
	}
	n, err := d.client.PendingCount()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.label, err)
	}
	if n > 0 {
		problems = append(problems, fmt.Sprintf("%s: %d changes pending", d.label, n))
	}
	return problems, nil
}

// tally adds up the devices' counts and the server's conflicts.
func (s *sim) tally(ctx context.Context, sum *summary) error {
	sum.Refused, sum.RejectedCodes = map[string]int{}, map[string]int{}
	fleet := map[string]bool{}
	for _, d := range s.devices {
		fleet[d.acct.device] = true
		st := d.stats
		sum.Written += st.written
		sum.Pushed += st.pushed
		sum.Applied += st.applied
		sum.Duplicates += st.duplicates
		sum.Rejected += st.rejected
		sum.SyncErrors += st.syncErrors
		sum.LostAnswers += int(d.net.dropped.Load())
		for k, v := range st.refused {
			sum.Refused[k] += v
		}
		n, err := d.client.PendingCount()
		if err != nil {
			return err
		}
		sum.Pending += n
		rej, err := d.client.RejectedChanges()
		if err != nil {
			return err
		}
		for i := 0; i < rej.Len(); i++ {
			sum.RejectedCodes[rej.At(i).Code]++
		}
	}
	cs, err := s.audit.conflicts(ctx, s.w.incident)
	if err != nil {
		return fmt.Errorf("list conflicts: %w", err)
	}
	for _, c := range cs {
		if c.Status == "open" {
			sum.ConflictsOpen++
		}
		for _, v := range c.Values {
			if fleet[v.DeviceID] {
				sum.ConflictsRaised++
				break
			}
		}
	}
	return nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// codes formats counts by code, most frequent first.
func codes(m map[string]int) string {
	type kv struct {
		k string
		v int
	}
	var xs []kv
	for k, v := range m {
		xs = append(xs, kv{k, v})
	}
	sort.Slice(xs, func(i, j int) bool {
		if xs[i].v != xs[j].v {
			return xs[i].v > xs[j].v
		}
		return xs[i].k < xs[j].k
	})
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%s %d", x.k, x.v)
	}
	return strings.Join(parts, ", ")
}

func (s *sim) printSummary(sum *summary) {
	fmt.Fprintln(s.stdout)
	fmt.Fprintln(s.stdout, "summary")
	tw := tabwriter.NewWriter(s.stdout, 0, 0, 2, ' ', 0)
	row := func(k, format string, args ...any) { fmt.Fprintf(tw, "  %s\t%s\n", k, fmt.Sprintf(format, args...)) }
	row("devices", "%d (%s)", sum.Devices, rolesLine(sum.Roles))
	row("rounds", "%d", sum.Rounds)
	written := fmt.Sprintf("%d", sum.Written)
	if n := total(sum.Refused); n > 0 {
		written += fmt.Sprintf(" (%d more refused on the device: %s)", n, codes(sum.Refused))
	}
	row("changes written", "%s", written)
	row("pushed", "%d", sum.Pushed)
	row("applied", "%d", sum.Applied)
	row("duplicates absorbed", "%d (answers lost on the way back: %d)", sum.Duplicates, sum.LostAnswers)
	rejected := fmt.Sprintf("%d", sum.Rejected)
	if len(sum.RejectedCodes) > 0 {
		rejected += " (" + codes(sum.RejectedCodes) + ")"
	}
	row("rejected", "%s", rejected)
	row("conflicts raised", "%d (open on the server for the incident: %d)", sum.ConflictsRaised, sum.ConflictsOpen)
	if sum.SyncErrors > 0 {
		row("failed syncs", "%d (retried at the next sync)", sum.SyncErrors)
	}
	row("pending", "%d", sum.Pending)
	if sum.Converged {
		row("time to converge", "%s (%d sync passes after the last round)", sum.TimeToConverge.Round(time.Millisecond), sum.Passes)
	} else {
		row("time to converge", "- (not converged after %d sync passes)", sum.Passes)
	}
	row("elapsed", "%s", sum.Elapsed.Round(time.Millisecond))
	row("converged", "%s", yesNo(sum.Converged))
	if !sum.Converged {
		row("difference", "%s", sum.Mismatch)
	}
	tw.Flush()
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
