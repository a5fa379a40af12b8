package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/care/storetest"
	"github.com/continuity-care/continuity/server/sqlite"
)

func TestStore_Retention(t *testing.T) {
	path := filepath.Join(t.TempDir(), "continuity.db")
	storetest.Retention(t, func(t *testing.T) care.Store {
		s, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		return s
	})
}
