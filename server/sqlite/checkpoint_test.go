package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/sqlite"
	"github.com/google/uuid"
)

// TestStore_Checkpointer checks committed pushes reach the database file
// itself (not only the WAL) without the writer's autocheckpoint, which a
// few small pushes never trigger: the checkpointer copies them.
func TestStore_Checkpointer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "continuity.db")
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	inc := uuid.NewString()
	const n = 5
	for range n {
		fn, _ := appendOne(inc, nil)
		if _, err := s.Write(context.Background(), time.Now(), fn); err != nil {
			t.Fatal(err)
		}
	}
	// immutable=1 reads the database file alone, ignoring the WAL.
	inFile := func() (int, error) {
		file, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&immutable=1")
		if err != nil {
			return 0, err
		}
		defer file.Close()
		var got int
		err = file.QueryRow("SELECT COUNT(*) FROM records WHERE scope = ?", inc).Scan(&got)
		return got, err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := inFile()
		if err == nil && got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the database file holds %d of the %d pushed records (%v): the WAL was not checkpointed", got, n, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
