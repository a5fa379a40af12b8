// @ts-check
// Calls to the server's REST endpoints through the SDK (which adds the
// token and refreshes it), and what the console says when one fails.
import { APIError, ValidationError } from '/sdk/continuity.js';

/**
 * @typedef {object} Ctx
 * @property {any} client the SDK client
 * @property {{subject: string, role: string, device_id: string, scopes: string[], incidents: {id: string, name: string}[]}} me
 * @property {string} role
 * @property {string} incident the incident shown
 * @property {HTMLElement} main
 * @property {AbortSignal} signal aborted when another screen opens
 * @property {(hash: string) => void} navigate
 * @property {(title: string) => void} setTitle
 * @property {(fn: () => any) => void} onRefresh registers the screen's live refresh
 */

/**
 * What the console says when a call fails, through the SDK's error types:
 * an APIError carries the server's envelope (its message comes from the
 * one words table the API, the SDK and both apps share), a ValidationError
 * the SDK's own schema check in the same words. A network failure
 * (APIError status 0) is said plainly.
 * @param {unknown} err
 */
export function errorText(err) {
  if (err instanceof APIError) {
    if (err.status === 0) return 'The server cannot be reached. Check the connection and try again.';
    return err.message;
  }
  if (err instanceof ValidationError) return err.message;
  if (err instanceof Error) return err.message;
  return 'Something went wrong';
}

/** The field the server or the SDK's check names, without its "fields." prefix.
 * @param {unknown} err */
export function errorField(err) {
  return err instanceof APIError || err instanceof ValidationError ? err.field.replace(/^fields\./, '') : '';
}

/** Whether the server refused for the role or scope (403).
 * @param {unknown} err */
export function isForbidden(err) {
  return err instanceof APIError && err.status === 403;
}

/** Whether the device's sign-in has ended (401).
 * @param {unknown} err */
export function isSignedOut(err) {
  return err instanceof APIError && err.status === 401;
}

/** GET a JSON view. @param {Ctx} c @param {string} path */
export function get(c, path) { return c.client.fetchJSON(path); }

/** POST JSON. @param {Ctx} c @param {string} path @param {any} body @param {string} [method] */
export function send(c, path, body, method = 'POST') {
  return c.client.fetchJSON(path, { method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
}

/** The incident's view path. @param {Ctx} c @param {string} view */
export function incidentPath(c, view) { return `/v1/incidents/${encodeURIComponent(c.incident)}/${view}`; }

/** Downloads text as a file through an object URL.
 * @param {string} name @param {string} text @param {string} type */
export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
