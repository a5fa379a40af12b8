// @ts-check
/**
 * Enrolment, tokens and the authenticated HTTP transport of a Client: the
 * token pair is stored before it is used (a refresh token is single use),
 * refreshes are serialised across tabs, and every request is retried with
 * backoff and refreshes once on 401. Internal: see continuity.js.
 * @module
 */

import { Clock, formatHLC, validHLC } from './hlc.js';
import { APIError, backoff, errorFrom, gzipText, sleep } from './http.js';
import { clearStore, getMeta, outboxEntries, refreshView, setMeta } from './store.js';
import { Sealer, hex, newDataKey, nonExtractable, randomBytes } from './vault.js';

/** @typedef {import('./continuity.js').TokenPair} TokenPair */

/** How long before its expiry an access token is renewed. */
const EXPIRY_MARGIN_MS = 30 * 1000;

/**
 * Tokens, enrolment and requests.
 */
export class Auth {
  /** @param {import('./core.js').Core} core */
  constructor(core) {
    this.c = core;
    this.refresh = '';
    this.access = '';
    this.accessExpires = 0;
    /** access token the server refused */
    this.refused = '';
    /** Set once the server refused a gzip body (415): it is from before compressed requests. */
    this.plainBodies = core.o.plainRequests;
    /** @type {Promise<string>|null} */
    this.refreshing = null;
    /** The wipe secret's registration after the last enrolment (it never rejects). */
    this.wipeSecretSent = Promise.resolve();
  }

  /** @param {Record<string, any>} m the meta store's values */
  restore(m) {
    this.refresh = m.refresh_token ?? '';
    this.access = m.access_token ?? '';
    this.accessExpires = Number(m.access_expires_at_ms ?? 0);
  }

  forget() {
    this.refresh = this.access = '';
    this.accessExpires = 0;
  }

  /** @param {TokenPair} pair */
  async enrolWithPair(pair) {
    const c = this.c;
    if (!pair || !pair.access_token) throw new TypeError('enrolWithPair: the answer has no access token');
    const claims = decodeClaims(pair.access_token);
    const deviceId = pair.device_id || claims.device_id || '';
    if (!deviceId) throw new TypeError('enrolWithPair: the answer names no device');
    const former = c.deviceId;
    if (!c.sealer) await this.#newKey(deviceId);
    else if (c.vault && c.vault.device_id !== deviceId) {
      c.vault = { ...c.vault, device_id: deviceId };
      await c.idb().put('keys', c.vault);
    }
    await this.saveTokens(pair, { device_id: deviceId, role: claims.role ?? '', subject: claims.sub ?? '' });
    c.deviceId = deviceId;
    const tx = await c.begin();
    const last = await getMeta(tx, 'clock_last');
    const clock = new Clock(deviceId, () => c.o.now() + c.offset, validHLC(last ?? '') ? last : undefined);
    c.clock = clock;
    if (former && former !== deviceId) {
      for (const e of await outboxEntries(tx, 'pending')) {
        const change = { ...e.change, hlc: formatHLC(clock.now()), device_id: deviceId };
        await tx.objectStore('outbox').put({ ...e, change });
        await refreshView(tx, e.collection, e.record_id, c.scopeOf);
      }
      await setMeta(tx, 'clock_last', formatHLC(clock.last()));
    }
    await tx.done;
    c.status.reenrolRequired = false;
    c.emitStatus();
    // Sent alongside what follows (me, the schema, the first pull) rather
    // than before it: a wipe waits for it (device.js), so the server holds
    // the secret's hash before it is told of the wipe.
    this.wipeSecretSent = this.#registerWipeSecret();
  }

  /**
   * A new data key for a new enrolment: whatever the database held before
   * (sealed with a key no longer known) is cleared first.
   * @param {string} deviceId
   */
  async #newKey(deviceId) {
    const c = this.c;
    const db = c.idb();
    await clearStore(db);
    c.cache.clear();
    const key = await newDataKey();
    const vault = { key: 'vault', id: hex(randomBytes(8)), device_id: deviceId, wipe_secret: hex(randomBytes(32)), failures: 0 };
    if (c.o.keyStorage === 'session') {
      sessionStorage.setItem(c.sessionKeyName(vault.id), JSON.stringify(await crypto.subtle.exportKey('jwk', key)));
    } else {
      c.unwrapped = key;
    }
    await db.put('keys', vault);
    c.vault = vault;
    c.sealer = new Sealer(await nonExtractable(key));
  }

  /**
   * Gives the server the hash of this device's wipe secret, with which a
   * wiped device (holding nothing else) later asks to be revoked.
   */
  async #registerWipeSecret() {
    const secret = this.c.vault?.wipe_secret;
    if (!secret) return;
    try {
      await this.raw('PUT', '/v1/me/wipe-secret', { secret }, 'bearer', { retry: false });
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
  async saveTokens(pair, extra = {}) {
    const c = this.c;
    const expires = c.o.now() + (Number(pair.expires_in) || 0) * 1000;
    const tx = await c.begin();
    await setMeta(tx, 'access_token', pair.access_token);
    await setMeta(tx, 'access_expires_at_ms', expires);
    if (pair.refresh_token) await setMeta(tx, 'refresh_token', pair.refresh_token);
    for (const [k, v] of Object.entries(extra)) await setMeta(tx, k, v);
    await tx.done;
    this.access = pair.access_token;
    this.accessExpires = expires;
    if (pair.refresh_token) this.refresh = pair.refresh_token;
    this.refused = '';
  }

  /**
   * Returns a current access token, refreshing it when it is about to
   * expire or was refused. Refreshes are serialised within the page and,
   * through the Web Locks API where the browser has it, across tabs.
   * @returns {Promise<string>}
   */
  async token() {
    const now = this.c.o.now();
    if (this.access && this.access !== this.refused && now < this.accessExpires - EXPIRY_MARGIN_MS) return this.access;
    if (!this.refreshing) {
      this.refreshing = this.c.withLock('refresh', () => this.#doRefresh()).finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  /** @returns {Promise<string>} */
  async #doRefresh() {
    // Another tab may have refreshed meanwhile: read what is stored.
    const tx = this.c.read();
    const refresh = (await getMeta(tx, 'refresh_token')) ?? '';
    const access = (await getMeta(tx, 'access_token')) ?? '';
    const expires = Number((await getMeta(tx, 'access_expires_at_ms')) ?? 0);
    if (access && access !== this.refused && this.c.o.now() < expires - EXPIRY_MARGIN_MS) {
      this.access = access;
      this.accessExpires = expires;
      this.refresh = refresh;
      return access;
    }
    if (!refresh) throw new APIError(401, 'unauthorized', 'this device has no refresh token: enrol it again', 'Authorization');
    const pair = /** @type {TokenPair} */ (await this.raw('POST', '/v1/auth/token', { refresh_token: refresh }, ''));
    if (!pair.access_token || !pair.refresh_token) throw new APIError(502, 'internal', 'refresh answer is not a token pair');
    // The old refresh token is spent: keep the new one before anything else.
    await this.saveTokens(pair);
    return pair.access_token;
  }

  /**
   * Asks the server who this device is; offline, the last answer stored.
   * @returns {Promise<{subject: string, role: string, device_id: string, scopes: string[], incidents: {id: string, name: string}[]}>}
   */
  async me() {
    try {
      const me = await this.fetch('/v1/me', {}, false);
      const tx = await this.c.begin();
      await setMeta(tx, 'me', me);
      await setMeta(tx, 'role', me.role);
      await tx.done;
      return me;
    } catch (e) {
      if (e instanceof APIError && e.temporary) {
        const cached = await getMeta(this.c.read(), 'me');
        if (cached) return cached;
      }
      throw e;
    }
  }

  /**
   * An authenticated REST call (fetchJSON, fetchText).
   * @param {string} path
   * @param {RequestInit & {json?: any}} init
   * @param {boolean} text
   * @returns {Promise<any>}
   */
  fetch(path, init, text) {
    const method = (init.method ?? 'GET').toUpperCase();
    const body = init.json !== undefined ? init.json : init.body;
    return this.raw(method, path, body, 'bearer', { text, headers: headersOf(init.headers), retry: method === 'GET' || method === 'HEAD' });
  }

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
  async raw(method, path, body, auth, opt = {}) {
    const o = this.c.o;
    let refreshed = false;
    for (let attempt = 0; ; ) {
      try {
        return await this.#once(method, path, body, auth, opt);
      } catch (e) {
        if (!(e instanceof APIError)) throw e;
        if (e.status === 401 && auth && !refreshed) {
          refreshed = true;
          this.refused = this.access;
          continue;
        }
        if (!e.temporary || opt.retry === false) throw e;
        if (e.status === 0 && globalThis.navigator?.onLine === false) throw e;
        if (attempt >= o.maxRetries) throw e;
        let wait = backoff(attempt, o.retryBaseMs, o.retryMaxMs, o.random);
        if (e.retryAfterMs > 0) wait = e.retryAfterMs;
        if (wait > o.retryMaxMs) throw e;
        await sleep(wait, this.c.loop.signal);
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
    const c = this.c;
    /** @type {Record<string, string>} */
    const headers = { Accept: opt.text ? '*/*' : 'application/json', ...(opt.headers ?? {}) };
    if (auth) headers.Authorization = 'Bearer ' + (await this.token());
    /** @type {RequestInit} */
    const init = { method, headers, cache: 'no-store', credentials: 'omit' };
    if (body !== undefined && body !== null) {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      init.body = text;
      if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
      const z = this.plainBodies || Object.keys(headers).some((k) => k.toLowerCase() === 'content-encoding') ? null : await gzipText(text);
      if (z) {
        init.body = z;
        headers['Content-Encoding'] = 'gzip';
      }
    }
    let resp;
    try {
      resp = await c.o.fetch(c.o.baseURL + path, init);
    } catch (e) {
      c.setOnline(false);
      throw new APIError(0, 'offline', `cannot reach the server: ${e instanceof Error ? e.message : e}`);
    }
    c.setOnline(true);
    c.syncer.learnPushLimit(resp.headers);
    if (resp.status === 304) return null;
    if (!resp.ok) {
      const e = await errorFrom(resp, c.o.now());
      if (headers['Content-Encoding'] === 'gzip' && e.status === 415 && e.field === 'Content-Encoding') {
        // A server from before compressed requests: send every body as it is.
        this.plainBodies = true;
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
