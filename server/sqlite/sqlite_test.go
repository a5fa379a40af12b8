package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/care/storetest"
	"github.com/continuity-care/continuity/server/sqlite"
)

func TestStore_Conformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Opener {
		path := filepath.Join(t.TempDir(), "continuity.db")
		return func(t *testing.T) care.Store {
			s, err := sqlite.Open(context.Background(), path)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			return s
		}
	})
}

func TestStore_Open(t *testing.T) {
	t.Run("creates folder and migrates", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "nested", "data", "c.db")
		s, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("reopen is idempotent", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "c.db")
		for i := 0; i < 2; i++ {
			s, err := sqlite.Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
		}
	})
	t.Run("unwritable path fails clearly", func(t *testing.T) {
		if _, err := sqlite.Open(context.Background(), "/proc/nope/c.db"); err == nil {
			t.Fatal("want error")
		}
	})
}

func TestStore_EnrolmentCodes(t *testing.T) {
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
	storetest.EnrolmentCodes(t, handles[0], handles[1])
}
