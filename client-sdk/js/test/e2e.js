// @ts-check
// The page the Go end-to-end tests drive: it exposes the SDK as window.sdk
// and an open client as window.client; the tests call them with Eval.
import * as sdk from '../continuity.js';
import { Sealer } from '../vault.js';

/** @type {any} */ (window).sdk = sdk;
/** @type {any} */ (window).events = [];
/** The device PIN the tests use. */
const PIN = '275913';
/** @type {any} */ (window).PIN = PIN;

/**
 * Opens a client as the field app does: with a device PIN (chosen right
 * after enrolment, entered at every open), or in the session key mode.
 */
/** @type {any} */ (window).openClient = async (/** @type {string} */ dbName, /** @type {any} */ opts = {}) => {
  const c = await sdk.Client.open({ baseURL: location.origin, dbName, pollIntervalMs: 1000, pinIterations: 1000, ...opts });
  if (c.locked) await c.unlock(PIN);
  const enrolWithPair = c.enrolWithPair.bind(c);
  c.enrolWithPair = async (/** @type {any} */ pair) => {
    await enrolWithPair(pair);
    if (c.needsPin) await c.setPin(PIN);
  };
  c.on('change', (e) => /** @type {any} */ (window).events.push(['change', e]));
  /** @type {any} */ (window).client = c;
  return c.enrolled;
};
const state = document.getElementById('state');
if (state) state.textContent = 'ready';

/**
 * Reads one meta value straight from the client's IndexedDB database, as
 * the next page load would find it.
 * @param {string} dbName
 * @param {string} key
 * @returns {Promise<any>}
 */
async function storedMeta(dbName, key) {
  const row = await new Promise((resolve, reject) => {
    const open = indexedDB.open(dbName);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const get = db.transaction('meta').objectStore('meta').get(key);
      get.onsuccess = () => {
        db.close();
        resolve(get.result);
      };
      get.onerror = () => reject(get.error);
    };
  });
  // Rows are sealed: open it with the tab session's key (keyStorage 'session').
  const name = Object.keys(sessionStorage).find((k) => k.startsWith(`continuity:${dbName}:key:`));
  if (!row || !name) return undefined;
  const dk = await crypto.subtle.importKey('jwk', JSON.parse(sessionStorage.getItem(name) ?? '{}'), { name: 'AES-GCM', length: 256 }, false, ['decrypt', 'encrypt']);
  return (await new Sealer(dk).open('meta', row)).value;
}

/** @type {any} */ (window).storedMeta = storedMeta;

/**
 * A fetch for the client (Options.fetch) that records, for every request
 * it sends, the path, the access token it carries and, when that token
 * came from a refresh, whether the refresh token issued with it was already
 * stored in IndexedDB: a refresh
 * token is single use, so using a pair before storing it could lose the
 * device's sign-in. window.trace holds the records.
 * @param {string} dbName
 * @returns {typeof fetch}
 */
/** @type {any} */ (window).tracingFetch = (/** @type {string} */ dbName) => {
  /** @type {Map<string, string>} */
  const issued = new Map(); // access token → the refresh token issued with it
  const trace = { requests: /** @type {any[]} */ ([]) };
  /** @type {any} */ (window).trace = trace;
  return async (/** @type {RequestInfo|URL} */ input, /** @type {RequestInit} */ init = {}) => {
    const path = new URL(String(input instanceof Request ? input.url : input)).pathname;
    const auth = new Headers(init.headers).get('Authorization') ?? '';
    const access = auth.replace(/^Bearer /, '');
    const rec = { path, access, refreshed: issued.has(access), storedBeforeUse: true };
    if (rec.refreshed) rec.storedBeforeUse = (await storedMeta(dbName, 'refresh_token')) === issued.get(access);
    trace.requests.push(rec);
    const resp = await fetch(input, init);
    if (path === '/v1/auth/token' && resp.ok) {
      const pair = await resp.clone().json();
      issued.set(pair.access_token, pair.refresh_token);
    }
    return resp;
  };
};
