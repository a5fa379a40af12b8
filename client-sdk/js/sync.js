// @ts-check
/**
 * One sync round of a Client: push the outbox in batches within the body
 * limit, settle the server's answers, re-stamp on clock skew, then pull
 * pages until the server has no more, each page merged with its cursor in
 * one transaction (the next page asked for while one is applied); and the
 * schema check, fetched alongside the push and the first pull page.
 * Internal: see continuity.js.
 * @module
 */

import { compareHLC, formatHLC, parseHLC, validHLC } from './hlc.js';
import { APIError, ReenrolRequiredError } from './http.js';
import { Schema } from './validate.js';
import { applyToBase, getMeta, outboxEntries, purgeIncidents, refreshView, requeueOwn, setMeta } from './store.js';

/** @typedef {import('./store.js').OutboxEntry} OutboxEntry */
/** @typedef {import('./merge.js').Change} Change */
/** @typedef {import('./continuity.js').SyncReport} SyncReport */
/** @typedef {import('./hlc.js').Clock} Clock */

/** How far ahead of server time a change's HLC may be (syncproto.MaxClockSkew). */
const MAX_CLOCK_SKEW_MS = 10 * 60 * 1000;
/** How many re-stamping rounds one sync may make. */
const MAX_RESTAMP_ROUNDS = 3;
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

/**
 * Push, pull and the schema.
 */
export class Syncer {
  /** @param {import('./core.js').Core} core */
  constructor(core) {
    this.c = core;
    /** @type {Promise<SyncReport>|null} */
    this.running = null;
    /** @type {Promise<SyncReport>|null} */
    this.queued = null;
    /** Push body limit in bytes: the server's advertised one, lowered by a proxy's 413. 0: not learnt. */
    this.pushLimit = 0;
    this.schemaCheckedAt = 0;
    /** @type {Promise<Schema|null>|null} the schema being fetched in the current round */
    this.schemaLoad = null;
  }

  /** @returns {Promise<Schema|null>} */
  async loadSchema() {
    const c = this.c;
    /** @type {Record<string, string>} */
    const headers = {};
    if (c.schema) headers['If-None-Match'] = `"${c.schema.version}"`;
    const exported = await c.auth.raw('GET', '/v1/schema', undefined, 'bearer', { headers });
    this.schemaCheckedAt = c.o.now();
    if (exported) {
      c.schema = new Schema(exported, { now: c.o.now });
      const tx = await c.begin();
      await setMeta(tx, 'schema', exported);
      await tx.done;
    }
    return c.schema;
  }

  /** @returns {Promise<SyncReport>} */
  sync() {
    if (this.running) {
      if (!this.queued) {
        this.queued = this.running.catch(() => {}).then(() => {
          this.queued = null;
          return this.sync();
        });
      }
      return this.queued;
    }
    this.running = this.c.withLock('sync', () => this.#syncOnce()).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** @returns {Promise<SyncReport>} */
  async #syncOnce() {
    const c = this.c;
    if (!c.enrolled) throw new APIError(401, 'unauthorized', 'this device is not enrolled');
    /** @type {SyncReport} */
    const rep = { pushed: 0, applied: 0, duplicates: 0, rejected: 0, restamped: 0, pulled: 0, purged: 0, resets: 0, requeued: 0 };
    c.status.syncing = true;
    c.emitStatus();
    try {
      // The schema is fetched alongside the push and the first pull page
      // (a fresh device's first sync saves a round trip and the schema's
      // bytes); nothing is settled or applied before it is in (#schemaIn).
      this.schemaLoad = null;
      if (!c.schema || c.o.now() - this.schemaCheckedAt > SCHEMA_CHECK_MS) {
        this.schemaLoad = this.loadSchema();
        this.schemaLoad.catch(() => {}); // awaited by #schemaIn
      }
      try {
        await this.#push(rep);
        await this.#pull(rep);
      } catch (e) {
        await this.#schemaIn(); // the schema's failure, when it failed, is the one reported
        throw e;
      }
      const done = new Date(c.o.now()).toISOString();
      const tx = await c.begin();
      await setMeta(tx, 'last_sync_at', done);
      await setMeta(tx, 'last_error', '');
      await tx.done;
      c.status.lastSyncedAt = done;
      c.status.error = '';
      c.status.reenrolRequired = false;
      return rep;
    } catch (e) {
      c.status.error = e instanceof Error ? e.message : String(e);
      if (e instanceof ReenrolRequiredError) c.status.reenrolRequired = true;
      if (c.db && c.sealer) {
        const tx = await c.begin();
        await setMeta(tx, 'last_error', c.status.error);
        await tx.done.catch(() => {});
      }
      throw e;
    } finally {
      c.status.syncing = false;
      await c.updateCounts();
      c.emitStatus();
    }
  }

  /**
   * Waits for the schema being fetched in this round, if any; throws its
   * failure.
   */
  async #schemaIn() {
    if (this.schemaLoad) await this.schemaLoad;
  }

  /**
   * Returns the oldest pending changes within the count budget and the push
   * body limit: the body as sent, in UTF-8 bytes (not UTF-16 units: Welsh
   * or Punjabi text takes 2 to 3 bytes a character), stays within it. A
   * single change over it is sent alone (the server says why it is refused).
   * @returns {Promise<OutboxEntry[]>}
   */
  async #nextBatch() {
    const es = await outboxEntries(this.c.read(), 'pending', this.c.o.pushBatchSize);
    const budget = this.pushLimit || PUSH_BYTE_BUDGET;
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
  learnPushLimit(headers) {
    const n = Number.parseInt(headers?.get?.(HEADER_MAX_PUSH_BYTES) ?? '', 10);
    if (!Number.isFinite(n) || n < MIN_PUSH_BYTES) return;
    if (this.pushLimit === 0 || n < this.pushLimit) this.pushLimit = n;
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
        resp = await this.c.auth.raw('POST', '/v1/sync/push', body, 'bearer');
        await this.#schemaIn();
      } catch (e) {
        await this.#schemaIn();
        // Too large for the server or a proxy in front of it: nothing was
        // applied; halve the limit and send smaller batches.
        const half = Math.floor(utf8Length(body) / 2);
        if (e instanceof APIError && e.status === 413 && batch.length > 1 && half >= MIN_PUSH_BYTES) {
          this.pushLimit = this.pushLimit ? Math.min(this.pushLimit, half) : half;
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
    const c = this.c;
    const skewed = new Set();
    let progressed = false;
    const tx = await c.begin('push');
    const outbox = tx.objectStore('outbox');
    const acked = [];
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
          message: r.error?.message ?? 'rejected without a reason', rejected_at: new Date(c.o.now()).toISOString(),
        });
        await refreshView(tx, e.collection, e.record_id, c.scopeOf);
      }
    }
    if (acked.length > 0) {
      await raiseHLCMeta(tx, 'max_seen_hlc', acked.map((ch) => ch.hlc));
      await applyToBase(tx, acked, c.scopeOf);
    }
    await tx.done;
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
    const c = this.c;
    const st = Date.parse(serverTime ?? '');
    if (Number.isNaN(st)) throw new APIError(502, 'internal', 'clock_skew without server_time');
    const clock = /** @type {Clock} */ (c.clock);
    const limit = st + MAX_CLOCK_SKEW_MS;
    const tx = await c.begin('push');
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
    c.offset = st - c.o.now();
    await setMeta(tx, 'clock_offset_ms', c.offset);
    clock.reset(floor);
    for (const e of redo) {
      const change = { ...e.change, hlc: formatHLC(clock.now()) };
      await tx.objectStore('outbox').put({ ...e, change });
      await refreshView(tx, e.collection, e.record_id, c.scopeOf);
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
    const c = this.c;
    const st = Date.parse(serverTime ?? '');
    if (Number.isNaN(st)) return;
    const drift = Math.abs(st - (c.o.now() + c.offset));
    if (drift <= MAX_CLOCK_SKEW_MS / 2) return;
    c.offset = st - c.o.now();
    const tx = await c.begin();
    await setMeta(tx, 'clock_offset_ms', c.offset);
    await tx.done;
  }

  /** @param {SyncReport} rep */
  async #pull(rep) {
    const c = this.c;
    let restarted = false;
    /** @type {{cursor: string, page: Promise<any>}|null} the next page, asked for while this one is applied */
    let ahead = null;
    for (;;) {
      const cursor = (await getMeta(c.read(), 'cursor')) ?? '';
      let page;
      try {
        /** @type {Promise<any>} */
        const asked = ahead && ahead.cursor === cursor ? ahead.page : this.#askPage(cursor);
        ahead = null;
        page = await asked;
        await this.#schemaIn();
      } catch (e) {
        await this.#schemaIn();
        if (e instanceof APIError && e.code === 'invalid_cursor' && cursor && !restarted) {
          // The server no longer knows the cursor: start again from its
          // current state (merging is idempotent, so nothing is lost).
          restarted = true;
          const tx = await c.begin();
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
          const tx = await c.begin('pull');
          await setMeta(tx, 'cursor', '');
          rep.requeued += await requeueOwn(tx, c.deviceId, new Date(c.o.now()).toISOString(), c.scopeOf);
          await tx.done;
          await this.#push(rep);
          continue;
        }
        throw e;
      }
      if (page && page.has_more && page.cursor) {
        // The next page comes across the link while this one is merged,
        // sealed and stored; it is used only if this one's cursor is then
        // the device's (a cursor is stored only with its page applied).
        ahead = { cursor: page.cursor, page: this.#askPage(page.cursor) };
        ahead.page.catch(() => {}); // awaited (and its failure handled) next round, or dropped
      }
      await this.#applyPage(page, rep);
      if (!page.has_more) return;
    }
  }

  /**
   * Asks for the pull page after cursor ('' from the start).
   * @param {string} cursor
   * @returns {Promise<any>}
   */
  #askPage(cursor) {
    const q = new URLSearchParams({ limit: String(this.c.o.pullLimit) });
    if (cursor) q.set('cursor', cursor);
    return this.c.auth.raw('GET', '/v1/sync/pull?' + q.toString(), undefined, 'bearer');
  }

  /**
   * Merges one pull page, purges incidents the device lost, advances the
   * clock and stores the cursor, in one transaction.
   * @param {{changes: Change[], cursor: string, has_more: boolean, purge?: string[]}} page
   * @param {SyncReport} rep
   */
  async #applyPage(page, rep) {
    const c = this.c;
    if (!page || !page.cursor) throw new APIError(502, 'internal', 'pull answer has no cursor');
    const clock = /** @type {Clock} */ (c.clock);
    const tx = await c.begin('pull');
    const purged = await purgeIncidents(tx, page.purge ?? []);
    rep.purged += purged.count;
    const changes = page.changes ?? [];
    await applyToBase(tx, changes, c.scopeOf);
    rep.pulled += changes.length;
    if (changes.length > 0) {
      let max = changes[0].hlc;
      for (const ch of changes) if (compareHLC(ch.hlc, max) > 0) max = ch.hlc;
      clock.update(max);
      await raiseHLCMeta(tx, 'max_seen_hlc', [max]);
      await setMeta(tx, 'clock_last', formatHLC(clock.last()));
    }
    await setMeta(tx, 'cursor', page.cursor);
    await tx.done;
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
