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

import { Core } from './core.js';
import { Auth } from './auth.js';
import { Device } from './device.js';
import { Outbox } from './outbox.js';
import { Syncer } from './sync.js';
import { Loop } from './stream.js';
import { countOutbox, openStore } from './store.js';
import { ValidationError } from './http.js';
import { Schema } from './validate.js';

export { APIError, ReenrolRequiredError, ValidationError } from './http.js';
export { DeviceWipedError, MAX_PIN_TRIES, WrongPinError, pinProblem } from './vault.js';

export { LockedError } from './core.js';
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
 * @property {string} heardAt      RFC 3339 time the change stream was last heard from: an event or a
 *                                 heartbeat, in whichever tab of the device holds it ('' never)
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

/**
 * What a 'change' listener hears: the records of the local view that
 * changed, by collection, and where the change came from. A 'reset' (lock,
 * sign-out, wipe) names nothing: whatever the listener holds is gone.
 * @typedef {object} ChangeEvent
 * @property {string[]} collections               the collections touched
 * @property {Record<string, string[]>} records    collection → ids of the records whose view changed
 * @property {import('./core.js').ChangeSource} source 'local', 'push', 'pull', 'tab' or 'reset'
 */

/**
 * A device's connection to Continuity: local store, outbox and sync. Its
 * parts live in core.js (shared state), auth.js (enrolment, tokens, HTTP),
 * device.js (PIN, lock, wipe), outbox.js (local writes and reads, with the
 * record cache of cache.js), sync.js (push and pull) and stream.js (the
 * background loop and the change stream).
 */
export class Client {
  /** @type {Core} */
  #c;

  /**
   * Use Client.open.
   * @param {Options} opts
   * @param {import('./store.js').IDBPDatabase} db
   */
  constructor(opts, db) {
    const c = new Core(opts, db);
    c.auth = new Auth(c);
    c.device = new Device(c);
    c.outbox = new Outbox(c);
    c.syncer = new Syncer(c);
    c.loop = new Loop(c);
    this.#c = c;
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
    const db = await openStore(opts.dbName ?? 'continuity', () => { if (c) c.#c.closedElsewhere(); });
    c = new Client(opts, db);
    await c.#c.device.openVault();
    c.#c.device.listen();
    c.reportWipes().catch(() => {});
    return c;
  }

  /** @returns {boolean} whether the device is enrolled (it may be locked) */
  get enrolled() {
    return this.#c.enrolled;
  }

  /** @returns {boolean} enrolled, and the PIN is needed before anything can be read */
  get locked() {
    return this.enrolled && !this.#c.sealer;
  }

  /** @returns {boolean} enrolled with keyStorage 'pin' and no PIN chosen yet: call setPin */
  get needsPin() {
    return this.#c.o.keyStorage === 'pin' && !!this.#c.unwrapped;
  }

  /** @returns {number} wrong PINs entered since the last right one */
  get pinFailures() {
    return Number(this.#c.vault?.failures ?? 0);
  }

  /**
   * Chooses the device PIN after enrolment: the data key is wrapped under
   * it (PBKDF2, see vault.js). Throws a ValidationError (field "pin") when
   * pinProblem refuses it.
   * @param {string} pin
   * @returns {Promise<void>}
   */
  setPin(pin) {
    return this.#c.device.setPin(pin);
  }

  /**
   * Unlocks the device with its PIN (no network needed): the data key is
   * unwrapped and the tokens, clock and schema restored. A wrong PIN throws
   * WrongPinError (`remaining`); the fifth in a row wipes the device, which
   * the server is told at its next contact, and throws DeviceWipedError.
   * @param {string} pin
   * @returns {Promise<void>}
   */
  unlock(pin) {
    return this.#c.device.unlock(pin);
  }

  /**
   * Locks the device: syncing stops and the key, tokens, cached records and
   * state leave memory; unlock(pin) brings them back.
   */
  lock() {
    this.#c.device.lock();
  }

  /**
   * Changes waiting to send, counted even while locked (an outbox entry's
   * state is kept in clear): the lock screen warns with it before a wipe.
   * @returns {Promise<number>}
   */
  async waitingToSend() {
    const db = this.#c.db;
    if (!db) return 0;
    return countOutbox(db, 'pending');
  }

  /**
   * Seals a value with the data key for the app's own stores (e.g. drafts):
   * what comes back holds no plain text.
   * @param {any} value JSON-encodable
   * @returns {Promise<{iv: Uint8Array, ct: ArrayBuffer}>}
   */
  async sealValue(value) {
    return (await this.#c.seal().seal('meta', { key: 'app', value })).v;
  }

  /**
   * Opens what sealValue made.
   * @param {{iv: Uint8Array, ct: ArrayBuffer}} sealed
   * @returns {Promise<any>}
   */
  async openValue(sealed) {
    return (await this.#c.seal().open('meta', { key: 'app', v: sealed })).value;
  }

  /**
   * Tells the server about devices wiped here (sign-out, five wrong PINs)
   * that it has not heard of yet, so it revokes them with the reason; kept
   * for the next contact when the server cannot be reached.
   * @returns {Promise<number>} how many the server took
   */
  reportWipes() {
    return this.#c.device.reportWipes();
  }

  /** @returns {string} the device id the server gave at enrolment ('' before) */
  get deviceId() {
    return this.#c.deviceId;
  }

  /** @returns {Schema|null} the schema writes are validated against, once known */
  get schema() {
    return this.#c.schema;
  }

  // ---- enrolment and tokens ------------------------------------------------

  /**
   * Enrols this device with a one-time code (POST /v1/auth/enrol). The
   * tokens are stored in IndexedDB before anything uses them.
   * @param {string} code
   * @returns {Promise<void>}
   */
  async enrol(code) {
    const resp = await this.#c.auth.raw('POST', '/v1/auth/enrol', { code: String(code ?? '').trim() }, '');
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
  enrolWithPair(pair) {
    return this.#c.auth.enrolWithPair(pair);
  }

  /**
   * Asks the server who this device is: the subject, role, device id,
   * grants and the incidents in scope. Offline, it answers from the last
   * answer stored.
   * @returns {Promise<{subject: string, role: string, device_id: string, scopes: string[], incidents: {id: string, name: string}[]}>}
   */
  me() {
    return this.#c.auth.me();
  }

  /**
   * Signs out: stops syncing and deletes the whole local database (records,
   * outbox, tokens, keys). Every other tab on the database closes it at once
   * and hears 'signedout'; the server is asked to revoke the device now, or
   * at the next contact when it cannot be reached (reportWipes).
   * @returns {Promise<void>}
   */
  signOut() {
    return this.#c.device.wipe('signed_out');
  }

  // ---- local reads and writes ----------------------------------------------

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
    const s = this.#c.schema;
    if (!s) return [];
    return s.validate(collection, fields, opts);
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
    const s = this.#c.schema;
    if (!s) return [];
    return s.requirements(collection, fields);
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
    return this.#c.outbox.write(collection, recordId, 'upsert', clean);
  }

  /**
   * Deletes a record (a tombstone: writes made after it revive it).
   * @param {string} collection
   * @param {string} recordId
   * @returns {Promise<string>} the change id
   */
  async remove(collection, recordId) {
    return this.#c.outbox.write(collection, recordId, 'delete', undefined);
  }

  /**
   * Returns a record's current fields as merged locally, or undefined when
   * it is deleted or unknown. A fresh copy: changing it changes nothing
   * stored.
   * @param {string} collection
   * @param {string} id
   * @returns {Promise<Record<string, any>|undefined>}
   */
  get(collection, id) {
    return this.#c.outbox.get(collection, id);
  }

  /**
   * Returns the live records of a collection. filter may be an object of
   * field values that must all be equal (e.g. {incident_id, resident_id}),
   * or a function of (fields, id). The collection is read from IndexedDB
   * once; after that from memory, kept in step with every write and pull
   * (cache.js). Fresh copies: changing them changes nothing stored.
   * @param {string} collection
   * @param {Record<string, any>|((fields: Record<string, any>, id: string) => boolean)} [filter]
   * @returns {Promise<{id: string, fields: Record<string, any>, pending: boolean}[]>}
   */
  list(collection, filter) {
    return this.#c.outbox.list(collection, filter);
  }

  /**
   * Returns the changes the server refused, oldest first, with its reasons.
   * They are kept (not in the local view, not retried) until discarded.
   * @returns {Promise<RejectedChange[]>}
   */
  rejected() {
    return this.#c.outbox.rejected();
  }

  /**
   * Forgets a rejected change (the server keeps its copy in quarantine).
   * @param {string} changeId
   * @returns {Promise<void>}
   */
  discardRejected(changeId) {
    return this.#c.outbox.discardRejected(changeId);
  }

  /**
   * Queues a rejected change again (after its cause was fixed), with a new
   * clock stamp; it is validated again first.
   * @param {string} changeId
   * @returns {Promise<void>}
   */
  retryRejected(changeId) {
    return this.#c.outbox.retryRejected(changeId);
  }

  // ---- status and events ---------------------------------------------------

  /**
   * Subscribes to 'change' (ChangeEvent: {collections, records, source}),
   * 'status' (Status) or 'signedout' ({}: another tab signed out or wiped
   * the device; this client holds nothing any more) events.
   * @param {'change'|'status'|'signedout'} event
   * @param {(payload: any) => void} fn
   * @returns {() => void} unsubscribes
   */
  on(event, fn) {
    return this.#c.on(event, fn);
  }

  /**
   * Returns the sync state now.
   * @returns {Status}
   */
  status() {
    return this.#c.statusNow();
  }

  // ---- HTTP ----------------------------------------------------------------

  /**
   * An authenticated REST call answered in JSON (reports, admin,
   * conflicts), refreshing the token on 401. GET and HEAD are retried on
   * temporary failures. Throws APIError for error answers.
   * @param {string} path e.g. "/v1/conflicts?status=open"
   * @param {RequestInit & {json?: any}} [init] json: a value to send as the JSON body
   * @returns {Promise<any>}
   */
  async fetchJSON(path, init = {}) {
    return this.#c.auth.fetch(path, init, false);
  }

  /**
   * The same as fetchJSON, answered as text (e.g. CSV).
   * @param {string} path
   * @param {RequestInit & {json?: any}} [init]
   * @returns {Promise<string>}
   */
  async fetchText(path, init = {}) {
    return this.#c.auth.fetch(path, init, true);
  }

  /**
   * Fetches the schema (GET /v1/schema) when it changed since the cached
   * copy, and stores it for offline use.
   * @returns {Promise<Schema|null>}
   */
  loadSchema() {
    return this.#c.syncer.loadSchema();
  }

  // ---- sync ----------------------------------------------------------------

  /**
   * One push and pull round now. A sync requested while one runs runs once
   * more after it (so writes made meanwhile are sent).
   * @returns {Promise<SyncReport>}
   */
  sync() {
    return this.#c.syncer.sync();
  }

  // ---- background loop and stream ------------------------------------------

  /**
   * Starts syncing in the background: at once, after local writes, when the
   * server's change stream announces a change (polling when the server has
   * no stream or it fails), and when the browser comes back online. Failures
   * back off with jitter and honour Retry-After.
   */
  start() {
    this.#c.loop.start();
  }

  /** Stops the background loop (a sync in flight finishes). */
  stop() {
    this.#c.loop.stop();
  }
}
