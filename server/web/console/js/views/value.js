// @ts-check
// The control for "write a different value" when resolving a conflict,
// chosen from the disputed field's declaration in the schema the server
// exports: a list of homes for a service, of residents for a resident, radios
// for a choice, checkboxes for a list of choices, date and time for a moment,
// Yes and No for a true-or-false, a number box for a number, otherwise a text
// box. Nobody pastes an id. read() gives the value to send or the problem, in
// words a person can act on; the SDK's schema check runs on the value too.
import { html } from '/shared/html.js';
import { words } from '../format.js';

/** Collections a field ending in `<name>_id` points at. */
const refs = /** @type {Record<string, string>} */ ({ service: 'services', resident: 'residents', provider: 'providers' });

/**
 * @typedef {object} ValueControl
 * @property {import('/shared/html.js').Safe} markup the form group (its id is new-value-group)
 * @property {() => {value?: any, error?: string}} read the value to send, or what is wrong, read from the page once markup is on it
 */

/** Labels for fields whose name does not say it plainly. */
const labels = /** @type {Record<string, string>} */ ({ to_service_id: 'New destination', from_service_id: 'New home moving from', current_service_id: 'New current home' });

/** The collection a reference field points at, if any. @param {string} field */
export function refCollection(field) {
  const m = /^(?:.*_)?(service|resident|provider)_id$/.exec(field);
  return m ? refs[m[1]] : '';
}

/** A record's name. @param {any} f */
function nameOf(f) {
  return f.name || `${f.given_name || ''} ${f.family_name || ''}`.trim() || 'Unnamed';
}

/**
 * Builds the control. The first input has the id new-value, so the error
 * summary's link moves focus to it.
 * @param {import('../api.js').Ctx} c
 * @param {string} collection
 * @param {string} field
 * @returns {Promise<ValueControl>}
 */
export async function valueControl(c, collection, field) {
  const spec = c.client.schema?.field(collection, field);
  const label = labels[field] || `New ${words(field.replace(/_id$/, '')).toLowerCase()}`;
  const hintId = 'new-value-hint';
  /** The group, once on the page. */
  const groupEl = () => /** @type {HTMLElement} */ (document.getElementById('new-value-group'));
  /** @param {unknown} inner */
  const group = (inner) => html`<div class="govuk-form-group" id="new-value-group">${inner}</div>`;
  /** @param {string} hint @param {unknown} body */
  const fieldset = (hint, body) => group(html`<fieldset class="govuk-fieldset" aria-describedby="${hintId}">
<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">${label}</legend><div class="govuk-hint" id="${hintId}">${hint}</div>${body}</fieldset>`);
  const hintDiv = (/** @type {string} */ hint) => html`<div class="govuk-hint" id="${hintId}">${hint}</div>`;
  const labelEl = html`<label class="govuk-label" for="new-value">${label}</label>`;
  /** @param {number} i */
  const idOf = (i) => i ? `new-value-${i}` : 'new-value';

  const target = refCollection(field);
  if (target) {
    const rows = (await c.client.list(target)).map((/** @type {any} */ r) => ({ id: r.id, f: r.fields }))
      .sort((/** @type {any} */ a, /** @type {any} */ b) => nameOf(a.f).localeCompare(nameOf(b.f)));
    const what = target === 'services' ? 'home' : words(target).toLowerCase().replace(/s$/, '');
    return {
      markup: group(html`${labelEl}${hintDiv(target === 'services' ? 'The server checks the home is registered for the resident\'s needs.' : `Choose from every ${what} this browser holds.`)}
<select class="govuk-select" id="new-value" name="new-value" aria-describedby="${hintId}"><option value="">Choose a ${what}</option>${rows.map((/** @type {any} */ r) => html`<option value="${r.id}">${nameOf(r.f) + [r.f.town, r.f.room ? 'room ' + r.f.room : '', r.f.operating_status && r.f.operating_status !== 'operating' ? words(r.f.operating_status).toLowerCase() : ''].filter(Boolean).map((x) => ', ' + x).join('')}</option>`)}</select>`),
      read: () => {
        const v = /** @type {HTMLSelectElement} */ (document.getElementById('new-value')).value;
        return v ? { value: v } : { error: `Choose the ${what}` };
      },
    };
  }

  const itemEnum = /^oneof=(.+)$/.exec(spec?.check?.item_tag || '');
  if (spec?.kind === 'array' && itemEnum) {
    const opts = itemEnum[1].split(' ');
    return {
      markup: fieldset('Select all that apply.', html`<div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">${opts.map((v, i) => html`<div class="govuk-checkboxes__item">
<input class="govuk-checkboxes__input" id="${idOf(i)}" name="new-value" type="checkbox" value="${v}"><label class="govuk-label govuk-checkboxes__label" for="${idOf(i)}">${words(v)}</label></div>`)}</div>`),
      read: () => {
        const v = [...groupEl().querySelectorAll('input:checked')].map((x) => /** @type {HTMLInputElement} */ (x).value);
        return v.length ? { value: v } : { error: 'Select at least one' };
      },
    };
  }

  /** @param {Array<[any, string]>} choices @param {string} hint */
  const radios = (choices, hint) => ({
    markup: fieldset(hint, html`<div class="govuk-radios govuk-radios--small" data-module="govuk-radios">${choices.map(([v, t], i) => html`<div class="govuk-radios__item">
<input class="govuk-radios__input" id="${idOf(i)}" name="new-value" type="radio" value="${JSON.stringify(v)}"><label class="govuk-label govuk-radios__label" for="${idOf(i)}">${t}</label></div>`)}</div>`),
    read: () => {
      const x = /** @type {HTMLInputElement|null} */ (groupEl().querySelector('input:checked'));
      return x ? { value: JSON.parse(x.value) } : { error: `Select the ${label.replace(/^New /, '').toLowerCase()}` };
    },
  });
  if (spec?.enum?.length) return radios(spec.enum.map((/** @type {string} */ v) => [v, words(v)]), 'Choose one.');
  if (spec?.kind === 'boolean') return radios([[true, 'Yes'], [false, 'No']], 'Choose one.');

  /** @param {string} type @param {string} hint @param {(s: string) => {value?: any, error?: string}} parse @param {string} [cls] */
  const box = (type, hint, parse, cls) => ({
    markup: group(html`${labelEl}${hintDiv(hint)}<input class="govuk-input ${cls || ''}" id="new-value" name="new-value" type="${type}" spellcheck="false" aria-describedby="${hintId}">`),
    read: () => {
      const s = /** @type {HTMLInputElement} */ (document.getElementById('new-value')).value.trim();
      return s ? parse(s) : { error: `Enter the ${label.replace(/^New /, '').toLowerCase()}` };
    },
  });
  if (spec?.tag?.includes('rfc3339')) {
    return box('datetime-local', 'The date and the time (UK time), for example 27/11/2026 10:30.', (s) => {
      const d = new Date(s);
      return isNaN(d.getTime()) ? { error: 'Enter a real date and time' } : { value: d.toISOString().replace(/\.\d{3}Z$/, 'Z') };
    }, 'govuk-input--width-20');
  }
  if (spec?.tag === 'date') {
    return box('date', 'For example, 27/11/2026.', (s) => ({ value: s }), 'govuk-input--width-10');
  }
  if (spec?.kind === 'integer' || spec?.kind === 'number') {
    return box('text', spec.kind === 'integer' ? 'A whole number.' : 'A number.', (s) => {
      const n = Number(s);
      if (!Number.isFinite(n) || (spec.kind === 'integer' && !Number.isInteger(n))) return { error: `Enter the ${label.replace(/^New /, '').toLowerCase()} as ${spec.kind === 'integer' ? 'a whole number' : 'a number'}, like 12` };
      return { value: n };
    }, 'govuk-input--width-10');
  }
  return box('text', spec?.doc ? `The ${spec.doc}.` : 'The value as it should be.', (s) => ({ value: s }));
}
