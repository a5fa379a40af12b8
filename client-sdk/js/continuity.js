// @ts-check
/**
 * Continuity's JavaScript SDK: the browser counterpart of the Go SDK in
 * client-sdk/. A device writes locally (IndexedDB) with no network; the
 * writes wait in a durable outbox and reach the server when it can be
 * reached; the server's changes are pulled and merged field by field.
 *
 * ```js
 * import { Client } from '/sdk/continuity.js';
 * const c = await Client.open({ baseURL: location.origin, dbName: 'continuity-app' });
 * if (!c.enrolled) await c.enrol(code);
 * await c.put('safe_and_well_checks', newId(), { ... });
 * c.start();
 * ```
 * See client-sdk/js/README.md for the whole API.
 * @module
 */

import { Clock, formatHLC, parseHLC, compareHLC, validHLC } from './hlc.js';
import { exists, isDeleted, recordObject, newRecord } from './merge.js';
import { Schema } from './validate.js';
import { APIError, ReenrolRequiredError, ValidationError, backoff, errorFrom, gzipText, readSSE, sleep } from './http.js';
import { runStreamLeader } from './stream-leader.js';
import { newId } from './id.js';
import {
  ALL, applyToBase, clearStore, countOutbox, getMeta, openStore, outboxEntries, purgeIncidents, refreshView, requeueOwn, setMeta, wipeStore,
} from './store.js';
import {
  DeviceWipedError, MAX_PIN_TRIES, PIN_ITERATIONS, SealedTx, Sealer, WrongPinError, acquire, hex, newDataKey, nonExtractable, pinProblem, randomBytes,
  unwrapWithPin, wrapWithPin,
} from './vault.js';

export { APIError, ReenrolRequiredError, ValidationError } from './http.js';
export { DeviceWipedError, MAX_PIN_TRIES, WrongPinError, pinProblem } from './vault.js';

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
export { Schema } from './validate.js';
export { newId } from './id.js';

/** @typedef {import('./merge.js').Change} Change */
/** @typedef {import('./merge.js').RecordState} RecordState */
/** @typedef {import('./validate.js').FieldError} FieldError */
/** @typedef {import('./store.js').OutboxEntry} OutboxEntry */

/**
 * What Client.open accepts.
 * @typedef {object} Options
 * @property {string} baseURL         the server, e.g. location.origin
 * @property {string} [dbName]        the IndexedDB database (default "continuity")
 * @property {typeof fetch} [fetch]   fetch to use (default globalThis.fetch)
 * @property {() => number} [now]     the device clock, Unix ms (default Date.now)
 * @property {() => number} [random]  uniform in [0,1), for jitter (default Math.random)
 * @property {number} [pollIntervalMs]   background polling interval without the stream (default 30 s)
 * @property {number} [streamSafetyMs]   polling interval while the stream is connected (default 5 min)
 * @property {number} [retryBaseMs]      first backoff ceiling (default 500 ms)
 * @property {number} [retryMaxMs]       largest backoff (default 60 s)
 * @property {number} [maxRetries]       retries of one request before giving up (default 3)
 * @property {number} [pushBatchSize]    changes per push (default 200)
 * @property {boolean} [plainRequests]   send request bodies uncompressed (default false: gzip when
 *                                        CompressionStream exists; a server that refuses gzip with 415 turns it off)
 * @property {number} [pullLimit]        changes per pull page (default 500)
 * @property {boolean} [stream]          use GET /v1/sync/stream when the server has it (default true)
 * @property {'pin'|'session'} [keyStorage] where the data key lives: wrapped under the device PIN
 *                                   (default; the field app), or in the tab's sessionStorage (the console)
 * @property {number} [pinIterations]   PBKDF2 iterations for a new PIN (default 600,000; tests may lower it)
 */

/**
 * The body of POST /v1/auth/token and POST /v1/auth/enrol.
 * @typedef {object} TokenPair
 * @property {string} access_token
 * @property {string} refresh_token
 * @property {number} expires_in   seconds
 * @property {string} [device_id]
 * @property {string} [token_type]
 */

/**
 * The sync state shown to the person.
 * @typedef {object} Status
 * @property {boolean} online        the last request reached the server (and the browser is online)
 * @property {number} pending        changes waiting to be sent
 * @property {string} lastSyncedAt   RFC 3339 time of the last complete sync ('' if never)
 * @property {number} rejected       changes the server refused, kept until discarded
 * @property {boolean} syncing       a sync is running
 * @property {string} error          why the last sync failed ('' after a good one)
 * @property {boolean} streaming     the realtime stream is connected
 * @property {boolean} reenrolRequired the server was restored from a backup older than this
 *                                   device's enrolment: offer to enrol it again (the outbox is kept)
 */

/**
 * What one sync did.
 * @typedef {object} SyncReport
 * @property {number} pushed
 * @property {number} applied
 * @property {number} duplicates
 * @property {number} rejected
 * @property {number} restamped
 * @property {number} pulled
 * @property {number} purged
 * @property {number} resets    1 when the server's database had been restored since the last pull
 *                              (cursor_reset): the cursor was dropped, this device's own changes
 *                              queued again (requeued) and the device synced from the start;
 *                              nothing is lost
 * @property {number} requeued  changes this device wrote that the reset queued again
 */

/**
 * A change the server refused, with its reason.
 * @typedef {object} RejectedChange
 * @property {Change} change
 * @property {string} code
 * @property {string} message
 * @property {string} field
 * @property {string} at      when the server refused it (RFC 3339)
 */

/** How far ahead of server time a change's HLC may be (syncproto.MaxClockSkew). */
const MAX_CLOCK_SKEW_MS = 10 * 60 * 1000;
/** How many re-stamping rounds one sync may make. */
const MAX_RESTAMP_ROUNDS = 3;
/** How long before its expiry an access token is renewed. */
const EXPIRY_MARGIN_MS = 30 * 1000;
/**
 * The push body limit (UTF-8 bytes) assumed until the server advertises
 * its own (HEADER_MAX_PUSH_BYTES): the server's 4 MiB.
 */
const PUSH_BYTE_BUDGET = 4 << 20;
/** The response header in which the server advertises its push body limit. */
const HEADER_MAX_PUSH_BYTES = 'Continuity-Max-Push-Bytes';
/** The smallest limit a 413 may teach: below it, report instead of splitting. */
const MIN_PUSH_BYTES = 16 << 10;
/** How often the cached schema is checked for a newer version. */
const SCHEMA_CHECK_MS = 10 * 60 * 1000;

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * Returns a UUID in canonical lower-case form, or throws a ValidationError
 * naming field.
 * @param {string} field
 * @param {any} id
 * @returns {string}
 */
function canonID(field, id) {
  if (typeof id !== 'string' || !UUID_RE.test(id.trim())) {
    throw new ValidationError([{ field, code: 'invalid_uuid', message: `${field} must be a UUID such as 7b0c6f1e-2c1a-4f7e-9d2b-1a2b3c4d5e6f` }]);
  }
  return id.trim().toLowerCase();
}

/**
 * A device's connection to Continuity: local store, outbox and sync.
 */
export class Client {
  /** @type {Required<Omit<Options, 'dbName'|'fetch'>> & {dbName: string, fetch: typeof fetch}} */
  #o;
  /** @type {import('./store.js').IDBPDatabase|null} */
  #db;
  /** @type {Clock|null} */
  #clock = null;
  /** @type {string} */
  #deviceId = '';
  /** @type {string} */
  #refresh = '';
  /** @type {string} */
  #access = '';
  /** @type {number} */
  #accessExpires = 0;
  /** @type {string} access token the server refused */
  #refused = '';
  /** @type {number} milliseconds to add to the device clock (from the server) */
  #offset = 0;
  /** Set once the server refused a gzip body (415): it is from before compressed requests. */
  #plainBodies = false;
  /** @type {Schema|null} */
  #schema = null;
  /** @type {number} */
  #schemaCheckedAt = 0;
  /** @type {Map<string, Set<Function>>} */
  #listeners = new Map();
  /** @type {Status} */
  #status = { online: true, pending: 0, lastSyncedAt: '', rejected: 0, syncing: false, error: '', streaming: false, reenrolRequired: false };
  /** @type {Promise<SyncReport>|null} */
  #running = null;
  /** @type {Promise<SyncReport>|null} */
  #queued = null;
  /** @type {Promise<string>|null} */
  #refreshing = null;
  /** @type {AbortController|null} */
  #loop = null;
  /** @type {(() => void)|null} */
  #wakeFn = null;
  /** @type {boolean} */
  #wakeSet = false;
  /** @type {boolean} */
  #streamUnsupported = false;
  /** Push body limit in bytes: the server's advertised one, lowered by a proxy's 413. 0: not learnt. */
  #pushLimit = 0;
  /** @type {(() => void)|null} */
  #onlineHandler = null;

  /** @type {Sealer|null} the data key, while unlocked */
  #sealer = null;
  /** @type {CryptoKey|null} the extractable data key between enrolment and setPin */
  #unwrapped = null;
  /** @type {any} the `keys` row: wrapped data key, tries, wipe secret */
  #vault = null;
  /** @type {BroadcastChannel|null} */
  #channel = null;
  /** @type {boolean} */
  #closed = false;

  /**
   * Use Client.open.
   * @param {Options} opts
   * @param {import('./store.js').IDBPDatabase} db
   */
  constructor(opts, db) {
    this.#o = {
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
    this.#plainBodies = this.#o.plainRequests;
    this.#db = db;
  }

  /**
   * Opens the device's local database. Everything in it is sealed: with
   * `keyStorage: 'pin'` (the default) the client opens locked when the
   * device is enrolled (`locked`; `unlock(pin)` restores tokens, clock and
   * schema, with no network); with 'session' the key is the tab session's.
   * A wipe (sign-out, five wrong PINs) not yet reported to the server is
   * reported now, when the server can be reached.
   * @param {Options} opts
   * @returns {Promise<Client>}
   */
  static async open(opts) {
    if (!opts || !opts.baseURL) throw new TypeError('Client.open: baseURL is required');
    /** @type {Client|undefined} */
    let c;
    const db = await openStore(opts.dbName ?? 'continuity', () => { if (c) c.#closedElsewhere(); });
    c = new Client(opts, db);
    await c.#openVault();
    c.#listen();
    c.reportWipes().catch(() => {});
    return c;
  }

  /** Reads the key row and, where the key is at hand, restores the state. */
  async #openVault() {
    const db = this.#idb();
    this.#vault = (await db.get('keys', 'vault')) ?? null;
    const v = this.#vault;
    if (!v) {
      if ((await db.count('meta')) > 0 || (await db.count('outbox')) > 0) await clearStore(db);
      return;
    }
    if (this.#o.keyStorage === 'session') {
      const jwk = sessionStorage.getItem(this.#sessionKeyName(v.id));
      if (jwk) {
        const key = await crypto.subtle.importKey('jwk', JSON.parse(jwk), { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
        this.#sealer = new Sealer(key);
        await this.#restore();
      }
      return;
    }
    if (!v.wrapped) {
      // Enrolled, but the page closed before a PIN was chosen: what was
      // stored was sealed with a key nobody kept. Start again.
      await clearStore(db);
      this.#vault = null;
    }
  }

  /**
   * Listens for sign-outs and wipes in other tabs, and reports wipes when
   * the browser comes back online.
   */
  #listen() {
    globalThis.addEventListener?.('online', () => {
      this.reportWipes().catch(() => {});
    });
    if (typeof BroadcastChannel === 'undefined') return;
    this.#channel = new BroadcastChannel('continuity:' + this.#o.dbName);
    this.#channel.onmessage = (ev) => {
      if (ev.data && ev.data.type === 'wiped') this.#closedElsewhere();
    };
  }

  /**
   * Another tab signed out or wiped the device (or the browser closed the
   * database): drop everything held in memory and tell the app ('signedout').
   */
  #closedElsewhere() {
    if (this.#closed) return;
    this.#closed = true;
    this.stop();
    this.#db?.close();
    this.#db = null;
    this.#forget();
    this.#emit('signedout', {});
  }

  /** Drops the key, tokens and state held in memory. */
  #forget() {
    this.#sealer = null;
    this.#unwrapped = null;
    this.#refresh = this.#access = '';
    this.#accessExpires = 0;
    this.#clock = null;
    this.#schema = null;
    this.#status = { online: this.#status.online, pending: 0, lastSyncedAt: '', rejected: 0, syncing: false, error: '', streaming: false, reenrolRequired: false };
  }

  /** @param {string} id */
  #sessionKeyName(id) {
    return `continuity:${this.#o.dbName}:key:${id}`;
  }

  /** @returns {Sealer} */
  #seal() {
    if (!this.#sealer) throw new LockedError();
    return this.#sealer;
  }

  /**
   * Starts a staged write transaction, holding the tabs' write lock until
   * its `done` (commit) or `abort()`.
   * @returns {Promise<SealedTx>}
   */
  async #begin() {
    this.#seal();
    const release = await acquire(`continuity:${this.#o.dbName}:write`);
    try {
      return new SealedTx(this.#idb(), this.#seal(), release);
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
  #read() {
    if (!this.#sealer && !this.#vault && !this.#closed) return new SealedTx(this.#idb(), NOTHING);
    return new SealedTx(this.#idb(), this.#seal());
  }

  async #restore() {
    const tx = this.#read();
    const m = /** @type {Record<string, any>} */ ({});
    for (const row of await tx.objectStore('meta').getAll()) m[row.key] = row.value;
    this.#deviceId = m.device_id ?? '';
    this.#refresh = m.refresh_token ?? '';
    this.#access = m.access_token ?? '';
    this.#accessExpires = Number(m.access_expires_at_ms ?? 0);
    this.#offset = Number(m.clock_offset_ms ?? 0);
    this.#status.lastSyncedAt = m.last_sync_at ?? '';
    this.#status.error = m.last_error ?? '';
    if (m.schema) {
      try {
        this.#schema = new Schema(m.schema, { now: this.#o.now });
      } catch {
        this.#schema = null;
      }
    }
    if (this.#deviceId) {
      this.#clock = new Clock(this.#deviceId, () => this.#o.now() + this.#offset, validHLC(m.clock_last ?? '') ? m.clock_last : undefined);
    }
    await this.#updateCounts();
  }

  /** @returns {import('./store.js').IDBPDatabase} */
  #idb() {
    if (!this.#db) throw new Error('continuity: the client is signed out; open it again');
    return this.#db;
  }

  /** @returns {boolean} whether the device is enrolled (it may be locked) */
  get enrolled() {
    if (this.#sealer) return this.#refresh !== '' || this.#access !== '';
    return this.#o.keyStorage === 'pin' && !!this.#vault?.wrapped && !this.#closed;
  }

  /** @returns {boolean} enrolled, and the PIN is needed before anything can be read */
  get locked() {
    return this.enrolled && !this.#sealer;
  }

  /** @returns {boolean} enrolled with keyStorage 'pin' and no PIN chosen yet: call setPin */
  get needsPin() {
    return this.#o.keyStorage === 'pin' && !!this.#unwrapped;
  }

  /** @returns {number} wrong PINs entered since the last right one */
  get pinFailures() {
    return Number(this.#vault?.failures ?? 0);
  }

  /**
   * Chooses the device PIN after enrolment: the data key is wrapped under
   * it (PBKDF2, see vault.js). Throws a ValidationError (field "pin") when
   * pinProblem refuses it.
   * @param {string} pin
   * @returns {Promise<void>}
   */
  async setPin(pin) {
    const problem = pinProblem(pin);
    if (problem) throw new ValidationError([{ field: 'pin', code: 'weak_pin', message: problem }]);
    if (!this.#unwrapped || !this.#vault) throw new Error('continuity: setPin comes once, straight after enrolment');
    const w = await wrapWithPin(this.#unwrapped, pin, this.#o.pinIterations);
    const vault = { ...this.#vault, ...w, failures: 0 };
    await this.#idb().put('keys', vault);
    this.#vault = vault;
    this.#unwrapped = null;
  }

  /**
   * Unlocks the device with its PIN (no network needed): the data key is
   * unwrapped and the tokens, clock and schema restored. A wrong PIN throws
   * WrongPinError (`remaining`); the fifth in a row wipes the device, which
   * the server is told at its next contact, and throws DeviceWipedError.
   * @param {string} pin
   * @returns {Promise<void>}
   */
  async unlock(pin) {
    if (this.#sealer) return;
    const v = /** @type {any} */ ((await this.#idb().get('keys', 'vault')) ?? this.#vault);
    if (!v || !v.wrapped) throw new Error('continuity: this device is not enrolled');
    let key;
    try {
      key = await unwrapWithPin(v, String(pin ?? ''));
    } catch {
      const failures = Number(v.failures ?? 0) + 1;
      if (failures >= MAX_PIN_TRIES) {
        await this.#wipe('pin_lockout');
        throw new DeviceWipedError();
      }
      this.#vault = { ...v, failures };
      await this.#idb().put('keys', this.#vault);
      throw new WrongPinError(MAX_PIN_TRIES - failures);
    }
    this.#vault = { ...v, failures: 0 };
    if (v.failures) await this.#idb().put('keys', this.#vault);
    this.#sealer = new Sealer(key);
    await this.#restore();
    this.#emitStatus();
  }

  /**
   * Locks the device: syncing stops and the key, tokens and state leave
   * memory; unlock(pin) brings them back.
   */
  lock() {
    if (this.#o.keyStorage !== 'pin' || !this.#sealer || !this.#vault?.wrapped) return;
    this.stop();
    this.#forget();
    this.#emit('change', { collections: [] });
  }

  /**
   * Changes waiting to send, counted even while locked (an outbox entry's
   * state is kept in clear): the lock screen warns with it before a wipe.
   * @returns {Promise<number>}
   */
  async waitingToSend() {
    if (!this.#db) return 0;
    return countOutbox(this.#db, 'pending');
  }

  /**
   * Seals a value with the data key for the app's own stores (e.g. drafts):
   * what comes back holds no plain text.
   * @param {any} value JSON-encodable
   * @returns {Promise<{iv: Uint8Array, ct: ArrayBuffer}>}
   */
  async sealValue(value) {
    return (await this.#seal().seal('meta', { key: 'app', value })).v;
  }

  /**
   * Opens what sealValue made.
   * @param {{iv: Uint8Array, ct: ArrayBuffer}} sealed
   * @returns {Promise<any>}
   */
  async openValue(sealed) {
    return (await this.#seal().open('meta', { key: 'app', v: sealed })).value;
  }

  /**
   * Deletes the whole local database, after noting (outside it) that the
   * server must revoke this device, and tells the other tabs.
   * @param {string} reason signed_out or pin_lockout
   */
  async #wipe(reason) {
    const v = this.#vault;
    if (v?.device_id && v?.wipe_secret) {
      const k = 'continuity:wiped';
      /** @type {any[]} */
      let list = [];
      try {
        list = JSON.parse(localStorage.getItem(k) || '[]');
      } catch { /* start again */ }
      list.push({ device_id: v.device_id, secret: v.wipe_secret, reason, at: new Date(this.#o.now()).toISOString() });
      localStorage.setItem(k, JSON.stringify(list));
    }
    if (v?.id) sessionStorage.removeItem(this.#sessionKeyName(v.id));
    this.stop();
    await this.#running?.catch(() => {});
    const db = this.#db;
    this.#db = null;
    this.#closed = true;
    db?.close();
    this.#channel?.postMessage({ type: 'wiped' });
    await wipeStore(this.#o.dbName);
    this.#vault = null;
    this.#deviceId = '';
    this.#forget();
    this.#emit('change', { collections: [] });
    this.#emitStatus();
    await this.reportWipes().catch(() => {});
  }

  /**
   * Tells the server about devices wiped here (sign-out, five wrong PINs)
   * that it has not heard of yet, so it revokes them with the reason; kept
   * for the next contact when the server cannot be reached.
   * @returns {Promise<number>} how many the server took
   */
  async reportWipes() {
    const k = 'continuity:wiped';
    /** @type {any[]} */
    let list = [];
    try {
      list = JSON.parse(globalThis.localStorage?.getItem(k) || '[]');
    } catch { /* nothing to report */ }
    let n = 0;
    for (const w of list.slice()) {
      try {
        await this.#raw('POST', '/v1/auth/device-wiped', { device_id: w.device_id, secret: w.secret, reason: w.reason }, '', { retry: false });
        n++;
      } catch (e) {
        if (!(e instanceof APIError) || e.temporary) continue; // try again at the next contact
        console.warn('continuity: the server did not take a wipe report', e);
      }
      list = list.filter((x) => x !== w);
    }
    if (list.length > 0) localStorage.setItem(k, JSON.stringify(list));
    else globalThis.localStorage?.removeItem(k);
    return n;
  }

  /** @returns {string} the device id the server gave at enrolment ('' before) */
  get deviceId() {
    return this.#deviceId;
  }

  /** @returns {Schema|null} the schema writes are validated against, once known */
  get schema() {
    return this.#schema;
  }

  // ---- enrolment and tokens ------------------------------------------------

  /**
   * Enrols this device with a one-time code (POST /v1/auth/enrol). The
   * tokens are stored in IndexedDB before anything uses them.
   * @param {string} code
   * @returns {Promise<void>}
   */
  async enrol(code) {
    const resp = await this.#raw('POST', '/v1/auth/enrol', { code: String(code ?? '').trim() }, '');
    await this.enrolWithPair(/** @type {TokenPair} */ (resp));
  }

  /**
   * Enrols this device with a token pair obtained elsewhere (the answer of
   * POST /v1/auth/enrol or /v1/auth/token, e.g. from a test harness).
   * Enrolling again (after a ReenrolRequiredError) keeps the outbox; when
   * the new enrolment names another device id, the pending changes are
   * stamped again with it, since the server accepts a change only under the
   * device that stamped it.
   * @param {TokenPair} pair
   * @returns {Promise<void>}
   */
  async enrolWithPair(pair) {
    if (!pair || !pair.access_token) throw new TypeError('enrolWithPair: the answer has no access token');
    const claims = decodeClaims(pair.access_token);
    const deviceId = pair.device_id || claims.device_id || '';
    if (!deviceId) throw new TypeError('enrolWithPair: the answer names no device');
    const former = this.#deviceId;
    if (!this.#sealer) await this.#newKey(deviceId);
    else if (this.#vault && this.#vault.device_id !== deviceId) {
      this.#vault = { ...this.#vault, device_id: deviceId };
      await this.#idb().put('keys', this.#vault);
    }
    await this.#saveTokens(pair, { device_id: deviceId, role: claims.role ?? '', subject: claims.sub ?? '' });
    this.#deviceId = deviceId;
    const tx = await this.#begin();
    const last = await getMeta(tx, 'clock_last');
    const clock = new Clock(deviceId, () => this.#o.now() + this.#offset, validHLC(last ?? '') ? last : undefined);
    this.#clock = clock;
    if (former && former !== deviceId) {
      for (const e of await outboxEntries(tx, 'pending')) {
        const change = { ...e.change, hlc: formatHLC(clock.now()), device_id: deviceId };
        await tx.objectStore('outbox').put({ ...e, change });
        await refreshView(tx, e.collection, e.record_id, this.#scopeOf);
      }
      await setMeta(tx, 'clock_last', formatHLC(clock.last()));
    }
    await tx.done;
    this.#status.reenrolRequired = false;
    this.#emitStatus();
    await this.#registerWipeSecret();
  }

  /**
   * A new data key for a new enrolment: whatever the database held before
   * (sealed with a key no longer known) is cleared first.
   * @param {string} deviceId
   */
  async #newKey(deviceId) {
    const db = this.#idb();
    await clearStore(db);
    const key = await newDataKey();
    const vault = { key: 'vault', id: hex(randomBytes(8)), device_id: deviceId, wipe_secret: hex(randomBytes(32)), failures: 0 };
    if (this.#o.keyStorage === 'session') {
      sessionStorage.setItem(this.#sessionKeyName(vault.id), JSON.stringify(await crypto.subtle.exportKey('jwk', key)));
    } else {
      this.#unwrapped = key;
    }
    await db.put('keys', vault);
    this.#vault = vault;
    this.#sealer = new Sealer(await nonExtractable(key));
  }

  /**
   * Gives the server the hash of this device's wipe secret, with which a
   * wiped device (holding nothing else) later asks to be revoked.
   */
  async #registerWipeSecret() {
    const secret = this.#vault?.wipe_secret;
    if (!secret) return;
    try {
      await this.fetchJSON('/v1/me/wipe-secret', { method: 'PUT', json: { secret } });
    } catch (e) {
      console.warn('continuity: the server did not take the wipe secret', e);
    }
  }

  /**
   * Durably stores a token pair (and extra meta) before it is used: a
   * refresh token is single use.
   * @param {TokenPair} pair
   * @param {Record<string, string>} [extra]
   */
  async #saveTokens(pair, extra = {}) {
    const expires = this.#o.now() + (Number(pair.expires_in) || 0) * 1000;
    const tx = await this.#begin();
    await setMeta(tx, 'access_token', pair.access_token);
    await setMeta(tx, 'access_expires_at_ms', expires);
    if (pair.refresh_token) await setMeta(tx, 'refresh_token', pair.refresh_token);
    for (const [k, v] of Object.entries(extra)) await setMeta(tx, k, v);
    await tx.done;
    this.#access = pair.access_token;
    this.#accessExpires = expires;
    if (pair.refresh_token) this.#refresh = pair.refresh_token;
    this.#refused = '';
  }

  /**
   * Returns a current access token, refreshing it when it is about to
   * expire or was refused. Refreshes are serialised within the page and,
   * through the Web Locks API where the browser has it, across tabs.
   * @returns {Promise<string>}
   */
  async #token() {
    const now = this.#o.now();
    if (this.#access && this.#access !== this.#refused && now < this.#accessExpires - EXPIRY_MARGIN_MS) return this.#access;
    if (!this.#refreshing) {
      this.#refreshing = this.#withLock('refresh', () => this.#doRefresh()).finally(() => {
        this.#refreshing = null;
      });
    }
    return this.#refreshing;
  }

  /** @returns {Promise<string>} */
  async #doRefresh() {
    // Another tab may have refreshed meanwhile: read what is stored.
    const tx = this.#read();
    const refresh = (await getMeta(tx, 'refresh_token')) ?? '';
    const access = (await getMeta(tx, 'access_token')) ?? '';
    const expires = Number((await getMeta(tx, 'access_expires_at_ms')) ?? 0);
    if (access && access !== this.#refused && this.#o.now() < expires - EXPIRY_MARGIN_MS) {
      this.#access = access;
      this.#accessExpires = expires;
      this.#refresh = refresh;
      return access;
    }
    if (!refresh) throw new APIError(401, 'unauthorized', 'this device has no refresh token: enrol it again', 'Authorization');
    const pair = /** @type {TokenPair} */ (await this.#raw('POST', '/v1/auth/token', { refresh_token: refresh }, ''));
    if (!pair.access_token || !pair.refresh_token) throw new APIError(502, 'internal', 'refresh answer is not a token pair');
    // The old refresh token is spent: keep the new one before anything else.
    await this.#saveTokens(pair);
    return pair.access_token;
  }

  /**
   * Runs fn holding a named lock shared by the tabs of this origin (when
   * the browser has navigator.locks; otherwise within this page only).
   * @template T
   * @param {string} name
   * @param {() => Promise<T>} fn
   * @returns {Promise<T>}
   */
  async #withLock(name, fn) {
    const locks = globalThis.navigator?.locks;
    if (locks) return locks.request(`continuity:${this.#o.dbName}:${name}`, fn);
    return fn();
  }

  /**
   * Asks the server who this device is: the subject, role, device id,
   * grants and the incidents in scope. Offline, it answers from the last
   * answer stored.
   * @returns {Promise<{subject: string, role: string, device_id: string, scopes: string[], incidents: {id: string, name: string}[]}>}
   */
  async me() {
    try {
      const me = await this.fetchJSON('/v1/me');
      const tx = await this.#begin();
      await setMeta(tx, 'me', me);
      await setMeta(tx, 'role', me.role);
      await tx.done;
      return me;
    } catch (e) {
      if (e instanceof APIError && e.temporary) {
        const cached = await getMeta(this.#read(), 'me');
        if (cached) return cached;
      }
      throw e;
    }
  }

  /**
   * Signs out: stops syncing and deletes the whole local database (records,
   * outbox, tokens, keys). Every other tab on the database closes it at once
   * and hears 'signedout'; the server is asked to revoke the device now, or
   * at the next contact when it cannot be reached (reportWipes).
   * @returns {Promise<void>}
   */
  async signOut() {
    await this.#wipe('signed_out');
  }

  // ---- local reads and writes ----------------------------------------------

  /**
   * The incident a record belongs to (its collection's scope field).
   * @param {RecordState} r
   * @returns {string}
   */
  #scopeOf = (r) => {
    const field = this.#schema ? this.#schema.collection(r.collection)?.scope_field ?? '' : 'incident_id';
    if (!field) return '';
    const v = r.fields[field]?.value;
    return typeof v === 'string' ? v : '';
  };

  /**
   * Validates fields against the schema the server exported. Returns every
   * problem (empty when none, or when the schema is not known yet). Errors
   * name fields as the server does: `fields.<name>`.
   * @param {string} collection
   * @param {Record<string, any>} fields
   * @param {{create?: boolean}} [opts]
   * @returns {FieldError[]}
   */
  validate(collection, fields, opts = {}) {
    if (!this.#schema) return [];
    return this.#schema.validate(collection, fields, opts);
  }

  /**
   * Evaluates the collection's record rules, exported as data by the server
   * and evaluated by it too (e.g. the two-stage capacity test), on a
   * record's fields. Empty when none is broken or the schema is not known.
   * @param {string} collection
   * @param {Record<string, any>} fields
   * @returns {{field: string, code: string, message: string}[]}
   */
  requirements(collection, fields) {
    if (!this.#schema) return [];
    return this.#schema.requirements(collection, fields);
  }

  /**
   * Writes fields to a record locally: the change is validated, stamped,
   * stored in the durable outbox and merged into the local view in one
   * transaction. null clears a field.
   * @param {string} collection
   * @param {string} recordId a UUID (use newId() for a new record)
   * @param {Record<string, any>} fields
   * @returns {Promise<string>} the change id
   */
  async put(collection, recordId, fields) {
    if (!fields || typeof fields !== 'object' || Array.isArray(fields) || Object.keys(fields).length === 0) {
      throw new ValidationError([{ field: 'fields', code: 'missing_field', message: 'an upsert needs at least one field' }]);
    }
    // JSON round trip: drops undefined, turns dates into strings, and
    // refuses what JSON cannot carry.
    const clean = JSON.parse(JSON.stringify(fields));
    return this.#write(collection, recordId, 'upsert', clean);
  }

  /**
   * Deletes a record (a tombstone: writes made after it revive it).
   * @param {string} collection
   * @param {string} recordId
   * @returns {Promise<string>} the change id
   */
  async remove(collection, recordId) {
    return this.#write(collection, recordId, 'delete', undefined);
  }

  /**
   * @param {string} collection
   * @param {string} recordId
   * @param {'upsert'|'delete'} op
   * @param {Record<string, any>|undefined} fields
   * @returns {Promise<string>}
   */
  async #write(collection, recordId, op, fields) {
    if (!this.enrolled || !this.#clock) throw new APIError(401, 'unauthorized', 'this device is not enrolled');
    const id = canonID('record_id', recordId);
    const col = this.#schema?.collection(collection);
    if (this.#schema && !col) {
      throw new ValidationError([{ field: 'collection', code: 'unknown_collection', message: `unknown collection ${JSON.stringify(collection)}; known: ${this.#schema.names().join(', ')}` }]);
    }
    if (fields && col?.scope_field && typeof fields[col.scope_field] === 'string' && UUID_RE.test(fields[col.scope_field])) {
      fields[col.scope_field] = fields[col.scope_field].toLowerCase();
    }
    const clock = this.#clock;
    const tx = await this.#begin();
    /** @type {import('./store.js').StoredRecord|undefined} */
    const row = await tx.objectStore('records').get([collection, id]);
    const before = row?.state ?? newRecord(collection, id);
    if (op === 'delete' && (!exists(before) || isDeleted(before))) {
      tx.abort();
      await tx.done.catch(() => {});
      throw new APIError(404, 'not_found', `no ${collection} record ${id} to delete`, 'record_id');
    }
    if (op === 'upsert' && this.#schema) {
      const create = !exists(before) || isDeleted(before);
      const errs = this.#schema.validate(collection, /** @type {Record<string, any>} */ (fields), { create, current: create ? undefined : recordObject(before) });
      if (errs.length > 0) {
        tx.abort();
        await tx.done.catch(() => {});
        throw new ValidationError(errs);
      }
    }
    const cursor = (await getMeta(tx, 'cursor')) ?? '';
    /** @type {Change} */
    const change = {
      id: newId(), collection, record_id: id, op,
      hlc: formatHLC(clock.now()), recorded_at: new Date(this.#o.now()).toISOString(), device_id: this.#deviceId,
    };
    if (fields) change.fields = fields;
    if (cursor) change.seen = cursor;
    await tx.objectStore('outbox').add({
      change_id: change.id, collection, record_id: id, change, state: 'pending',
      code: '', field: '', message: '', rejected_at: '', created_at: new Date(this.#o.now()).toISOString(),
    });
    await refreshView(tx, collection, id, this.#scopeOf);
    await setMeta(tx, 'clock_last', formatHLC(clock.last()));
    await tx.done;
    await this.#updateCounts();
    this.#emit('change', { collections: [collection] });
    this.#emitStatus();
    this.#wake();
    return change.id;
  }

  /**
   * Returns a record's current fields as merged locally, or undefined when
   * it is deleted or unknown.
   * @param {string} collection
   * @param {string} id
   * @returns {Promise<Record<string, any>|undefined>}
   */
  async get(collection, id) {
    const row = await this.#read().objectStore('records').get([collection, String(id).toLowerCase()]);
    return row ? recordObject(row.state) : undefined;
  }

  /**
   * Returns the live records of a collection. filter may be an object of
   * field values that must all be equal (e.g. {incident_id, resident_id}),
   * or a function of (fields, id).
   * @param {string} collection
   * @param {Record<string, any>|((fields: Record<string, any>, id: string) => boolean)} [filter]
   * @returns {Promise<{id: string, fields: Record<string, any>, pending: boolean}[]>}
   */
  async list(collection, filter) {
    /** @type {import('./store.js').StoredRecord[]} */
    const rows = await this.#read().objectStore('records').index('collection').getAll(IDBKeyRange.only(collection));
    const out = [];
    for (const row of rows) {
      if (row.deleted) continue;
      const fields = recordObject(row.state);
      if (!fields) continue;
      if (typeof filter === 'function') {
        if (!filter(fields, row.record_id)) continue;
      } else if (filter) {
        let ok = true;
        for (const [k, v] of Object.entries(filter)) {
          if (JSON.stringify(fields[k]) !== JSON.stringify(v)) {
            ok = false;
            break;
          }
        }
        if (!ok) continue;
      }
      out.push({ id: row.record_id, fields, pending: row.pending === 1 });
    }
    return out;
  }

  /**
   * Returns the changes the server refused, oldest first, with its reasons.
   * They are kept (not in the local view, not retried) until discarded.
   * @returns {Promise<RejectedChange[]>}
   */
  async rejected() {
    const es = await outboxEntries(this.#read(), 'rejected');
    return es.map((e) => ({ change: e.change, code: e.code, message: e.message, field: e.field, at: e.rejected_at }));
  }

  /**
   * Forgets a rejected change (the server keeps its copy in quarantine).
   * @param {string} changeId
   * @returns {Promise<void>}
   */
  async discardRejected(changeId) {
    const tx = await this.#begin();
    const store = tx.objectStore('outbox');
    const key = await store.index('change_id').getKey(changeId);
    const e = key === undefined ? undefined : await store.get(key);
    if (!e || e.state !== 'rejected') {
      tx.abort();
      await tx.done.catch(() => {});
      throw new APIError(404, 'not_found', `no rejected change ${changeId}`);
    }
    await store.delete(/** @type {IDBValidKey} */ (key));
    await tx.done;
    await this.#updateCounts();
    this.#emitStatus();
  }

  /**
   * Queues a rejected change again (after its cause was fixed), with a new
   * clock stamp; it is validated again first.
   * @param {string} changeId
   * @returns {Promise<void>}
   */
  async retryRejected(changeId) {
    const clock = this.#clock;
    if (!clock) throw new APIError(401, 'unauthorized', 'this device is not enrolled');
    const tx = await this.#begin();
    const store = tx.objectStore('outbox');
    const key = await store.index('change_id').getKey(changeId);
    /** @type {OutboxEntry|undefined} */
    const e = key === undefined ? undefined : await store.get(key);
    if (!e || e.state !== 'rejected') {
      tx.abort();
      await tx.done.catch(() => {});
      throw new APIError(404, 'not_found', `no rejected change ${changeId}`);
    }
    if (e.change.op === 'upsert' && this.#schema) {
      const row = await tx.objectStore('records').get([e.collection, e.record_id]);
      const create = !row || !exists(row.state) || isDeleted(row.state);
      const errs = this.#schema.validate(e.collection, e.change.fields ?? {}, { create, current: create ? undefined : recordObject(row.state) });
      if (errs.length > 0) {
        tx.abort();
        await tx.done.catch(() => {});
        throw new ValidationError(errs);
      }
    }
    const cursor = (await getMeta(tx, 'cursor')) ?? '';
    const change = { ...e.change, hlc: formatHLC(clock.now()), device_id: this.#deviceId };
    if (cursor) change.seen = cursor;
    await store.put({ ...e, change, state: 'pending', code: '', field: '', message: '', rejected_at: '' });
    await refreshView(tx, e.collection, e.record_id, this.#scopeOf);
    await setMeta(tx, 'clock_last', formatHLC(clock.last()));
    await tx.done;
    await this.#updateCounts();
    this.#emit('change', { collections: [e.collection] });
    this.#emitStatus();
    this.#wake();
  }

  // ---- status and events ---------------------------------------------------

  /**
   * Subscribes to 'change' ({collections}), 'status' (Status) or
   * 'signedout' ({}: another tab signed out or wiped the device; this
   * client holds nothing any more) events.
   * @param {'change'|'status'|'signedout'} event
   * @param {(payload: any) => void} fn
   * @returns {() => void} unsubscribes
   */
  on(event, fn) {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(fn);
    return () => set.delete(fn);
  }

  /**
   * @param {string} event
   * @param {any} payload
   */
  #emit(event, payload) {
    for (const fn of this.#listeners.get(event) ?? []) {
      try {
        fn(payload);
      } catch (e) {
        console.error('continuity: listener failed', e);
      }
    }
  }

  #emitStatus() {
    this.#emit('status', this.status());
  }

  /**
   * Returns the sync state now.
   * @returns {Status}
   */
  status() {
    const online = this.#status.online && (globalThis.navigator?.onLine ?? true);
    return { ...this.#status, online };
  }

  async #updateCounts() {
    if (!this.#db || this.#closed) return;
    this.#status.pending = await countOutbox(this.#db, 'pending');
    this.#status.rejected = await countOutbox(this.#db, 'rejected');
  }

  // ---- HTTP ----------------------------------------------------------------

  /**
   * One unauthenticated-or-authenticated request with retries: network
   * failures, 5xx and 429 are retried with backoff and full jitter (429
   * and 503 wait Retry-After); a 401 refreshes the token once.
   * @param {string} method
   * @param {string} path
   * @param {any} body      JSON-encoded when not a string
   * @param {string} auth   'bearer' to authenticate, '' not to
   * @param {{text?: boolean, headers?: Record<string, string>, retry?: boolean}} [opt]
   * @returns {Promise<any>}
   */
  async #raw(method, path, body, auth, opt = {}) {
    let refreshed = false;
    for (let attempt = 0; ; ) {
      try {
        return await this.#once(method, path, body, auth, opt);
      } catch (e) {
        if (!(e instanceof APIError)) throw e;
        if (e.status === 401 && auth && !refreshed) {
          refreshed = true;
          this.#refused = this.#access;
          continue;
        }
        if (!e.temporary || opt.retry === false) throw e;
        if (e.status === 0 && globalThis.navigator?.onLine === false) throw e;
        if (attempt >= this.#o.maxRetries) throw e;
        let wait = backoff(attempt, this.#o.retryBaseMs, this.#o.retryMaxMs, this.#o.random);
        if (e.retryAfterMs > 0) wait = e.retryAfterMs;
        if (wait > this.#o.retryMaxMs) throw e;
        await sleep(wait, this.#loop?.signal);
        attempt++;
      }
    }
  }

  /**
   * @param {string} method
   * @param {string} path
   * @param {any} body
   * @param {string} auth
   * @param {{text?: boolean, headers?: Record<string, string>}} opt
   * @returns {Promise<any>}
   */
  async #once(method, path, body, auth, opt) {
    /** @type {Record<string, string>} */
    const headers = { Accept: opt.text ? '*/*' : 'application/json', ...(opt.headers ?? {}) };
    if (auth) headers.Authorization = 'Bearer ' + (await this.#token());
    /** @type {RequestInit} */
    const init = { method, headers, cache: 'no-store', credentials: 'omit' };
    if (body !== undefined && body !== null) {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      init.body = text;
      if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
      const z = this.#plainBodies || Object.keys(headers).some((k) => k.toLowerCase() === 'content-encoding') ? null : await gzipText(text);
      if (z) {
        init.body = z;
        headers['Content-Encoding'] = 'gzip';
      }
    }
    let resp;
    try {
      resp = await this.#o.fetch(this.#o.baseURL + path, init);
    } catch (e) {
      this.#setOnline(false);
      throw new APIError(0, 'offline', `cannot reach the server: ${e instanceof Error ? e.message : e}`);
    }
    this.#setOnline(true);
    this.#learnPushLimit(resp.headers);
    if (resp.status === 304) return null;
    if (!resp.ok) {
      const e = await errorFrom(resp, this.#o.now());
      if (headers['Content-Encoding'] === 'gzip' && e.status === 415 && e.field === 'Content-Encoding') {
        // A server from before compressed requests: send every body as it is.
        this.#plainBodies = true;
        return this.#once(method, path, body, auth, opt);
      }
      throw proxyReason(e, resp);
    }
    try {
      if (opt.text) return await resp.text();
      const text = await resp.text();
      return text === '' ? null : JSON.parse(text);
    } catch (e) {
      // A cut-off body is a network failure: ask again.
      throw new APIError(0, 'offline', `answer cut off: ${e instanceof Error ? e.message : e}`);
    }
  }

  /** @param {boolean} online */
  #setOnline(online) {
    if (this.#status.online !== online) {
      this.#status.online = online;
      this.#emitStatus();
    }
  }

  /**
   * An authenticated REST call answered in JSON (reports, admin,
   * conflicts), refreshing the token on 401. GET and HEAD are retried on
   * temporary failures. Throws APIError for error answers.
   * @param {string} path e.g. "/v1/conflicts?status=open"
   * @param {RequestInit & {json?: any}} [init] json: a value to send as the JSON body
   * @returns {Promise<any>}
   */
  async fetchJSON(path, init = {}) {
    const method = (init.method ?? 'GET').toUpperCase();
    const body = init.json !== undefined ? init.json : init.body;
    return this.#raw(method, path, body, 'bearer', { headers: headersOf(init.headers), retry: method === 'GET' || method === 'HEAD' });
  }

  /**
   * The same as fetchJSON, answered as text (e.g. CSV).
   * @param {string} path
   * @param {RequestInit & {json?: any}} [init]
   * @returns {Promise<string>}
   */
  async fetchText(path, init = {}) {
    const method = (init.method ?? 'GET').toUpperCase();
    const body = init.json !== undefined ? init.json : init.body;
    return this.#raw(method, path, body, 'bearer', { text: true, headers: headersOf(init.headers), retry: method === 'GET' || method === 'HEAD' });
  }

  /**
   * Fetches the schema (GET /v1/schema) when it changed since the cached
   * copy, and stores it for offline use.
   * @returns {Promise<Schema|null>}
   */
  async loadSchema() {
    /** @type {Record<string, string>} */
    const headers = {};
    if (this.#schema) headers['If-None-Match'] = `"${this.#schema.version}"`;
    const exported = await this.#raw('GET', '/v1/schema', undefined, 'bearer', { headers });
    this.#schemaCheckedAt = this.#o.now();
    if (exported) {
      this.#schema = new Schema(exported, { now: this.#o.now });
      const tx = await this.#begin();
      await setMeta(tx, 'schema', exported);
      await tx.done;
    }
    return this.#schema;
  }

  // ---- sync ----------------------------------------------------------------

  /**
   * One push and pull round now. A sync requested while one runs runs once
   * more after it (so writes made meanwhile are sent).
   * @returns {Promise<SyncReport>}
   */
  sync() {
    if (this.#running) {
      if (!this.#queued) {
        this.#queued = this.#running.catch(() => {}).then(() => {
          this.#queued = null;
          return this.sync();
        });
      }
      return this.#queued;
    }
    this.#running = this.#withLock('sync', () => this.#syncOnce()).finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  /** @returns {Promise<SyncReport>} */
  async #syncOnce() {
    if (!this.enrolled) throw new APIError(401, 'unauthorized', 'this device is not enrolled');
    /** @type {SyncReport} */
    const rep = { pushed: 0, applied: 0, duplicates: 0, rejected: 0, restamped: 0, pulled: 0, purged: 0, resets: 0, requeued: 0 };
    this.#status.syncing = true;
    this.#emitStatus();
    try {
      if (!this.#schema || this.#o.now() - this.#schemaCheckedAt > SCHEMA_CHECK_MS) {
        await this.loadSchema();
      }
      await this.#push(rep);
      await this.#pull(rep);
      const done = new Date(this.#o.now()).toISOString();
      const tx = await this.#begin();
      await setMeta(tx, 'last_sync_at', done);
      await setMeta(tx, 'last_error', '');
      await tx.done;
      this.#status.lastSyncedAt = done;
      this.#status.error = '';
      this.#status.reenrolRequired = false;
      return rep;
    } catch (e) {
      this.#status.error = e instanceof Error ? e.message : String(e);
      if (e instanceof ReenrolRequiredError) this.#status.reenrolRequired = true;
      if (this.#db && this.#sealer) {
        const tx = await this.#begin();
        await setMeta(tx, 'last_error', this.#status.error);
        await tx.done.catch(() => {});
      }
      throw e;
    } finally {
      this.#status.syncing = false;
      await this.#updateCounts();
      this.#emitStatus();
    }
  }

  /**
   * Returns the oldest pending changes within the count budget and the push
   * body limit: the body as sent, in UTF-8 bytes (not UTF-16 units: Welsh
   * or Punjabi text takes 2 to 3 bytes a character), stays within it. A
   * single change over it is sent alone (the server says why it is refused).
   * @returns {Promise<OutboxEntry[]>}
   */
  async #nextBatch() {
    const es = await outboxEntries(this.#read(), 'pending', this.#o.pushBatchSize);
    const budget = this.#pushLimit || PUSH_BYTE_BUDGET;
    let size = utf8Length('{"changes":[]}');
    for (let i = 0; i < es.length; i++) {
      size += utf8Length(JSON.stringify(wireChange(es[i]))) + (i > 0 ? 1 : 0);
      if (size > budget && i > 0) return es.slice(0, i);
    }
    return es;
  }

  /**
   * Takes the server's advertised push limit from an answer's headers; a
   * limit already lowered by a proxy's 413 is kept.
   * @param {Headers} headers
   */
  #learnPushLimit(headers) {
    const n = Number.parseInt(headers?.get?.(HEADER_MAX_PUSH_BYTES) ?? '', 10);
    if (!Number.isFinite(n) || n < MIN_PUSH_BYTES) return;
    if (this.#pushLimit === 0 || n < this.#pushLimit) this.#pushLimit = n;
  }

  /** @param {SyncReport} rep */
  async #push(rep) {
    let rounds = 0;
    for (;;) {
      const batch = await this.#nextBatch();
      if (batch.length === 0) return;
      const changes = batch.map(wireChange);
      const body = JSON.stringify({ changes });
      let resp;
      try {
        resp = await this.#raw('POST', '/v1/sync/push', body, 'bearer');
      } catch (e) {
        // Too large for the server or a proxy in front of it: nothing was
        // applied; halve the limit and send smaller batches.
        const half = Math.floor(utf8Length(body) / 2);
        if (e instanceof APIError && e.status === 413 && batch.length > 1 && half >= MIN_PUSH_BYTES) {
          this.#pushLimit = this.#pushLimit ? Math.min(this.#pushLimit, half) : half;
          continue;
        }
        throw e;
      }
      rep.pushed += batch.length;
      if (!resp || !Array.isArray(resp.results) || resp.results.length !== batch.length) {
        throw new APIError(502, 'internal', `push of ${batch.length} changes got ${resp?.results?.length ?? 0} results`);
      }
      const { skewed, progressed } = await this.#settle(batch, resp, rep);
      if (skewed.size > 0) {
        if (++rounds > MAX_RESTAMP_ROUNDS) {
          throw new APIError(400, 'clock_skew', `the server still finds this device's clock too far ahead after ${MAX_RESTAMP_ROUNDS} corrections`);
        }
        await this.#restamp(resp.server_time, skewed, rep);
        continue;
      }
      await this.#trackDrift(resp.server_time);
      if (!progressed) throw new APIError(502, 'internal', 'the server settled none of the pushed changes');
    }
  }

  /**
   * Records the server's answers to one push in one transaction.
   * @param {OutboxEntry[]} batch
   * @param {{results: {id: string, status: string, error?: {code: string, message: string, field?: string}}[]}} resp
   * @param {SyncReport} rep
   * @returns {Promise<{skewed: Set<string>, progressed: boolean}>}
   */
  async #settle(batch, resp, rep) {
    const skewed = new Set();
    let progressed = false;
    const tx = await this.#begin();
    const outbox = tx.objectStore('outbox');
    const acked = [];
    const touched = new Set();
    for (let i = 0; i < resp.results.length; i++) {
      const r = resp.results[i];
      const e = batch[i];
      if (r.id && r.id !== e.change_id) {
        tx.abort();
        await tx.done.catch(() => {});
        throw new APIError(502, 'internal', `push result ${i} is for ${r.id}, not ${e.change_id}`);
      }
      if (r.status === 'applied' || r.status === 'duplicate') {
        if (r.status === 'applied') rep.applied++;
        else rep.duplicates++;
        progressed = true;
        await outbox.delete(/** @type {number} */ (e.seq));
        acked.push(e.change);
      } else if (r.status === 'rejected') {
        if (r.error?.code === 'clock_skew') {
          skewed.add(e.change_id);
          continue;
        }
        rep.rejected++;
        progressed = true;
        await outbox.put({
          ...e, state: 'rejected', code: r.error?.code ?? 'internal', field: r.error?.field ?? '',
          message: r.error?.message ?? 'rejected without a reason', rejected_at: new Date(this.#o.now()).toISOString(),
        });
        await refreshView(tx, e.collection, e.record_id, this.#scopeOf);
        touched.add(e.collection);
      }
    }
    if (acked.length > 0) {
      await raiseHLCMeta(tx, 'max_seen_hlc', acked.map((c) => c.hlc));
      for (const c of await applyToBase(tx, acked, this.#scopeOf)) touched.add(c);
    }
    await tx.done;
    if (touched.size > 0) this.#emit('change', { collections: [...touched] });
    return { skewed, progressed };
  }

  /**
   * Corrects the device clock from the server's time and re-stamps the
   * pending changes the server cannot apply with their stamps, in write
   * order, after every stamp the server is known to have accepted.
   * @param {string} serverTime
   * @param {Set<string>} skewed
   * @param {SyncReport} rep
   */
  async #restamp(serverTime, skewed, rep) {
    const st = Date.parse(serverTime ?? '');
    if (Number.isNaN(st)) throw new APIError(502, 'internal', 'clock_skew without server_time');
    const clock = /** @type {Clock} */ (this.#clock);
    const limit = st + MAX_CLOCK_SKEW_MS;
    const tx = await this.#begin();
    const pending = await outboxEntries(tx, 'pending');
    let floor = { wall: st, counter: 0, node: '' };
    const seen = await getMeta(tx, 'max_seen_hlc');
    if (seen && validHLC(seen)) {
      const s = parseHLC(seen);
      if (s.wall <= limit && compareHLC(s, floor) > 0) floor = s;
    }
    const redo = [];
    for (const e of pending) {
      const h = parseHLC(e.change.hlc);
      if (skewed.has(e.change_id) || h.wall > limit) redo.push(e);
      else if (compareHLC(h, floor) > 0) floor = h;
    }
    this.#offset = st - this.#o.now();
    await setMeta(tx, 'clock_offset_ms', this.#offset);
    clock.reset(floor);
    for (const e of redo) {
      const change = { ...e.change, hlc: formatHLC(clock.now()) };
      await tx.objectStore('outbox').put({ ...e, change });
      await refreshView(tx, e.collection, e.record_id, this.#scopeOf);
      rep.restamped++;
    }
    await setMeta(tx, 'clock_last', formatHLC(clock.last()));
    await tx.done;
  }

  /**
   * Keeps the clock correction current: when the corrected clock is more
   * than half the allowed skew from the server's time, it is reset.
   * @param {string} serverTime
   */
  async #trackDrift(serverTime) {
    const st = Date.parse(serverTime ?? '');
    if (Number.isNaN(st)) return;
    const drift = Math.abs(st - (this.#o.now() + this.#offset));
    if (drift <= MAX_CLOCK_SKEW_MS / 2) return;
    this.#offset = st - this.#o.now();
    const tx = await this.#begin();
    await setMeta(tx, 'clock_offset_ms', this.#offset);
    await tx.done;
  }

  /** @param {SyncReport} rep */
  async #pull(rep) {
    let restarted = false;
    for (;;) {
      const cursor = (await getMeta(this.#read(), 'cursor')) ?? '';
      const q = new URLSearchParams({ limit: String(this.#o.pullLimit) });
      if (cursor) q.set('cursor', cursor);
      let page;
      try {
        page = await this.#raw('GET', '/v1/sync/pull?' + q.toString(), undefined, 'bearer');
      } catch (e) {
        if (e instanceof APIError && e.code === 'invalid_cursor' && cursor && !restarted) {
          // The server no longer knows the cursor: start again from its
          // current state (merging is idempotent, so nothing is lost).
          restarted = true;
          const tx = await this.#begin();
          await setMeta(tx, 'cursor', '');
          await tx.done;
          continue;
        }
        if (e instanceof APIError && e.code === 'cursor_reset' && rep.resets === 0) {
          // The server's database was restored from a backup taken before
          // this cursor (or its log rolled back): drop the cursor, queue
          // again what this device wrote (the server may have lost it),
          // push, and sync again from the start. The outbox is kept.
          rep.resets++;
          const tx = await this.#begin();
          await setMeta(tx, 'cursor', '');
          rep.requeued += await requeueOwn(tx, this.#deviceId, new Date(this.#o.now()).toISOString(), this.#scopeOf);
          await tx.done;
          await this.#push(rep);
          continue;
        }
        throw e;
      }
      await this.#applyPage(page, rep);
      if (!page.has_more) return;
    }
  }

  /**
   * Merges one pull page, purges incidents the device lost, advances the
   * clock and stores the cursor, in one transaction.
   * @param {{changes: Change[], cursor: string, has_more: boolean, purge?: string[]}} page
   * @param {SyncReport} rep
   */
  async #applyPage(page, rep) {
    if (!page || !page.cursor) throw new APIError(502, 'internal', 'pull answer has no cursor');
    const clock = /** @type {Clock} */ (this.#clock);
    const tx = await this.#begin();
    const touched = new Set();
    const purged = await purgeIncidents(tx, page.purge ?? []);
    rep.purged += purged.count;
    for (const c of purged.collections) touched.add(c);
    const changes = page.changes ?? [];
    for (const c of await applyToBase(tx, changes, this.#scopeOf)) touched.add(c);
    rep.pulled += changes.length;
    if (changes.length > 0) {
      let max = changes[0].hlc;
      for (const c of changes) if (compareHLC(c.hlc, max) > 0) max = c.hlc;
      clock.update(max);
      await raiseHLCMeta(tx, 'max_seen_hlc', [max]);
      await setMeta(tx, 'clock_last', formatHLC(clock.last()));
    }
    await setMeta(tx, 'cursor', page.cursor);
    await tx.done;
    if (touched.size > 0) this.#emit('change', { collections: [...touched] });
  }

  // ---- background loop and stream ------------------------------------------

  /**
   * Starts syncing in the background: at once, after local writes, when the
   * server's change stream announces a change (polling when the server has
   * no stream or it fails), and when the browser comes back online. Failures
   * back off with jitter and honour Retry-After.
   */
  start() {
    if (this.#loop) return;
    const ctl = new AbortController();
    this.#loop = ctl;
    this.#onlineHandler = () => this.#wake();
    globalThis.addEventListener?.('online', this.#onlineHandler);
    this.#runLoop(ctl.signal).catch(() => {});
    if (this.#o.stream) {
      // One stream per device: the tabs on this database elect a leader
      // (stream-leader.js); the others wake on what it hears.
      const signal = ctl.signal;
      runStreamLeader(`continuity-stream:${this.#o.baseURL}:${this.#o.dbName}`, signal,
        (announce) => this.#runStream(signal, announce),
        (msg) => {
          if (msg.type === 'cursor') this.#wake();
          else if (msg.type === 'streaming' && this.#status.streaming !== msg.on) {
            this.#status.streaming = msg.on;
            if (msg.on) this.#wake(); // catch up, as the leader does
            this.#emitStatus();
          }
        }).catch(() => {});
    }
  }

  /** Stops the background loop (a sync in flight finishes). */
  stop() {
    this.#loop?.abort(new DOMException('stopped', 'AbortError'));
    this.#loop = null;
    if (this.#onlineHandler) globalThis.removeEventListener?.('online', this.#onlineHandler);
    this.#onlineHandler = null;
    this.#wakeFn?.();
  }

  /** Wakes the background loop for a sync now. */
  #wake() {
    this.#wakeSet = true;
    this.#wakeFn?.();
  }

  /**
   * Waits ms or until woken.
   * @param {number} ms
   * @param {AbortSignal} signal
   */
  async #waitWake(ms, signal) {
    if (this.#wakeSet) {
      this.#wakeSet = false;
      return;
    }
    await new Promise((resolve) => {
      const t = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.#wakeFn = done;
      function done() {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve(undefined);
      }
    });
    this.#wakeFn = null;
    this.#wakeSet = false;
  }

  /** @param {AbortSignal} signal */
  async #runLoop(signal) {
    let failures = 0;
    while (!signal.aborted) {
      let wait = this.#status.streaming ? this.#o.streamSafetyMs : this.#o.pollIntervalMs;
      if (this.enrolled && this.#sealer) {
        try {
          // Let a burst of writes settle into one push.
          await sleep(50, signal);
          this.#wakeSet = false;
          await this.sync();
          failures = 0;
        } catch (e) {
          if (signal.aborted) return;
          failures++;
          wait = Math.min(wait, Math.max(1000, backoff(failures, 1000, this.#o.retryMaxMs, this.#o.random)));
          if (e instanceof APIError && e.retryAfterMs > 0) wait = Math.max(wait, e.retryAfterMs);
          if (e instanceof APIError && e.status === 401) wait = this.#o.pollIntervalMs;
        }
      }
      await this.#waitWake(wait, signal);
    }
  }

  /**
   * Keeps GET /v1/sync/stream open and wakes the loop on each `cursor`
   * event. A 404 means the server has no stream: polling continues and the
   * stream is tried again later. What it hears is announced to the other
   * tabs of this device (runStreamLeader).
   * @param {AbortSignal} signal
   * @param {(msg: import('./stream-leader.js').StreamMessage) => void} [announce]
   */
  async #runStream(signal, announce = () => {}) {
    let failures = 0;
    while (!signal.aborted) {
      if (!this.enrolled || !this.#sealer || this.#streamUnsupported || globalThis.navigator?.onLine === false) {
        const wait = this.#streamUnsupported ? 5 * 60000 : 5000;
        this.#streamUnsupported = false;
        await sleep(wait, signal).catch(() => {});
        continue;
      }
      let opened = false;
      try {
        const token = await this.#token();
        const resp = await this.#o.fetch(this.#o.baseURL + '/v1/sync/stream', {
          headers: { Authorization: 'Bearer ' + token, Accept: 'text/event-stream' }, cache: 'no-store', credentials: 'omit', signal,
        });
        if (resp.status === 404 || resp.status === 405) {
          this.#streamUnsupported = true;
          continue;
        }
        if (resp.status === 401) {
          this.#refused = token;
          throw new APIError(401, 'unauthorized', 'stream refused the token');
        }
        if (!resp.ok || !resp.body) throw await errorFrom(resp, this.#o.now());
        opened = true;
        failures = 0;
        this.#status.streaming = true;
        this.#emitStatus();
        announce({ type: 'streaming', on: true });
        this.#wake(); // catch up on what happened while disconnected
        let expired = false;
        await readSSE(resp.body, (ev) => {
          if (ev.event === 'cursor') {
            this.#wake();
            announce({ type: 'cursor' });
          } else if (ev.event === 'token_expired') {
            expired = true;
            this.#refused = token;
          }
        });
        if (expired) continue; // refresh and reconnect at once
      } catch (e) {
        if (signal.aborted) break;
      } finally {
        if (this.#status.streaming) {
          this.#status.streaming = false;
          this.#emitStatus();
          announce({ type: 'streaming', on: false });
        }
      }
      if (signal.aborted) break;
      if (!opened) failures++;
      await sleep(backoff(failures, 1000, this.#o.retryMaxMs, this.#o.random) + 250, signal).catch(() => {});
    }
  }
}

/**
 * The change as pushed: without device_id, which the server sets from the
 * token.
 * @param {OutboxEntry} e
 * @returns {any}
 */
function wireChange(e) {
  const w = { ...e.change };
  delete w.device_id;
  return w;
}

/**
 * The length of s in UTF-8 bytes, as it goes on the wire.
 * @param {string} s
 * @returns {number}
 */
function utf8Length(s) {
  return new TextEncoder().encode(s).length;
}

/**
 * Turns an error answered without the server's envelope (a reverse proxy's,
 * a captive portal's or a firewall's web page) into a reason a person can
 * act on: the app shows the message on its status line.
 * @param {APIError} e
 * @param {Response} resp
 * @returns {APIError}
 */
function proxyReason(e, resp) {
  if (!(e instanceof APIError) || !e.code.startsWith('http_')) return e;
  let message = '';
  if (e.status === 413) {
    message = 'The server or a proxy in front of it refused these changes as too large (HTTP 413). They stay on this device, waiting to send. ' +
      'Ask IT to allow request bodies of at least 4 MiB at the proxy (nginx: client_max_body_size 5m; see docs/operations.md).';
  } else if (e.status === 502 || e.status === 504) {
    message = `The proxy in front of the server could not reach it (HTTP ${e.status}): the server may be down or restarting. Changes stay on this device and are sent when it is back.`;
  } else if (/^text\/html/i.test(resp.headers.get('Content-Type') ?? '') || /^\s*</.test(e.message)) {
    message = `Something between this device and the server (a proxy, a captive portal or a firewall) answered HTTP ${e.status} with a web page instead of the server's answer. ` +
      'Try again later or on another network; if it persists, tell IT.';
  }
  if (!message) return e;
  return new APIError(e.status, 'proxy_error', message, '', e.retryAfterMs);
}

/**
 * Raises an HLC meta value to the largest of hlcs.
 * @param {any} tx
 * @param {string} key
 * @param {string[]} hlcs
 */
async function raiseHLCMeta(tx, key, hlcs) {
  let cur = await getMeta(tx, key);
  for (const h of hlcs) if (!cur || !validHLC(cur) || compareHLC(h, cur) > 0) cur = h;
  if (cur) await setMeta(tx, key, cur);
}

/**
 * Decodes a JWT's claims without verifying it (the server verifies; the
 * device only learns who it is).
 * @param {string} token
 * @returns {{sub?: string, role?: string, device_id?: string, exp?: number}}
 */
function decodeClaims(token) {
  try {
    const part = token.split('.')[1] ?? '';
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (part.length % 4)) % 4);
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0))));
  } catch {
    return {};
  }
}

/**
 * Turns HeadersInit into a plain object.
 * @param {HeadersInit|undefined} h
 * @returns {Record<string, string>}
 */
function headersOf(h) {
  /** @type {Record<string, string>} */
  const out = {};
  if (!h) return out;
  new Headers(h).forEach((v, k) => {
    out[k] = v;
  });
  return out;
}
