package main

import (
	"github.com/continuity-care/continuity/syncproto/domain"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// newRegistry returns the collections the server serves, with the
// provider-failure rules and effects.
func newRegistry() *schema.Registry { return domain.Registry(domain.Options{}) }
