// @ts-check
// The Management Checklist (003 Appendix 2): 99 items by section in the
// task-list pattern. Each item shows its owner (the party and the named role,
// and whether the JISG confirmed it or it is a default), its due date and the
// rule that set it, whether it is overdue, who signs it off and its evidence:
// the records linked to it and those the work itself made (capacity
// assessments for 3.8, moves for section 7), with their state. Filters by
// owner and overdue. Back office, commissioners and the Director update
// items; who may sign off, waive or reassign is the item's duty, served with
// the checklist (syncproto/checklist), checked here before saving and by the
// server on every write. The update is an ordinary change sent through the
// SDK's outbox.
import { html, put } from '/shared/html.js';
import { tag, block, banner, showErrors, link, backLink, summaryList, byId } from '../govuk.js';
import { day } from '../format.js';
import { get, incidentPath, errorText, errorField } from '../api.js';
import { ValidationError } from '/sdk/continuity.js';
import { can } from '../roles.js';

const statusTag = /** @type {Record<string, [string, any]>} */ ({
  not_started: ['Not started', 'grey'], in_progress: ['In progress', 'light'], done: ['Done', 'green'], not_applicable: ['Waived', 'grey'],
});
/** The roles of the lead officer, who reassign owner and due date; and the
 * Director, who waives (GET /v1/schema gates.checklist_sign_off). */
const reassignRoles = ['director', 'commissioner'];
const waiverRoles = ['director'];
const roleWords = /** @type {Record<string, string>} */ ({
  director: 'the Director', commissioner: 'a commissioner', social_worker: 'a social worker', back_office: 'back office', nhs_liaison: 'NHS liaison',
});
let flash = '';
/** The filters, kept while the console is open. */
const filter = { owner: '', overdue: false };

/** @param {string[]} roles */
function roleList(roles) {
  const ws = roles.map((r) => roleWords[r] || r);
  return ws.length < 2 ? ws.join('') : ws.slice(0, -1).join(', ') + ' or ' + ws[ws.length - 1];
}

/** @param {any} it */
function ownerOf(it) { return `${it.responsibility}${it.owner_role ? ': ' + it.owner_role : ''}`; }

/** @param {any} it */
function evidenceWords(it) {
  const parts = [];
  if (it.evidence.length) parts.push(`${it.evidence.length} linked`);
  if (it.auto_evidence.length) parts.push(`${it.auto_evidence.length} recorded in Continuity`);
  if (!parts.length) return it.evidence_required ? 'Evidence required: none yet' : 'No evidence needed';
  return 'Evidence: ' + parts.join(', ');
}

/** @param {import('../api.js').Ctx} c @param {string[]} params */
export async function render(c, params) {
  if (params[0]) return edit(c, params[0]);
  c.setTitle('Checklist');
  const msg = flash;
  flash = '';
  put(c.main, msg ? banner('Success', msg, true) : '', html`<h1 class="govuk-heading-l">Management checklist</h1><div id="checklist-body"></div>`);
  const body = byId('checklist-body');
  /** Redraws the list with the filters; set by each load. */
  let draw = () => {};
  body.addEventListener('change', (ev) => {
    const el = /** @type {HTMLInputElement|HTMLSelectElement} */ (ev.target);
    if (el.id === 'filter-owner') filter.owner = el.value;
    else if (el.id === 'filter-overdue') filter.overdue = /** @type {HTMLInputElement} */ (el).checked;
    else return;
    draw();
  }, { capture: true, signal: c.signal }); // capture: heard whether or not the event bubbles
  const load = async () => {
    const v = await get(c, incidentPath(c, 'checklist'));
    if (c.signal.aborted) return;
    const t = v.total;
    const all = v.sections.flatMap((/** @type {any} */ s) => s.items);
    const owners = [...new Set(all.map(ownerOf))].sort();
    const overdue = all.filter((/** @type {any} */ it) => it.overdue).length;
    put(body, html`<p class="govuk-body" id="checklist-total">${t.done} of ${t.items} actions done, ${t.in_progress} in progress, ${t.not_applicable} waived; ${overdue} overdue.</p>
<form class="app-filters" id="checklist-filters" novalidate>
<div class="govuk-form-group"><label class="govuk-label govuk-label--s" for="filter-owner">Owner</label>
<select class="govuk-select" id="filter-owner" name="owner"><option value="">Everyone</option>${owners.map((o) => html`<option value="${o}"${o === filter.owner ? html` selected` : ''}>${o}</option>`)}</select></div>
<div class="govuk-form-group"><div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes"><div class="govuk-checkboxes__item">
<input class="govuk-checkboxes__input" id="filter-overdue" name="overdue" type="checkbox"${filter.overdue ? html` checked` : ''}>
<label class="govuk-label govuk-checkboxes__label" for="filter-overdue">Only overdue actions</label></div></div></div></form>
<div id="checklist-list"></div>`);
    const list = byId('checklist-list');
    draw = () => {
      const shown = (/** @type {any} */ it) => (!filter.owner || ownerOf(it) === filter.owner) && (!filter.overdue || it.overdue);
      const sections = v.sections.map((/** @type {any} */ s) => ({ ...s, items: s.items.filter(shown) })).filter((/** @type {any} */ s) => s.items.length);
      const count = sections.reduce((/** @type {number} */ n, /** @type {any} */ s) => n + s.items.length, 0);
      put(list, html`<p class="govuk-body" id="checklist-shown" role="status">Showing ${count} of ${all.length} actions.</p>
<ol class="app-task-list">${sections.map((/** @type {any} */ s) => html`<li class="app-task-list__section" data-section="${s.section}">
<h2 class="govuk-heading-m" id="section-${s.section}">${s.section}. ${s.title}</h2>
<p class="govuk-body-s app-muted">${s.progress.done} of ${s.progress.items} done${s.progress.in_progress ? `, ${s.progress.in_progress} in progress` : ''}</p>
<ul class="govuk-task-list" aria-labelledby="section-${s.section}">${s.items.map((/** @type {any} */ it) => taskItem(c, it))}</ul></li>`)}</ol>`);
    };
    draw();
  };
  await load();
  c.onRefresh(load);
}

/** @param {import('../api.js').Ctx} c @param {any} it */
function taskItem(c, it) {
  const [st, colour] = statusTag[it.status] || ['Not started', 'grey'];
  const id = 'item-' + it.id;
  const due = it.due_on ? `due ${day(it.due_on)}` + (it.due_set_by === 'lead_officer' ? ' (set by the lead officer)' : '') : (it.due_rule ? it.due_rule : '');
  const meta = [ownerOf(it), it.officer_initials ? 'officer ' + it.officer_initials : '', due, 'signed off by ' + roleList(it.sign_off), evidenceWords(it)].filter(Boolean).join('; ');
  return html`<li class="govuk-task-list__item govuk-task-list__item--with-link" data-item="${it.number}" data-owner="${ownerOf(it)}" data-overdue="${String(it.overdue)}">
<div class="govuk-task-list__name-and-hint">${can(c.role, 'edit_checklist')
    ? html`<a class="govuk-link govuk-task-list__link" href="#/checklist/${it.id}" aria-describedby="${id}-hint ${id}-status">${it.number} ${it.text}</a>`
    : html`<span>${it.number} ${it.text}</span>`}
<div class="govuk-task-list__hint" id="${id}-hint">${meta}${it.notes ? block('Notes: ' + it.notes) : ''}</div></div>
<div class="govuk-task-list__status" id="${id}-status">${tag(st, colour)} ${it.confirmed ? tag('JISG confirmed', 'blue') : tag('Default owner', 'grey')}${it.overdue ? html` ${tag('Overdue', 'red')}` : ''}</div></li>`;
}

/** @param {any} e */
function evidenceRow(e) {
  return html`<li data-evidence="${e.record_id}">${`${e.label || e.collection}: ${e.state}` + (e.note ? ` (${e.note})` : '')}</li>`;
}

/** @param {import('../api.js').Ctx} c @param {string} id */
async function edit(c, id) {
  c.setTitle('Checklist item');
  if (!can(c.role, 'edit_checklist')) {
    put(c.main, html`<h1 class="govuk-heading-l">You cannot change checklist items</h1><p class="govuk-body">${link('#/checklist', 'Back to the checklist')}</p>`);
    return;
  }
  const v = await get(c, incidentPath(c, 'checklist'));
  const it = v.sections.flatMap((/** @type {any} */ s) => s.items).find((/** @type {any} */ x) => x.id === id);
  if (c.signal.aborted) return;
  if (!it) {
    put(c.main, html`<h1 class="govuk-heading-l">Item not found</h1><p class="govuk-body">${link('#/checklist', 'Back to the checklist')}</p>`);
    return;
  }
  const leadOfficer = reassignRoles.includes(c.role);
  const setDue = it.due_set_by === 'lead_officer' ? it.due_on : '';
  /** @param {string} name @param {string} label @param {string} value @param {string} [hint] @param {string} [cls] */
  const input = (name, label, value, hint, cls) => html`<div class="govuk-form-group" id="${name}-group">
<label class="govuk-label govuk-label--s" for="${name}">${label}</label>${hint ? html`<div class="govuk-hint" id="${name}-hint">${hint}</div>` : ''}
<input class="govuk-input ${cls || ''}" id="${name}" name="${name}" type="text" value="${value}"${hint ? html` aria-describedby="${name}-hint"` : ''}></div>`;
  const status = html`<div class="govuk-form-group" id="status-group"><fieldset class="govuk-fieldset" aria-describedby="status-hint">
<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Status</legend>
<div class="govuk-hint" id="status-hint">Signed off by ${roleList(it.sign_off)}; waived only by the Director, with a reason.</div>
<div class="govuk-radios govuk-radios--small" data-module="govuk-radios">${Object.entries(statusTag).map(([k, [t]]) => html`<div class="govuk-radios__item">
<input class="govuk-radios__input" id="status-${k}" name="status" type="radio" value="${k}"${it.status === k ? html` checked` : ''}>
<label class="govuk-label govuk-radios__label" for="status-${k}">${t}</label></div>`)}</div></fieldset></div>`;
  const reassign = leadOfficer ? html`<fieldset class="govuk-fieldset" id="reassign">
<legend class="govuk-fieldset__legend govuk-fieldset__legend--m">Owner and due date (lead officer)</legend>
<div class="govuk-form-group"><label class="govuk-label govuk-label--s" for="responsibility">Party</label>
<select class="govuk-select" id="responsibility" name="responsibility">${['DCC', 'NHS', 'Provider'].map((p) => html`<option value="${p}"${p === it.responsibility ? html` selected` : ''}>${p}</option>`)}</select></div>
${input('owner_role', 'Owner', it.owner_role || '', 'The named role that does the work')}
${input('due_on', 'Due date', setDue, `For example, 2026-11-27. Leave blank to use the rule: ${it.due_rule || 'none'}`, 'govuk-input--width-10')}</fieldset>` : '';
  const dueWords = it.due_on ? `${day(it.due_on)}` + (it.due_set_by === 'lead_officer' ? ', set by the lead officer' : `, by the rule: ${it.due_rule}`) : (it.due_rule || 'Not set');
  put(c.main, backLink('#/checklist', 'Back to the checklist'),
    html`<h1 class="govuk-heading-l"><span class="govuk-caption-l">Section ${it.number.split('.')[0]}, item ${it.number}</span>${it.text}</h1>`,
    summaryList([
      ['Owner', html`<span id="item-owner">${ownerOf(it)} ${it.confirmed ? tag('JISG confirmed', 'blue') : tag('Default owner', 'grey')}</span>`],
      ['Due', html`<span id="item-due">${dueWords}${it.overdue ? html` ${tag('Overdue', 'red')}` : ''}</span>`],
      ['Signed off by', html`<span id="item-sign-off">${roleList(it.sign_off)}</span>`],
      ['Evidence', html`<div id="item-evidence"><p class="govuk-body">${evidenceWords(it)}</p>
${it.evidence.length ? html`<ul class="govuk-list govuk-list--bullet" id="evidence-linked">${it.evidence.map(evidenceRow)}</ul>` : ''}
${it.auto_evidence.length ? html`<p class="govuk-body-s">Recorded in Continuity, nobody linking them:</p>
<ul class="govuk-list govuk-list--bullet" id="evidence-auto">${it.auto_evidence.map(evidenceRow)}</ul>` : ''}</div>`],
    ]),
    html`<form novalidate id="item-form"><div id="item-errors"></div>
${input('officer_initials', 'Officer (initials)', it.officer_initials || '', undefined, 'govuk-input--width-5')}
${status}
<div class="govuk-form-group" id="waiver_reason-group"><label class="govuk-label govuk-label--s" for="waiver_reason">Reason for waiving (the Director)</label>
<textarea class="govuk-textarea" id="waiver_reason" name="waiver_reason" rows="2">${it.waiver_reason || ''}</textarea></div>
<div class="govuk-form-group" id="notes-group"><label class="govuk-label govuk-label--s" for="notes">Notes</label>
<textarea class="govuk-textarea" id="notes" name="notes" rows="5">${it.notes || ''}</textarea></div>
${reassign}
<div class="govuk-button-group"><button type="submit" class="govuk-button" data-module="govuk-button">Save</button>${link('#/checklist', 'Cancel')}</div></form>`);
  const form = /** @type {HTMLFormElement} */ (byId('item-form'));
  const errs = byId('item-errors');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const fd = new FormData(form);
    /** @type {Record<string, any>} */
    const fields = {
      officer_initials: String(fd.get('officer_initials') || '').trim(),
      status: String(fd.get('status') || it.status),
      notes: String(fd.get('notes') || ''),
    };
    const reason = String(fd.get('waiver_reason') || '').trim();
    if (reason || it.waiver_reason) fields.waiver_reason = reason;
    if (leadOfficer) {
      const party = String(fd.get('responsibility') || it.responsibility);
      const owner = String(fd.get('owner_role') || '').trim();
      const due = String(fd.get('due_on') || '').trim();
      if (party !== it.responsibility || owner !== (it.owner_role || '') || due !== setDue) {
        Object.assign(fields, { responsibility: party, owner_role: owner, responsibility_source: 'jisg' });
        if (due) fields.due_on = due;
      }
    }
    if (fields.status === 'done' && !it.completed_on) fields.completed_on = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());
    // The item's duty, as the server judges it (the role's part is known
    // here; the records' part only to the server).
    const problems = c.client.validate('checklist_items', { ...fields }, { create: false }) || [];
    const signing = fields.status !== it.status;
    if (signing && fields.status === 'done' && !it.sign_off.includes(c.role)) {
      problems.push({ field: 'fields.status', message: `Only ${roleList(it.sign_off)} can sign off item ${it.number}, not ${roleWords[c.role] || c.role}` });
    }
    if (signing && fields.status === 'not_applicable' && !waiverRoles.includes(c.role)) {
      problems.push({ field: 'fields.status', message: `Only the Director can waive item ${it.number}: mark it done, or ask the Director` });
    }
    if (signing && fields.status === 'not_applicable' && !reason) {
      problems.push({ field: 'fields.waiver_reason', message: 'Give the reason this item is not needed' });
    }
    if (signing && fields.status === 'done' && it.evidence_required && !it.has_evidence) {
      problems.push({ field: 'fields.evidence', message: `Item ${it.number} needs evidence before it is done, and none is linked or recorded yet` });
    }
    if (problems.length) {
      showErrors(errs, problems.map((/** @type {any} */ p) => ({ field: p.field?.replace(/^fields\./, ''), message: p.message })));
      return;
    }
    try {
      await c.client.put('checklist_items', it.id, fields);
      await c.client.sync();
    } catch (err) {
      // The SDK's check refuses with a ValidationError listing each field;
      // anything else (the server, the network) is one APIError.
      showErrors(errs, err instanceof ValidationError
        ? err.errors.map((e) => ({ field: e.field.replace(/^fields\./, ''), message: e.message }))
        : [{ field: errorField(err) || undefined, message: errorText(err) }]);
      return;
    }
    const rejected = (await c.client.rejected()).filter((/** @type {any} */ r) => r.change?.record_id === it.id);
    if (rejected.length) {
      showErrors(errs, rejected.map((/** @type {any} */ r) => ({ field: r.field?.replace(/^fields\./, ''), message: 'The server refused the change: ' + r.message })));
      return;
    }
    flash = `Item ${it.number} saved.`;
    c.navigate('#/checklist');
  }, { signal: c.signal });
}
