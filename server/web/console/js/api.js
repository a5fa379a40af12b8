// @ts-check
// Calls to the server's REST endpoints through the SDK (which adds the
// token and refreshes it), and what the console says when one fails.

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

/** The server's message for an error, or a plain one.
 * @param {unknown} err */
export function errorText(err) {
  const e = /** @type {any} */ (err);
  if (!e) return 'Something went wrong';
  const body = e.body?.error || e.error || e;
  if (body && typeof body.message === 'string' && body.message) return body.message;
  if (e instanceof TypeError) return 'The server cannot be reached. Check the connection and try again.';
  return String(e.message || e);
}

/** The error's envelope code, if any. @param {unknown} err */
export function errorCode(err) {
  const e = /** @type {any} */ (err);
  return e?.body?.error?.code || e?.error?.code || e?.code || '';
}

/** The error's field, if any. @param {unknown} err */
export function errorField(err) {
  const e = /** @type {any} */ (err);
  return e?.body?.error?.field || e?.error?.field || e?.field || '';
}

/** Whether the server refused for the role or scope (403).
 * @param {unknown} err */
export function isForbidden(err) {
  const e = /** @type {any} */ (err);
  return e?.status === 403 || String(errorCode(err)).startsWith('forbidden');
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
