// @ts-check
/**
 * The record cache: the local view's records, opened, per collection, held
 * in memory while the device is unlocked so that reading an incident's
 * records again (a live screen after each change) costs no IndexedDB read
 * and no decryption.
 *
 * - A collection is read from IndexedDB (and each row opened) the first time
 *   it is listed; from then on it is kept in step by every transaction the
 *   client commits (Core.begin hands the staged rows here), and by the
 *   writes of other tabs on the same database, which each tab announces on
 *   the database's BroadcastChannel after committing ('records': the
 *   collections and ids): the hearing tab reads those rows again under the
 *   write lock, so no write of its own can land between.
 * - Every committed change to the view is announced to the Client's 'change'
 *   listeners with the records it touched and where it came from
 *   ({collections, records: {collection: [ids]}, source}).
 * - Lock, sign-out and wipe drop it (Core.forget): nothing outlives the key
 *   (docs/security.md, "Data at rest on devices").
 * @module
 */

import { recordObject } from './merge.js';
import { readView, viewOfBase } from './store.js';
import { acquire } from './vault.js';

/**
 * A record as the cache holds it.
 * @typedef {object} Entry
 * @property {string} id
 * @property {string} incident
 * @property {boolean} deleted
 * @property {boolean} pending
 * @property {Record<string, any>|undefined} fields  undefined when deleted
 */

/**
 * Which records changed: collection → record ids.
 * @typedef {Record<string, string[]>} Changed
 */

/**
 * @param {import('./store.js').StoredRecord} row
 * @returns {Entry}
 */
function entryOf(row) {
  return { id: row.record_id, incident: row.incident ?? '', deleted: row.deleted === 1, pending: row.pending === 1, fields: recordObject(row.state) };
}

/**
 * Records of the local view, opened, per collection.
 */
export class RecordCache {
  /** @param {import('./core.js').Core} core */
  constructor(core) {
    this.c = core;
    /** @type {Map<string, Map<string, Entry>>} collections read whole */
    this.cols = new Map();
    /** @type {Map<string, {done: Promise<Map<string, Entry>>, late: [string, any][]}>} collections being read, with the rows committed meanwhile */
    this.loading = new Map();
    /** @type {Set<string>} collections a new record joined at the end of: sorted again when next listed */
    this.unsorted = new Set();
    /** @type {Set<string>} collections being read when a write made the read stale: not kept */
    this.stale = new Set();
    /** Bumped by clear: a read begun before it is not kept. */
    this.gen = 0;
    /** Other tabs' announcements, handled in order. */
    this.heardQueue = Promise.resolve();
  }

  /** Drops everything held (lock, sign-out, a new key). */
  clear() {
    this.cols.clear();
    this.loading.clear();
    this.unsorted.clear();
    this.stale.clear();
    this.gen++;
  }

  /**
   * The live and deleted records of a collection, read from IndexedDB the
   * first time.
   * @param {string} collection
   * @returns {Promise<Entry[]>}
   */
  async list(collection) {
    let m = await this.#load(collection);
    if (this.unsorted.delete(collection) && this.cols.get(collection) === m) {
      // In record id order, as IndexedDB lists them.
      m = new Map([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      this.cols.set(collection, m);
    }
    return [...m.values()];
  }

  /**
   * One record: from memory when its collection is held, otherwise read
   * (the collection is not read whole for one record).
   * @param {string} collection
   * @param {string} id
   * @returns {Promise<Entry|undefined>}
   */
  async get(collection, id) {
    const m = this.cols.get(collection);
    if (m) return m.get(id);
    const row = await readView(this.c.read(), collection, id);
    return row ? entryOf(row) : undefined;
  }

  /**
   * @param {string} collection
   * @returns {Promise<Map<string, Entry>>}
   */
  async #load(collection) {
    const held = this.cols.get(collection);
    if (held) return held;
    const busy = this.loading.get(collection);
    if (busy) return busy.done;
    const gen = this.gen;
    /** @type {[string, any][]} */
    const late = [];
    const tx = this.c.read();
    const done = (async () => {
      // The collection's bases, each overlaid by its view row when changes to it are pending.
      const [bases, views] = await Promise.all([
        tx.objectStore('base').getAll(IDBKeyRange.bound([collection], [collection, []])),
        tx.objectStore('records').index('collection').getAll(IDBKeyRange.only(collection)),
      ]);
      /** @type {Map<string, import('./store.js').StoredRecord>} */
      const byId = new Map();
      for (const b of bases) {
        const v = viewOfBase(b);
        if (v) byId.set(v.record_id, v);
      }
      for (const v of views) byId.set(v.record_id, v);
      /** @type {Map<string, Entry>} */
      const m = new Map();
      for (const id of [...byId.keys()].sort()) m.set(id, entryOf(/** @type {import('./store.js').StoredRecord} */ (byId.get(id))));
      for (const [id, row] of late) {
        if (row && !m.has(id)) this.unsorted.add(collection);
        put(m, id, row);
      }
      if (gen === this.gen && !this.stale.delete(collection)) this.cols.set(collection, m);
      return m;
    })();
    const entry = { done, late };
    this.loading.set(collection, entry);
    try {
      return await done;
    } finally {
      if (this.loading.get(collection) === entry) this.loading.delete(collection);
    }
  }

  /**
   * Takes the rows a transaction of this client committed: the cache
   * follows them, the other tabs hear of them, and the 'change' listeners
   * are told.
   * @param {Map<string, Map<string, {key: IDBValidKey, row: any}>>} writes store → staged writes
   * @param {import('./core.js').ChangeSource} source
   * @param {import('./vault.js').SealedTx} tx the committed transaction
   */
  committed(writes, source, tx) {
    // A record's view changes with its view row or, when it has none (nothing
    // pending), with its base.
    /** @type {Map<string, [string, string]>} */
    const keys = new Map();
    for (const name of ['records', 'base']) {
      for (const { key } of writes.get(name)?.values() ?? []) {
        const [collection, id] = /** @type {[string, string]} */ (key);
        keys.set(collection + '\u0000' + id, [collection, id]);
      }
    }
    if (keys.size === 0) return;
    /** @type {Changed} */
    const changed = {};
    for (const [collection, id] of keys.values()) {
      (changed[collection] ??= []).push(id);
      const view = tx.peek('records', [collection, id]);
      const base = tx.peek('base', [collection, id]);
      if (view) this.#apply(collection, id, view);
      else if (base !== undefined) this.#apply(collection, id, viewOfBase(base) ?? null);
      else this.#forget(collection); // its view row went and its base was never read: read again when listed
    }
    this.c.channel?.postMessage({ type: 'records', records: changed });
    this.#announce(changed, source);
  }

  /**
   * Another tab committed these records: read them again, under the write
   * lock (so that what is read is what is stored), then tell the listeners.
   * @param {Changed} changed
   */
  heard(changed) {
    this.heardQueue = this.heardQueue.then(async () => {
      const c = this.c;
      if (!c.sealer || !c.db || !changed || typeof changed !== 'object') return;
      const gen = this.gen;
      /** @type {[string, string][]} */
      const keys = [];
      for (const [collection, ids] of Object.entries(changed)) {
        if (!Array.isArray(ids)) continue;
        for (const id of ids) keys.push([collection, String(id)]);
      }
      if (keys.length === 0) return;
      const release = await acquire(`continuity:${c.o.dbName}:write`);
      try {
        if (gen !== this.gen || !c.sealer || !c.db) return;
        const held = keys.filter(([collection]) => this.cols.has(collection) || this.loading.has(collection));
        if (held.length > 0) {
          const tx = c.read();
          await tx.prefetch('records', held);
          await tx.prefetch('base', held);
          for (const [collection, id] of held) {
            const row = await readView(tx, collection, id);
            if (gen !== this.gen) return;
            this.#apply(collection, id, row ?? null);
          }
        }
      } finally {
        release();
      }
      this.#announce(changed, 'tab');
    }).catch((e) => console.warn('continuity: could not follow another tab\'s writes', e));
  }

  /**
   * @param {string} collection
   * @param {string} id
   * @param {any} row the stored row, or null when deleted from the view
   */
  #apply(collection, id, row) {
    const m = this.cols.get(collection);
    if (m) {
      if (row && !m.has(id)) this.unsorted.add(collection);
      put(m, id, row);
    }
    this.loading.get(collection)?.late.push([id, row]);
  }

  /**
   * Drops a collection held (or being read), to be read whole again.
   * @param {string} collection
   */
  #forget(collection) {
    this.cols.delete(collection);
    this.unsorted.delete(collection);
    if (this.loading.has(collection)) this.stale.add(collection);
  }

  /**
   * @param {Changed} changed
   * @param {import('./core.js').ChangeSource} source
   */
  #announce(changed, source) {
    this.c.emit('change', { collections: Object.keys(changed), records: changed, source });
  }
}

/**
 * @param {Map<string, Entry>} m
 * @param {string} id
 * @param {any} row
 */
function put(m, id, row) {
  if (row) m.set(id, entryOf(row));
  else m.delete(id);
}
