// @ts-check
// The control for "write a different value" when resolving a conflict,
// chosen from the disputed field's declaration in the schema the server
// exports: a list of homes for a service, of residents for a resident, radios
// for a choice, checkboxes for a list of choices, date and time for a moment,
// Yes and No for a true-or-false, a number box for a number, otherwise a text
// box. Nobody pastes an id. read() gives the value to send or the problem, in
// words a person can act on; the SDK's schema check runs on the value too.
import { h, words } from '../dom.js';

/** Collections a field ending in `<name>_id` points at. */
const refs = /** @type {Record<string, string>} */ ({ service: 'services', resident: 'residents', provider: 'providers' });

/**
 * @typedef {object} ValueControl
 * @property {HTMLElement} el the form group (its id is new-value-group)
 * @property {() => {value?: any, error?: string}} read the value to send, or what is wrong
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
  /** @param {string} hint @param {...any} inner */
  const group = (hint, ...inner) => h('div', { class: 'govuk-form-group', id: 'new-value-group' }, ...inner.map((x) => x === '#hint' ? h('div', { class: 'govuk-hint', id: hintId }, hint) : x));
  /** @param {string} hint @param {any} body */
  const fieldset = (hint, body) => group(hint, h('fieldset', { class: 'govuk-fieldset', 'aria-describedby': hintId },
    h('legend', { class: 'govuk-fieldset__legend govuk-fieldset__legend--s' }, label), h('div', { class: 'govuk-hint', id: hintId }, hint), body));

  const target = refCollection(field);
  if (target) {
    const rows = (await c.client.list(target)).map((/** @type {any} */ r) => ({ id: r.id, f: r.fields }))
      .sort((/** @type {any} */ a, /** @type {any} */ b) => nameOf(a.f).localeCompare(nameOf(b.f)));
    const what = target === 'services' ? 'home' : words(target).toLowerCase().replace(/s$/, '');
    const sel = /** @type {HTMLSelectElement} */ (h('select', { class: 'govuk-select', id: 'new-value', name: 'new-value', 'aria-describedby': hintId },
      h('option', { value: '' }, `Choose a ${what}`),
      rows.map((/** @type {any} */ r) => h('option', { value: r.id }, nameOf(r.f) + [r.f.town, r.f.room ? 'room ' + r.f.room : '', r.f.operating_status && r.f.operating_status !== 'operating' ? words(r.f.operating_status).toLowerCase() : ''].filter(Boolean).map((x) => ', ' + x).join('')))));
    return {
      el: group('', h('label', { class: 'govuk-label', for: 'new-value' }, label), h('div', { class: 'govuk-hint', id: hintId },
        target === 'services' ? 'The server checks the home is registered for the resident\'s needs.' : `Choose from every ${what} this browser holds.`), sel),
      read: () => sel.value ? { value: sel.value } : { error: `Choose the ${what}` },
    };
  }

  const itemEnum = /^oneof=(.+)$/.exec(spec?.check?.item_tag || '');
  if (spec?.kind === 'array' && itemEnum) {
    const opts = itemEnum[1].split(' ');
    const boxes = opts.map((v, i) => h('div', { class: 'govuk-checkboxes__item' },
      h('input', { class: 'govuk-checkboxes__input', id: i ? `new-value-${i}` : 'new-value', name: 'new-value', type: 'checkbox', value: v }),
      h('label', { class: 'govuk-label govuk-checkboxes__label', for: i ? `new-value-${i}` : 'new-value' }, words(v))));
    const el = fieldset('Select all that apply.', h('div', { class: 'govuk-checkboxes govuk-checkboxes--small', 'data-module': 'govuk-checkboxes' }, boxes));
    return {
      el,
      read: () => {
        const v = [...el.querySelectorAll('input:checked')].map((x) => /** @type {HTMLInputElement} */ (x).value);
        return v.length ? { value: v } : { error: 'Select at least one' };
      },
    };
  }

  /** @param {Array<[any, string]>} choices @param {string} hint */
  const radios = (choices, hint) => {
    const el = fieldset(hint, h('div', { class: 'govuk-radios govuk-radios--small', 'data-module': 'govuk-radios' }, choices.map(([v, t], i) => h('div', { class: 'govuk-radios__item' },
      h('input', { class: 'govuk-radios__input', id: i ? `new-value-${i}` : 'new-value', name: 'new-value', type: 'radio', value: JSON.stringify(v) }),
      h('label', { class: 'govuk-label govuk-radios__label', for: i ? `new-value-${i}` : 'new-value' }, t)))));
    return {
      el,
      read: () => {
        const x = /** @type {HTMLInputElement|null} */ (el.querySelector('input:checked'));
        return x ? { value: JSON.parse(x.value) } : { error: `Select the ${label.replace(/^New /, '').toLowerCase()}` };
      },
    };
  };
  if (spec?.enum?.length) return radios(spec.enum.map((/** @type {string} */ v) => [v, words(v)]), 'Choose one.');
  if (spec?.kind === 'boolean') return radios([[true, 'Yes'], [false, 'No']], 'Choose one.');

  /** @param {string} type @param {string} hint @param {(s: string) => {value?: any, error?: string}} parse @param {string} [cls] */
  const box = (type, hint, parse, cls) => {
    const input = /** @type {HTMLInputElement} */ (h('input', { class: 'govuk-input ' + (cls || ''), id: 'new-value', name: 'new-value', type, spellcheck: 'false', 'aria-describedby': hintId }));
    return {
      el: group(hint, h('label', { class: 'govuk-label', for: 'new-value' }, label), '#hint', input),
      read: () => {
        const s = input.value.trim();
        return s ? parse(s) : { error: `Enter the ${label.replace(/^New /, '').toLowerCase()}` };
      },
    };
  };
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
