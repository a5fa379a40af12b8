// @ts-check
/**
 * Hybrid logical clock timestamps in the pinned wire form of syncproto/hlc.go:
 * `WWWWWWWWWWWWWWW-CCCCC-NODE` — 15-digit wall clock (Unix milliseconds), a
 * 5-digit logical counter and the node (device) id. The wire form sorts
 * lexicographically in the same order as {@link compareHLC}.
 * @module
 */

/** The largest logical counter an HLC can carry. */
export const MAX_COUNTER = 99999;

/** The largest wall-clock value (milliseconds) that fits in 15 digits. */
export const MAX_WALL = 999999999999999;

const NODE_RE = /^[A-Za-z0-9._-]{1,64}$/;
const DIGITS_RE = /^[0-9]+$/;

/**
 * A parsed HLC timestamp.
 * @typedef {object} HLC
 * @property {number} wall    milliseconds since the Unix epoch
 * @property {number} counter orders events within one millisecond
 * @property {string} node    the clock (device) that produced it
 */

/**
 * Reports whether id may be used as an HLC node id.
 * @param {string} id
 * @returns {boolean}
 */
export function validNodeID(id) {
  return typeof id === 'string' && NODE_RE.test(id);
}

/**
 * Pads a non-negative integer with zeros to width digits.
 * @param {number} n
 * @param {number} width
 * @returns {string}
 */
function pad(n, width) {
  const s = String(n);
  return s.length >= width ? s : '0'.repeat(width - s.length) + s;
}

/**
 * Returns the wire form of h.
 * @param {HLC} h
 * @returns {string}
 */
export function formatHLC(h) {
  return `${pad(h.wall, 15)}-${pad(h.counter, 5)}-${h.node}`;
}

/**
 * Parses the wire form, throwing a TypeError naming what is wrong.
 * @param {string} s
 * @returns {HLC}
 */
export function parseHLC(s) {
  if (typeof s !== 'string' || s.length < 23 || s[15] !== '-' || s[21] !== '-') {
    throw new TypeError(`hlc ${JSON.stringify(s)}: want WWWWWWWWWWWWWWW-CCCCC-NODE`);
  }
  const w = s.slice(0, 15);
  const c = s.slice(16, 21);
  if (!DIGITS_RE.test(w)) throw new TypeError(`hlc ${JSON.stringify(s)}: wall clock is not all decimal digits`);
  if (!DIGITS_RE.test(c)) throw new TypeError(`hlc ${JSON.stringify(s)}: counter is not all decimal digits`);
  const node = s.slice(22);
  if (!validNodeID(node)) throw new TypeError(`hlc ${JSON.stringify(s)}: node id must match [A-Za-z0-9._-]{1,64}`);
  return { wall: Number(w), counter: Number(c), node };
}

/**
 * Reports whether s is a valid HLC wire form.
 * @param {string} s
 * @returns {boolean}
 */
export function validHLC(s) {
  try {
    parseHLC(s);
    return true;
  } catch {
    return false;
  }
}

/**
 * Compares two strings by UTF-16 code units (Go's strings.Compare for the
 * ASCII ids the protocol uses).
 * @param {string} a
 * @param {string} b
 * @returns {number} -1, 0 or +1
 */
export function compareStrings(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Orders two timestamps by wall clock, then counter, then node id. Either
 * may be given parsed or in wire form.
 * @param {HLC|string} a
 * @param {HLC|string} b
 * @returns {number} -1, 0 or +1
 */
export function compareHLC(a, b) {
  const x = typeof a === 'string' ? parseHLC(a) : a;
  const y = typeof b === 'string' ? parseHLC(b) : b;
  if (x.wall !== y.wall) return x.wall < y.wall ? -1 : 1;
  if (x.counter !== y.counter) return x.counter < y.counter ? -1 : 1;
  return compareStrings(x.node, y.node);
}

/**
 * A hybrid logical clock for one node, as syncproto.Clock: every timestamp
 * it issues is later than every one it has issued or observed.
 */
export class Clock {
  /** @type {string} */
  #node;
  /** @type {() => number} */
  #now;
  /** @type {HLC} */
  #last;

  /**
   * @param {string} node the device id
   * @param {() => number} [now] physical time in Unix milliseconds (Date.now)
   * @param {HLC|string} [last] the last timestamp issued or observed, to resume from
   */
  constructor(node, now, last) {
    if (!validNodeID(node)) throw new TypeError(`invalid HLC node id ${JSON.stringify(node)}`);
    this.#node = node;
    this.#now = now ?? Date.now;
    const l = typeof last === 'string' ? parseHLC(last) : last;
    this.#last = l ? { wall: l.wall, counter: l.counter, node } : { wall: 0, counter: 0, node: '' };
  }

  /** @returns {string} the clock's node id */
  get node() {
    return this.#node;
  }

  /** @returns {HLC} the most recent timestamp issued or observed */
  last() {
    return { ...this.#last };
  }

  /**
   * Returns a new timestamp for a local event.
   * @returns {HLC}
   */
  now() {
    const pt = this.#physical();
    if (pt > this.#last.wall) {
      this.#last = { wall: pt, counter: 0, node: this.#node };
    } else {
      this.#last = this.#bump(this.#last.wall, this.#last.counter + 1);
    }
    return { ...this.#last };
  }

  /**
   * Merges a timestamp received from another node, so the next now() is
   * later than it, and returns the clock's new reading.
   * @param {HLC|string} remote
   * @returns {HLC}
   */
  update(remote) {
    const r = typeof remote === 'string' ? parseHLC(remote) : remote;
    const pt = this.#physical();
    const l = this.#last;
    if (pt > l.wall && pt > r.wall) {
      this.#last = { wall: pt, counter: 0, node: this.#node };
    } else if (l.wall === r.wall) {
      this.#last = this.#bump(l.wall, Math.max(l.counter, r.counter) + 1);
    } else if (l.wall > r.wall) {
      this.#last = this.#bump(l.wall, l.counter + 1);
    } else {
      this.#last = this.#bump(r.wall, r.counter + 1);
    }
    return { ...this.#last };
  }

  /**
   * Forgets the clock's history and restarts it at floor (after the server
   * found the device's stamps too far ahead).
   * @param {HLC|string} floor
   */
  reset(floor) {
    const f = typeof floor === 'string' ? parseHLC(floor) : floor;
    this.#last = { wall: f.wall, counter: f.counter, node: this.#node };
  }

  /**
   * @param {number} wall
   * @param {number} counter
   * @returns {HLC}
   */
  #bump(wall, counter) {
    if (counter > MAX_COUNTER) {
      wall += 1;
      counter = 0;
    }
    return { wall, counter, node: this.#node };
  }

  /** @returns {number} */
  #physical() {
    const ms = Math.floor(this.#now());
    if (ms < 0) return 0;
    if (ms > MAX_WALL) return MAX_WALL;
    return ms;
  }
}
