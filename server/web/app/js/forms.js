// @ts-check
// GOV.UK Frontend form components, rendered from field specs, and the
// conversions between what a person typed (a draft: field name → string)
// and the record's fields.
import { html, raw } from '/shared/html.js';
import { instantFrom, spoken, spokenDate } from './time.js';

/**
 * @typedef {{value: string, text: string, hint?: string, reveal?: Spec[]}} Option
 * @typedef {{
 *   name: string, label: string, hint?: string,
 *   type: 'text'|'textarea'|'radios'|'yesno'|'date'|'datetime'|'checkbox'|'number'|'items',
 *   options?: Option[], width?: string, rows?: number, inline?: boolean,
 *   item?: Spec[], itemLabel?: string, minItems?: number, autocomplete?: string,
 *   yesReveal?: Spec[], noReveal?: Spec[], heading?: boolean,
 * }} Spec
 * @typedef {Record<string, string>} Draft
 * @typedef {Record<string, string>} Errors  field name → message
 */

/** The element id of a field. @param {string} name */
export const fieldId = (name) => 'f-' + name.replace(/[^A-Za-z0-9_-]/g, '-');

/** @param {Errors} errors @param {string} name */
function errorMessage(errors, name) {
  const m = errors[name];
  return m ? html`<p id="${fieldId(name)}-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> ${m}</p>` : '';
}

/** @param {Spec} s @param {Errors} errors */
function describedBy(s, errors) {
  const ids = [];
  if (s.hint) ids.push(fieldId(s.name) + '-hint');
  if (errors[s.name]) ids.push(fieldId(s.name) + '-error');
  return ids.length ? html` aria-describedby="${ids.join(' ')}"` : '';
}

/** @param {Spec} s */
const hint = (s) => (s.hint ? html`<div id="${fieldId(s.name)}-hint" class="govuk-hint">${s.hint}</div>` : '');

/**
 * The GOV.UK date input (day, month, year) for the draft entry key, which
 * holds YYYY-MM-DD; what was typed in each box is kept as key.day, key.month
 * and key.year, so a half-typed date comes back as typed.
 * @param {string} id @param {string} key @param {Draft} d @param {boolean} err
 */
function dateInput(id, key, d, err) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d[key] ?? '');
  const part = (/** @type {string} */ p, /** @type {number} */ i) => d[`${key}.${p}`] ?? (m ? String(Number(m[i])) : '');
  const box = (/** @type {string} */ p, /** @type {string} */ label, /** @type {number} */ i, /** @type {string} */ width, /** @type {string} */ elId) => html`<div class="govuk-date-input__item"><div class="govuk-form-group"><label class="govuk-label govuk-date-input__label" for="${elId}">${label}</label>
<input class="govuk-input govuk-date-input__input govuk-input--width-${width}${err ? ' govuk-input--error' : ''}" id="${elId}" name="${key}.${p}" type="text" inputmode="numeric" autocomplete="off" value="${part(p, i)}"></div></div>`;
  return html`<div class="govuk-date-input" id="${id}-date">${box('day', 'Day', 3, '2', id)}${box('month', 'Month', 2, '2', id + '-month')}${box('year', 'Year', 1, '4', id + '-year')}</div>`;
}

/**
 * Renders one field.
 * @param {Spec} s @param {Draft} d @param {Errors} errors
 * @returns {import('/shared/html.js').Safe}
 */
export function field(s, d, errors) {
  const id = fieldId(s.name);
  const err = errors[s.name];
  const group = `govuk-form-group${err ? ' govuk-form-group--error' : ''}`;
  const v = d[s.name] ?? '';
  switch (s.type) {
    case 'text':
    case 'number':
      return html`<div class="${group}"><label class="govuk-label govuk-label--s" for="${id}">${s.label}</label>${hint(s)}${errorMessage(errors, s.name)}
<input class="govuk-input${s.width ? ' govuk-input--width-' + s.width : ''}${err ? ' govuk-input--error' : ''}" id="${id}" name="${s.name}" type="text"${s.type === 'number' ? raw(' inputmode="decimal"') : ''} value="${v}"${describedBy(s, errors)}${s.autocomplete ? html` autocomplete="${s.autocomplete}"` : raw(' autocomplete="off"')}></div>`;
    case 'textarea':
      return html`<div class="${group}"><label class="govuk-label govuk-label--s" for="${id}">${s.label}</label>${hint(s)}${errorMessage(errors, s.name)}
<textarea class="govuk-textarea${err ? ' govuk-textarea--error' : ''}" id="${id}" name="${s.name}" rows="${s.rows || 3}"${describedBy(s, errors)}>${v}</textarea></div>`;
    case 'date':
      return html`<div class="${group}"><fieldset class="govuk-fieldset" role="group"${describedBy(s, errors)}><legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${s.label}</legend>${hint(s)}${errorMessage(errors, s.name)}
${dateInput(id, s.name, d, !!err)}</fieldset></div>`;
    case 'datetime':
      return html`<div class="${group}"><fieldset class="govuk-fieldset" role="group"${describedBy(s, errors)}><legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${s.label}</legend>${hint(s)}${errorMessage(errors, s.name)}
<div class="app-datetime">${dateInput(id, s.name + '.date', d, !!err)}
<div class="govuk-form-group app-time"><label class="govuk-label" for="${id}-time">Time, for example 14:05</label><input class="govuk-input govuk-input--width-5${err ? ' govuk-input--error' : ''}" id="${id}-time" name="${s.name}.time" type="text" inputmode="text" autocomplete="off" value="${d[s.name + '.time'] ?? ''}"></div></div></fieldset></div>`;
    case 'checkbox':
      return html`<div class="${group}">${errorMessage(errors, s.name)}<div class="govuk-checkboxes" data-module="govuk-checkboxes"><div class="govuk-checkboxes__item">
<input class="govuk-checkboxes__input" id="${id}" name="${s.name}" type="checkbox" value="true"${v === 'true' ? raw(' checked') : ''}${describedBy(s, errors)}>
<label class="govuk-label govuk-checkboxes__label" for="${id}">${s.label}</label>${s.hint ? html`<div id="${id}-hint" class="govuk-hint govuk-checkboxes__hint">${s.hint}</div>` : ''}</div></div></div>`;
    case 'radios':
    case 'yesno': {
      /** @type {Option[]} */
      const opts = s.type === 'yesno'
        ? [{ value: 'yes', text: 'Yes', reveal: s.yesReveal }, { value: 'no', text: 'No', reveal: s.noReveal }]
        : (s.options || []);
      const inline = s.inline ?? (s.type === 'yesno' && !s.yesReveal && !s.noReveal);
      const items = opts.map((o, i) => {
        const oid = i === 0 ? id : `${id}-${i}`;
        const cid = `conditional-${id}-${i}`;
        const reveal = o.reveal && o.reveal.length
          ? html`<div class="govuk-radios__conditional govuk-radios__conditional--hidden" id="${cid}">${o.reveal.map((r) => field(r, d, errors))}</div>` : '';
        return html`<div class="govuk-radios__item"><input class="govuk-radios__input" id="${oid}" name="${s.name}" type="radio" value="${o.value}"${v === o.value ? raw(' checked') : ''}${reveal ? html` data-aria-controls="${cid}"` : ''}${o.hint ? html` aria-describedby="${oid}-item-hint"` : ''}>
<label class="govuk-label govuk-radios__label" for="${oid}">${o.text}</label>${o.hint ? html`<div id="${oid}-item-hint" class="govuk-hint govuk-radios__hint">${o.hint}</div>` : ''}</div>${reveal}`;
      });
      const legend = s.heading
        ? html`<legend class="govuk-fieldset__legend govuk-fieldset__legend--l"><h1 class="govuk-fieldset__heading">${s.label}</h1></legend>`
        : html`<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${s.label}</legend>`;
      return html`<div class="${group}"><fieldset class="govuk-fieldset"${describedBy(s, errors)}>${legend}${hint(s)}${errorMessage(errors, s.name)}
<div class="govuk-radios${inline ? ' govuk-radios--inline' : ''}" data-module="govuk-radios">${items}</div></fieldset></div>`;
    }
    case 'items': {
      const n = itemCount(s, d);
      const rows = [];
      for (let i = 0; i < n; i++) {
        const sub = (s.item || []).map((f) => ({ ...f, name: `${s.name}.${i}.${f.name}` }));
        const label = `${s.itemLabel || 'Item'} ${i + 1}`;
        // GOV.UK "add another": each item can be removed, once there is
        // more than one or the only one holds something.
        const removable = n > 1 || sub.some((f) => (d[f.name] ?? '') !== '' || (d[f.name + '.day'] ?? '') !== '');
        rows.push(html`<fieldset class="govuk-fieldset app-item"><legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${label}</legend>${sub.map((f) => field(f, d, errors))}
${removable ? html`<button type="submit" class="govuk-button govuk-button--secondary app-remove" data-module="govuk-button" name="remove" value="${s.name}.${i}" id="${id}-${i}-remove">Remove<span class="govuk-visually-hidden"> ${label.toLowerCase()}</span></button>` : ''}</fieldset>`);
      }
      return html`<div class="${group}" id="${id}"><h2 class="govuk-heading-m">${s.label}</h2>${hint(s)}${errorMessage(errors, s.name)}${rows}
<button type="submit" class="govuk-button govuk-button--secondary" name="add" value="${s.name}" data-module="govuk-button">Add another ${(s.itemLabel || 'item').toLowerCase()}</button></div>`;
    }
  }
  return html``;
}

/** How many item rows to show: the filled ones, at least minItems (1). @param {Spec} s @param {Draft} d */
export function itemCount(s, d) {
  let n = Math.max(s.minItems ?? 1, 1);
  const prefix = s.name + '.';
  for (const k of Object.keys(d)) {
    if (k.startsWith(prefix)) {
      const i = Number(k.slice(prefix.length).split('.')[0]);
      if (Number.isInteger(i)) n = Math.max(n, i + 1);
    }
  }
  if (d[`${s.name}.__rows`]) n = Math.max(n, Number(d[`${s.name}.__rows`]));
  return n;
}

/**
 * The draft without item i of an "add another" field: later items move up
 * one, so what was typed in them stays with them.
 * @param {Spec} s @param {Draft} d @param {number} i
 * @returns {Draft}
 */
export function removeItem(s, d, i) {
  const n = itemCount(s, d);
  const prefix = s.name + '.';
  /** @type {Draft} */
  const out = {};
  for (const [k, v] of Object.entries(d)) {
    if (!k.startsWith(prefix)) { out[k] = v; continue; }
    const [head, ...rest] = k.slice(prefix.length).split('.');
    const j = Number(head);
    if (!Number.isInteger(j) || head === '') continue; // __rows, set below
    if (j === i) continue;
    out[`${prefix}${j > i ? j - 1 : j}.${rest.join('.')}`] = v;
  }
  out[`${s.name}.__rows`] = String(Math.max(n - 1, s.minItems ?? 1, 1));
  return out;
}

/** Every spec, with the ones revealed by radios. @param {Spec[]} specs @returns {Spec[]} */
export function flatten(specs) {
  /** @type {Spec[]} */
  const out = [];
  for (const s of specs) {
    out.push(s);
    for (const o of s.options || []) out.push(...flatten(o.reveal || []));
    out.push(...flatten(s.yesReveal || []), ...flatten(s.noReveal || []));
  }
  return out;
}

/**
 * Reads a form's controls into draft entries (strings; unchecked → '').
 * @param {HTMLFormElement} form
 * @returns {Draft}
 */
export function readForm(form) {
  /** @type {Draft} */
  const d = {};
  for (const el of Array.from(form.elements)) {
    const e = /** @type {HTMLInputElement} */ (el);
    if (!e.name || e.name === 'add' || e.name === 'remove' || e.type === 'submit') continue;
    if (e.type === 'radio') {
      if (e.checked) d[e.name] = e.value;
      else if (!(e.name in d)) d[e.name] = '';
    } else if (e.type === 'checkbox') {
      d[e.name] = e.checked ? 'true' : '';
    } else {
      d[e.name] = e.value;
    }
  }
  for (const k of Object.keys(d)) {
    if (!k.endsWith('.day')) continue;
    const key = k.slice(0, -4);
    const [day, month, year] = ['day', 'month', 'year'].map((p) => (d[`${key}.${p}`] ?? '').trim());
    d[key] = !day && !month && !year ? '' : `${year.padStart(4, '0')}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
  }
  return d;
}

/**
 * Converts one spec's draft entries to a field value (undefined when empty).
 * @param {Spec} s @param {Draft} d
 * @returns {unknown}
 */
export function value(s, d) {
  const v = (d[s.name] ?? '').trim();
  switch (s.type) {
    case 'yesno': return v === 'yes' ? true : v === 'no' ? false : undefined;
    case 'checkbox': return v === 'true' ? true : undefined;
    case 'number': {
      if (v === '') return undefined;
      const n = Number(v.replace(/[£,\s]/g, ''));
      return Number.isFinite(n) ? n : v;
    }
    case 'datetime': {
      const date = (d[s.name + '.date'] || '').trim(), time = (d[s.name + '.time'] || '').trim().replace('.', ':');
      if (!date && !time) return undefined;
      // Something typed that is not a real date and time is kept, so that
      // validation says what is wrong with it.
      return instantFrom(date, time) ?? `${date}T${time}`;
    }
    case 'items': {
      const out = [];
      const n = itemCount(s, d);
      for (let i = 0; i < n; i++) {
        /** @type {Record<string, unknown>} */
        const o = {};
        for (const f of s.item || []) {
          const x = value({ ...f, name: `${s.name}.${i}.${f.name}` }, d);
          if (x !== undefined) o[f.name] = x;
        }
        if (Object.keys(o).length) out.push(o);
      }
      return out.length ? out : undefined;
    }
    default: return v === '' ? undefined : v;
  }
}

/**
 * The record fields a draft gives for specs (empty fields left out).
 * @param {Spec[]} specs @param {Draft} d
 */
export function toFields(specs, d) {
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const s of flatten(specs)) {
    const v = value(s, d);
    if (v !== undefined) out[s.name] = v;
  }
  return out;
}

/**
 * Draft entries for a record's fields (to correct a saved record).
 * @param {Spec[]} specs @param {Record<string, any>} f
 * @returns {Draft}
 */
export function fromFields(specs, f) {
  /** @type {Draft} */
  const d = {};
  for (const s of flatten(specs)) {
    const v = f[s.name];
    if (v === undefined || v === null) continue;
    switch (s.type) {
      case 'yesno': d[s.name] = v ? 'yes' : 'no'; break;
      case 'checkbox': d[s.name] = v ? 'true' : ''; break;
      case 'datetime': {
        const t = new Date(v);
        if (!Number.isNaN(t.getTime())) {
          const p = (/** @type {number} */ n) => String(n).padStart(2, '0');
          d[s.name + '.date'] = `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}`;
          for (const k of ['day', 'month', 'year']) delete d[`${s.name}.date.${k}`];
          d[s.name + '.time'] = `${p(t.getHours())}:${p(t.getMinutes())}`;
        }
        break;
      }
      case 'items':
        (Array.isArray(v) ? v : []).forEach((o, i) => {
          for (const it of s.item || []) {
            const sub = fromFields([{ ...it, name: it.name }], o);
            for (const [k, x] of Object.entries(sub)) d[`${s.name}.${i}.${k}`] = x;
          }
        });
        break;
      default: d[s.name] = String(v);
    }
  }
  return d;
}

/**
 * What a person sees for a field's answer.
 * @param {Spec} s @param {Draft} d
 * @returns {import('/shared/html.js').Safe|string}
 */
export function answer(s, d) {
  const v = value(s, d);
  if (v === undefined) return html`<span class="app-muted">Not given</span>`;
  switch (s.type) {
    case 'yesno': return v ? 'Yes' : 'No';
    case 'checkbox': return 'Yes';
    case 'radios': return (s.options || []).find((o) => o.value === v)?.text ?? String(v);
    case 'datetime': return spoken(/** @type {string} */ (v));
    case 'date': return spokenDate(/** @type {string} */ (v));
    case 'items': return html`<ul class="govuk-list">${(/** @type {Record<string, unknown>[]} */ (v)).map((o) =>
      html`<li>${(s.item || []).filter((f) => o[f.name] !== undefined).map((f, i) => html`${i ? ' · ' : ''}${itemText(f, o[f.name])}`)}</li>`)}</ul>`;
    case 'textarea': return html`<span class="app-pre">${String(v)}</span>`;
  }
  return String(v);
}

/** @param {Spec} f @param {unknown} v */
function itemText(f, v) {
  if (typeof v === 'boolean') return v ? f.label : `not ${f.label.toLowerCase()}`;
  if (f.type === 'radios') return (f.options || []).find((o) => o.value === v)?.text ?? String(v);
  if (f.type === 'date') return spokenDate(String(v));
  return String(v);
}

/**
 * The GOV.UK error summary, each message linked to its field (a message
 * that names no field, without a link). With an id, it can take focus.
 * @param {{href?: string, text: string}[]} list
 * @param {string} [id]
 */
export function errorSummary(list, id = '') {
  if (!list.length) return '';
  return html`<div class="govuk-error-summary" data-module="govuk-error-summary"${id ? html` tabindex="-1" id="${id}"` : ''}><div role="alert">
<h2 class="govuk-error-summary__title">There is a problem</h2><div class="govuk-error-summary__body"><ul class="govuk-list govuk-error-summary__list">
${list.map((e) => e.href ? html`<li><a href="${e.href}">${e.text}</a></li>` : html`<li>${e.text}</li>`)}</ul></div></div></div>`;
}

/**
 * A summary list; rows with an href get a Change link.
 * @param {{key: string, value: unknown, href?: string}[]} rows
 */
export function summaryList(rows) {
  const anyActions = rows.some((r) => r.href);
  return html`<dl class="govuk-summary-list">${rows.map((r) => html`<div class="govuk-summary-list__row${anyActions && !r.href ? ' govuk-summary-list__row--no-actions' : ''}">
<dt class="govuk-summary-list__key">${r.key}</dt><dd class="govuk-summary-list__value">${r.value}</dd>${r.href ? html`<dd class="govuk-summary-list__actions"><a class="govuk-link" href="${r.href}">Change<span class="govuk-visually-hidden"> ${r.key.toLowerCase()}</span></a></dd>` : ''}</div>`)}</dl>`;
}

/**
 * A GOV.UK tag: text first, colour second.
 * @param {string} text @param {string} [colour]
 */
export function tag(text, colour) {
  return html`<strong class="govuk-tag${colour ? ' govuk-tag--' + colour : ''}">${text}</strong>`;
}

/**
 * Maps validation results ({field, message}) onto spec names.
 * @param {{field?: string, message: string}[]} list
 * @returns {Errors}
 */
export function errorsFrom(list) {
  /** @type {Errors} */
  const e = {};
  for (const x of list) {
    const f = String(x.field || '').replace(/^fields\./, '');
    if (!e[f]) e[f] = x.message;
  }
  return e;
}
