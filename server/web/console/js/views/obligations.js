// @ts-check
// Obligations: what the seed asks of the council beyond the checklist, each
// with its seed reference (003 s.3, s.10, s.11, Schedule B; Appendix 2,
// 2.9, 2.12, 2.16, 2.19, 4.5, 4.10, 8.1, 10.3), and the Provider Failure
// Management meeting's timing against activation. Each section lists its
// records and, for a role that may write them, a form built from the
// schema the server exports; a record is an ordinary change sent through
// the SDK's outbox, checked here with the server's own field checks and
// rules as data, and the server's answer is shown.
import { html, put } from '/shared/html.js';
import { tag, banner, showErrors, errorMessage, link, backLink, headRow, td, byId } from '../govuk.js';
import { when, day, words } from '../format.js';
import { get, incidentPath, errorText, errorField } from '../api.js';
import { newId, ValidationError } from '/sdk/continuity.js';

/**
 * One obligation's section: its collection, title, seed reference, who
 * writes it from the console, and the columns of its table.
 * @typedef {{col: string, title: string, one: string, ref: string, writers: string[], cols: [string, string][], state?: (f: any) => any}} Section
 */

const all = ['back_office', 'commissioner', 'director'];

/** @type {Section[]} */
export const sections = [
  { col: 'notifications', title: 'Notifications', one: 'notification', ref: '003 s.10: the leads told by telephone, confirmed in writing and acknowledged; CQC, other councils, the NHS',
    writers: [...all, 'quality_officer'], cols: [['recipient_kind', 'Who'], ['recipient', 'Told'], ['notified_at', 'When'], ['channel', 'How']],
    state: (f) => f.acknowledged_at ? tag(`Acknowledged by ${f.acknowledged_by || 'someone'} ${when(f.acknowledged_at)}`, 'green') : tag('Not acknowledged', 'red') },
  { col: 'communication_plans', title: 'Communications Plan', one: 'Communications Plan entry', ref: '003 Schedule B; Appendix 2, 2.16 who tells residents and carers, 2.19 scripts',
    writers: all, cols: [['audience', 'Who is told'], ['told_by', 'Told by'], ['planned_at', 'When'], ['method', 'How']],
    state: (f) => tag(words(f.status), f.status === 'done' ? 'green' : f.status === 'agreed' ? 'light' : 'grey') },
  { col: 'staffing_cover', title: 'Staffing and agency cover', one: 'staffing record', ref: '003 s.11 and Schedule B temporary staffing; Appendix 2, 2.9',
    writers: [...all, 'quality_officer'], cols: [['recorded_at', 'Checked'], ['cover_kind', 'Cover'], ['agency_name', 'Agency'], ['staff_in_post', 'Staff in post'], ['staff_needed', 'Needed']] },
  { col: 'payments', title: 'Payments and cost recovery', one: 'payment', ref: '003 s.11: no payment to the provider or administrator without a written agreement; s.3 cost recovery',
    writers: all, cols: [['kind', 'Kind'], ['party', 'Paid to or by'], ['amount', 'Amount'], ['written_agreement_ref', 'Written agreement']],
    state: (f) => tag(words(f.status), f.status === 'paid' || f.status === 'recovered' ? 'green' : f.status === 'withheld' || f.status === 'disputed' ? 'red' : 'grey') },
  { col: 'resident_responsibilities', title: 'Lead workers and self-funders', one: 'lead worker or self-funder responsibility', ref: '003 Appendix 2, 2.12 lead worker per resident; 4.5 self-funders',
    writers: all, cols: [['resident_id', 'Resident'], ['kind', 'Responsibility'], ['responsible_name', 'Who'], ['allocated_on', 'Since']] },
  { col: 'resident_belongings', title: 'Petty cash and belongings', one: 'petty cash or belongings record', ref: '003 Appendix 2, 4.10: counted, and handed over at the move',
    writers: all, cols: [['resident_id', 'Resident'], ['kind', 'What'], ['description', 'Description'], ['amount', 'Amount'], ['counted_at', 'Counted']],
    state: (f) => tag(words(f.status), f.status === 'handed_over' || f.status === 'returned_to_family' ? 'green' : f.status === 'missing' ? 'red' : 'grey') },
  { col: 'complaints', title: 'Complaints and disputes', one: 'complaint or dispute', ref: '003 Appendix 2, 8.1; s.3 disputes to the Head of Service in writing',
    writers: [...all, 'quality_officer'], cols: [['kind', 'Kind'], ['raised_by', 'Raised by'], ['raised_at', 'When'], ['summary', 'About']],
    state: (f) => tag(words(f.status), f.status === 'resolved' ? 'green' : f.status === 'escalated' ? 'red' : 'grey') },
  { col: 'sab_referrals', title: 'Safeguarding Adults Board referral', one: 'SAB referral decision', ref: '003 Appendix 2, 10.3: considered in the de-brief and review',
    writers: all, cols: [['considered_at', 'Considered'], ['decision', 'Decision'], ['reason', 'Why'], ['decided_by', 'Decided by']] },
];

let flash = '';

/** @param {import('../api.js').Ctx} c @param {string[]} params */
export async function render(c, params) {
  if (params[0] === 'new' && params[1]) return form(c, params[1]);
  c.setTitle('Obligations');
  const msg = flash;
  flash = '';
  put(c.main, msg ? banner('Success', msg, true) : '', html`<h1 class="govuk-heading-l">Obligations</h1>
<p class="govuk-body">What the procedure asks beyond the checklist, with where it asks it.</p><div id="obligations-body"></div>`);
  const body = byId('obligations-body');
  const load = async () => {
    const [sum, names] = await Promise.all([get(c, incidentPath(c, 'summary')), lookups(c)]);
    if (c.signal.aborted) return;
    const rows = await Promise.all(sections.map(async (s) => (await c.client.list(s.col)).filter((/** @type {any} */ r) => r.fields?.incident_id === c.incident)));
    if (c.signal.aborted) return;
    put(body, pfm(sum.obligations?.pfm_meeting || {}), sections.map((s, i) => section(c, s, rows[i], names)));
  };
  await load();
  c.onRefresh(load);
}

/** The Provider Failure Management meeting's timing. @param {any} p */
function pfm(p) {
  const fmt = (/** @type {number} */ n) => `${n} hour${n === 1 ? '' : 's'}`;
  let text, t;
  if (p.hours_after_activation !== undefined) {
    text = `${when(p.held_at)}, ${fmt(p.hours_after_activation)} after activation.`;
    t = tag('Held', 'green');
  } else if (p.hours_since_activation !== undefined) {
    text = `Not held yet: ${fmt(p.hours_since_activation)} since activation (${when(p.activated_at)}).`;
    t = tag('Not held', 'red');
  } else {
    text = 'The incident has no activation time recorded.';
    t = tag('Unknown', 'grey');
  }
  return html`<section class="app-section" aria-labelledby="pfm-h" id="pfm">
<h2 class="govuk-heading-m" id="pfm-h">Provider Failure Management meeting</h2>
<p class="govuk-body-s app-muted">003 s.10: "The DCC lead will immediately call a Provider Failure Management meeting to take place at the earliest practicable opportunity."</p>
<p class="govuk-body" id="pfm-timing">${t} ${text}</p></section>`;
}

/** Names of the records a form or table refers to, by id.
 * @param {import('../api.js').Ctx} c */
async function lookups(c) {
  /** @type {Record<string, {id: string, name: string}[]>} */
  const out = { resident_id: [], move_id: [], service_id: [], meeting_id: [] };
  const mine = (/** @type {any} */ r) => r.fields?.incident_id === c.incident;
  const [res, moves, svcs, meets] = await Promise.all(['residents', 'moves', 'services', 'meeting_records'].map((n) => c.client.list(n)));
  out.resident_id = res.filter(mine).map((/** @type {any} */ r) => ({ id: r.id, name: `${r.fields.given_name || ''} ${r.fields.family_name || ''}`.trim() || 'Unnamed resident' }));
  const rn = Object.fromEntries(out.resident_id.map((x) => [x.id, x.name]));
  out.service_id = svcs.map((/** @type {any} */ r) => ({ id: r.id, name: r.fields.name || 'Unnamed service' }));
  const sn = Object.fromEntries(out.service_id.map((x) => [x.id, x.name]));
  out.move_id = moves.filter(mine).map((/** @type {any} */ r) => ({ id: r.id, name: `${rn[r.fields.resident_id] || 'Someone'} to ${sn[r.fields.to_service_id] || 'another home'} (${words(r.fields.status).toLowerCase()})` }));
  out.meeting_id = meets.filter(mine).map((/** @type {any} */ r) => ({ id: r.id, name: `${words(r.fields.meeting_type)} ${when(r.fields.held_at)}` }));
  return out;
}

/** A value as people read it. @param {string} name @param {any} v @param {any} names */
function show(name, v, names) {
  if (v === undefined || v === null || v === '') return '';
  if (typeof v === 'boolean') return v ? 'Yes' : 'No';
  if (name === 'amount') return '£' + Number(v).toFixed(2);
  if (names[name]) return names[name].find((/** @type {any} */ x) => x.id === v)?.name || 'Unknown';
  if (name.endsWith('_at')) return when(v);
  if (name.endsWith('_on')) return day(v);
  if (typeof v === 'string' && /^[a-z_]+$/.test(v)) return words(v);
  return String(v);
}

/** @param {import('../api.js').Ctx} c @param {Section} s @param {any[]} recs @param {any} names */
function section(c, s, recs, names) {
  const id = 'ob-' + s.col;
  const head = [...s.cols.map(([, t]) => t), ...(s.state ? ['State'] : [])];
  return html`<section class="app-section" aria-labelledby="${id}-h" id="${id}" data-collection="${s.col}">
<h2 class="govuk-heading-m" id="${id}-h">${s.title} (${recs.length})</h2>
<p class="govuk-body-s app-muted">${s.ref}</p>
${recs.length ? html`<table class="govuk-table" id="${id}-table"><caption class="govuk-table__caption govuk-visually-hidden">${s.title}</caption>
${headRow(head)}
<tbody class="govuk-table__body">${recs.map((r) => html`<tr class="govuk-table__row" data-record="${r.id}">${s.cols.map(([f]) => td(show(f, r.fields[f], names)))}${s.state ? td(s.state(r.fields)) : ''}</tr>`)}</tbody></table>`
    : html`<p class="govuk-body">None recorded yet.</p>`}
${s.writers.includes(c.role) ? html`<p class="govuk-body">${link('#/obligations/new/' + s.col, 'Record a ' + s.one)}</p>` : ''}</section>`;
}

/** A form for a new record of collection, built from the exported schema.
 * @param {import('../api.js').Ctx} c @param {string} col */
async function form(c, col) {
  const s = sections.find((x) => x.col === col);
  c.setTitle(s ? 'Record a ' + s.one : 'Not found');
  const back = backLink('#/obligations', 'Back to obligations');
  if (!s || !s.writers.includes(c.role)) {
    put(c.main, back, html`<h1 class="govuk-heading-l">${s ? 'You cannot record this' : 'Not found'}</h1>`);
    return;
  }
  const schema = await c.client.loadSchema();
  const spec = schema?.collection(col);
  const names = await lookups(c);
  if (c.signal.aborted) return;
  if (!spec) {
    put(c.main, back, html`<h1 class="govuk-heading-l">The schema is not available</h1><p class="govuk-body">Reconnect to the server and try again.</p>`);
    return;
  }
  const fields = spec.fields.filter((/** @type {any} */ f) => f.name !== spec.scope_field);
  put(c.main, back, html`<h1 class="govuk-heading-l"><span class="govuk-caption-l">${s.title}</span>Record a ${s.one}</h1>
<p class="govuk-body-s app-muted">${s.ref}</p>
<form novalidate id="obligation-form"><div id="obligation-errors"></div>${fields.map((/** @type {any} */ f) => input(f, names))}
<div class="govuk-button-group"><button type="submit" class="govuk-button" data-module="govuk-button">Save</button>${link('#/obligations', 'Cancel')}</div></form>`);
  const el = /** @type {HTMLFormElement} */ (byId('obligation-form'));
  el.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    for (const g of el.querySelectorAll('.govuk-form-group--error')) g.classList.remove('govuk-form-group--error');
    for (const m of el.querySelectorAll('.govuk-error-message')) m.remove();
    /** @type {Record<string, any>} */
    const out = { [spec.scope_field]: c.incident };
    /** @type {{field: string, message: string}[]} */
    const problems = [];
    for (const f of fields) {
      const raw = String(new FormData(el).get(f.name) ?? '').trim();
      if (raw === '') continue;
      const v = value(f, raw);
      if (v === undefined) problems.push({ field: f.name, message: `Enter ${f.label} as ${f.kind === 'boolean' ? 'yes or no' : 'a number, like 12.50'}` });
      else out[f.name] = v;
    }
    for (const p of [...(c.client.validate(col, { ...out }, { create: true }) || []), ...(c.client.requirements(col, out) || [])]) {
      problems.push({ field: String(p.field || '').replace(/^fields\./, ''), message: p.message });
    }
    if (problems.length) return fail(problems);
    const rid = newId();
    try {
      await c.client.put(col, rid, out);
      await c.client.sync();
    } catch (err) {
      return fail(err instanceof ValidationError
        ? err.errors.map((e) => ({ field: e.field.replace(/^fields\./, ''), message: e.message }))
        : [{ field: errorField(err), message: errorText(err) }]);
    }
    const rejected = (await c.client.rejected()).filter((/** @type {any} */ r) => r.change?.record_id === rid);
    if (rejected.length) {
      return fail(rejected.map((/** @type {any} */ r) => ({ field: String(r.field || '').replace(/^fields\./, ''), message: 'The server refused the record: ' + r.message })));
    }
    flash = `${s.one.charAt(0).toUpperCase() + s.one.slice(1)} recorded.`;
    c.navigate('#/obligations');
  }, { signal: c.signal });
  /** @param {{field: string, message: string}[]} problems */
  function fail(problems) {
    showErrors(byId('obligation-errors'), problems.map((p) => ({ field: p.field || undefined, message: p.message })));
    for (const p of problems) {
      const g = p.field ? el.querySelector(`#${CSS.escape(p.field)}-group`) : null;
      if (!g) continue;
      g.classList.add('govuk-form-group--error');
      g.querySelector('label, legend')?.insertAdjacentHTML('afterend', errorMessage(p.field + '-error', p.message).toString());
    }
  }
}

/** The form value as the field's kind, undefined when it cannot be.
 * @param {any} f @param {string} raw */
function value(f, raw) {
  if (f.kind === 'boolean') return raw === 'yes' ? true : raw === 'no' ? false : undefined;
  if (f.kind === 'integer' || f.kind === 'number') {
    const n = Number(raw.replace(/^£/, '').replace(/,/g, ''));
    return Number.isFinite(n) ? n : undefined;
  }
  if (f.tag?.includes('rfc3339')) {
    const d = new Date(raw);
    return isNaN(d.getTime()) ? raw : d.toISOString().replace('.000Z', 'Z');
  }
  return raw;
}

/** One field's input. @param {any} f @param {any} names */
function input(f, names) {
  const label = f.label.charAt(0).toUpperCase() + f.label.slice(1) + (f.required ? '' : ' (optional)');
  const group = (/** @type {unknown} */ control, /** @type {string} */ hint = '') => html`<div class="govuk-form-group" id="${f.name}-group">
<label class="govuk-label govuk-label--s" for="${f.name}">${label}</label>${hint ? html`<div class="govuk-hint" id="${f.name}-hint">${hint}</div>` : ''}${control}</div>`;
  const options = (/** @type {[string, string][]} */ opts) => html`<select class="govuk-select" id="${f.name}" name="${f.name}">
<option value="">${f.required ? 'Choose' : 'Not recorded'}</option>${opts.map(([v, t]) => html`<option value="${v}">${t}</option>`)}</select>`;
  if (f.enum) return group(options(f.enum.map((/** @type {string} */ v) => [v, words(v)])));
  if (f.kind === 'boolean') return group(options([['yes', 'Yes'], ['no', 'No']]));
  if (names[f.name]) return group(options(names[f.name].map((/** @type {any} */ x) => [x.id, x.name])));
  if (f.tag?.includes('rfc3339')) return group(html`<input class="govuk-input govuk-input--width-20" id="${f.name}" name="${f.name}" type="datetime-local">`);
  if (f.tag?.includes('date')) return group(html`<input class="govuk-input govuk-input--width-10" id="${f.name}" name="${f.name}" type="text" aria-describedby="${f.name}-hint">`, 'For example, 2026-11-27');
  if (f.kind === 'integer' || f.kind === 'number') return group(html`<input class="govuk-input govuk-input--width-10" id="${f.name}" name="${f.name}" type="text" inputmode="decimal">`);
  const max = Number((/max=(\d+)/.exec(f.tag || '') || [])[1] || 0);
  if (max > 500) return group(html`<textarea class="govuk-textarea" id="${f.name}" name="${f.name}" rows="3"></textarea>`);
  return group(html`<input class="govuk-input" id="${f.name}" name="${f.name}" type="text">`);
}
