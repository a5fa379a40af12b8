// @ts-check
/**
 * Local writes and reads of a Client: a write is validated, stamped, kept in
 * the durable outbox and merged into the local view in one transaction;
 * reads come from the record cache (cache.js); rejected changes wait here
 * until discarded or retried. Internal: see continuity.js.
 * @module
 */

import { formatHLC } from './hlc.js';
import { APIError, ValidationError } from './http.js';
import { exists, isDeleted, newRecord, recordObject } from './merge.js';
import { newId } from './id.js';
import { getMeta, outboxEntries, readView, refreshView, setMeta } from './store.js';

/** @typedef {import('./merge.js').Change} Change */
/** @typedef {import('./store.js').OutboxEntry} OutboxEntry */
/** @typedef {import('./continuity.js').RejectedChange} RejectedChange */

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
 * The outbox and the local view.
 */
/**
 * The rejected outbox entry of a change, and its key; aborts the
 * transaction and throws not_found when there is none.
 * @param {any} tx a read-write transaction over the outbox
 * @param {string} changeId
 * @returns {Promise<{key: IDBValidKey, e: OutboxEntry}>}
 */
async function rejectedEntry(tx, changeId) {
  const store = tx.objectStore('outbox');
  const key = await store.index('change_id').getKey(changeId);
  /** @type {OutboxEntry|undefined} */
  const e = key === undefined ? undefined : await store.get(key);
  if (key === undefined || !e || e.state !== 'rejected') {
    tx.abort();
    await tx.done.catch(() => {});
    throw new APIError(404, 'not_found', `no rejected change ${changeId}`);
  }
  return { key, e };
}

export class Outbox {
  /** @param {import('./core.js').Core} core */
  constructor(core) {
    this.c = core;
  }

  /**
   * @param {string} collection
   * @param {string} recordId
   * @param {'upsert'|'delete'} op
   * @param {Record<string, any>|undefined} fields
   * @returns {Promise<string>}
   */
  async write(collection, recordId, op, fields) {
    const c = this.c;
    if (!c.enrolled || !c.clock) throw new APIError(401, 'unauthorized', 'this device is not enrolled');
    const id = canonID('record_id', recordId);
    const col = c.schema?.collection(collection);
    if (c.schema && !col) {
      throw new ValidationError([{ field: 'collection', code: 'unknown_collection', message: `unknown collection ${JSON.stringify(collection)}; known: ${c.schema.names().join(', ')}` }]);
    }
    if (fields && col?.scope_field && typeof fields[col.scope_field] === 'string' && UUID_RE.test(fields[col.scope_field])) {
      fields[col.scope_field] = fields[col.scope_field].toLowerCase();
    }
    const clock = c.clock;
    const tx = await c.begin('local');
    /** @type {import('./store.js').StoredRecord|undefined} */
    const row = await readView(tx, collection, id);
    const before = row?.state ?? newRecord(collection, id);
    if (op === 'delete' && (!exists(before) || isDeleted(before))) {
      tx.abort();
      await tx.done.catch(() => {});
      throw new APIError(404, 'not_found', `no ${collection} record ${id} to delete`, 'record_id');
    }
    if (op === 'upsert' && c.schema) {
      const create = !exists(before) || isDeleted(before);
      const errs = c.schema.validate(collection, /** @type {Record<string, any>} */ (fields), { create, current: create ? undefined : recordObject(before) });
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
      hlc: formatHLC(clock.now()), recorded_at: new Date(c.o.now()).toISOString(), device_id: c.deviceId,
    };
    if (fields) change.fields = fields;
    if (cursor) change.seen = cursor;
    await tx.objectStore('outbox').add({
      change_id: change.id, collection, record_id: id, change, state: 'pending',
      code: '', field: '', message: '', rejected_at: '', created_at: new Date(c.o.now()).toISOString(),
    });
    await refreshView(tx, collection, id, c.scopeOf);
    await setMeta(tx, 'clock_last', formatHLC(clock.last()));
    await tx.done;
    await c.updateCounts();
    c.emitStatus();
    c.loop.wake();
    return change.id;
  }

  /**
   * @param {string} collection
   * @param {string} id
   * @returns {Promise<Record<string, any>|undefined>}
   */
  async get(collection, id) {
    const e = await this.c.cache.get(collection, String(id).toLowerCase());
    return e && !e.deleted ? structuredClone(e.fields) : undefined;
  }

  /**
   * @param {string} collection
   * @param {Record<string, any>|((fields: Record<string, any>, id: string) => boolean)} [filter]
   * @returns {Promise<{id: string, fields: Record<string, any>, pending: boolean}[]>}
   */
  async list(collection, filter) {
    const out = [];
    for (const e of await this.c.cache.list(collection)) {
      if (e.deleted || !e.fields) continue;
      if (typeof filter === 'function') {
        if (!filter(e.fields, e.id)) continue;
      } else if (filter) {
        let ok = true;
        for (const [k, v] of Object.entries(filter)) {
          if (JSON.stringify(e.fields[k]) !== JSON.stringify(v)) {
            ok = false;
            break;
          }
        }
        if (!ok) continue;
      }
      out.push({ id: e.id, fields: structuredClone(e.fields), pending: e.pending });
    }
    return out;
  }

  /** @returns {Promise<RejectedChange[]>} */
  async rejected() {
    const es = await outboxEntries(this.c.read(), 'rejected');
    return es.map((e) => ({ change: e.change, code: e.code, message: e.message, field: e.field, at: e.rejected_at }));
  }

  /** @param {string} changeId */
  async discardRejected(changeId) {
    const c = this.c;
    const tx = await c.begin();
    const store = tx.objectStore('outbox');
    const { key } = await rejectedEntry(tx, changeId);
    await store.delete(key);
    await tx.done;
    await c.updateCounts();
    c.emitStatus();
  }

  /** @param {string} changeId */
  async retryRejected(changeId) {
    const c = this.c;
    const clock = c.clock;
    if (!clock) throw new APIError(401, 'unauthorized', 'this device is not enrolled');
    const tx = await c.begin('local');
    const store = tx.objectStore('outbox');
    const { key, e } = await rejectedEntry(tx, changeId);
    if (e.change.op === 'upsert' && c.schema) {
      const row = await readView(tx, e.collection, e.record_id);
      const create = !row || !exists(row.state) || isDeleted(row.state);
      const errs = c.schema.validate(e.collection, e.change.fields ?? {}, { create, current: create ? undefined : recordObject(row.state) });
      if (errs.length > 0) {
        tx.abort();
        await tx.done.catch(() => {});
        throw new ValidationError(errs);
      }
    }
    const cursor = (await getMeta(tx, 'cursor')) ?? '';
    const change = { ...e.change, hlc: formatHLC(clock.now()), device_id: c.deviceId };
    if (cursor) change.seen = cursor;
    await store.put({ ...e, change, state: 'pending', code: '', field: '', message: '', rejected_at: '' });
    await refreshView(tx, e.collection, e.record_id, c.scopeOf);
    await setMeta(tx, 'clock_last', formatHLC(clock.last()));
    await tx.done;
    await c.updateCounts();
    c.emitStatus();
    c.loop.wake();
  }
}
