package care

import (
	"runtime"
	"testing"
)

// serialStore is a Store whose writes run on one goroutine; NewSync does
// not call it.
type serialStore struct{ Store }

func (serialStore) SerialWrites() {}

// TestNewSync_Admission checks pushes are admitted to their pre-writer work
// GOMAXPROCS-1 at a time only over a store with a single writer: over a
// store whose writes run concurrently (PostgreSQL) they are not held back.
func TestNewSync_Admission(t *testing.T) {
	if got, want := cap(NewSync(serialStore{}, nil, nil, "n", nil).prep), max(1, runtime.GOMAXPROCS(0)-1); got != want {
		t.Errorf("over a single writer: %d pushes at once, want %d", got, want)
	}
	if s := NewSync(struct{ Store }{}, nil, nil, "n", nil); s.prep != nil {
		t.Errorf("over concurrent writes: pushes limited to %d at once", cap(s.prep))
	}
}
