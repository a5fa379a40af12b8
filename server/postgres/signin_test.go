package postgres_test

import (
	"testing"

	"github.com/continuity-care/continuity/server/care/storetest"
)

// TestStore_SignIns runs the council sign-in store checks on two replicas
// sharing one database.
func TestStore_SignIns(t *testing.T) {
	dsn := freshDB(t)
	a, b := open(t, dsn), open(t, dsn)
	defer a.Close()
	defer b.Close()
	storetest.SignIns(t, a, b)
}
