package cqc_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/cqc"
	"github.com/continuity-care/continuity/server/sqlite"
	"github.com/continuity-care/continuity/syncproto/domain"
	"github.com/continuity-care/continuity/syncproto/schema"
)

func TestImport_Directory(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	sync := care.NewSync(store, domain.Registry(domain.Options{}), time.Now, "server", nil)
	p := care.Principal{Subject: "ada", Role: care.RoleAdmin, DeviceID: "admin-laptop"}
	run := func() cqc.ImportReport {
		f, err := os.Open("../../testdata/cqc/directory.csv")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rep, err := cqc.Import(ctx, sync, p, f)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	first := run()
	if first.Parse.Imported == 0 || len(first.Parse.Errors) == 0 {
		t.Fatalf("report = %+v", first.Parse)
	}
	if first.Rejected != 0 || first.Applied == 0 {
		t.Fatalf("first import: %+v", first)
	}
	t.Run("bad rows reported by line, good rows imported", func(t *testing.T) {
		lines := map[int]bool{}
		for _, e := range first.Parse.Errors {
			lines[e.Line] = true
		}
		for _, l := range []int{7, 8, 11} {
			if !lines[l] {
				t.Errorf("line %d not reported: %+v", l, first.Parse.Errors)
			}
		}
		svc, err := store.Record(ctx, "services", cqc.ServiceRecordID("1-10000000001"))
		if err != nil || svc == nil {
			t.Fatalf("Ashbourne Road not imported: %v", err)
		}
		if got := schema.StringValue(svc, "address"); got != "Flat 1, 2 High Street, Derby" {
			t.Fatalf("quoted comma address = %q", got)
		}
		if got := string(svc.Value("registration_categories")); got != `["nursing","nursing_dementia","physical_disability","residential","residential_dementia"]` {
			t.Fatalf("categories = %s", got)
		}
		prov, _ := store.Record(ctx, "providers", cqc.ProviderRecordID("1-20000000001"))
		if schema.StringValue(prov, "name") != "Ashbourne Road Care Ltd" {
			t.Fatalf("provider = %+v", prov)
		}
	})
	t.Run("re-import of an unchanged file changes nothing", func(t *testing.T) {
		again := run()
		if again.Applied != 0 || again.Unchanged != first.Applied {
			t.Fatalf("second import: %+v", again)
		}
	})
}
