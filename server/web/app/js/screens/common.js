// @ts-check
// Helpers shared by the screens.
import { html } from '../html.js';

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
 * Messages of an SDK or server error.
 * @param {unknown} err
 * @returns {{field: string, message: string}}
 */
export function errorOf(err) {
  const e = /** @type {any} */ (err) || {};
  const body = e.body && e.body.error ? e.body.error : e.error && e.error.message ? e.error : e;
  return { field: String(body.field || '').replace(/^fields\./, ''), message: String(body.message || e.message || err) };
}
