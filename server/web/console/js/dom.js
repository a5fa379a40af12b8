// @ts-check
// Small DOM helpers for the console: elements are built with createElement
// and textContent only (never innerHTML with data), so nothing a device
// wrote can run as markup, and nothing needs an inline style or script.

/**
 * h builds an element. attrs: class, text, for, on* handlers (functions),
 * boolean attributes (true/false), other attributes as strings.
 * @param {string} tag
 * @param {Record<string, any>} [attrs]
 * @param {...(Node|string|null|undefined|false|Array<Node|string|null|undefined|false>)} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = String(v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

/**
 * @param {Node} el
 * @param {any[]} children
 */
function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

/** Replaces an element's children.
 * @param {Element} el
 * @param {...any} children */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** GOV.UK tag colours by meaning. */
const tagColours = {
  red: 'govuk-tag--red', green: 'govuk-tag--green', amber: 'govuk-tag--orange', yellow: 'govuk-tag--yellow',
  blue: 'govuk-tag--blue', grey: 'govuk-tag--grey', purple: 'govuk-tag--purple', turquoise: 'govuk-tag--turquoise',
  pink: 'govuk-tag--pink', light: 'govuk-tag--light-blue',
};

/** A GOV.UK tag: status as words, never colour alone.
 * @param {string} text
 * @param {keyof typeof tagColours} [colour] */
export function tag(text, colour) {
  return h('strong', { class: 'govuk-tag' + (colour ? ' ' + tagColours[colour] : '') }, text);
}

/** Heading, caption and optional lede.
 * @param {string} title @param {string} [caption] */
export function heading(title, caption) {
  return h('h1', { class: 'govuk-heading-l' }, caption ? h('span', { class: 'govuk-caption-l' }, caption) : null, title);
}

/** A GOV.UK table.
 * @param {string} caption
 * @param {Array<string|HTMLElement>} head
 * @param {Array<Array<any>>} rows
 * @param {{sticky?: boolean, numeric?: number[], rowClass?: (i:number)=>string, captionClass?: string}} [opts] */
export function table(caption, head, rows, opts = {}) {
  const numeric = new Set(opts.numeric || []);
  return h('table', { class: 'govuk-table' + (opts.sticky ? ' app-table--sticky' : '') },
    h('caption', { class: 'govuk-table__caption ' + (opts.captionClass || 'govuk-table__caption--m') }, caption),
    h('thead', { class: 'govuk-table__head' }, h('tr', { class: 'govuk-table__row' },
      head.map((c, i) => h('th', { scope: 'col', class: 'govuk-table__header' + (numeric.has(i) ? ' govuk-table__header--numeric' : '') }, c)))),
    h('tbody', { class: 'govuk-table__body' }, rows.map((r, ri) => h('tr', { class: 'govuk-table__row' + (opts.rowClass ? ' ' + opts.rowClass(ri) : '') },
      r.map((c, i) => i === 0 && !numeric.has(0)
        ? h('th', { scope: 'row', class: 'govuk-table__header' }, c ?? '')
        : h('td', { class: 'govuk-table__cell' + (numeric.has(i) ? ' govuk-table__cell--numeric' : '') }, c ?? ''))))));
}

/** A GOV.UK summary list of [key, value, action?] rows.
 * @param {Array<[string, any, HTMLElement?]>} rows */
export function summaryList(rows) {
  return h('dl', { class: 'govuk-summary-list' }, rows.map(([k, v, a]) => h('div', { class: 'govuk-summary-list__row' + (a ? '' : ' govuk-summary-list__row--no-actions') },
    h('dt', { class: 'govuk-summary-list__key' }, k),
    h('dd', { class: 'govuk-summary-list__value' }, v === undefined || v === null || v === '' ? 'Not recorded' : v),
    a ? h('dd', { class: 'govuk-summary-list__actions' }, a) : null)));
}

/** A link styled as GOV.UK.
 * @param {string} href @param {string} text @param {string} [hidden] visually hidden context */
export function link(href, text, hidden) {
  return h('a', { class: 'govuk-link', href }, text, hidden ? h('span', { class: 'govuk-visually-hidden' }, ' ' + hidden) : null);
}

/** A button.
 * @param {string} text @param {Record<string, any>} [attrs] @param {'secondary'|'warning'} [kind] */
export function button(text, attrs = {}, kind) {
  return h('button', { type: 'button', class: 'govuk-button' + (kind ? ' govuk-button--' + kind : ''), 'data-module': 'govuk-button', ...attrs }, text);
}

/** Notification banner (persistent, not a toast).
 * @param {string} title @param {any} body @param {boolean} [success] */
export function banner(title, body, success) {
  return h('div', { class: 'govuk-notification-banner' + (success ? ' govuk-notification-banner--success' : ''), role: success ? 'alert' : 'region', 'aria-labelledby': 'banner-title', 'data-module': 'govuk-notification-banner' },
    h('div', { class: 'govuk-notification-banner__header' }, h('h2', { class: 'govuk-notification-banner__title', id: 'banner-title' }, title)),
    h('div', { class: 'govuk-notification-banner__content' }, typeof body === 'string' ? h('p', { class: 'govuk-notification-banner__heading' }, body) : body));
}

/** Error summary at the top of a form, linked to each field.
 * @param {Array<{field?: string, message: string}>} errors */
export function errorSummary(errors) {
  const el = h('div', { class: 'govuk-error-summary', 'data-module': 'govuk-error-summary', tabindex: '-1' },
    h('div', { role: 'alert' },
      h('h2', { class: 'govuk-error-summary__title' }, 'There is a problem'),
      h('div', { class: 'govuk-error-summary__body' }, h('ul', { class: 'govuk-list govuk-error-summary__list' },
        errors.map((e) => h('li', {}, e.field ? h('a', { href: '#' + e.field }, e.message) : e.message))))));
  queueMicrotask(() => el.focus());
  return el;
}

const london = 'Europe/London';
const dayFmt = new Intl.DateTimeFormat('en-CA', { timeZone: london, year: 'numeric', month: '2-digit', day: '2-digit' });
const timeFmt = new Intl.DateTimeFormat('en-GB', { timeZone: london, hour: '2-digit', minute: '2-digit', hour12: false });
const dateFmt = new Intl.DateTimeFormat('en-GB', { timeZone: london, weekday: 'short', day: 'numeric', month: 'short' });
const longDate = new Intl.DateTimeFormat('en-GB', { timeZone: london, day: 'numeric', month: 'long', year: 'numeric' });

/** YYYY-MM-DD of a time in London.
 * @param {Date} d */
export function londonDay(d) { return dayFmt.format(d); }

/** A time as people say it: "today 14:05", "yesterday 09:30", "Mon 16 Nov 10:00".
 * @param {string|Date|null|undefined} t @param {Date} [now] */
export function when(t, now = new Date()) {
  if (!t) return '';
  const d = t instanceof Date ? t : new Date(t);
  if (isNaN(d.getTime())) return String(t);
  const day = londonDay(d), today = londonDay(now);
  const y = new Date(now.getTime() - 86400000), tm = new Date(now.getTime() + 86400000);
  const hm = timeFmt.format(d);
  if (day === today) return 'today ' + hm;
  if (day === londonDay(y)) return 'yesterday ' + hm;
  if (day === londonDay(tm)) return 'tomorrow ' + hm;
  return dateFmt.format(d) + ' ' + hm;
}

/** A calendar date (YYYY-MM-DD) as people say it: "today", "yesterday", "24 November 2026".
 * @param {string|undefined} s @param {Date} [now] */
export function day(s, now = new Date()) {
  if (!s) return '';
  const today = londonDay(now);
  if (s === today) return 'today';
  if (s === londonDay(new Date(now.getTime() - 86400000))) return 'yesterday';
  if (s === londonDay(new Date(now.getTime() + 86400000))) return 'tomorrow';
  const d = new Date(s + 'T12:00:00Z');
  return isNaN(d.getTime()) ? s : longDate.format(d);
}

/** snake_case → "Sentence case".
 * @param {string|undefined} s */
export function words(s) {
  if (!s) return '';
  const w = s.replace(/_/g, ' ');
  return w.charAt(0).toUpperCase() + w.slice(1);
}

/** Visually hidden text. @param {string} s */
export function hidden(s) { return h('span', { class: 'govuk-visually-hidden' }, s); }
