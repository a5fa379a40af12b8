package continuity

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/continuity-care/continuity/syncproto"
)

// The child process of TestClient_KilledMidPush is told what to do through
// these variables.
const (
	pushKillDB       = "CONTINUITY_PUSHKILL_DB"
	pushKillIncident = "CONTINUITY_PUSHKILL_INCIDENT"
	pushKillChecks   = "CONTINUITY_PUSHKILL_CHECKS"
	pushKillBatch    = "CONTINUITY_PUSHKILL_BATCH"
)

// pushKillResidents is how many residents the child's checks are spread over.
const pushKillResidents = 20

// TestHelperProcess is the child of TestClient_KilledMidPush. On an enrolled
// tablet database it records residents and many safe-and-well checks,
// printing "saved COLLECTION ID" once each call has returned, then the
// outbox as "change CHANGE_ID COLLECTION RECORD_ID", then "pushing", and
// syncs. The parent kills it with SIGKILL while it pushes.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(pushKillDB)
	if path == "" {
		t.Skip("runs only as TestClient_KilledMidPush's child process")
	}
	fail := func(err error) {
		fmt.Println("error", err)
		os.Exit(1)
	}
	checks, _ := strconv.Atoi(os.Getenv(pushKillChecks))
	batch, _ := strconv.Atoi(os.Getenv(pushKillBatch))
	c, err := Open(&Config{DBPath: path, PushBatchSize: batch})
	if err != nil {
		fail(err)
	}
	out := bufio.NewWriter(os.Stdout)
	incident := os.Getenv(pushKillIncident)
	residents := make([]string, pushKillResidents)
	last := make([]string, pushKillResidents)
	for i := range residents {
		id, err := c.SaveResident(&Resident{IncidentID: incident, GivenName: fmt.Sprint("Resident", i), FamilyName: "Larkfield", Room: strconv.Itoa(i + 1)})
		if err != nil {
			fail(err)
		}
		residents[i] = id
		fmt.Fprintln(out, "saved", CollectionResidents, id)
	}
	outcomes := []string{"safe_and_well", "safe_and_well", "concerns", "not_seen"}
	for i := range checks {
		r := i % len(residents)
		id, err := c.RecordCheck(&SafeAndWellCheck{
			ResidentID: residents[r], Outcome: outcomes[i%len(outcomes)], PreviousCheckID: last[r],
			VisitorName: "Kim Ashdown", Observations: fmt.Sprintf("round %d of the night checks", i/len(residents)+1),
		})
		if err != nil {
			fail(err)
		}
		last[r] = id
		fmt.Fprintln(out, "saved", CollectionSafeAndWellChecks, id)
	}
	es, err := outboxEntries(c.ctx, c.st.db, outboxPending, 0)
	if err != nil {
		fail(err)
	}
	for _, e := range es {
		fmt.Fprintln(out, "change", e.change.ID, e.change.Collection, e.change.RecordID)
	}
	fmt.Fprintln(out, "pushing")
	if err := out.Flush(); err != nil {
		fail(err)
	}
	rep, err := c.Sync()
	if err != nil {
		fail(err)
	}
	fmt.Printf("synced %+v\n", *rep)
	os.Exit(0)
}

// pushedOnServer sums the server's continuity_push_changes_total counters:
// changes pushed to it, whatever their outcome.
func pushedOnServer(t *testing.T, base string) int {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	defer resp.Body.Close()
	total := 0.0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "continuity_push_changes_total{") {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		total += v
	}
	return int(total)
}

// pullCursor pulls until the server has nothing more and returns the cursor:
// later pulls from it return the change log from here on.
func (s *serverProc) pullCursor(t *testing.T, token string) string {
	t.Helper()
	cursor := ""
	for {
		q := url.Values{"limit": {"1000"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page syncproto.PullResponse
		s.get(t, token, "/v1/sync/pull", q, &page)
		cursor = page.Cursor
		if !page.HasMore {
			return cursor
		}
	}
}

// pullFrom returns the changes logged after cursor.
func (s *serverProc) pullFrom(t *testing.T, token, cursor string) []syncproto.Change {
	t.Helper()
	var all []syncproto.Change
	for {
		q := url.Values{"limit": {"1000"}, "cursor": {cursor}}
		var page syncproto.PullResponse
		s.get(t, token, "/v1/sync/pull", q, &page)
		all = append(all, page.Changes...)
		cursor = page.Cursor
		if !page.HasMore {
			return all
		}
	}
}

// TestClient_KilledMidPush: a tablet whose app process is killed (SIGKILL,
// not a cancelled context) while it pushes a long outbox restarts and
// completes the sync with no change lost and none applied twice.
func TestClient_KilledMidPush(t *testing.T) {
	srv := realServer(t)
	const checks, batch = 2000, 200
	total := pushKillResidents + checks
	points := []struct {
		name string
		// after is how many changes the server must have received before
		// the kill (0: kill as soon as the push starts); jitter adds a
		// random delay on top.
		after  int
		jitter time.Duration
	}{
		{"early, as the push starts", 0, 15 * time.Millisecond},
		{"once the first batch reached the server", batch, 5 * time.Millisecond},
		{"midway through the batches", total / 2, 5 * time.Millisecond},
	}
	for _, kp := range points {
		t.Run(kp.name, func(t *testing.T) {
			incident, sfx := newID(), short()
			device := "tab-kill-" + sfx
			path := filepath.Join(t.TempDir(), "tablet.db")
			c, err := Open(&Config{DBPath: path})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.EnrolWithAccessToken(srv.url, srv.token(t, "kim-"+sfx, "social_worker", device, "incident:"+incident)); err != nil {
				t.Fatal(err)
			}
			c.Close()
			backTok := srv.token(t, "bo-"+sfx, "back_office", "tab-bo-"+sfx, "incident:"+incident)
			cursor := srv.pullCursor(t, backTok)

			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
			cmd.Env = append(os.Environ(), pushKillDB+"="+path, pushKillIncident+"="+incident,
				pushKillChecks+"="+strconv.Itoa(checks), pushKillBatch+"="+strconv.Itoa(batch))
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr lockedBuffer
			cmd.Stderr = &stderr
			base := pushedOnServer(t, srv.metricsURL)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			killed := false
			defer func() {
				if !killed {
					cmd.Process.Kill()
					cmd.Wait()
				}
			}()

			// Read what the child saved, up to the start of its push.
			saved := map[string]string{}    // record id → collection
			changeOf := map[string]string{} // record id → change id
			changes := map[string]bool{}
			sc := bufio.NewScanner(stdout)
			pushing := false
			deadline := time.Now().Add(2 * time.Minute)
			for !pushing && sc.Scan() {
				if time.Now().After(deadline) {
					t.Fatal("the child took over two minutes to record its changes")
				}
				f := strings.Fields(sc.Text())
				switch {
				case len(f) == 3 && f[0] == "saved":
					saved[f[2]] = f[1]
				case len(f) == 4 && f[0] == "change":
					if changes[f[1]] {
						t.Fatalf("change %s is twice in the outbox", f[1])
					}
					if _, dup := changeOf[f[3]]; dup {
						t.Fatalf("record %s has two changes in the outbox", f[3])
					}
					changes[f[1]], changeOf[f[3]] = true, f[1]
				case len(f) == 1 && f[0] == "pushing":
					pushing = true
				default:
					t.Fatalf("child: %s\n%s", sc.Text(), stderr.String())
				}
			}
			if !pushing {
				t.Fatalf("the child stopped before pushing: %v\n%s", sc.Err(), stderr.String())
			}
			if len(saved) != total || len(changes) != total {
				t.Fatalf("child saved %d records with %d queued changes, want %d", len(saved), len(changes), total)
			}
			for id := range saved {
				if changeOf[id] == "" {
					t.Fatalf("record %s was saved but has no queued change", id)
				}
			}

			// The rest of the child's output: "synced" or "error" if its sync
			// ended before the kill.
			var rest lockedBuffer
			childDone := make(chan struct{})
			go func() {
				defer close(childDone)
				for sc.Scan() {
					rest.Write([]byte(sc.Text() + "\n"))
				}
			}()

			// Kill it (SIGKILL: no deferred code, no clean close) at the
			// chosen point of its push.
			waitUntil := time.Now().Add(time.Minute)
		wait:
			for kp.after > 0 && pushedOnServer(t, srv.metricsURL)-base < kp.after {
				select {
				case <-childDone:
					break wait
				default:
				}
				if time.Now().After(waitUntil) {
					t.Fatalf("the server received only %d changes in a minute; child: %s\n%s", pushedOnServer(t, srv.metricsURL)-base, rest.String(), stderr.String())
				}
				time.Sleep(time.Millisecond)
			}
			time.Sleep(time.Duration(rand.Int64N(int64(kp.jitter))))
			if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
				t.Fatal(err)
			}
			cmd.Wait()
			killed = true
			<-childDone
			received := pushedOnServer(t, srv.metricsURL) - base
			if strings.HasPrefix(rest.String(), "error") {
				t.Fatalf("child: %s", rest.String())
			}

			// The app starts again on the same database and syncs.
			c2, err := Open(&Config{DBPath: path})
			if err != nil {
				t.Fatalf("reopen after the kill: %v", err)
			}
			defer c2.Close()
			left, err := c2.PendingCount()
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(rest.String(), "synced") {
				t.Logf("the child finished its push before the kill landed: %s", rest.String())
			}
			rep, err := c2.Sync()
			if err != nil {
				t.Fatalf("sync after restart: %v", err)
			}
			t.Logf("killed when the server had counted %d of %d changes pushed; on restart %d were pending: %d applied, %d duplicates, %d rejected",
				received, total, left, rep.Applied, rep.Duplicates, rep.Rejected)
			if rep.Applied+rep.Duplicates != left || rep.Rejected != 0 {
				t.Fatalf("restart sync = %+v for %d pending changes", *rep, left)
			}
			if n, _ := c2.PendingCount(); n != 0 {
				t.Fatalf("%d changes still pending", n)
			}
			if rej, _ := c2.RejectedChanges(); rej.Len() != 0 {
				t.Fatalf("%d changes rejected, first %+v", rej.Len(), *rej.At(0))
			}

			// The server's log has each saved change exactly once, and
			// nothing else for the incident.
			logged := map[string]int{}
			for _, ch := range srv.pullFrom(t, backTok, cursor) {
				if ch.Collection == CollectionResidents || ch.Collection == CollectionSafeAndWellChecks {
					logged[ch.ID]++
					if changeOf[ch.RecordID] != ch.ID {
						t.Fatalf("the server logged change %s of %s %s, which the child did not save", ch.ID, ch.Collection, ch.RecordID)
					}
				}
			}
			for id := range changes {
				switch n := logged[id]; {
				case n == 0:
					t.Fatalf("change %s was saved but never reached the server", id)
				case n > 1:
					t.Fatalf("change %s was applied %d times", id, n)
				}
			}
			if len(logged) != total {
				t.Fatalf("the server logged %d changes, want %d", len(logged), total)
			}
			// Each record's audited history has its one change, for a
			// sample of records.
			ids := make([]string, 0, len(saved))
			for id := range saved {
				ids = append(ids, id)
			}
			for i := 0; i < 12; i++ {
				id := ids[rand.IntN(len(ids))]
				var h struct {
					History []struct {
						Change syncproto.Change `json:"change"`
					} `json:"history"`
				}
				srv.get(t, backTok, "/v1/records/"+saved[id]+"/"+id+"/history", nil, &h)
				if len(h.History) != 1 || h.History[0].Change.ID != changeOf[id] {
					t.Fatalf("history of %s %s has %d entries, want its one change %s", saved[id], id, len(h.History), changeOf[id])
				}
			}

			// The restarted tablet holds what the server holds.
			_, server := srv.pullAll(t, backTok)
			server = incidentRecords(server, incident, nil)
			local := incidentRecords(viewRecords(t, c2, "records"), incident, nil)
			if len(local) != total {
				t.Fatalf("the tablet holds %d records of the incident, want %d", len(local), total)
			}
			if err := sameRecords(server, local); err != nil {
				t.Fatalf("the server and the restarted tablet differ: %v", err)
			}
		})
	}
}
