// Package continuity is the Continuity client SDK that a tablet app embeds.
//
// A social worker's tablet often has no signal. The SDK keeps everything on
// the device in one SQLite file (WAL, synchronous=FULL):
//
//   - the records of the incidents the device is assigned to, as the same
//     merged per-field state the server keeps (syncproto.Record);
//   - an outbox of changes not yet acknowledged by the server;
//   - the pull cursor, the hybrid logical clock and the sync status.
//
// Every write (Put, Delete and the typed helpers such as RecordCheck) is
// validated against the schema registry, stamped with the device's HLC,
// stored in the outbox and merged into the local view in one transaction
// before the call returns: once a call returns without error the work
// survives the app being killed, and local reads show it at once.
//
// Sync pushes the outbox in batches, then pulls until the server has nothing
// more. An outbox entry leaves only when the server answers applied or
// duplicate; change ids make a re-push after a lost response harmless. A
// change the server rejects is kept, with the reason, for the person to see
// (RejectedChanges) and is not retried unless they ask (RetryRejected). A
// change rejected because the device clock runs fast (clock_skew) is
// re-stamped from the server's time and pushed again.
//
// The local view of a record is its server-acknowledged state (the base)
// merged with the device's pending changes, so re-stamping or a rejection
// never leaves stale values behind.
//
// The exported API keeps to types gomobile can bind: strings, ints, bools,
// pointers to structs with such fields, and list types with Len and At.
// Context-taking variants (SyncContext) and function-valued Config fields are
// for Go callers; gomobile skips them.
package continuity
