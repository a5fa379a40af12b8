// @ts-check
/**
 * The background loop of a Client: sync at once, shortly after local
 * writes, when the browser comes back online, and on each `cursor` event of
 * GET /v1/sync/stream (read through fetch, since EventSource cannot send the
 * Authorization header); polling when the server has no stream. One tab per
 * device holds the stream (stream-leader.js). Internal: see continuity.js.
 * @module
 */

import { APIError, backoff, errorFrom, readSSE, sleep } from './http.js';
import { runStreamLeader } from './stream-leader.js';

/**
 * The background loop and the change stream.
 */
export class Loop {
  /** @param {import('./core.js').Core} core */
  constructor(core) {
    this.c = core;
    /** @type {AbortController|null} */
    this.ctl = null;
    /** @type {(() => void)|null} */
    this.wakeFn = null;
    this.wakeSet = false;
    this.streamUnsupported = false;
    /** @type {(() => void)|null} */
    this.onlineHandler = null;
  }

  /** @returns {AbortSignal|undefined} aborted when the loop stops */
  get signal() {
    return this.ctl?.signal;
  }

  start() {
    const c = this.c;
    if (this.ctl) return;
    const ctl = new AbortController();
    this.ctl = ctl;
    this.onlineHandler = () => this.wake();
    globalThis.addEventListener?.('online', this.onlineHandler);
    this.#runLoop(ctl.signal).catch(() => {});
    if (c.o.stream) {
      // One stream per device: the tabs on this database elect a leader
      // (stream-leader.js); the others wake on what it hears.
      const signal = ctl.signal;
      runStreamLeader(`continuity-stream:${c.o.baseURL}:${c.o.dbName}`, signal,
        (announce) => this.#runStream(signal, announce),
        (msg) => {
          if (msg.type === 'cursor') this.wake();
          else if (msg.type === 'heartbeat') c.heard(true);
          else if (msg.type === 'streaming' && c.status.streaming !== msg.on) {
            c.status.streaming = msg.on;
            if (msg.on) this.wake(); // catch up, as the leader does
            c.emitStatus();
          }
        }).catch(() => {});
    }
  }

  stop() {
    this.ctl?.abort(new DOMException('stopped', 'AbortError'));
    this.ctl = null;
    if (this.onlineHandler) globalThis.removeEventListener?.('online', this.onlineHandler);
    this.onlineHandler = null;
    this.wakeFn?.();
  }

  /** Wakes the background loop for a sync now. */
  wake() {
    this.wakeSet = true;
    this.wakeFn?.();
  }

  /**
   * Waits ms or until woken.
   * @param {number} ms
   * @param {AbortSignal} signal
   */
  async #waitWake(ms, signal) {
    if (this.wakeSet) {
      this.wakeSet = false;
      return;
    }
    await new Promise((resolve) => {
      const t = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.wakeFn = done;
      function done() {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve(undefined);
      }
    });
    this.wakeFn = null;
    this.wakeSet = false;
  }

  /** @param {AbortSignal} signal */
  async #runLoop(signal) {
    const c = this.c;
    let failures = 0;
    while (!signal.aborted) {
      let wait = c.status.streaming ? c.o.streamSafetyMs : c.o.pollIntervalMs;
      if (c.enrolled && c.sealer) {
        try {
          // Let a burst of writes settle into one push.
          await sleep(50, signal);
          this.wakeSet = false;
          await c.syncer.sync();
          failures = 0;
        } catch (e) {
          if (signal.aborted) return;
          failures++;
          wait = Math.min(wait, Math.max(1000, backoff(failures, 1000, c.o.retryMaxMs, c.o.random)));
          if (e instanceof APIError && e.retryAfterMs > 0) wait = Math.max(wait, e.retryAfterMs);
          if (e instanceof APIError && e.status === 401) wait = c.o.pollIntervalMs;
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
    const c = this.c;
    let failures = 0;
    while (!signal.aborted) {
      if (!c.enrolled || !c.sealer || this.streamUnsupported || globalThis.navigator?.onLine === false) {
        const wait = this.streamUnsupported ? 5 * 60000 : 5000;
        this.streamUnsupported = false;
        await sleep(wait, signal).catch(() => {});
        continue;
      }
      let opened = false;
      try {
        const token = await c.auth.token();
        const resp = await c.o.fetch(c.o.baseURL + '/v1/sync/stream', {
          headers: { Authorization: 'Bearer ' + token, Accept: 'text/event-stream' }, cache: 'no-store', credentials: 'omit', signal,
        });
        if (resp.status === 404 || resp.status === 405) {
          this.streamUnsupported = true;
          continue;
        }
        if (resp.status === 401) {
          c.auth.refused = token;
          throw new APIError(401, 'unauthorized', 'stream refused the token');
        }
        if (!resp.ok || !resp.body) throw await errorFrom(resp, c.o.now());
        opened = true;
        failures = 0;
        c.heard();
        c.status.streaming = true;
        c.emitStatus();
        announce({ type: 'streaming', on: true });
        this.wake(); // catch up on what happened while disconnected
        let expired = false;
        await readSSE(resp.body, (ev) => {
          c.heard(ev.event !== 'cursor'); // a cursor's sync tells the listeners
          if (ev.event === 'cursor') {
            this.wake();
            announce({ type: 'cursor' });
          } else if (ev.event === 'token_expired') {
            expired = true;
            c.auth.refused = token;
          }
        }, () => {
          // A heartbeat: the server is there, though nothing changed.
          c.heard(true);
          announce({ type: 'heartbeat' });
        });
        if (expired) continue; // refresh and reconnect at once
      } catch (e) {
        if (signal.aborted) break;
      } finally {
        if (c.status.streaming) {
          c.status.streaming = false;
          c.emitStatus();
          announce({ type: 'streaming', on: false });
        }
      }
      if (signal.aborted) break;
      if (!opened) failures++;
      await sleep(backoff(failures, 1000, c.o.retryMaxMs, c.o.random) + 250, signal).catch(() => {});
    }
  }
}
