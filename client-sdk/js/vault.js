// @ts-check
/**
 * Encryption at rest for the SDK's IndexedDB database (docs/security.md,
 * "Key hierarchy"):
 *
 * - a random AES-GCM 256-bit **data key** seals every row's contents (the
 *   record, the outbox change, the token, the cached answer); only the keys
 *   and index values IndexedDB must compare stay in clear: collection names,
 *   record and change ids, incident ids, outbox order and state;
 * - the data key is wrapped (AES-GCM) by a **PIN key** derived from the
 *   device PIN with PBKDF2-SHA-256 (600,000 iterations, a random salt); once
 *   unwrapped it is held only as a non-extractable CryptoKey in memory;
 * - or, for the console (`keyStorage: 'session'`), the data key lives in the
 *   tab's sessionStorage only: what the console keeps does not outlive its
 *   session.
 *
 * WebCrypto is asynchronous and an IndexedDB transaction commits as soon as
 * it waits on anything else, so writes are staged: a {@link SealedTx} reads
 * (and opens) rows as it goes, keeps its writes in memory, and on commit
 * seals them all and writes them in one IndexedDB transaction. A lock shared
 * by the tabs of the origin serialises staged transactions, so what one read
 * is still there when it writes.
 * @module
 */

/** PBKDF2 iterations for the PIN key (OWASP 2023 for PBKDF2-HMAC-SHA256). */
export const PIN_ITERATIONS = 600000;
/** Wrong PINs in a row after which the device wipes itself. */
export const MAX_PIN_TRIES = 5;
/** The shortest PIN. */
export const PIN_MIN_LENGTH = 6;

/** How many opened plain texts a Sealer keeps before starting again. */
const OPENED_MAX = 50000;

/** Fields kept in clear per object store: keys and index values, nothing personal. */
const PLAIN = /** @type {Record<string, string[]>} */ ({
  meta: ['key'],
  base: ['collection', 'record_id', 'incident'],
  records: ['collection', 'record_id', 'incident', 'deleted'],
  outbox: ['seq', 'change_id', 'collection', 'record_id', 'state'],
});

/** Primary key of a row per store. */
const KEY = /** @type {Record<string, (r: any) => IDBValidKey>} */ ({
  meta: (r) => r.key,
  base: (r) => [r.collection, r.record_id],
  records: (r) => [r.collection, r.record_id],
  outbox: (r) => r.seq,
});

/** Index values of a row per store and index. */
const INDEX = /** @type {Record<string, Record<string, (r: any) => IDBValidKey>>} */ ({
  base: { incident: (r) => r.incident },
  records: { collection: (r) => r.collection, incident: (r) => r.incident },
  outbox: { change_id: (r) => r.change_id, state: (r) => r.state, record: (r) => [r.collection, r.record_id] },
});

/**
 * Why a PIN cannot be used, or '' when it can: at least six digits, and
 * none of the obvious ones (one digit repeated, a run up or down, a short
 * pattern repeated, the well-known ones). The one rule the app and any other
 * client apply.
 * @param {string} pin
 * @returns {string}
 */
export function pinProblem(pin) {
  const p = String(pin ?? '');
  if (p === '') return 'Enter a PIN';
  if (!/^[0-9]+$/.test(p)) return 'The PIN must be digits only';
  if (p.length < PIN_MIN_LENGTH) return `The PIN must be at least ${PIN_MIN_LENGTH} digits`;
  if (/^(\d)\1+$/.test(p)) return 'The PIN must not be one digit repeated, like 000000';
  const d = [...p].map(Number);
  const step = (d[1] - d[0] + 10) % 10;
  if ((step === 1 || step === 9) && d.every((x, i) => i === 0 || (x - d[i - 1] + 10) % 10 === step)) {
    return 'The PIN must not be a run of digits, like 123456 or 987654';
  }
  for (let n = 2; n <= p.length / 2; n++) {
    if (p.length % n === 0 && p === p.slice(0, n).repeat(p.length / n)) return 'The PIN must not be a short pattern repeated, like 121212';
  }
  if (['123123', '112233', '696969', '131313', '520520', '159753', '147258', '102030'].includes(p)) return 'That PIN is too easy to guess';
  return '';
}

/** Thrown by unlock when the PIN is wrong; `remaining` tries are left. */
export class WrongPinError extends Error {
  /** @param {number} remaining */
  constructor(remaining) {
    super(remaining > 0 ? `Wrong PIN. ${remaining} ${remaining === 1 ? 'try' : 'tries'} left before this device is wiped.` : 'Wrong PIN.');
    this.name = 'WrongPinError';
    this.code = 'wrong_pin';
    this.remaining = remaining;
  }
}

/** Thrown by unlock after the last wrong PIN: the device has been wiped. */
export class DeviceWipedError extends Error {
  constructor() {
    super(`Wrong PIN ${MAX_PIN_TRIES} times: everything on this device has been removed. Set it up again.`);
    this.name = 'DeviceWipedError';
    this.code = 'device_wiped';
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** @param {number} n @returns {Uint8Array<ArrayBuffer>} */
export function randomBytes(n) {
  return crypto.getRandomValues(new Uint8Array(n));
}

/** @param {Uint8Array} b @returns {string} */
export function hex(b) {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** @returns {Promise<CryptoKey>} a new extractable data key (wrap it, then use the unwrapped copy) */
export function newDataKey() {
  return crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
}

/**
 * The PIN key: PBKDF2-SHA-256 of the PIN, non-extractable, for wrapping.
 * @param {string} pin
 * @param {Uint8Array<ArrayBuffer>} salt
 * @param {number} iterations
 * @returns {Promise<CryptoKey>}
 */
async function pinKey(pin, salt, iterations) {
  const base = await crypto.subtle.importKey('raw', enc.encode(pin), 'PBKDF2', false, ['deriveKey']);
  return crypto.subtle.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, base, { name: 'AES-GCM', length: 256 }, false, ['wrapKey', 'unwrapKey']);
}

/**
 * The wrapped data key, stored in clear in the `keys` store.
 * @typedef {object} Wrapped
 * @property {Uint8Array<ArrayBuffer>} salt
 * @property {number} iterations
 * @property {Uint8Array<ArrayBuffer>} iv
 * @property {ArrayBuffer} wrapped
 */

/**
 * Wraps a data key (which must be extractable) under the PIN.
 * @param {CryptoKey} dataKey
 * @param {string} pin
 * @param {number} [iterations]
 * @returns {Promise<Wrapped>}
 */
export async function wrapWithPin(dataKey, pin, iterations = PIN_ITERATIONS) {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const kek = await pinKey(pin, salt, iterations);
  const wrapped = await crypto.subtle.wrapKey('raw', dataKey, kek, { name: 'AES-GCM', iv });
  return { salt, iterations, iv, wrapped };
}

/**
 * Unwraps the data key with the PIN as a non-extractable key; rejects when
 * the PIN is wrong (the GCM tag does not verify).
 * @param {Wrapped} w
 * @param {string} pin
 * @returns {Promise<CryptoKey>}
 */
export async function unwrapWithPin(w, pin) {
  const kek = await pinKey(pin, w.salt, w.iterations);
  return crypto.subtle.unwrapKey('raw', w.wrapped, kek, { name: 'AES-GCM', iv: w.iv }, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

/**
 * Makes a non-extractable copy of an extractable data key.
 * @param {CryptoKey} k
 * @returns {Promise<CryptoKey>}
 */
export async function nonExtractable(k) {
  const raw = await crypto.subtle.exportKey('raw', k);
  return crypto.subtle.importKey('raw', raw, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

/**
 * How many stored rows this page has opened (read from IndexedDB and made
 * plain) and how many of those needed decrypting (the rest were known by
 * their IV): diagnostics, read by the tests that check a live change reads
 * only what changed.
 */
const counts = { opened: 0, decrypted: 0 };

/** @returns {{opened: number, decrypted: number}} this page's counts so far */
export function readCounts() {
  return { ...counts };
}

/** @param {any} k @returns {string} */
function keyString(k) {
  return Array.isArray(k) ? k.map(String).join('\u0000') : String(k);
}

/**
 * Seals and opens rows with the data key.
 */
export class Sealer {
  /** @param {CryptoKey} key */
  constructor(key) {
    this.key = key;
    /**
     * Plain texts already opened, by store and IV (an IV is never reused,
     * so it names one ciphertext): a list read again costs no decryption.
     * Held in memory only while unlocked (the Sealer goes with the key).
     * @type {Map<string, string>}
     */
    this.opened = new Map();
  }

  /**
   * A row as stored: its clear fields and the sealed rest (`v`), bound to
   * its store and key (additional data), so a sealed row cannot be moved.
   * @param {string} store
   * @param {any} row
   * @returns {Promise<any>}
   */
  async seal(store, row) {
    const plain = PLAIN[store];
    /** @type {Record<string, any>} */
    const out = {};
    /** @type {Record<string, any>} */
    const secret = {};
    for (const [k, v] of Object.entries(row)) {
      if (plain.includes(k)) out[k] = v;
      else secret[k] = v;
    }
    const iv = randomBytes(12);
    const ad = enc.encode(store + '\u0000' + keyString(KEY[store](row)));
    out.v = { iv, ct: await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: ad }, this.key, enc.encode(JSON.stringify(secret))) };
    return out;
  }

  /**
   * The row as the SDK uses it.
   * @param {string} store
   * @param {any} stored
   * @returns {Promise<any>}
   */
  async open(store, stored) {
    if (!stored) return stored;
    const { v, ...plain } = stored;
    if (!v) return stored;
    counts.opened++;
    const ks = keyString(KEY[store](plain));
    const id = store + '\u0000' + ks + '\u0000' + hex(v.iv);
    let text = this.opened.get(id);
    if (text === undefined) {
      const ad = enc.encode(store + '\u0000' + ks);
      counts.decrypted++;
      text = dec.decode(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: v.iv, additionalData: ad }, this.key, v.ct));
      if (this.opened.size >= OPENED_MAX) this.opened.clear();
      this.opened.set(id, text);
    }
    return { ...JSON.parse(text), ...plain };
  }

  /**
   * @param {string} store
   * @param {any[]} rows
   * @returns {Promise<any[]>}
   */
  openAll(store, rows) {
    return Promise.all(rows.map((r) => this.open(store, r)));
  }
}

/**
 * Whether an index value matches a query (a key or an IDBKeyRange).
 * @param {IDBValidKey} v
 * @param {any} q
 */
function matches(v, q) {
  if (q === undefined || q === null) return true;
  if (q instanceof IDBKeyRange) return q.includes(v);
  return indexedDB.cmp(v, q) === 0;
}

/**
 * A staged transaction over sealed stores: reads see its own writes;
 * writes reach IndexedDB, sealed, in one transaction at commit.
 */
export class SealedTx {
  /**
   * @param {import('./vendor/idb/index.js').IDBPDatabase} db
   * @param {Sealer} sealer
   * @param {() => void} [release] releases the write lock held since begin
   * @param {(writes: Map<string, Map<string, {key: IDBValidKey, row: any}>>, tx: SealedTx) => void} [onCommit]
   *   called with the staged writes (and this transaction) once they are stored, before the lock is released
   */
  constructor(db, sealer, release, onCommit) {
    this.db = db;
    this.sealer = sealer;
    this.release = release;
    this.onCommit = onCommit;
    this.finished = false;
    /** @type {Map<string, Map<string, {key: IDBValidKey, row: any}>>} store → key → row (null: deleted) */
    this.writes = new Map();
    /** @type {number|undefined} */
    this.nextSeq = undefined;
    /** @type {Map<string, Map<string, any>>} store → key → opened row (null: none), as read in this transaction */
    this.cache = new Map();
    /** @type {Set<string>} stores read whole into the cache */
    this.loaded = new Set();
  }

  /** @param {string} store */
  cached(store) {
    let m = this.cache.get(store);
    if (!m) {
      m = new Map();
      this.cache.set(store, m);
    }
    return m;
  }

  /**
   * Reads a whole store into the cache, in one IndexedDB transaction (the
   * outbox, which every view refresh consults).
   * @param {string} store
   */
  async loadAll(store) {
    if (this.loaded.has(store)) return;
    const rows = await this.sealer.openAll(store, await this.db.getAll(store));
    const m = this.cached(store);
    for (const r of rows) m.set(keyString(KEY[store](r)), r);
    this.loaded.add(store);
  }

  /**
   * Reads rows by key into the cache, in one IndexedDB transaction, so a
   * page of changes costs one read rather than one per record.
   * @param {string} store
   * @param {IDBValidKey[]} keys
   */
  async prefetch(store, keys) {
    if (this.loaded.has(store)) return;
    const m = this.cached(store);
    const need = keys.filter((k) => !m.has(keyString(k)));
    if (need.length === 0) return;
    if ((await this.db.count(store)) === 0) {
      // A first sync: nothing to read (one count instead of a get per key).
      for (const k of need) m.set(keyString(k), null);
      return;
    }
    const tx = this.db.transaction(store);
    const rows = await Promise.all(need.map((k) => tx.store.get(k)));
    await tx.done;
    const opened = await Promise.all(rows.map((r) => (r ? this.sealer.open(store, r) : null)));
    need.forEach((k, i) => m.set(keyString(k), opened[i]));
  }

  /** @param {string} name */
  objectStore(name) {
    return new SealedStore(this, name);
  }

  /**
   * A row as this transaction knows it without reading: staged, or read
   * earlier in it (null: none); undefined when it was never read.
   * @param {string} store
   * @param {IDBValidKey} key
   * @returns {any}
   */
  peek(store, key) {
    const k = keyString(key);
    const w = this.writes.get(store)?.get(k);
    if (w) return w.row;
    return this.cache.get(store)?.get(k);
  }

  /** @param {string} store */
  staged(store) {
    let m = this.writes.get(store);
    if (!m) {
      m = new Map();
      this.writes.set(store, m);
    }
    return m;
  }

  /** Drops the staged writes and releases the lock. */
  abort() {
    this.writes.clear();
    this.#end();
  }

  #end() {
    if (this.finished) return;
    this.finished = true;
    this.release?.();
  }

  /**
   * Commits (seals and writes) and releases the lock; after abort, nothing.
   * @returns {Promise<void>}
   */
  get done() {
    if (this.finished) return Promise.resolve();
    return this.commit().finally(() => this.#end());
  }

  /** Seals every staged write and stores them in one IndexedDB transaction. */
  async commit() {
    /** @type {Promise<{store: string, key: IDBValidKey, row: any}>[]} */
    const sealing = [];
    for (const [store, m] of this.writes) {
      for (const { key, row } of m.values()) sealing.push((async () => ({ store, key, row: row ? await this.sealer.seal(store, row) : null }))());
    }
    const ops = await Promise.all(sealing);
    if (ops.length === 0) return;
    const tx = this.db.transaction([...this.writes.keys()], 'readwrite');
    for (const op of ops) {
      const s = tx.objectStore(op.store);
      if (op.row) s.put(op.row);
      else s.delete(op.key);
    }
    await tx.done;
    this.onCommit?.(this.writes, this);
  }
}

/** One object store seen through a SealedTx (the part of idb's API the SDK uses). */
class SealedStore {
  /** @param {SealedTx} tx @param {string} name */
  constructor(tx, name) {
    this.tx = tx;
    this.name = name;
  }

  /** @param {IDBValidKey} key */
  async get(key) {
    const k = keyString(key);
    const w = this.tx.staged(this.name).get(k);
    if (w) return w.row ?? undefined;
    const m = this.tx.cached(this.name);
    if (m.has(k)) return m.get(k) ?? undefined;
    if (this.tx.loaded.has(this.name)) return undefined;
    const row = await this.#guard(async () => this.tx.sealer.open(this.name, await this.tx.db.get(this.name, key)));
    m.set(k, row ?? null);
    return row;
  }

  /**
   * Runs a read; a failure aborts the transaction (releasing its lock).
   * @template T
   * @param {() => Promise<T>} fn
   * @returns {Promise<T>}
   */
  async #guard(fn) {
    try {
      return await fn();
    } catch (e) {
      this.tx.abort();
      throw e;
    }
  }

  /** @param {any} row */
  async put(row) {
    const key = KEY[this.name](row);
    this.tx.staged(this.name).set(keyString(key), { key, row });
    return key;
  }

  /** Adds an outbox row with the next sequence number. @param {any} row */
  async add(row) {
    if (this.tx.nextSeq === undefined) {
      const cur = await this.tx.db.transaction(this.name).store.openCursor(null, 'prev');
      let max = cur ? Number(cur.key) : 0;
      for (const w of this.tx.staged(this.name).values()) max = Math.max(max, Number(w.key));
      this.tx.nextSeq = max + 1;
    }
    const seq = this.tx.nextSeq++;
    return this.put({ ...row, seq });
  }

  /** @param {IDBValidKey} key */
  async delete(key) {
    this.tx.staged(this.name).set(keyString(key), { key, row: null });
  }

  /** @param {any} [query] */
  async getAll(query) {
    const match = (/** @type {any} */ r) => matches(KEY[this.name](r), query);
    if (this.name === 'outbox') return this.#fromCache(match);
    return this.#merge(await this.tx.db.getAll(this.name, query), match);
  }

  /**
   * Rows of a store read whole (see loadAll), with the staged writes laid
   * over them.
   * @param {(r: any) => boolean} match
   */
  async #fromCache(match) {
    await this.#guard(() => this.tx.loadAll(this.name));
    const staged = this.tx.staged(this.name);
    const out = [];
    for (const [k, r] of this.tx.cached(this.name)) if (r && !staged.has(k) && match(r)) out.push(r);
    for (const { row } of staged.values()) if (row && match(row)) out.push(row);
    return out;
  }

  /** @param {string} index */
  index(index) {
    const fn = INDEX[this.name][index];
    return {
      /** @param {any} [query] */
      getAll: async (query) => {
        const match = (/** @type {any} */ r) => matches(fn(r), query);
        if (this.name === 'outbox') return this.#fromCache(match);
        return this.#merge(await this.tx.db.getAllFromIndex(this.name, index, query), match);
      },
      /** @param {any} [query] */
      count: async (query) => (await this.index(index).getAll(query)).length,
      /** @param {any} [query] */
      getKey: async (query) => {
        const rows = await this.index(index).getAll(query);
        return rows.length > 0 ? KEY[this.name](rows[0]) : undefined;
      },
    };
  }

  /**
   * Opens stored rows and lays the staged writes over them.
   * @param {any[]} stored
   * @param {(r: any) => boolean} match
   */
  async #merge(stored, match) {
    const staged = this.tx.staged(this.name);
    const out = [];
    for (const r of await this.#guard(() => this.tx.sealer.openAll(this.name, stored))) {
      if (!staged.has(keyString(KEY[this.name](r)))) out.push(r);
    }
    for (const { row } of staged.values()) if (row && match(row)) out.push(row);
    return out;
  }
}

/**
 * Takes a lock shared by the tabs of the origin (within the page only where
 * the browser has no Web Locks API); resolves with its release function.
 * @param {string} name
 * @returns {Promise<() => void>}
 */
export function acquire(name) {
  const locks = globalThis.navigator?.locks;
  if (locks) {
    return new Promise((resolve, reject) => {
      locks.request(name, () => new Promise((release) => resolve(() => release(undefined)))).catch(reject);
    });
  }
  const prev = pageLocks.get(name) ?? Promise.resolve();
  /** @type {() => void} */
  let release = () => {};
  const next = new Promise((r) => {
    release = () => r(undefined);
  });
  pageLocks.set(name, prev.then(() => next));
  return prev.then(() => release);
}

/** @type {Map<string, Promise<any>>} */
const pageLocks = new Map();
