// @ts-check
// The residents list (who needs a visit first) and one resident's record.
import { html } from '/shared/html.js';
import { summaryList, tag } from '../forms.js';
import * as m from '../model.js';
import { spoken, spokenDate } from '../time.js';
import { backLink, isUUID, notFound, redirectIfNotReady } from './common.js';
import { draftList } from './flow.js';
import { check, capacity, bestInterests } from './records.js';
import { family, familyHistory } from './family.js';

/** Every flow whose drafts are listed. */
export const flows = [check, capacity, bestInterests, family];

/**
 * The drafts list: what was started and not saved, each opening at the
 * page it was left on.
 * @param {Awaited<ReturnType<typeof draftList>>} list @param {(residentId: string|undefined) => string} [who]
 */
export function draftsBlock(list, who) {
  return html`<ul class="govuk-list govuk-list--spaced" id="drafts">${list.map((x) => html`<li><a class="govuk-link app-link-block" href="${x.href}">Continue the ${x.flow.noun.toLowerCase()}${who ? ` for ${who(x.draft.residentId)}` : ''}<span class="govuk-visually-hidden">,</span></a>
<span class="govuk-body-s app-muted"> left at “${x.where}”${x.draft.updatedAt ? `, ${spoken(x.draft.updatedAt)}` : ''}</span></li>`)}</ul>`;
}

/** @typedef {import('./common.js').Ctx} Ctx */
/** @typedef {import('./common.js').View} View */

let query = '';

/** @param {{state: string}} d */
const dueTag = (d) => d.state === 'overdue' ? tag('Overdue', 'red') : d.state === 'due' ? tag('Due', 'orange') : d.state === 'later' ? tag('Checked', 'green') : tag('No checks', 'grey');

/** @param {Ctx} ctx @returns {Promise<View|undefined>} */
export async function residents(ctx) {
  if (redirectIfNotReady(ctx)) return undefined;
  const data = await m.load(ctx.client, /** @type {string} */ (ctx.incident));
  const now = new Date();
  const rows = m.residentRows(data, now);
  const dueCount = rows.filter((r) => r.due.state === 'overdue' || r.due.state === 'due').length;
  const shown = rows.filter((r) => m.matches(r.r, query)).length;
  const incidentName = ((ctx.me && ctx.me.incidents) || []).find((i) => i.id === ctx.incident)?.name || 'This incident';
  return {
    title: 'Residents',
    nav: 'residents',
    live: true,
    focus: document.activeElement && document.activeElement.id === 'f-search' ? 'f-search' : undefined,
    body: html`<span class="govuk-caption-l">${incidentName}</span><h1 class="govuk-heading-l">Residents</h1>
<p class="govuk-body">${rows.length} resident${rows.length === 1 ? '' : 's'}; <strong>${dueCount} due a safe-and-well visit</strong>, listed first.</p>
<form novalidate class="app-search" role="search">
<div class="govuk-form-group"><label class="govuk-label govuk-label--s" for="f-search">Find a resident</label>
<div id="f-search-hint" class="govuk-hint">Name, room or NHS number</div>
<input class="govuk-input" id="f-search" name="search" type="search" value="${query}" aria-describedby="f-search-hint" autocomplete="off" spellcheck="false"></div></form>
<p class="govuk-body" id="search-count" aria-live="polite">${query ? `${shown} of ${rows.length} shown` : ''}</p>
${rows.length === 0 ? html`<p class="govuk-body">No residents are on this device yet. They arrive when the device syncs.</p>` : html`
<div class="app-table-wrap"><table class="govuk-table app-residents"><caption class="govuk-table__caption govuk-visually-hidden">Residents, those due a visit first</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Resident</th><th scope="col" class="govuk-table__header">Where now</th><th scope="col" class="govuk-table__header">Safe and well</th><th scope="col" class="govuk-table__header">Capacity</th><th scope="col" class="govuk-table__header">Planned move</th></tr></thead>
<tbody class="govuk-table__body">${rows.map(({ r, last, due, cap, move }) => html`<tr class="govuk-table__row${due.state === 'overdue' || due.state === 'due' ? ' app-row--due' : ''}" data-id="${r.id}"${m.matches(r, query) ? '' : ' hidden'}>
<td class="govuk-table__cell"><a class="govuk-link app-link-block" href="#/resident/${r.id}">${m.name(r)}</a><br><span class="govuk-body-s app-muted">${r.fields.room ? `Room ${r.fields.room}` : ''}${r.fields.room && r.fields.nhs_number ? ' · ' : ''}${r.fields.nhs_number ? `NHS ${m.nhs(r.fields.nhs_number)}` : ''}</span></td>
<td class="govuk-table__cell"><span class="app-cell-label">Where now</span>${m.serviceName(data, r.fields.current_service_id) || 'Not recorded'}${r.fields.status && r.fields.status !== 'in_placement' ? html`<br>${tag(m.words(r.fields.status), 'grey')}` : ''}</td>
<td class="govuk-table__cell"><span class="app-cell-label">Safe and well</span>${dueTag(due)}<br>${last ? html`Seen ${spoken(last.fields.visited_at)}<br>` : ''}${due.short}</td>
<td class="govuk-table__cell"><span class="app-cell-label">Capacity</span>${tag(cap.status.text, cap.status.colour)}<br>${cap.status.next}</td>
<td class="govuk-table__cell"><span class="app-cell-label">Planned move</span>${m.moveText(data, move)}</td></tr>`)}</tbody></table></div>`}`,
    input(form) {
      const q = /** @type {HTMLInputElement} */ (form.elements.namedItem('search'));
      if (!q) return;
      query = q.value;
      let n = 0;
      for (const { r } of rows) {
        const tr = document.querySelector(`tr[data-id="${r.id}"]`);
        const show = m.matches(r, query);
        if (show) n++;
        if (tr) /** @type {HTMLElement} */ (tr).hidden = !show;
      }
      const c = document.getElementById('search-count');
      if (c) c.textContent = query ? `${n} of ${rows.length} shown` : '';
    },
    submit() { /* the search filters as the person types */ },
  };
}

/** @param {Ctx} ctx @returns {Promise<View|undefined>} */
export async function resident(ctx) {
  if (redirectIfNotReady(ctx)) return undefined;
  const id = ctx.params[0];
  if (!isUUID(id)) return notFound('This resident');
  const data = await m.load(ctx.client, /** @type {string} */ (ctx.incident));
  const r = data.residents.find((x) => x.id === id);
  if (!r) return notFound('This resident');
  const f = r.fields;
  const now = new Date();
  const checks = data.checks.filter((c) => c.fields.resident_id === id).sort((a, b) => (b.fields.visited_at || '').localeCompare(a.fields.visited_at || ''));
  const due = m.due(r, checks[0], now);
  const cap = m.capacity(data, id);
  const assessments = data.assessments.filter((a) => a.fields.resident_id === id);
  const decisions = data.decisions.filter((d) => d.fields.resident_id === id);
  const moves = data.moves.filter((x) => x.fields.resident_id === id).sort((a, b) => (b.fields.planned_at || '').localeCompare(a.fields.planned_at || ''));
  const friends = f.friendship_group ? data.residents.filter((x) => x.id !== id && x.fields.friendship_group === f.friendship_group) : [];
  const canRecord = !ctx.me || ctx.me.role !== 'transport_coordinator';
  const lpa = Array.isArray(f.lpa) ? f.lpa : [];
  const carers = Array.isArray(f.carers) ? f.carers : [];
  const myDrafts = await draftList(ctx, flows, id);
  const contacts = ((await ctx.client.list('family_contacts')) || [])
    .filter((/** @type {m.Rec} */ c) => c.fields && c.fields.resident_id === id && c.fields.incident_id === ctx.incident)
    .sort((/** @type {m.Rec} */ a, /** @type {m.Rec} */ b) => String(b.fields.occurred_at || '').localeCompare(String(a.fields.occurred_at || '')));
  return {
    title: 'Resident',
    nav: 'residents',
    live: true,
    body: html`${backLink('#/residents', 'All residents')}
<span class="govuk-caption-l">${f.room ? `Room ${f.room}` : 'Resident'}</span>
<h1 class="govuk-heading-l">${m.name(r)}${f.preferred_name ? html` <span class="govuk-body-l app-muted">(likes to be called ${f.preferred_name})</span>` : ''}</h1>
<p class="govuk-body app-tags">${due.state === 'overdue' ? tag('Overdue', 'red') : due.state === 'due' ? tag('Due', 'orange') : ''} ${due.text}</p>
<p class="govuk-body app-tags">${tag(cap.status.text, cap.status.colour)} ${cap.status.next}</p>
${canRecord ? html`<div class="govuk-button-group">
<a href="#/check/${id}" role="button" draggable="false" class="govuk-button" data-module="govuk-button" id="start-check">Record a safe-and-well check</a>
<a href="#/capacity/${id}" role="button" draggable="false" class="govuk-button govuk-button--secondary" data-module="govuk-button" id="start-capacity">Assess capacity</a>
<a href="#/family/${id}" role="button" draggable="false" class="govuk-button govuk-button--secondary" data-module="govuk-button" id="start-family">Record contact with family</a>
${cap.assessment && cap.assessment.fields.outcome === 'lacks_capacity' && !cap.decision ? html`<a href="#/best-interests/${cap.assessment.id}" role="button" draggable="false" class="govuk-button govuk-button--secondary" data-module="govuk-button" id="start-bi">Record a best-interests decision</a>` : ''}
</div>` : ''}
${myDrafts.length ? html`<div class="app-drafts"><h2 class="govuk-heading-m">Not finished</h2>
<p class="govuk-body">Kept on this device; not saved as records yet.</p>${draftsBlock(myDrafts)}</div>` : ''}
<h2 class="govuk-heading-m">Details</h2>
${summaryList([
    { key: 'Where now', value: `${m.serviceName(data, f.current_service_id) || 'Not recorded'}${f.room ? `, room ${f.room}` : ''}` },
    { key: 'Status', value: m.words(f.status || 'in_placement') },
    { key: 'Date of birth', value: f.date_of_birth ? spokenDate(f.date_of_birth) : 'Not recorded' },
    { key: 'NHS number', value: m.nhs(f.nhs_number) || 'Not recorded' },
    { key: 'Care needed', value: m.words(f.registration_category) || 'Not recorded' },
    { key: 'Funding', value: m.words(f.funding_stream) || 'Not recorded' },
    { key: 'Needs', value: f.needs_summary || 'Not recorded' },
    { key: 'Communication', value: f.communication_needs || 'None recorded' },
    { key: 'Medication', value: f.medication_summary || 'Not recorded' },
    { key: 'GP', value: f.gp || 'Not recorded' },
    { key: 'Flags', value: [f.very_frail && 'Very frail', f.end_of_life && 'End of life care', f.assess_early && `Assess early${f.assess_early_reason ? ': ' + f.assess_early_reason : ''}`, f.wishes_to_move_early && 'Wishes to move early', f.advocacy_needed && `Needs an advocate${f.advocate ? ': ' + f.advocate : ''}`].filter(Boolean).join('; ') || 'None' },
    { key: 'DoLS', value: f.dols_status && f.dols_status !== 'none' ? `${m.words(f.dols_status)}${f.dols_expiry ? `, expires ${spokenDate(f.dols_expiry)}` : ''}${f.dols_representative ? `; representative ${f.dols_representative}` : ''}` : 'None' },
    { key: 'Powers of attorney and deputies', value: lpa.length ? html`<ul class="govuk-list" id="resident-lpa">${lpa.map((/** @type {any} */ a) => html`<li>${a.name} — ${m.words(a.kind)}${a.relationship ? ` (${a.relationship})` : ''}${a.restrictions ? `; restrictions: ${a.restrictions}` : ''}</li>`)}</ul>` : 'None recorded' },
    { key: 'Carers and family', value: carers.length ? html`<ul class="govuk-list">${carers.map((/** @type {any} */ c) => html`<li>${c.name}${c.relationship ? ` (${c.relationship})` : ''}${c.phone ? `, ${c.phone}` : ''}${c.main_contact ? ' — main contact' : ''}</li>`)}</ul>` : 'None recorded' },
  ])}
<h2 class="govuk-heading-m">Friendship group</h2>
${f.friendship_group ? html`<p class="govuk-body">${f.friendship_group}: keep together where practicable.</p>
${friends.length ? html`<ul class="govuk-list govuk-list--bullet">${friends.map((x) => html`<li><a class="govuk-link" href="#/resident/${x.id}">${m.name(x)}</a>${x.fields.room ? `, room ${x.fields.room}` : ''}</li>`)}</ul>` : html`<p class="govuk-body">Nobody else on this device is in the group.</p>`}` : html`<p class="govuk-body">Not part of a friendship group.</p>`}
<div class="app-history"><h2 class="govuk-heading-m">Family contact and wishes</h2>
${familyHistory(contacts)}</div>
<div class="app-history"><h2 class="govuk-heading-m">Safe-and-well checks</h2>
${checks.length ? html`<ul class="govuk-list">${checks.map((c) => html`<li><strong>${spoken(c.fields.visited_at)}</strong> ${tag(m.words(c.fields.outcome), c.fields.outcome === 'safe_and_well' ? 'green' : c.fields.outcome === 'concerns' ? 'red' : 'grey')}
${c.fields.visitor_name ? ` by ${c.fields.visitor_name}` : ''}${c.fields.in_own_words ? html`<br><span class="app-muted">In their words: “${c.fields.in_own_words}”</span>` : ''}</li>`)}</ul>` : html`<p class="govuk-body">No checks yet.</p>`}</div>
<div class="app-history"><h2 class="govuk-heading-m">Capacity assessments and best-interests decisions</h2>
${assessments.length ? html`<ul class="govuk-list">${assessments.map((a) => {
    const d = decisions.find((x) => x.fields.assessment_id === a.id);
    return html`<li><strong>${a.fields.decision}</strong>: ${a.fields.outcome ? tag(m.words(a.fields.outcome), a.fields.outcome === 'has_capacity' ? 'green' : 'purple') : tag('Not finished', 'yellow')}
${a.fields.signed_at ? ` signed ${spoken(a.fields.signed_at)}` : ' not signed'}${d ? html`<br>Best interests: ${d.fields.decision_reached || 'decision recorded'}${d.fields.decided_at ? ` (${spoken(d.fields.decided_at)})` : ''}` : ''}</li>`;
  })}</ul>` : html`<p class="govuk-body">No assessments yet.</p>`}</div>
<div class="app-history"><h2 class="govuk-heading-m">Moves</h2>
${moves.length ? html`<ul class="govuk-list">${moves.map((x) => html`<li>${tag(m.words(x.fields.status), x.fields.status === 'completed' ? 'green' : x.fields.status === 'cancelled' ? 'grey' : 'blue')}
 to ${m.serviceName(data, x.fields.to_service_id)}${x.fields.planned_at ? `, ${spoken(x.fields.planned_at)}` : ''}${x.fields.escort ? `; escort ${x.fields.escort}` : ''}</li>`)}</ul>` : html`<p class="govuk-body">No moves planned.</p>`}</div>`,
  };
}
