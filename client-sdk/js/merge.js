// @ts-check
/**
 * Per-field last-writer-wins merge, the same as syncproto/merge.go: each field
 * keeps its winning write by (hlc, device_id, change_id); a delete puts a
 * tombstone that voids every field written at or before it; a field written
 * after the tombstone revives the record. Applying a set of changes in any
 * order, any number of times, gives the same state.
 *
 * Record states have the JSON shape of syncproto.Record, so the Go and
 * JavaScript implementations can be checked against the same vectors.
 * @module
 */

import { compareHLC, compareStrings } from './hlc.js';

/**
 * A change: the unit of sync, in its wire form (syncproto.Change).
 * @typedef {object} Change
 * @property {string} id           the idempotency key (a UUID)
 * @property {string} collection
 * @property {string} record_id
 * @property {'upsert'|'delete'} op
 * @property {Record<string, any>} [fields] the values an upsert writes
 * @property {string} hlc          the HLC wire form
 * @property {string} recorded_at  RFC 3339 time the person made it
 * @property {string} [device_id]  set by the server from the token
 * @property {string} [seen]       the cursor the device had applied
 */

/**
 * A write's position in the last-writer-wins order.
 * @typedef {object} Stamp
 * @property {string} hlc
 * @property {string} device_id
 * @property {string} change_id
 */

/**
 * The winning write of one field.
 * @typedef {object} FieldState
 * @property {any} value
 * @property {Stamp} stamp
 * @property {string} recorded_at
 */

/**
 * The merged state of one record.
 * @typedef {object} RecordState
 * @property {string} collection
 * @property {string} record_id
 * @property {Object<string, FieldState>} fields
 * @property {Stamp} [tombstone]
 * @property {string} [tombstone_recorded_at]
 */

/**
 * Returns the stamp of a change.
 * @param {Change} c
 * @returns {Stamp}
 */
export function stampOf(c) {
  return { hlc: c.hlc, device_id: c.device_id ?? '', change_id: c.id };
}

/**
 * Orders two stamps: by HLC, then device id, then change id.
 * @param {Stamp} a
 * @param {Stamp} b
 * @returns {number} -1, 0 or +1
 */
export function compareStamp(a, b) {
  const h = compareHLC(a.hlc, b.hlc);
  if (h !== 0) return h;
  const d = compareStrings(a.device_id, b.device_id);
  if (d !== 0) return d;
  return compareStrings(a.change_id, b.change_id);
}

/**
 * Returns an empty record state.
 * @param {string} collection
 * @param {string} id
 * @returns {RecordState}
 */
export function newRecord(collection, id) {
  return { collection, record_id: id, fields: {} };
}

/**
 * Reports whether the record has ever been written.
 * @param {RecordState} r
 * @returns {boolean}
 */
export function exists(r) {
  return Object.keys(r.fields).length > 0 || r.tombstone !== undefined;
}

/**
 * Reports whether the record is deleted: a tombstone and no field written
 * after it.
 * @param {RecordState} r
 * @returns {boolean}
 */
export function isDeleted(r) {
  return r.tombstone !== undefined && Object.keys(r.fields).length === 0;
}

/**
 * Normalises an RFC 3339 time to UTC as Go's time.UTC() prints it in JSON
 * (RFC 3339 with only the fraction digits needed), so Go and JavaScript
 * states compare equal. Strings that do not parse are kept as they are.
 * @param {string} t
 * @returns {string}
 */
export function utcTime(t) {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(t ?? '');
  if (!m) return t;
  let frac = (m[7] ?? '').slice(1);
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  let offset = 0;
  if (m[8] !== 'Z' && m[8] !== 'z') {
    const sign = m[8][0] === '-' ? -1 : 1;
    offset = sign * (Number(m[8].slice(1, 3)) * 60 + Number(m[8].slice(4, 6))) * 60000;
  }
  const d = new Date(ms - offset);
  if (Number.isNaN(d.getTime())) return t;
  const base = d.toISOString().slice(0, 19);
  frac = frac.replace(/0+$/, '');
  return `${base}${frac ? '.' + frac : ''}Z`;
}

/**
 * Merges change c into record r (in place) and reports whether the state
 * changed.
 * @param {RecordState} r
 * @param {Change} c
 * @returns {boolean}
 */
export function applyChange(r, c) {
  if (!r.fields) r.fields = {};
  const s = stampOf(c);
  let changed = false;
  if (c.op === 'delete') {
    if (r.tombstone === undefined || compareStamp(s, r.tombstone) > 0) {
      r.tombstone = s;
      r.tombstone_recorded_at = utcTime(c.recorded_at);
      changed = true;
      for (const [name, f] of Object.entries(r.fields)) {
        if (compareStamp(f.stamp, s) <= 0) delete r.fields[name];
      }
    }
    return changed;
  }
  if (c.op === 'upsert') {
    if (r.tombstone !== undefined && compareStamp(s, r.tombstone) <= 0) return false;
    for (const [name, v] of Object.entries(c.fields ?? {})) {
      const cur = r.fields[name];
      if (cur && compareStamp(s, cur.stamp) <= 0) continue;
      r.fields[name] = { value: v, stamp: s, recorded_at: utcTime(c.recorded_at) };
      changed = true;
    }
  }
  return changed;
}

/**
 * Returns the record's current values, or undefined when it is deleted.
 * @param {RecordState} r
 * @returns {Record<string, any>|undefined}
 */
export function recordObject(r) {
  if (isDeleted(r)) return undefined;
  /** @type {Record<string, any>} */
  const out = {};
  for (const [name, f] of Object.entries(r.fields)) out[name] = f.value;
  return out;
}

/**
 * Returns a deep copy of r.
 * @param {RecordState} r
 * @returns {RecordState}
 */
export function cloneRecord(r) {
  return structuredClone(r);
}

/**
 * Merges changes into fresh record states, keyed "collection/record_id".
 * @param {Change[]} changes
 * @returns {Map<string, RecordState>}
 */
export function mergeAll(changes) {
  /** @type {Map<string, RecordState>} */
  const out = new Map();
  for (const c of changes) {
    const k = `${c.collection}/${c.record_id}`;
    let r = out.get(k);
    if (!r) {
      r = newRecord(c.collection, c.record_id);
      out.set(k, r);
    }
    applyChange(r, c);
  }
  return out;
}

/**
 * Returns the record's state as the fewest changes that rebuild it, each
 * keeping its original id, stamp and recorded time (syncproto's
 * Record.Changes): the tombstone, if any, and one upsert per change whose
 * writes still win.
 * @param {RecordState} r
 * @returns {Change[]}
 */
export function changesOf(r) {
  /** @type {Change[]} */
  const out = [];
  if (r.tombstone) {
    out.push({
      id: r.tombstone.change_id, collection: r.collection, record_id: r.record_id, op: 'delete',
      hlc: r.tombstone.hlc, device_id: r.tombstone.device_id, recorded_at: r.tombstone_recorded_at ?? '',
    });
  }
  /** @type {Map<string, Change>} */
  const byID = new Map();
  for (const [name, f] of Object.entries(r.fields ?? {})) {
    let c = byID.get(f.stamp.change_id);
    if (!c) {
      c = {
        id: f.stamp.change_id, collection: r.collection, record_id: r.record_id, op: 'upsert',
        hlc: f.stamp.hlc, device_id: f.stamp.device_id, recorded_at: f.recorded_at, fields: {},
      };
      byID.set(f.stamp.change_id, c);
      out.push(c);
    }
    /** @type {Record<string, any>} */ (c.fields)[name] = f.value;
  }
  return out;
}
