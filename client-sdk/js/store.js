// @ts-check
/**
 * The device's durable state in IndexedDB (through the vendored `idb`
 * wrapper), the browser counterpart of client-sdk/store.go:
 *
 * - `meta`: key/value settings (tokens, cursor, clock, cached schema);
 * - `base`: each record's server-acknowledged merged state;
 * - `records`: the local view of the records with changes pending — base
 *   merged with the pending outbox. A record with nothing pending has no
 *   row here: its view is its base (readView, viewOfBase), so a first sync
 *   seals and stores one row a record, not two;
 * - `outbox`: the device's own changes in write order, pending or rejected
 *   (rejected ones are kept, with the server's reason, until discarded).
 *
 * Every write to the view and the outbox happens in one IndexedDB
 * transaction, so a change is durable and visible together.
 * @module
 */

import { openDB, deleteDB } from './vendor/idb/index.js';
import { applyChange, changesOf, cloneRecord, exists, isDeleted, newRecord } from './merge.js';

/** @typedef {import('./merge.js').Change} Change */
/** @typedef {import('./merge.js').RecordState} RecordState */

/**
 * A row of the base or records store.
 * @typedef {object} StoredRecord
 * @property {string} collection
 * @property {string} record_id
 * @property {string} incident   the incident the record belongs to ('' when unscoped)
 * @property {RecordState} state
 * @property {number} [deleted]  1 when the view is deleted (records only)
 * @property {number} [pending]  1 while changes to it wait to be sent (records only)
 */

/**
 * A row of the outbox.
 * @typedef {object} OutboxEntry
 * @property {number} [seq]       write order
 * @property {string} change_id
 * @property {string} collection
 * @property {string} record_id
 * @property {Change} change
 * @property {'pending'|'rejected'} state
 * @property {string} code        the server's error code when rejected
 * @property {string} field
 * @property {string} message
 * @property {string} rejected_at
 * @property {string} created_at
 */

/** The IndexedDB schema version: 2 added the `keys` store and sealed rows (vault.js). */
export const DB_VERSION = 2;

/**
 * @typedef {import('./vendor/idb/index.js').IDBPDatabase} IDBPDatabase
 * @typedef {import('./vendor/idb/index.js').IDBPTransaction<unknown, string[], 'readwrite'>} WriteTx
 */

/**
 * Opens (creating or upgrading) the database. When another tab wants to
 * delete it (a sign-out or a wipe) or upgrade it, this tab's connection is
 * closed at once and onClosed is called: the other tab is never blocked.
 * @param {string} name
 * @param {() => void} [onClosed]
 * @returns {Promise<IDBPDatabase>}
 */
export function openStore(name, onClosed = () => {}) {
  /** @type {IDBPDatabase|undefined} */
  let opened;
  const p = openDB(name, DB_VERSION, {
    upgrade(db, oldVersion, _newVersion, tx) {
      if (oldVersion < 1) {
        db.createObjectStore('meta', { keyPath: 'key' });
        const base = db.createObjectStore('base', { keyPath: ['collection', 'record_id'] });
        base.createIndex('incident', 'incident');
        const recs = db.createObjectStore('records', { keyPath: ['collection', 'record_id'] });
        recs.createIndex('collection', 'collection');
        recs.createIndex('incident', 'incident');
        const out = db.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true });
        out.createIndex('change_id', 'change_id', { unique: true });
        out.createIndex('state', 'state');
        out.createIndex('record', ['collection', 'record_id']);
      }
      if (oldVersion < 2) {
        // Version 1 kept rows in clear: they are removed, not carried over
        // (the device is set up again, with a PIN).
        if (oldVersion >= 1) for (const n of ['meta', 'base', 'records', 'outbox']) tx.objectStore(n).clear();
        db.createObjectStore('keys', { keyPath: 'key' });
      }
    },
    blocking() {
      // Another tab wants to delete the database (sign-out, wipe) or a newer
      // version: close at once rather than block it.
      opened?.close();
      onClosed();
    },
    terminated() {
      onClosed();
    },
  });
  return p.then((db) => (opened = db));
}

/**
 * Deletes the whole database.
 * @param {string} name
 * @returns {Promise<void>}
 */
export function wipeStore(name) {
  return deleteDB(name);
}

/** Every object store of sealed rows, for transactions that touch them all. */
export const ALL = ['meta', 'base', 'records', 'outbox'];

/**
 * Removes every row of every store (keys included), keeping the database.
 * @param {IDBPDatabase} db
 * @returns {Promise<void>}
 */
export async function clearStore(db) {
  const tx = db.transaction([...ALL, 'keys'], 'readwrite');
  for (const n of [...ALL, 'keys']) tx.objectStore(n).clear();
  await tx.done;
}

/**
 * Reads a meta value inside a transaction.
 * @param {any} tx
 * @param {string} key
 * @returns {Promise<any>}
 */
export async function getMeta(tx, key) {
  const row = await tx.objectStore('meta').get(key);
  return row?.value;
}

/**
 * Writes a meta value inside a transaction.
 * @param {any} tx
 * @param {string} key
 * @param {any} value
 * @returns {Promise<void>}
 */
export async function setMeta(tx, key, value) {
  await tx.objectStore('meta').put({ key, value });
}

/**
 * The incident of a record: its scope field's value when the collection is
 * incident-scoped.
 * @callback ScopeOf
 * @param {RecordState} r
 * @returns {string}
 */

/**
 * Merges server-held changes into the base state and refreshes the view of
 * every record they touch.
 * @param {any} tx a readwrite transaction over ALL
 * @param {Change[]} changes
 * @param {ScopeOf} scopeOf
 * @returns {Promise<Set<string>>} the collections touched
 */
export async function applyToBase(tx, changes, scopeOf) {
  /** @type {Map<string, RecordState>} */
  const cache = new Map();
  /** @type {Map<string, string>} */
  const prevIncident = new Map();
  const touched = new Set();
  if (tx.prefetch) {
    // Sealed rows: one read for the whole page rather than one per record.
    /** @type {Map<string, [string, string]>} */
    const keys = new Map();
    for (const c of changes) keys.set(c.collection + '\u0000' + c.record_id, [c.collection, c.record_id]);
    await tx.prefetch('base', [...keys.values()]);
    await tx.prefetch('records', [...keys.values()]);
  }
  for (const c of changes) {
    const k = c.collection + '\u0000' + c.record_id;
    let r = cache.get(k);
    if (!r) {
      /** @type {StoredRecord|undefined} */
      const row = await tx.objectStore('base').get([c.collection, c.record_id]);
      r = row ? row.state : newRecord(c.collection, c.record_id);
      prevIncident.set(k, row?.incident ?? '');
      cache.set(k, /** @type {RecordState} */ (r));
    }
    applyChange(/** @type {RecordState} */ (r), c);
    touched.add(c.collection);
  }
  for (const [k, r] of cache) {
    const inc = scopeOf(r) || prevIncident.get(k) || '';
    await tx.objectStore('base').put({ collection: r.collection, record_id: r.record_id, incident: inc, state: r });
    await refreshView(tx, r.collection, r.record_id, scopeOf);
  }
  return touched;
}

/**
 * The view of a record with nothing pending: its base row as a view row, or
 * undefined when the record does not exist (no base, or a base with neither
 * a field nor a tombstone).
 * @param {StoredRecord|undefined|null} base
 * @returns {StoredRecord|undefined}
 */
export function viewOfBase(base) {
  if (!base || !exists(base.state)) return undefined;
  return { collection: base.collection, record_id: base.record_id, incident: base.incident ?? '', deleted: isDeleted(base.state) ? 1 : 0, pending: 0, state: base.state };
}

/**
 * Reads the local view of one record: its view row while changes to it are
 * pending, otherwise its base.
 * @param {any} tx a (sealed) transaction
 * @param {string} collection
 * @param {string} id
 * @returns {Promise<StoredRecord|undefined>}
 */
export async function readView(tx, collection, id) {
  /** @type {StoredRecord|undefined} */
  const row = await tx.objectStore('records').get([collection, id]);
  return row ?? viewOfBase(await tx.objectStore('base').get([collection, id]));
}

/**
 * Recomputes the local view of one record: base merged with its pending
 * outbox changes in write order. With nothing pending, the view is the base
 * and no view row is kept.
 * @param {any} tx a readwrite transaction over ALL
 * @param {string} collection
 * @param {string} id
 * @param {ScopeOf} scopeOf
 * @returns {Promise<void>}
 */
export async function refreshView(tx, collection, id, scopeOf) {
  /** @type {StoredRecord|undefined} */
  const base = await tx.objectStore('base').get([collection, id]);
  const v = base ? cloneRecord(base.state) : newRecord(collection, id);
  /** @type {OutboxEntry[]} */
  const entries = await tx.objectStore('outbox').index('record').getAll([collection, id]);
  entries.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  let pending = 0;
  for (const e of entries) {
    if (e.state !== 'pending') continue;
    applyChange(v, e.change);
    pending++;
  }
  const store = tx.objectStore('records');
  /** @type {StoredRecord|undefined} */
  const prev = await store.get([collection, id]);
  if (!exists(v) || pending === 0) {
    if (prev) await store.delete([collection, id]);
    return;
  }
  const incident = scopeOf(v) || prev?.incident || base?.incident || '';
  await store.put({ collection, record_id: id, incident, deleted: isDeleted(v) ? 1 : 0, pending: pending > 0 ? 1 : 0, state: v });
}

/**
 * Puts back in the outbox, pending, every change this device wrote that
 * still wins a field or a tombstone of its base state, with its original
 * id, stamp and recorded time: after the server's database was restored
 * from a backup it may have lost them. The server answers duplicate for
 * those it still has (merging is idempotent). The Go SDK's requeueOwn.
 * @param {any} tx a readwrite transaction over ALL
 * @param {string} device this device's id
 * @param {string} now RFC 3339
 * @param {ScopeOf} scopeOf
 * @returns {Promise<number>} how many changes were queued
 */
export async function requeueOwn(tx, device, now, scopeOf) {
  if (!device) return 0;
  /** @type {StoredRecord[]} */
  const rows = await tx.objectStore('base').getAll();
  const outbox = tx.objectStore('outbox');
  let n = 0;
  for (const row of rows) {
    let queued = false;
    for (const c of changesOf(row.state)) {
      if (c.device_id !== device || !c.hlc.endsWith('-' + device)) continue;
      if ((await outbox.index('change_id').count(c.id)) > 0) continue;
      await outbox.add({
        change_id: c.id, collection: c.collection, record_id: c.record_id, change: c, state: 'pending',
        code: '', field: '', message: '', rejected_at: '', created_at: now,
      });
      queued = true;
      n++;
    }
    if (queued) await refreshView(tx, row.collection, row.record_id, scopeOf);
  }
  return n;
}

/**
 * Deletes every local record of the incidents (outbox entries stay: they are
 * the person's work, and the server decides about them).
 * @param {any} tx a readwrite transaction over ALL
 * @param {string[]} incidents
 * @returns {Promise<{count: number, collections: Set<string>}>}
 */
export async function purgeIncidents(tx, incidents) {
  let count = 0;
  const collections = new Set();
  for (const inc of incidents ?? []) {
    if (!inc) continue;
    /** @type {Map<string, StoredRecord>} the incident's views: view rows, and bases without one */
    const views = new Map();
    for (const name of ['records', 'base']) {
      for (const row of await tx.objectStore(name).index('incident').getAll(IDBKeyRange.only(inc))) {
        const k = row.collection + '\u0000' + row.record_id;
        const view = name === 'records' ? row : viewOfBase(row);
        if (view && !views.has(k)) views.set(k, view);
        await tx.objectStore(name).delete([row.collection, row.record_id]);
      }
    }
    for (const v of views.values()) {
      count++;
      collections.add(v.collection);
    }
  }
  return { count, collections };
}

/**
 * Returns outbox entries in a state, in write order.
 * @param {any} tx a (sealed) transaction
 * @param {'pending'|'rejected'} state
 * @param {number} [limit]
 * @returns {Promise<OutboxEntry[]>}
 */
export async function outboxEntries(tx, state, limit) {
  const store = tx.objectStore('outbox');
  /** @type {OutboxEntry[]} */
  const all = await store.index('state').getAll(IDBKeyRange.only(state));
  all.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  return limit ? all.slice(0, limit) : all;
}

/**
 * Counts outbox entries in a state.
 * @param {IDBPDatabase} db
 * @param {'pending'|'rejected'} state
 * @returns {Promise<number>}
 */
export function countOutbox(db, state) {
  return db.countFromIndex('outbox', 'state', IDBKeyRange.only(state));
}
