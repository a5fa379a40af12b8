// @ts-check
// The page the Go end-to-end tests drive: it exposes the SDK as window.sdk
// and an open client as window.client; the tests call them with Eval.
import * as sdk from '../continuity.js';

/** @type {any} */ (window).sdk = sdk;
/** @type {any} */ (window).events = [];
/** @type {any} */ (window).openClient = async (/** @type {string} */ dbName, /** @type {object} */ opts = {}) => {
  const c = await sdk.Client.open({ baseURL: location.origin, dbName, pollIntervalMs: 1000, ...opts });
  c.on('change', (e) => /** @type {any} */ (window).events.push(['change', e]));
  /** @type {any} */ (window).client = c;
  return c.enrolled;
};
const state = document.getElementById('state');
if (state) state.textContent = 'ready';
