package continuity

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/continuity-care/continuity/server/postgres/pgtest"
	"github.com/continuity-care/continuity/syncproto"
)

// restoreTarget is a database a test server runs on, with the operator's
// way to back it up and to put the backup back.
type restoreTarget struct {
	db      func(t *testing.T, dir string) string
	backup  func(t *testing.T, s *serverProc, to string)
	restore func(t *testing.T, s *serverProc, from string)
}

var restoreTargets = map[string]restoreTarget{
	// SQLite: 'server backup' while the server runs, 'server restore
	// --replace' while it is stopped (which gives the file a new epoch).
	"sqlite": {
		db: func(t *testing.T, dir string) string { return filepath.Join(dir, "data", "continuity.db") },
		backup: func(t *testing.T, s *serverProc, to string) {
			s.run(t, "backup", "--to", to)
		},
		restore: func(t *testing.T, s *serverProc, from string) {
			s.run(t, "restore", "--from", from, "--replace")
		},
	},
	// PostgreSQL: a point-in-time recovery needs a cluster of its own, which
	// a test sharing one PostgreSQL server cannot stop and rewind. This
	// emulates one: pg_dump of the test's schema while the server runs is
	// the state the recovery would bring back; after the server stops, the
	// schema is dropped and pg_restore puts that state back, so the log is
	// rolled back to the dump as PITR would roll it back. Then, as
	// docs/operations.md tells the operator after any PostgreSQL restore,
	// 'server epoch new'. (The dump carries the old epoch, as a PITR does.)
	"postgres": {
		db: func(t *testing.T, dir string) string {
			if _, err := exec.LookPath("pg_dump"); err != nil {
				t.Skip("pg_dump is not installed")
			}
			return pgtest.FreshDSN(t)
		},
		backup: func(t *testing.T, s *serverProc, to string) {
			pgTool(t, "pg_dump", "--format=custom", "--no-owner", "--schema="+schemaOf(t, s.db), "--file="+to, pgtest.BaseDSN(t))
		},
		restore: func(t *testing.T, s *serverProc, from string) {
			ctx := context.Background()
			conn, err := pgx.Connect(ctx, pgtest.BaseDSN(t))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			if _, err := conn.Exec(ctx, "DROP SCHEMA "+schemaOf(t, s.db)+" CASCADE"); err != nil {
				t.Fatal(err)
			}
			pgTool(t, "pg_restore", "--no-owner", "--dbname="+pgtest.BaseDSN(t), from)
			s.run(t, "epoch", "new")
		},
	},
}

func schemaOf(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil || u.Query().Get("search_path") == "" {
		t.Fatalf("no schema in %q: %v", dsn, err)
	}
	return u.Query().Get("search_path")
}

func pgTool(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
}

// freeAddr returns a loopback address with a free port, so a server can be
// started again where its devices look for it.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestClient_SyncAfterRestore: the server is restored from a backup taken
// before its devices pulled past it, and new changes then reuse the log
// positions the devices had already seen (seven new residents, as in the
// report where a device received two of them and believed it was up to
// date). Every device ends with every change: it is told its cursor is from
// before the restore, pushes again what it wrote since the backup (its
// outbox kept), and syncs from the start; a fresh pull from the server then
// equals each device's records, on SQLite and on PostgreSQL.
func TestClient_SyncAfterRestore(t *testing.T) {
	bin := realServer(t).bin
	for name, target := range restoreTargets {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			s := &serverProc{dir: dir, bin: bin}
			s.db = target.db(t, dir)
			addr := freeAddr(t)
			if err := s.launch(addr); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(s.halt)
			incident := newID()
			scope := "incident:" + incident
			a := s.device(t, "ann", "social_worker", "tab-a", nil, scope)
			b := s.device(t, "ben", "social_worker", "tab-b", nil, scope)
			w := s.device(t, "wes", "social_worker", "tab-w", nil, scope)

			before := []string{mustResident(t, a, incident, "Edith", "Barlow"), mustResident(t, a, incident, "Margaret", "Hale"),
				mustResident(t, a, incident, "Arthur", "Penn")}
			for _, d := range []*Client{a, b, w} {
				mustSync(t, d)
			}
			backup := filepath.Join(dir, "before.backup")
			target.backup(t, s, backup)

			// The interval the restore will lose: A and B write, push and
			// pull past the backup; A pulls B's writes too.
			lostA := []string{mustResident(t, a, incident, "Doris", "Webb"), mustResident(t, a, incident, "Frank", "Ellis")}
			mustSync(t, a)
			mustSync(t, b)
			lostB := mustResident(t, b, incident, "Grace", "Okafor")
			if _, err := b.SaveResident(&Resident{ID: before[0], Room: "7"}); err != nil {
				t.Fatal(err)
			}
			lostCheck, err := b.RecordCheck(&SafeAndWellCheck{ResidentID: before[2], Outcome: "safe_and_well"})
			if err != nil {
				t.Fatal(err)
			}
			// Offline work B has not pushed yet: the outbox must survive.
			mustSync(t, b)
			mustSync(t, a)
			pendingB := mustResident(t, b, incident, "Harold", "Singh")
			// A tablet enrolled in the lost interval, with a change not sent.
			s.run(t, "user", "add", "--sub", "liz", "--role", "social_worker")
			s.run(t, "scope", "grant", "--sub", "liz", "--incident", incident)
			var enrolled struct {
				RefreshToken string `json:"refresh_token"`
			}
			out := s.run(t, "device", "enrol", "--sub", "liz", "--device", "tab-late")
			if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &enrolled); err != nil {
				t.Fatalf("device enrol: %q: %v", out, err)
			}
			late, _ := openClient(t, nil)
			if err := late.EnrolWithRefreshToken(s.url, "tab-late", enrolled.RefreshToken); err != nil {
				t.Fatal(err)
			}
			mustSync(t, late)
			mustResident(t, late, incident, "Late", "Unsent")

			s.halt()
			target.restore(t, s, backup)
			if err := s.launch(addr); err != nil {
				t.Fatal(err)
			}

			// Seven new residents reuse the log positions A and B had seen.
			var fresh []string
			for i := range 7 {
				fresh = append(fresh, mustResident(t, w, incident, "New", "Resident"+string(rune('A'+i))))
			}
			mustSync(t, w)

			if _, err := late.Sync(); !errors.Is(err, ErrReenrolRequired) || !errors.Is(err, ErrUnauthorized) || ErrorCode(err) != syncproto.CodeReenrolRequired {
				t.Fatalf("sync of a device enrolled after the backup: %v, want ErrReenrolRequired", err)
			}
			if n, _ := late.PendingCount(); n != 1 {
				t.Fatalf("the re-enrolment case dropped the outbox: %d pending, want 1", n)
			}

			repA := mustSync(t, a)
			if !repA.Reset || repA.Requeued == 0 {
				t.Fatalf("A's first sync after the restore: %+v, want a reset that queued its own changes again", repA)
			}
			for round := 0; round < 2; round++ {
				for _, d := range []*Client{a, b, w} {
					mustSync(t, d)
				}
			}

			want := map[string]bool{}
			for _, id := range append(append(append(before[:3:3], lostA...), lostB, pendingB), fresh...) {
				want[id] = true
			}
			checker := s.token(t, "chk", "social_worker", "tab-chk", scope)
			_, server := s.pullAll(t, checker)
			for _, d := range []*Client{a, b, w} {
				if n, _ := d.PendingCount(); n != 0 {
					t.Fatalf("%s still has %d pending changes", d.DeviceID(), n)
				}
				l, err := d.ResidentsOf(incident)
				if err != nil {
					t.Fatal(err)
				}
				got := map[string]bool{}
				for i := range l.Len() {
					got[l.At(i).ID] = true
				}
				for id := range want {
					if !got[id] {
						t.Errorf("%s lacks resident %s after the restore (has %d of %d)", d.DeviceID(), id, len(got), len(want))
					}
				}
				if len(got) != len(want) {
					t.Errorf("%s has %d residents, want %d", d.DeviceID(), len(got), len(want))
				}
				if err := sameRecords(server, viewRecords(t, d, "records")); err != nil {
					t.Fatalf("a fresh pull from the server and %s differ: %v", d.DeviceID(), err)
				}
			}
			if r, err := a.Resident(before[0]); err != nil || r.Room != "7" {
				t.Fatalf("B's lost edit of Edith's room did not come back: %+v %v", r, err)
			}
			if l, err := a.ChecksOf(before[2]); err != nil || l.Len() != 1 || l.At(0).ID != lostCheck {
				t.Fatalf("B's lost check did not come back to A: %v", err)
			}
		})
	}
}
