// @ts-check
// Conflicts queue: each conflict with both values side by side, who wrote
// each (device, role, recorded time), the record's history, and resolve by
// choosing a value or writing a new one (back office only). The resolution
// is an ordinary change that reaches every device.
import { html, put } from '/shared/html.js';
import { tag, block, td, headRow, summaryList, showErrors, errorMessage, banner, link, backLink, byId } from '../govuk.js';
import { when, words } from '../format.js';
import { get, send, errorText, errorField } from '../api.js';
import { can } from '../roles.js';
import { valueControl } from './value.js';

const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A success message carried to the queue after resolving. */
let flash = '';

/** @param {import('../api.js').Ctx} c @param {string[]} params */
export async function render(c, params) {
  if (params[0]) return detail(c, params[0]);
  c.setTitle('Conflicts');
  const msg = flash;
  flash = '';
  put(c.main, msg ? banner('Success', msg, true) : '', html`<h1 class="govuk-heading-l">Conflicts</h1>
<p class="govuk-body">Two devices changed the same important detail without seeing each other's change. A person decides which is right; the decision then reaches every device.</p>
<div id="conflicts-body"></div>`);
  const body = byId('conflicts-body');
  const load = async () => {
    const res = await get(c, `/v1/conflicts?incident_id=${encodeURIComponent(c.incident)}`);
    if (c.signal.aborted) return;
    const open = res.conflicts.filter((/** @type {any} */ x) => x.status === 'open');
    const done = res.conflicts.filter((/** @type {any} */ x) => x.status !== 'open');
    const cards = await Promise.all(open.map((/** @type {any} */ x) => card(c, x)));
    if (c.signal.aborted) return;
    put(body, html`<h2 class="govuk-heading-m" id="open-conflicts">Waiting for a decision (${open.length})</h2>
${open.length ? cards : html`<p class="govuk-body">No conflicts are waiting.</p>`}
${done.length ? html`<details class="govuk-details"><summary class="govuk-details__summary"><span class="govuk-details__summary-text">Resolved conflicts (${done.length})</span></summary>
<div class="govuk-details__text"><ul class="govuk-list">${done.map((/** @type {any} */ x) => html`<li>${words(x.collection)} ${fieldName(x.field)}: resolved ${when(x.resolved_at)}${x.resolved_by ? ' by ' + x.resolved_by : ''} ${link('#/conflicts/' + x.id, 'View', words(x.field))}</li>`)}</ul></div></details>` : ''}`);
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
  /** @param {string} label @param {(v: any, i: number) => unknown} f */
  const row = (label, f) => html`<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">${label}</th>${vals.map((/** @type {any} */ v, /** @type {number} */ i) => td(f(v, i)))}</tr>`;
  return html`<table class="govuk-table app-conflict">
<caption class="govuk-table__caption govuk-table__caption--s">The values written</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><td class="govuk-table__header"></td>${vals.map((/** @type {any} */ v, /** @type {number} */ i) => html`<th scope="col" class="govuk-table__header">Value ${i + 1}${v.change_id === x.winner_change_id ? block(tag('Showing now', 'blue')) : ''}</th>`)}</tr></thead>
<tbody class="govuk-table__body">
${row('Value', (_v, i) => html`<strong data-value="${i}">${texts[i]}</strong>`)}
${row('Device', (v) => v.device_id)}
${row('Written by', (v) => (v.subject || 'unknown') + (roles?.get(v.change_id) ? ` (${words(roles.get(v.change_id)).toLowerCase()})` : ''))}
${row('Recorded on the device', (v) => v.recorded_at ? when(v.recorded_at) : 'not given')}
${row('Applied', (v) => v.applied ? 'Yes' : 'No: kept in quarantine')}
</tbody></table>`;
}

/** @param {import('../api.js').Ctx} c @param {any} x */
async function card(c, x) {
  const about = await subject(c, x);
  return html`<div class="app-card" data-conflict="${x.id}">
<h3 class="govuk-heading-s">${about}: ${fieldName(x.field)} ${tag(x.kind === 'edit_racing_sign_off' ? 'Edit after sign-off' : 'Two devices disagree', 'amber')}</h3>
<p class="govuk-body-s app-muted">Raised ${when(x.raised_at)}</p>
${await valuesTable(c, x)}
<p class="govuk-body"><a class="govuk-link" href="#/conflicts/${x.id}" data-open-conflict="${x.id}">${can(c.role, 'resolve_conflicts') ? 'Review and resolve' : 'Review'}<span class="govuk-visually-hidden"> the conflict about ${about}</span></a></p></div>`;
}

/** @param {import('../api.js').Ctx} c @param {string} id */
async function detail(c, id) {
  c.setTitle('Conflict');
  const res = await get(c, `/v1/conflicts?incident_id=${encodeURIComponent(c.incident)}`);
  const x = res.conflicts.find((/** @type {any} */ y) => y.id === id);
  if (!x) {
    put(c.main, html`<h1 class="govuk-heading-l">Conflict not found</h1><p class="govuk-body">${link('#/conflicts', 'Back to the conflicts')}</p>`);
    return;
  }
  const hist = await get(c, `/v1/records/${encodeURIComponent(x.collection)}/${encodeURIComponent(x.record_id)}/history`).catch(() => ({ history: [] }));
  const roles = new Map(hist.history.map((/** @type {any} */ e) => [e.change.id, e.role]));
  const about = await subject(c, x);
  if (c.signal.aborted) return;
  const canResolve = can(c.role, 'resolve_conflicts') && x.status === 'open';
  const resolve = canResolve ? await resolveForm(c, x) : null;
  if (c.signal.aborted) return;
  put(c.main, backLink('#/conflicts', 'Back to conflicts'),
    html`<h1 class="govuk-heading-l"><span class="govuk-caption-l">${about}</span>Conflict: ${fieldName(x.field)}</h1>`,
    summaryList([
      ['Status', x.status === 'open' ? tag('Waiting for a decision', 'amber') : tag('Resolved', 'green')],
      ['Raised', when(x.raised_at)],
      ['Record', `${words(x.collection)}, field ${x.field}`],
      ...(x.status !== 'open' ? /** @type {Array<[string, any]>} */ ([['Resolved', `${when(x.resolved_at)} by ${x.resolved_by || 'unknown'}`], ['Note', x.resolution_note || '']]) : []),
    ]),
    await valuesTable(c, x, roles),
    resolve ? resolve.markup : (x.status === 'open' ? html`<p class="govuk-inset-text">Back office resolves conflicts. Your role can see them but not resolve them.</p>` : ''),
    historyTable(hist.history, x.field));
  resolve?.wire();
}

/**
 * The resolve form's markup, and wire() to add its behaviour once it is on
 * the page.
 * @param {import('../api.js').Ctx} c @param {any} x
 */
async function resolveForm(c, x) {
  const texts = await Promise.all(x.values.map((/** @type {any} */ v) => valueText(c, v.value)));
  const other = await valueControl(c, x.collection, x.field);
  const markup = html`<form novalidate id="resolve-form" class="app-section"><div id="resolve-errors"></div>
<div class="govuk-form-group" id="choice-group"><fieldset class="govuk-fieldset" aria-describedby="choice-hint">
<legend class="govuk-fieldset__legend govuk-fieldset__legend--m"><h2 class="govuk-fieldset__heading">Which value is right?</h2></legend>
<div class="govuk-hint" id="choice-hint">Check with the people who wrote them if you are not sure.</div>
<div class="govuk-radios" data-module="govuk-radios">${x.values.map((/** @type {any} */ v, /** @type {number} */ i) => html`<div class="govuk-radios__item">
<input class="govuk-radios__input" id="choice-${i}" name="choice" type="radio" value="${v.change_id}">
<label class="govuk-label govuk-radios__label" for="choice-${i}">Keep value ${i + 1}: ${texts[i]}</label>
<div class="govuk-hint govuk-radios__hint">from ${v.device_id}${v.subject ? ', ' + v.subject : ''}</div></div>`)}
<div class="govuk-radios__divider">or</div>
<div class="govuk-radios__item"><input class="govuk-radios__input" id="choice-new" name="choice" type="radio" value="new" aria-controls="conditional-new">
<label class="govuk-label govuk-radios__label" for="choice-new">Write a different value</label></div>
<div class="govuk-radios__conditional govuk-radios__conditional--hidden" id="conditional-new">${other.markup}</div>
</div></fieldset></div>
<div class="govuk-form-group"><label class="govuk-label govuk-label--s" for="note">Why (optional)</label><textarea class="govuk-textarea" id="note" name="note" rows="3"></textarea></div>
<button type="submit" class="govuk-button" data-module="govuk-button">Resolve conflict</button></form>`;
  const wire = () => {
    const form = /** @type {HTMLFormElement} */ (byId('resolve-form'));
    const reveal = byId('conditional-new');
    const newRadio = /** @type {HTMLInputElement} */ (byId('choice-new'));
    const note = /** @type {HTMLTextAreaElement} */ (byId('note'));
    const group = byId('choice-group');
    form.addEventListener('change', () => {
      reveal.classList.toggle('govuk-radios__conditional--hidden', !newRadio.checked);
    }, { signal: c.signal });
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const chosen = /** @type {HTMLInputElement|null} */ (form.querySelector('input[name=choice]:checked'));
      if (!chosen) return fail([{ field: 'choice-0', message: 'Choose which value is right, or write a different one' }]);
      /** @type {any} */
      const body = { note: note.value };
      if (chosen.value === 'new') {
        const r = other.read();
        const problems = r.error ? [{ message: r.error }] : (c.client.validate(x.collection, { [x.field]: r.value }, { create: false }) || []);
        if (problems.length) return fail(problems.map((/** @type {any} */ p) => ({ field: 'new-value', message: p.message })));
        body.value = r.value;
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
      showErrors(byId('resolve-errors'), e);
      for (const g of form.querySelectorAll('.govuk-form-group--error')) g.classList.remove('govuk-form-group--error');
      for (const m of form.querySelectorAll('.govuk-error-message')) m.remove();
      for (const { field, message } of e) {
        // The message goes above the control, in the group the summary links to.
        const g = field === 'new-value' ? form.querySelector('#new-value-group') : field === 'note' ? note.closest('.govuk-form-group') : group;
        if (!g) continue;
        g.classList.add('govuk-form-group--error');
        const msg = errorMessage(field + '-error', message).toString();
        const anchor = g.querySelector('fieldset > .govuk-hint') || g.querySelector('label + .govuk-hint') || g.querySelector('label');
        if (anchor) anchor.insertAdjacentHTML('afterend', msg); else g.insertAdjacentHTML('afterbegin', msg);
        const ctl = g.querySelector('#' + field) || g.querySelector('input, select, textarea');
        if (ctl) ctl.setAttribute('aria-describedby', [...new Set([...(ctl.getAttribute('aria-describedby') || '').split(' '), field + '-error'])].filter(Boolean).join(' '));
      }
    }
  };
  return { markup, wire };
}

/** @param {any[]} history @param {string} field */
function historyTable(history, field) {
  return html`<section class="app-section" aria-labelledby="history-h"><h2 class="govuk-heading-m" id="history-h">The record's history</h2>
${history.length ? html`<table class="govuk-table"><caption class="govuk-table__caption govuk-visually-hidden">Every change to the record, oldest first</caption>
${headRow(['Received', 'Who', 'Device', 'Recorded on device', 'What changed'])}
<tbody class="govuk-table__body">${history.map((e) => html`<tr class="govuk-table__row">
${td(when(e.received_at))}${td(`${e.subject} (${words(e.role).toLowerCase()})`)}${td(e.change.device_id || '')}${td(e.change.recorded_at ? when(e.change.recorded_at) : '')}
${td(e.change.op === 'delete' ? 'Deleted' : Object.keys(e.change.fields || {}).map((k) => k === field ? html`<strong>${k + ' '}</strong>` : k + ' '))}</tr>`)}</tbody></table>`
    : html`<p class="govuk-body">No history to show.</p>`}</section>`;
}
