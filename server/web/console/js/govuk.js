// @ts-check
// GOV.UK Frontend components of the console, as html`` templates
// (/shared/html.js): every value is escaped, so a name or note a device
// wrote is shown as text, never run as markup.
import { html, put } from '/shared/html.js';

/** GOV.UK tag colours by meaning. */
const tagColours = {
  red: 'govuk-tag--red', green: 'govuk-tag--green', amber: 'govuk-tag--orange', yellow: 'govuk-tag--yellow',
  blue: 'govuk-tag--blue', grey: 'govuk-tag--grey', purple: 'govuk-tag--purple', turquoise: 'govuk-tag--turquoise',
  pink: 'govuk-tag--pink', light: 'govuk-tag--light-blue',
};

/** @typedef {keyof typeof tagColours} Colour */

/** A GOV.UK tag: status as words, never colour alone.
 * @param {string} text
 * @param {Colour} [colour] */
export function tag(text, colour) {
  return html`<strong class="govuk-tag${colour ? ' ' + tagColours[colour] : ''}">${text}</strong>`;
}

/** Text on a line of its own under the cell's main words.
 * @param {unknown} content @param {string} [cls] more classes */
export function block(content, cls = '') {
  return html`<span class="app-block${cls ? ' ' + cls : ''}">${content}</span>`;
}

/** A GOV.UK table.
 * @param {string} caption
 * @param {unknown[]} head
 * @param {Array<Array<unknown>>} rows
 * @param {{sticky?: boolean, numeric?: number[], captionClass?: string}} [opts] */
export function table(caption, head, rows, opts = {}) {
  const numeric = new Set(opts.numeric || []);
  return html`<table class="govuk-table${opts.sticky ? ' app-table--sticky' : ''}">
<caption class="govuk-table__caption ${opts.captionClass || 'govuk-table__caption--m'}">${caption}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">${head.map((c, i) => html`<th scope="col" class="govuk-table__header${numeric.has(i) ? ' govuk-table__header--numeric' : ''}">${c}</th>`)}</tr></thead>
<tbody class="govuk-table__body">${rows.map((r) => html`<tr class="govuk-table__row">${r.map((c, i) => i === 0 && !numeric.has(0)
    ? html`<th scope="row" class="govuk-table__header">${c ?? ''}</th>`
    : html`<td class="govuk-table__cell${numeric.has(i) ? ' govuk-table__cell--numeric' : ''}">${c ?? ''}</td>`)}</tr>`)}</tbody>
</table>`;
}

/** A table's header row of plain column names. @param {string[]} names */
export function headRow(names) {
  return html`<thead class="govuk-table__head"><tr class="govuk-table__row">${names.map((t) => html`<th scope="col" class="govuk-table__header">${t}</th>`)}</tr></thead>`;
}

/** A table cell. @param {...unknown} content */
export function td(...content) { return html`<td class="govuk-table__cell">${content}</td>`; }

/** A GOV.UK summary list of [key, value] rows ("Not recorded" when empty).
 * @param {Array<[string, unknown]>} rows */
export function summaryList(rows) {
  return html`<dl class="govuk-summary-list">${rows.map(([k, v]) => html`<div class="govuk-summary-list__row govuk-summary-list__row--no-actions">
<dt class="govuk-summary-list__key">${k}</dt><dd class="govuk-summary-list__value">${v === undefined || v === null || v === '' ? 'Not recorded' : v}</dd></div>`)}</dl>`;
}

/** A link styled as GOV.UK.
 * @param {string} href @param {string} text @param {string} [hidden] visually hidden context */
export function link(href, text, hidden) {
  return html`<a class="govuk-link" href="${href}">${text}${hidden ? html`<span class="govuk-visually-hidden"> ${hidden}</span>` : ''}</a>`;
}

/** A GOV.UK back link. @param {string} href @param {string} text */
export function backLink(href, text) { return html`<a class="govuk-back-link" href="${href}">${text}</a>`; }

/** Notification banner (persistent, not a toast).
 * @param {string} title @param {unknown} body text, or markup @param {boolean} [success] */
export function banner(title, body, success) {
  return html`<div class="govuk-notification-banner${success ? ' govuk-notification-banner--success' : ''}" role="${success ? 'alert' : 'region'}" aria-labelledby="banner-title" data-module="govuk-notification-banner">
<div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="banner-title">${title}</h2></div>
<div class="govuk-notification-banner__content">${typeof body === 'string' ? html`<p class="govuk-notification-banner__heading">${body}</p>` : body}</div></div>`;
}

/** @typedef {{field?: string, message: string}} Problem */

/** Error summary at the top of a form, linked to each field.
 * @param {Problem[]} errors */
export function errorSummary(errors) {
  return html`<div class="govuk-error-summary" data-module="govuk-error-summary" tabindex="-1"><div role="alert">
<h2 class="govuk-error-summary__title">There is a problem</h2>
<div class="govuk-error-summary__body"><ul class="govuk-list govuk-error-summary__list">${errors.map((e) => html`<li>${e.field ? html`<a href="#${e.field}">${e.message}</a>` : e.message}</li>`)}</ul></div>
</div></div>`;
}

/** Puts an error summary into el and moves focus to it, as GOV.UK asks.
 * @param {Element} el @param {Problem[]} errors */
export function showErrors(el, errors) {
  put(el, errorSummary(errors));
  /** @type {HTMLElement|null} */ (el.querySelector('.govuk-error-summary'))?.focus();
}

/** The error message above a control. @param {string} id @param {string} message */
export function errorMessage(id, message) {
  return html`<p class="govuk-error-message" id="${id}"><span class="govuk-visually-hidden">Error: </span>${message}</p>`;
}

/** Visually hidden text. @param {string} s */
export function hidden(s) { return html`<span class="govuk-visually-hidden">${s}</span>`; }

/** The element with id, typed (the markup that made it is in the same module).
 * @template {HTMLElement} [T=HTMLElement]
 * @param {string} id @returns {T} */
export function byId(id) { return /** @type {T} */ (document.getElementById(id)); }
