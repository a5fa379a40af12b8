// @ts-check
// Conflicts queue: each conflict with both values side by side, who wrote
// each (device, role, recorded time), the record's history, and resolve by
// choosing a value or writing a new one (back office only). The resolution
// is an ordinary change that reaches every device.
import { h, replace, tag, when, words, summaryList, errorSummary, banner, link } from '../dom.js';
import { get, send, errorText, errorField } from '../api.js';
import { can } from '../roles.js';

const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A success message carried to the queue after resolving. */
let flash = '';

/** @param {import('../api.js').Ctx} c @param {string[]} params */
export async function render(c, params) {
  if (params[0]) return detail(c, params[0]);
  c.setTitle('Conflicts');
  const body = h('div', {});
  const msg = flash;
  flash = '';
  replace(c.main, msg ? banner('Success', msg, true) : null, h('h1', { class: 'govuk-heading-l' }, 'Conflicts'),
    h('p', { class: 'govuk-body' }, 'Two devices changed the same important detail without seeing each other\'s change. A person decides which is right; the decision then reaches every device.'), body);
  const load = async () => {
    const res = await get(c, `/v1/conflicts?incident_id=${encodeURIComponent(c.incident)}`);
    if (c.signal.aborted) return;
    const open = res.conflicts.filter((/** @type {any} */ x) => x.status === 'open');
    const done = res.conflicts.filter((/** @type {any} */ x) => x.status !== 'open');
    const cards = await Promise.all(open.map((/** @type {any} */ x) => card(c, x)));
    if (c.signal.aborted) return;
    replace(body,
      h('h2', { class: 'govuk-heading-m', id: 'open-conflicts' }, `Waiting for a decision (${open.length})`),
      open.length ? cards : h('p', { class: 'govuk-body' }, 'No conflicts are waiting.'),
      done.length ? h('details', { class: 'govuk-details' },
        h('summary', { class: 'govuk-details__summary' }, h('span', { class: 'govuk-details__summary-text' }, `Resolved conflicts (${done.length})`)),
        h('div', { class: 'govuk-details__text' }, h('ul', { class: 'govuk-list' }, done.map((/** @type {any} */ x) => h('li', {},
          words(x.collection), ' ', fieldName(x.field), ': resolved ', when(x.resolved_at), x.resolved_by ? ' by ' + x.resolved_by : '', ' ',
          link('#/conflicts/' + x.id, 'View', words(x.field))))))) : null);
  };
  await load();
  c.onRefresh(load);
}

/** @param {string} f */
function fieldName(f) { return words(f.replace(/_id$/, '')).toLowerCase(); }

/** What record a conflict is about, in words. @param {import('../api.js').Ctx} c @param {any} x */
async function subject(c, x) {
  try {
    const rec = await c.client.get(x.collection, x.record_id);
    if (x.collection === 'residents' && rec) return `${rec.given_name || ''} ${rec.family_name || ''}`.trim();
    if (rec?.resident_id) {
      const r = await c.client.get('residents', rec.resident_id);
      if (r) return `${words(x.collection).replace(/s$/, '')} of ${r.given_name || ''} ${r.family_name || ''}`.trim();
    }
  } catch { /* the local copy may not have it yet */ }
  return words(x.collection).replace(/s$/, '');
}

/** A value in words: a service or resident's name for an id. @param {import('../api.js').Ctx} c @param {any} v */
async function valueText(c, v) {
  if (v === null || v === undefined) return 'No value';
  if (typeof v === 'string' && uuidRe.test(v)) {
    for (const col of ['services', 'residents', 'providers']) {
      try {
        const r = await c.client.get(col, v);
        if (r) return (r.name || `${r.given_name || ''} ${r.family_name || ''}`.trim()) + ' (' + v.slice(0, 8) + ')';
      } catch { /* not in this collection */ }
    }
    return v;
  }
  if (typeof v === 'string') return /^\d{4}-\d\d-\d\dT/.test(v) ? when(v) : words(v);
  return JSON.stringify(v);
}

/** Both (all) values side by side. @param {import('../api.js').Ctx} c @param {any} x @param {Map<string, any>} [roles] */
async function valuesTable(c, x, roles) {
  const vals = x.values || [];
  const texts = await Promise.all(vals.map((/** @type {any} */ v) => valueText(c, v.value)));
  const col = (/** @type {any} */ v, /** @type {number} */ i) => h('th', { scope: 'col', class: 'govuk-table__header' }, `Value ${i + 1}`, v.change_id === x.winner_change_id ? h('span', { class: 'app-block' }, tag('Showing now', 'blue')) : null);
  /** @param {string} label @param {(v: any, i: number) => any} f */
  const row = (label, f) => h('tr', { class: 'govuk-table__row' }, h('th', { scope: 'row', class: 'govuk-table__header' }, label), vals.map((/** @type {any} */ v, /** @type {number} */ i) => h('td', { class: 'govuk-table__cell' }, f(v, i))));
  return h('table', { class: 'govuk-table app-conflict' },
    h('caption', { class: 'govuk-table__caption govuk-table__caption--s' }, 'The values written'),
    h('thead', { class: 'govuk-table__head' }, h('tr', { class: 'govuk-table__row' }, h('td', { class: 'govuk-table__header' }), vals.map(col))),
    h('tbody', { class: 'govuk-table__body' },
      row('Value', (_v, i) => h('strong', { 'data-value': i }, texts[i])),
      row('Device', (v) => v.device_id),
      row('Written by', (v) => [v.subject || 'unknown', roles?.get(v.change_id) ? ` (${words(roles.get(v.change_id)).toLowerCase()})` : '']),
      row('Recorded on the device', (v) => v.recorded_at ? when(v.recorded_at) : 'not given'),
      row('Applied', (v) => v.applied ? 'Yes' : 'No: kept in quarantine')));
}

/** @param {import('../api.js').Ctx} c @param {any} x */
async function card(c, x) {
  const about = await subject(c, x);
  return h('div', { class: 'app-card', 'data-conflict': x.id },
    h('h3', { class: 'govuk-heading-s' }, `${about}: ${fieldName(x.field)}`, ' ', tag(x.kind === 'edit_racing_sign_off' ? 'Edit after sign-off' : 'Two devices disagree', 'amber')),
    h('p', { class: 'govuk-body-s app-muted' }, 'Raised ' + when(x.raised_at)),
    await valuesTable(c, x),
    h('p', { class: 'govuk-body' }, h('a', { class: 'govuk-link', href: '#/conflicts/' + x.id, 'data-open-conflict': x.id },
      can(c.role, 'resolve_conflicts') ? 'Review and resolve' : 'Review', h('span', { class: 'govuk-visually-hidden' }, ` the conflict about ${about}`))));
}

/** @param {import('../api.js').Ctx} c @param {string} id */
async function detail(c, id) {
  c.setTitle('Conflict');
  const res = await get(c, `/v1/conflicts?incident_id=${encodeURIComponent(c.incident)}`);
  const x = res.conflicts.find((/** @type {any} */ y) => y.id === id);
  if (!x) {
    replace(c.main, h('h1', { class: 'govuk-heading-l' }, 'Conflict not found'), h('p', { class: 'govuk-body' }, link('#/conflicts', 'Back to the conflicts')));
    return;
  }
  const hist = await get(c, `/v1/records/${encodeURIComponent(x.collection)}/${encodeURIComponent(x.record_id)}/history`).catch(() => ({ history: [] }));
  const roles = new Map(hist.history.map((/** @type {any} */ e) => [e.change.id, e.role]));
  const about = await subject(c, x);
  if (c.signal.aborted) return;
  const canResolve = can(c.role, 'resolve_conflicts') && x.status === 'open';
  replace(c.main,
    h('a', { class: 'govuk-back-link', href: '#/conflicts' }, 'Back to conflicts'),
    h('h1', { class: 'govuk-heading-l' }, h('span', { class: 'govuk-caption-l' }, about), 'Conflict: ' + fieldName(x.field)),
    summaryList([
      ['Status', x.status === 'open' ? tag('Waiting for a decision', 'amber') : tag('Resolved', 'green')],
      ['Raised', when(x.raised_at)],
      ['Record', `${words(x.collection)}, field ${x.field}`],
      ...(x.status !== 'open' ? /** @type {Array<[string, any]>} */ ([['Resolved', `${when(x.resolved_at)} by ${x.resolved_by || 'unknown'}`], ['Note', x.resolution_note || '']]) : []),
    ]),
    await valuesTable(c, x, roles),
    canResolve ? await resolveForm(c, x) : (x.status === 'open' ? h('p', { class: 'govuk-inset-text' }, 'Back office resolves conflicts. Your role can see them but not resolve them.') : null),
    historyTable(hist.history, x.field));
}

/** @param {import('../api.js').Ctx} c @param {any} x */
async function resolveForm(c, x) {
  const texts = await Promise.all(x.values.map((/** @type {any} */ v) => valueText(c, v.value)));
  const other = /** @type {HTMLInputElement} */ (h('input', { class: 'govuk-input', id: 'new-value', name: 'new-value', type: 'text', spellcheck: 'false' }));
  const reveal = h('div', { class: 'govuk-radios__conditional govuk-radios__conditional--hidden', id: 'conditional-new' },
    h('div', { class: 'govuk-form-group' }, h('label', { class: 'govuk-label', for: 'new-value' }, 'New value'),
      h('div', { class: 'govuk-hint', id: 'new-value-hint' }, 'For a place or a person, paste its id. Dates as 2026-11-24T10:00:00Z.'), other));
  const radios = x.values.map((/** @type {any} */ v, /** @type {number} */ i) => h('div', { class: 'govuk-radios__item' },
    h('input', { class: 'govuk-radios__input', id: 'choice-' + i, name: 'choice', type: 'radio', value: v.change_id }),
    h('label', { class: 'govuk-label govuk-radios__label', for: 'choice-' + i }, `Keep value ${i + 1}: ${texts[i]}`),
    h('div', { class: 'govuk-hint govuk-radios__hint' }, `from ${v.device_id}${v.subject ? ', ' + v.subject : ''}`)));
  const newRadio = h('input', { class: 'govuk-radios__input', id: 'choice-new', name: 'choice', type: 'radio', value: 'new', 'aria-controls': 'conditional-new' });
  const note = /** @type {HTMLTextAreaElement} */ (h('textarea', { class: 'govuk-textarea', id: 'note', name: 'note', rows: '3' }));
  const group = h('div', { class: 'govuk-form-group', id: 'choice-group' },
    h('fieldset', { class: 'govuk-fieldset', 'aria-describedby': 'choice-hint' },
      h('legend', { class: 'govuk-fieldset__legend govuk-fieldset__legend--m' }, h('h2', { class: 'govuk-fieldset__heading' }, 'Which value is right?')),
      h('div', { class: 'govuk-hint', id: 'choice-hint' }, 'Check with the people who wrote them if you are not sure.'),
      h('div', { class: 'govuk-radios', 'data-module': 'govuk-radios' }, radios,
        h('div', { class: 'govuk-radios__divider' }, 'or'),
        h('div', { class: 'govuk-radios__item' }, newRadio, h('label', { class: 'govuk-label govuk-radios__label', for: 'choice-new' }, 'Write a different value')),
        reveal)));
  const errs = h('div', {});
  const form = h('form', { novalidate: true, id: 'resolve-form', class: 'app-section' }, errs, group,
    h('div', { class: 'govuk-form-group' }, h('label', { class: 'govuk-label govuk-label--s', for: 'note' }, 'Why (optional)'), note),
    h('button', { type: 'submit', class: 'govuk-button', 'data-module': 'govuk-button' }, 'Resolve conflict'));
  form.addEventListener('change', () => {
    const on = /** @type {HTMLInputElement} */ (newRadio).checked;
    reveal.classList.toggle('govuk-radios__conditional--hidden', !on);
  }, { signal: c.signal });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const chosen = /** @type {HTMLInputElement|null} */ (form.querySelector('input[name=choice]:checked'));
    if (!chosen) return fail([{ field: 'choice-0', message: 'Choose which value is right, or write a different one' }]);
    /** @type {any} */
    const body = { note: note.value };
    if (chosen.value === 'new') {
      const v = other.value.trim();
      if (!v) return fail([{ field: 'new-value', message: 'Enter the new value' }]);
      body.value = v;
    } else body.change_id = chosen.value;
    try {
      await send(c, `/v1/conflicts/${encodeURIComponent(x.id)}/resolve`, body);
    } catch (err) {
      const f = errorField(err);
      return fail([{ field: f === 'value' ? 'new-value' : f === 'note' ? 'note' : 'choice-0', message: errorText(err) }]);
    }
    flash = 'Conflict resolved. The decision is on its way to every device.';
    c.client.sync().catch(() => {});
    c.navigate('#/conflicts');
  }, { signal: c.signal });
  /** @param {{field: string, message: string}[]} e */
  function fail(e) {
    replace(errs, errorSummary(e));
    group.classList.add('govuk-form-group--error');
  }
  return form;
}

/** @param {any[]} history @param {string} field */
function historyTable(history, field) {
  return h('section', { class: 'app-section', 'aria-labelledby': 'history-h' },
    h('h2', { class: 'govuk-heading-m', id: 'history-h' }, 'The record\'s history'),
    history.length ? h('table', { class: 'govuk-table' },
      h('caption', { class: 'govuk-table__caption govuk-visually-hidden' }, 'Every change to the record, oldest first'),
      h('thead', { class: 'govuk-table__head' }, h('tr', { class: 'govuk-table__row' },
        ['Received', 'Who', 'Device', 'Recorded on device', 'What changed'].map((t) => h('th', { scope: 'col', class: 'govuk-table__header' }, t)))),
      h('tbody', { class: 'govuk-table__body' }, history.map((e) => h('tr', { class: 'govuk-table__row' },
        h('td', { class: 'govuk-table__cell' }, when(e.received_at)),
        h('td', { class: 'govuk-table__cell' }, `${e.subject} (${words(e.role).toLowerCase()})`),
        h('td', { class: 'govuk-table__cell' }, e.change.device_id || ''),
        h('td', { class: 'govuk-table__cell' }, e.change.recorded_at ? when(e.change.recorded_at) : ''),
        h('td', { class: 'govuk-table__cell' }, e.change.op === 'delete' ? 'Deleted' : Object.keys(e.change.fields || {}).map((k) => k === field ? h('strong', {}, k + ' ') : k + ' ')))))) : h('p', { class: 'govuk-body' }, 'No history to show.'));
}
