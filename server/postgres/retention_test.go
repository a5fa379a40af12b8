package postgres_test

import (
	"testing"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/care/storetest"
)

func TestStore_Retention(t *testing.T) {
	dsn := freshDB(t)
	storetest.Retention(t, func(t *testing.T) care.Store { return open(t, dsn) })
}
