package sqlite

import (
	"context"
	"time"

	"github.com/continuity-care/continuity/server/care"
)

// WriteGroupForTest runs fns as one group of the group committer, as if
// they had all been waiting for the writer, and returns each push's
// position and error.
func (s *Store) WriteGroupForTest(fns ...func(care.PushTx) error) ([]int64, []error) {
	group := make([]*pushJob, len(fns))
	for i, fn := range fns {
		group[i] = &pushJob{ctx: context.Background(), received: time.Now(), fn: fn, done: make(chan pushDone, 1)}
	}
	s.commitGroup(group)
	pos, errs := make([]int64, len(fns)), make([]error, len(fns))
	for i, j := range group {
		d := <-j.done
		pos[i], errs[i] = d.position, d.err
	}
	return pos, errs
}
