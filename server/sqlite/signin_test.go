package sqlite_test

import (
	"testing"

	"github.com/continuity-care/continuity/server/care/storetest"
)

// TestStore_SignIns runs the council sign-in store checks on two handles on
// one database file.
func TestStore_SignIns(t *testing.T) {
	_, handles := twoHandles(t)
	storetest.SignIns(t, handles[0], handles[1])
}
