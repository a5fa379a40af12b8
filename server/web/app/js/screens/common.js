// @ts-check
// Helpers shared by the screens.
import { html } from '/shared/html.js';
import { APIError, ValidationError } from '/sdk/continuity.js';

/** @typedef {import('../main.js').Ctx} Ctx */
/** @typedef {import('../main.js').View} View */

/** A GOV.UK back link. @param {string} href @param {string} [text] */
export const backLink = (href, text = 'Back') => html`<a href="${href}" class="govuk-back-link">${text}</a>`;

/**
 * Sends a person who is not set up to the right first screen; returns true
 * when it did.
 * @param {Ctx} ctx @param {{incident?: boolean}} [need]
 */
export function redirectIfNotReady(ctx, need = { incident: true }) {
  if (!ctx.client.enrolled) { ctx.go('#/enrol'); return true; }
  if (need.incident && !ctx.incident) { ctx.go('#/incidents'); return true; }
  return false;
}

/** A new record id. */
export { newId } from '/sdk/continuity.js';

/** Whether s is a UUID (route parameters are checked before use). @param {string|undefined} s */
export const isUUID = (s) => !!s && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

/** A "not found" view. @param {string} what */
export function notFound(what) {
  return /** @type {View} */ ({
    title: 'Not found',
    body: html`<h1 class="govuk-heading-l">${what} is not on this tablet</h1>
<p class="govuk-body">It may not have synced yet, or it belongs to an incident this tablet does not hold.</p>
<p class="govuk-body"><a class="govuk-link" href="#/residents">Go to the residents list</a></p>`,
  });
}

/**
 * What a screen says about a failed SDK or server call, through the SDK's
 * error types: an APIError carries the server's envelope (code, field and
 * the message from the words table the API, the SDK and both apps share);
 * a ValidationError the SDK's own schema check, in the same words. The
 * field loses its "fields." prefix, to name the form's control.
 * @param {unknown} err
 * @returns {{field: string, code: string, message: string}}
 */
export function errorOf(err) {
  if (err instanceof APIError || err instanceof ValidationError) {
    return { field: err.field.replace(/^fields\./, ''), code: err.code, message: err.message };
  }
  if (err instanceof Error) return { field: '', code: '', message: err.message };
  return { field: '', code: '', message: String(err) };
}

/**
 * What to tell a person when something they asked for could not be done:
 * the server's or the SDK's own words when they say why (an APIError or a
 * ValidationError), what to do when the device's storage is full, and
 * otherwise a plain apology (never a developer's message).
 * @param {unknown} err
 * @returns {string}
 */
export function plainProblem(err) {
  if (err instanceof APIError || err instanceof ValidationError) return errorOf(err).message;
  if (err && typeof err === 'object' && /** @type {{name?: string}} */ (err).name === 'QuotaExceededError') {
    return 'This device has no room left to save this. Free some space on the device, or ask the incident room for help, then try again';
  }
  return 'Sorry, there is a problem. Try again';
}

/**
 * A name-based id (UUID version 5, RFC 9562): the same namespace and name
 * give the same id on every device, so two devices recording the same thing
 * (the first leg of a move) write one record and converge instead of
 * conflicting.
 * @param {string} namespace a UUID
 * @param {string} name
 * @returns {Promise<string>}
 */
export async function derivedId(namespace, name) {
  const ns = namespace.replace(/-/g, '');
  const bytes = new Uint8Array(16 + new TextEncoder().encode(name).length);
  for (let i = 0; i < 16; i++) bytes[i] = parseInt(ns.slice(i * 2, i * 2 + 2), 16);
  bytes.set(new TextEncoder().encode(name), 16);
  const h = new Uint8Array(await crypto.subtle.digest('SHA-1', bytes)).slice(0, 16);
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = Array.from(h, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** The id of a move's leg: derived from the move and the leg's number. @param {string} moveId @param {number} sequence */
export const legId = (moveId, sequence) => derivedId(moveId, `move_legs/${sequence}`);
