// @ts-check
/**
 * The state one Client shares between its parts (auth.js, device.js,
 * outbox.js, sync.js, stream.js): options, the database and key, clock,
 * schema, status and listeners, and the transactions every part opens.
 * Internal: applications use the Client (continuity.js), which holds its
 * Core privately.
 * @module
 */

import { Schema } from './validate.js';
import { Clock, validHLC } from './hlc.js';
import { countOutbox } from './store.js';
import { PIN_ITERATIONS, SealedTx, Sealer, acquire } from './vault.js';
import { RecordCache } from './cache.js';

/** @typedef {import('./continuity.js').Options} Options */
/** @typedef {import('./continuity.js').Status} Status */
/** @typedef {import('./merge.js').RecordState} RecordState */

/** The sealer of a client with no key: its database is empty. */
const NOTHING = /** @type {Sealer} */ (/** @type {unknown} */ ({
  open: () => Promise.reject(new Error('continuity: a sealed row and no key')),
  openAll: (/** @type {string} */ _s, /** @type {any[]} */ rows) => (rows.length ? Promise.reject(new Error('continuity: sealed rows and no key')) : Promise.resolve([])),
  seal: () => Promise.reject(new Error('continuity: not enrolled')),
}));

/** Thrown when the device is locked: unlock it with its PIN first. */
export class LockedError extends Error {
  constructor() {
    super('this device is locked: enter the PIN');
    this.name = 'LockedError';
    this.code = 'locked';
  }
}

/**
 * Where a change to the local view came from: the device's own write
 * ('local'), the server's answer to a push ('push'), a pull ('pull'), a
 * write made by another tab on the same database ('tab'), or 'reset' (the
 * device locked, signed out or was wiped: whatever a reader holds is gone).
 * @typedef {'local'|'push'|'pull'|'tab'|'reset'} ChangeSource
 */

/** @returns {Status} */
function freshStatus(online = true) {
  return { online, pending: 0, lastSyncedAt: '', rejected: 0, syncing: false, error: '', streaming: false, reenrolRequired: false, heardAt: '' };
}

/**
 * The shared state of one Client.
 */
export class Core {
  /**
   * @param {Options} opts
   * @param {import('./store.js').IDBPDatabase} db
   */
  constructor(opts, db) {
    /** @type {Required<Omit<Options, 'dbName'|'fetch'>> & {dbName: string, fetch: typeof fetch}} */
    this.o = {
      baseURL: String(opts.baseURL ?? '').replace(/\/+$/, ''),
      dbName: opts.dbName ?? 'continuity',
      fetch: opts.fetch ?? globalThis.fetch.bind(globalThis),
      now: opts.now ?? Date.now,
      random: opts.random ?? Math.random,
      pollIntervalMs: opts.pollIntervalMs ?? 30000,
      streamSafetyMs: opts.streamSafetyMs ?? 300000,
      retryBaseMs: opts.retryBaseMs ?? 500,
      retryMaxMs: opts.retryMaxMs ?? 60000,
      maxRetries: opts.maxRetries ?? 3,
      pushBatchSize: opts.pushBatchSize ?? 200,
      pullLimit: opts.pullLimit ?? 500,
      stream: opts.stream ?? true,
      keyStorage: opts.keyStorage ?? 'pin',
      pinIterations: opts.pinIterations ?? PIN_ITERATIONS,
      plainRequests: opts.plainRequests ?? false,
    };
    /** @type {import('./store.js').IDBPDatabase|null} */
    this.db = db;
    /** @type {Clock|null} */
    this.clock = null;
    this.deviceId = '';
    /** milliseconds to add to the device clock (from the server) */
    this.offset = 0;
    /** @type {Schema|null} */
    this.schema = null;
    /** @type {Map<string, Set<Function>>} */
    this.listeners = new Map();
    /** @type {Status} */
    this.status = freshStatus();
    /** @type {Sealer|null} the data key, while unlocked */
    this.sealer = null;
    /** @type {CryptoKey|null} the extractable data key between enrolment and setPin */
    this.unwrapped = null;
    /** @type {any} the `keys` row: wrapped data key, tries, wipe secret */
    this.vault = null;
    /** @type {BroadcastChannel|null} */
    this.channel = null;
    this.closed = false;
    /** The local view's records read so far, opened, while unlocked (cache.js). */
    this.cache = new RecordCache(this);
    // The parts, set by the Client.
    /** @type {import('./auth.js').Auth} */
    this.auth = /** @type {any} */ (null);
    /** @type {import('./device.js').Device} */
    this.device = /** @type {any} */ (null);
    /** @type {import('./outbox.js').Outbox} */
    this.outbox = /** @type {any} */ (null);
    /** @type {import('./sync.js').Syncer} */
    this.syncer = /** @type {any} */ (null);
    /** @type {import('./stream.js').Loop} */
    this.loop = /** @type {any} */ (null);
  }

  /** @returns {import('./store.js').IDBPDatabase} */
  idb() {
    if (!this.db) throw new Error('continuity: the client is signed out; open it again');
    return this.db;
  }

  /** @returns {Sealer} */
  seal() {
    if (!this.sealer) throw new LockedError();
    return this.sealer;
  }

  /** @returns {boolean} whether the device is enrolled (it may be locked) */
  get enrolled() {
    if (this.sealer) return this.auth.refresh !== '' || this.auth.access !== '';
    return this.o.keyStorage === 'pin' && !!this.vault?.wrapped && !this.closed;
  }

  /**
   * Starts a staged write transaction, holding the tabs' write lock until
   * its `done` (commit) or `abort()`. What it writes to the local view
   * reaches the record cache and the 'change' listeners (with source) as it
   * commits, and the other tabs hear of it.
   * @param {ChangeSource} [source]
   * @returns {Promise<SealedTx>}
   */
  async begin(source = 'local') {
    this.seal();
    const release = await acquire(`continuity:${this.o.dbName}:write`);
    try {
      return new SealedTx(this.idb(), this.seal(), release, (writes, tx) => this.cache.committed(writes, source, tx));
    } catch (e) {
      release();
      throw e;
    }
  }

  /**
   * A transaction for reads only (never committed). A client that is not
   * enrolled has an empty database and no key: it reads nothing.
   * @returns {SealedTx}
   */
  read() {
    if (!this.sealer && !this.vault && !this.closed) return new SealedTx(this.idb(), NOTHING);
    return new SealedTx(this.idb(), this.seal());
  }

  /**
   * Restores tokens, clock, schema and status from the meta store (after
   * the key is at hand).
   */
  async restore() {
    const tx = this.read();
    const m = /** @type {Record<string, any>} */ ({});
    for (const row of await tx.objectStore('meta').getAll()) m[row.key] = row.value;
    this.deviceId = m.device_id ?? '';
    this.auth.restore(m);
    this.offset = Number(m.clock_offset_ms ?? 0);
    this.status.lastSyncedAt = m.last_sync_at ?? '';
    this.status.error = m.last_error ?? '';
    if (m.schema) {
      try {
        this.schema = new Schema(m.schema, { now: this.o.now });
      } catch {
        this.schema = null;
      }
    }
    if (this.deviceId) {
      this.clock = new Clock(this.deviceId, () => this.o.now() + this.offset, validHLC(m.clock_last ?? '') ? m.clock_last : undefined);
    }
    await this.updateCounts();
  }

  /** Drops the key, tokens, cached records and state held in memory. */
  forget() {
    this.sealer = null;
    this.unwrapped = null;
    this.auth.forget();
    this.clock = null;
    this.schema = null;
    this.cache.clear();
    this.status = freshStatus(this.status.online);
  }

  /**
   * Another tab signed out or wiped the device (or the browser closed the
   * database): drop everything held in memory and tell the app ('signedout').
   */
  closedElsewhere() {
    if (this.closed) return;
    this.closed = true;
    this.loop.stop();
    this.db?.close();
    this.db = null;
    this.forget();
    this.emit('signedout', {});
  }

  /** @param {string} id */
  sessionKeyName(id) {
    return `continuity:${this.o.dbName}:key:${id}`;
  }

  /**
   * The incident a record belongs to (its collection's scope field).
   * @param {RecordState} r
   * @returns {string}
   */
  scopeOf = (r) => {
    const field = this.schema ? this.schema.collection(r.collection)?.scope_field ?? '' : 'incident_id';
    if (!field) return '';
    const v = r.fields[field]?.value;
    return typeof v === 'string' ? v : '';
  };

  /**
   * Runs fn holding a named lock shared by the tabs of this origin (when
   * the browser has navigator.locks; otherwise within this page only).
   * @template T
   * @param {string} name
   * @param {() => Promise<T>} fn
   * @returns {Promise<T>}
   */
  async withLock(name, fn) {
    const locks = globalThis.navigator?.locks;
    if (locks) return locks.request(`continuity:${this.o.dbName}:${name}`, fn);
    return fn();
  }

  // ---- events and status ---------------------------------------------------

  /**
   * @param {string} event
   * @param {(payload: any) => void} fn
   * @returns {() => void}
   */
  on(event, fn) {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(fn);
    return () => set.delete(fn);
  }

  /**
   * @param {string} event
   * @param {any} payload
   */
  emit(event, payload) {
    for (const fn of this.listeners.get(event) ?? []) {
      try {
        fn(payload);
      } catch (e) {
        console.error('continuity: listener failed', e);
      }
    }
  }

  /** Tells the 'change' listeners that whatever they hold is gone (lock, wipe). */
  emitReset() {
    this.emit('change', { collections: [], records: {}, source: 'reset' });
  }

  emitStatus() {
    this.emit('status', this.statusNow());
  }

  /** @returns {Status} */
  statusNow() {
    const online = this.status.online && (globalThis.navigator?.onLine ?? true);
    return { ...this.status, online };
  }

  /**
   * Notes that the server was heard from now; tells the status listeners
   * when asked (a stream heartbeat, which no sync follows).
   * @param {boolean} [tell]
   */
  heard(tell = false) {
    this.status.heardAt = new Date(this.o.now()).toISOString();
    if (tell) this.emitStatus();
  }

  /** @param {boolean} online */
  setOnline(online) {
    if (this.status.online !== online) {
      this.status.online = online;
      this.emitStatus();
    }
  }

  async updateCounts() {
    if (!this.db || this.closed) return;
    this.status.pending = await countOutbox(this.db, 'pending');
    this.status.rejected = await countOutbox(this.db, 'rejected');
  }
}
