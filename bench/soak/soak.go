package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/continuity-care/continuity/syncproto"
)

// killEvent is one kill -9 of the server: when, and when the restarted
// server answered /readyz again.
type killEvent struct {
	at, ready time.Time
}

// results is everything a soak measured.
type results struct {
	opts                options
	socialWorkers       int
	transport           int
	started, ended      time.Time
	kills               []killEvent
	crashes             int
	crashLog            []string
	sent                int
	applied, duplicates int
	rejected            map[string]int
	firstRejected       map[string]string
	refused             int
	unacked             int
	cursorResets        int
	lockedOut           int
	check               check
	verifyErr           error
	pulledPages         int
	counters            counters
	peakRSS             int64
	// runServerCPU and runSelfCPU are the CPU time the server and the
	// soak itself (devices, HTTP clients) used during the run and drain.
	runServerCPU, runSelfCPU time.Duration
	// timeline is the CPU use each second of the run.
	timeline         []cpuSample
	serverErrorLines []string
	workDir          string
	// hostile is what the hostile cases measured, when run.
	hostile []hostileCase
}

// serverErrors counts 5xx responses.
func (r *results) serverErrors() int {
	n := 0
	for st, c := range r.counters.statuses {
		if st >= 500 {
			n += c
		}
	}
	return n
}

// failures lists why the soak failed; empty when it passed.
func (r *results) failures() []string {
	var f []string
	if r.verifyErr != nil {
		f = append(f, "the final pull failed: "+r.verifyErr.Error())
	}
	if r.check.lost > 0 {
		f = append(f, fmt.Sprintf("%d acknowledged changes are not in the log", r.check.lost))
	}
	if r.check.altered > 0 {
		f = append(f, fmt.Sprintf("%d acknowledged changes are in the log with other content", r.check.altered))
	}
	if n := r.serverErrors(); n > 0 {
		f = append(f, fmt.Sprintf("%d responses were 5xx", n))
	}
	if n := r.counters.statuses[-1]; n > 0 {
		f = append(f, fmt.Sprintf("%d 200 responses could not be read", n))
	}
	if r.crashes > 0 {
		f = append(f, fmt.Sprintf("the server exited %d times without being killed", r.crashes))
	}
	for _, h := range r.hostile {
		if h.limit > 0 && h.growth() > h.limit {
			f = append(f, fmt.Sprintf("%s grew the server's resident set by %.1f MiB (at most %d MiB)", h.name, float64(h.growth())/(1<<20), h.limit>>20))
		}
		if n := h.statuses[http.StatusInternalServerError] + h.statuses[http.StatusBadGateway]; n > 0 {
			f = append(f, fmt.Sprintf("%s: %d answers were 500", h.name, n))
		}
	}
	if r.check.acked == 0 && r.verifyErr == nil {
		f = append(f, "no change was acknowledged: the soak did not exercise the server")
	}
	return f
}

// soak runs one soak: build and start the server, enrol the devices, run
// them while killing the server, verify, and stop the server.
func soak(ctx context.Context, opts options) (*results, error) {
	res := &results{opts: opts, rejected: map[string]int{}, firstRejected: map[string]string{}, counters: newCounters()}
	w, err := loadWorld(filepath.Join(opts.Repo, opts.Scenario))
	if err != nil {
		return nil, err
	}
	binDir, err := os.MkdirTemp("", "continuity-soak-bin-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(binDir)
	opts.progressf("building ./server")
	bin, err := buildServer(ctx, opts.Repo, binDir)
	if err != nil {
		return nil, err
	}
	dir := opts.DB
	if dir == "" {
		if dir, err = os.MkdirTemp("", "continuity-soak-db-"); err != nil {
			return nil, err
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	res.workDir = dir
	srv, err := newChild(opts.Repo, bin, filepath.Join(dir, "continuity.db"), filepath.Join(opts.Repo, opts.Scenario), filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	opts.progressf("starting the server on %s (database %s, log %s)", srv.url, srv.db, srv.logPath)
	if err := srv.start(ctx, true); err != nil {
		return nil, err
	}
	defer srv.kill()
	rssCtx, stopRSS := context.WithCancel(ctx)
	rssDone := make(chan struct{})
	go func() { srv.watch(rssCtx); close(rssDone) }()
	defer stopRSS()

	live := &liveCounters{}
	devices, ver, err := enrol(ctx, opts, srv, w, live)
	if err != nil {
		return nil, err
	}
	for _, d := range devices {
		if d.author.role == roleTransport {
			res.transport++
		} else {
			res.socialWorkers++
		}
	}
	opts.progressf("enrolled %d devices; the verifier pulled the starting state", len(devices))

	// The run: devices until end, then a drain; kills spread over the run.
	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	res.started = time.Now()
	cpu0, selfCPU0 := srv.cpuTotal(), selfCPU()
	end := res.started.Add(opts.Duration)
	drainEnd := end.Add(opts.Drain)
	var wg sync.WaitGroup
	for _, d := range devices {
		wg.Go(func() { d.run(runCtx, end, drainEnd) })
	}
	killerErr := make(chan error, 1)
	devicesDone := make(chan struct{})
	go func() { wg.Wait(); close(devicesDone) }()
	go func() { killerErr <- killer(runCtx, opts, srv, res, devicesDone) }()
	progressDone := make(chan struct{})
	go func() { progressLoop(runCtx, opts, live, res.started, devicesDone); close(progressDone) }()
	scraper := newClient("http://"+srv.metricsAddr, tokenPair{}, live) // the metrics listener
	scrapeDone := make(chan struct{})
	go func() { scrape(runCtx, opts.Scrape, scraper, devicesDone); close(scrapeDone) }()
	timelineDone := make(chan []cpuSample, 1)
	go func() { timelineDone <- cpuTimeline(runCtx, srv, devicesDone) }()
	wg.Wait()
	if err := <-killerErr; err != nil {
		cancelRun()
		return nil, err
	}
	<-progressDone
	<-scrapeDone
	res.counters.add(scraper.c)
	res.timeline = <-timelineDone
	res.ended = time.Now()
	srv.sample()
	res.runServerCPU, res.runSelfCPU = srv.cpuTotal()-cpu0, selfCPU()-selfCPU0
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}

	// Tally the devices.
	ackedAll := map[string]acked{}
	sentIDs := map[string]bool{}
	for _, d := range devices {
		res.sent += d.sent
		res.refused += d.refused
		res.unacked += len(d.outbox)
		res.cursorResets += d.resets
		if d.cl.c.lockedOut {
			res.lockedOut++
		}
		for id, a := range d.acked {
			ackedAll[id] = a
			if a.status == syncproto.StatusApplied {
				res.applied++
			} else {
				res.duplicates++
			}
			sentIDs[id] = true
		}
		for _, p := range d.outbox {
			sentIDs[p.change.ID] = true
		}
		for code, n := range d.rejected {
			res.rejected[code] += n
			if _, ok := res.firstRejected[code]; !ok {
				res.firstRejected[code] = d.firstRej[code]
			}
		}
		res.counters.add(d.cl.c)
	}

	// Verify: the change log from the verifier's starting cursor.
	if err := srv.ensureRunning(ctx); err != nil {
		return nil, err
	}
	opts.progressf("verifying: pulling the change log as %s", ver.cl.tokens.DeviceID)
	log, pages, err := ver.pullAll(ctx)
	res.pulledPages = pages
	if err != nil {
		res.verifyErr = err
	} else {
		res.check = compare(ackedAll, sentIDs, log)
	}
	stopRSS()
	<-rssDone
	srv.mu.Lock()
	res.peakRSS = srv.peakRSS
	srv.mu.Unlock()
	// The hostile cases run last, on the server the run left, so that the
	// run's own peak RSS is not theirs; each measures its own growth.
	if opts.Hostile && ctx.Err() == nil {
		if err := srv.ensureRunning(ctx); err != nil {
			return nil, err
		}
		d := devices[len(devices)-1]
		res.hostile = hostileRuns(ctx, opts, srv, d.cl.tokens.DeviceID, d.cl.tokens.AccessToken)
	}
	srv.stop()
	srv.mu.Lock()
	res.crashes, res.crashLog = srv.crashes, srv.crashLog
	srv.mu.Unlock()
	if res.serverErrors() > 0 || res.crashes > 0 {
		res.serverErrorLines = srv.logLines(20, "level=ERROR", "panic", "fatal")
	}
	return res, nil
}

// killer kills the server with SIGKILL at random moments spread over the
// run (one in each of Kills equal slots of its middle 90%) and restarts it at
// once on the same database and port. It also restarts a server that died on
// its own, until the devices are done.
func killer(ctx context.Context, opts options, srv *child, res *results, devicesDone <-chan struct{}) error {
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), 0x6b696c6c))
	start := res.started
	span := float64(opts.Duration) * 0.9
	var lastReady time.Time
	for i := range opts.Kills {
		slot := (float64(i) + rng.Float64()) / float64(opts.Kills)
		at := start.Add(time.Duration(float64(opts.Duration)*0.05 + span*slot))
		// Let each restarted server serve for a moment before the next kill.
		at = maxTime(at, lastReady.Add(300*time.Millisecond))
		if !watchUntil(ctx, srv, at) {
			return ctx.Err()
		}
		ev := killEvent{at: srv.kill()}
		if err := srv.start(ctx, false); err != nil {
			return fmt.Errorf("restart after kill %d: %w", i+1, err)
		}
		ev.ready = time.Now()
		lastReady = ev.ready
		res.kills = append(res.kills, ev)
		opts.progressf("kill %d/%d at %.1fs: server back after %s", i+1, opts.Kills, ev.at.Sub(start).Seconds(), ev.ready.Sub(ev.at).Round(time.Millisecond))
	}
	for {
		select {
		case <-devicesDone:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
			if err := srv.ensureRunning(ctx); err != nil {
				return err
			}
		}
	}
}

// watchUntil waits until t, restarting a server that died on its own.
func watchUntil(ctx context.Context, srv *child, t time.Time) bool {
	for time.Now().Before(t) {
		if err := srv.ensureRunning(ctx); err != nil {
			return false
		}
		if !sleepUntil(ctx, minTime(t, time.Now().Add(100*time.Millisecond))) {
			return false
		}
	}
	return ctx.Err() == nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// cpuSample is the CPU use (in cores) during one second of the run: the
// whole machine (every process, including other work on a shared machine),
// the server, and the soak itself.
type cpuSample struct {
	at                    time.Time
	machine, server, self float64
	machineKnown          bool
}

// cpuTimeline samples CPU use every second until the devices are done.
func cpuTimeline(ctx context.Context, srv *child, done <-chan struct{}) []cpuSample {
	var out []cpuSample
	prevAt := time.Now()
	prevBusy, _, known := machineCPU()
	srv.sample()
	prevSrv, prevSelf := srv.cpuTotal(), selfCPU()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return out
		case <-done:
			return out
		case <-t.C:
		}
		now := time.Now()
		busy, _, ok := machineCPU()
		srv.sample()
		cur, self := srv.cpuTotal(), selfCPU()
		wall := now.Sub(prevAt).Seconds()
		out = append(out, cpuSample{at: now, machine: (busy - prevBusy).Seconds() / wall, server: (cur - prevSrv).Seconds() / wall,
			self: (self - prevSelf).Seconds() / wall, machineKnown: ok && known})
		prevAt, prevBusy, prevSrv, prevSelf, known = now, busy, cur, self, ok
	}
}

// scrape fetches GET /metrics every interval (never when it is 0) until
// the devices are done; a monitoring system does this all day.
func scrape(ctx context.Context, every time.Duration, cl *client, done <-chan struct{}) {
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-done:
			return
		case <-t.C:
			cl.do(ctx, http.MethodGet, "/metrics", nil)
		}
	}
}

// progressLoop prints a line every 5 seconds while the devices run.
func progressLoop(ctx context.Context, opts options, live *liveCounters, start time.Time, done <-chan struct{}) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-done:
			return
		case <-t.C:
			opts.progressf("%5.1fs: %d requests, %d changes recorded, %d acknowledged, %d connection errors, %d 5xx",
				time.Since(start).Seconds(), live.requests.Load(), live.sent.Load(), live.acked.Load(), live.connErrors.Load(), live.serverErrors.Load())
		}
	}
}

// add adds another client's tallies.
func (c *counters) add(o counters) {
	c.requests += o.requests
	c.connErrors += o.connErrors
	c.refreshes += o.refreshes
	for st, n := range o.statuses {
		c.statuses[st] += n
	}
	for st, m := range o.firstError {
		if _, ok := c.firstError[st]; !ok {
			c.firstError[st] = m
		}
	}
	c.pushes = append(c.pushes, o.pushes...)
	c.pulls = append(c.pulls, o.pulls...)
}

// enrol makes the devices and the verifier: admin tokens from the server's
// own `token` command, then users, scopes and devices through the admin API
// (several admin devices, so the setup stays under the per-device rate
// limit), as a council's admin would.
func enrol(ctx context.Context, opts options, srv *child, w *world, live *liveCounters) ([]*device, *verifier, error) {
	tag := strconv.FormatInt(time.Now().UnixMilli()%1e9, 36)
	const perAdmin = 150 // 3 requests each: 450 of the 600 a minute one device may make
	nAdmins := (opts.Devices+1)/perAdmin + 1
	admins := make([]*client, nAdmins)
	for i := range admins {
		sub := fmt.Sprintf("soak-%s-admin-%d", tag, i+1)
		out, err := srv.command(ctx, "token", "--sub", sub, "--role", "admin", "--device", sub, "--ttl", "24h")
		if err != nil {
			return nil, nil, err
		}
		admins[i] = newClient(srv.url, tokenPair{AccessToken: strings.TrimSpace(string(out))}, &liveCounters{})
	}
	account := func(admin *client, sub, role, name, incident string) (tokenPair, error) {
		if err := admin.postJSON(ctx, "/v1/admin/users", map[string]string{"subject": sub, "role": role, "name": name}, nil); err != nil {
			return tokenPair{}, err
		}
		if err := admin.postJSON(ctx, "/v1/admin/scopes", map[string]string{"subject": sub, "incident_id": incident}, nil); err != nil {
			return tokenPair{}, err
		}
		var p tokenPair
		if err := admin.postJSON(ctx, "/v1/admin/devices", map[string]string{"subject": sub, "device_id": sub + "-tab"}, &p); err != nil {
			return tokenPair{}, err
		}
		if p.AccessToken == "" || p.RefreshToken == "" {
			return tokenPair{}, errors.New("the admin API enrolled a device but returned no token pair")
		}
		return p, nil
	}

	// The verifier: back office, every incident.
	vsub := fmt.Sprintf("soak-%s-verifier", tag)
	vp, err := account(admins[0], vsub, "back_office", "Soak verifier", "*")
	if err != nil {
		return nil, nil, fmt.Errorf("enrol the verifier: %w", err)
	}
	ver := &verifier{cl: newClient(srv.url, vp, &liveCounters{})}
	ver.cl.timeout = 5 * time.Minute
	if _, _, err := ver.pullAll(ctx); err != nil {
		return nil, nil, fmt.Errorf("the verifier's initial sync: %w", err)
	}

	transport := int(float64(opts.Devices)*opts.Transport + 0.5)
	if opts.Devices > 1 && opts.Transport > 0 {
		transport = max(transport, 1)
	}
	devices := make([]*device, opts.Devices)
	errs := make([]error, opts.Devices)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range devices {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			role, label := roleSocialWorker, "sw"
			name := fmt.Sprintf("Social Worker %d", i+1)
			if i < transport {
				role, label = roleTransport, "tc"
				name = fmt.Sprintf("Transport Coordinator %d", i+1)
			}
			sub := fmt.Sprintf("soak-%s-%s-%04d", tag, label, i+1)
			p, err := account(admins[(i+1)/perAdmin], sub, role, name, w.incident)
			if err != nil {
				errs[i] = fmt.Errorf("enrol %s: %w", sub, err)
				return
			}
			rng := rand.New(rand.NewPCG(uint64(opts.Seed), uint64(i)))
			a := &author{w: w, role: role, name: name, clock: syncproto.NewClock(p.DeviceID, nil), rng: rng}
			devices[i] = newDevice(p.DeviceID, a, newClient(srv.url, p, live), rng, opts)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	return devices, ver, nil
}
