package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/continuity-care/continuity/server/care/storetest"
	"github.com/continuity-care/continuity/server/sqlite"
)

// TestStore_SignIns runs the council sign-in store checks on two handles on
// one database file.
func TestStore_SignIns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "continuity.db")
	var handles [2]*sqlite.Store
	for i := range handles {
		s, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		handles[i] = s
	}
	storetest.SignIns(t, handles[0], handles[1])
}
