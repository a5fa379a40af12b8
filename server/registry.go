package main

import "github.com/continuity-care/continuity/syncproto/schema"

// newRegistry returns the collections the server serves.
func newRegistry() *schema.Registry { return schema.MustRegistry(schema.Core()...) }
