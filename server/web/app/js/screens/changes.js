// @ts-check
// What has not reached the server yet, and the changes the server refused:
// each with the server's reason, a way to correct it, and a way to discard
// it (on a separate confirmation page).
import { html } from '/shared/html.js';
import { APIError } from '/sdk/continuity.js';
import { summaryList, tag } from '../forms.js';
import * as m from '../model.js';
import { spoken } from '../time.js';
import { backLink, redirectIfNotReady } from './common.js';
import { correct } from './flow.js';
import { check, capacity, bestInterests } from './records.js';
import { draftList } from './flow.js';
import { family } from './family.js';
import { flows, draftsBlock } from './residents.js';

/** @typedef {import('./common.js').Ctx} Ctx */
/** @typedef {import('./common.js').View} View */
/** @typedef {import('/sdk/continuity.js').Change} Change */
/** @typedef {{change: Change, code?: string, message: string, field?: string, at?: string}} Rejected */

/** @type {Record<string, string>} */
const WHAT = {
  safe_and_well_checks: 'Safe-and-well check', capacity_assessments: 'Capacity assessment',
  best_interests_decisions: 'Best-interests decision', moves: 'Move', move_legs: 'Leg of a move', move_corrections: 'Correction of a move',
  movement_log: 'Movement log entry', residents: 'Resident details', family_contacts: 'Family contact',
};

/** @param {Ctx} ctx @returns {Promise<Rejected[]>} */
async function rejectedList(ctx) {
  return ((await ctx.client.rejected()) || []).map((/** @type {any} */ r) => ({ ...r, change: r.change || r }));
}

/** The resident a change is about, if the device knows. @param {Ctx} ctx @param {Change} ch */
async function residentOf(ctx, ch) {
  const f = ch.fields || {};
  let rid = f.resident_id;
  if (!rid) {
    const rec = await ctx.client.get(ch.collection, ch.record_id);
    rid = rec && rec.resident_id;
  }
  return rid ? ctx.client.get('residents', rid) : undefined;
}

/** @param {Ctx} ctx @returns {Promise<View|undefined>} */
export async function changes(ctx) {
  if (redirectIfNotReady(ctx, { incident: false })) return undefined;
  const s = ctx.client.status();
  const list = await rejectedList(ctx);
  const people = await Promise.all(list.map((r) => residentOf(ctx, r.change)));
  const started = ctx.incident ? await draftList(ctx, flows) : [];
  /** @type {Map<string, any>} */
  const names = new Map();
  for (const x of started) {
    const rid = x.draft.residentId;
    if (rid && !names.has(rid)) names.set(rid, await ctx.client.get('residents', rid));
  }
  return {
    title: 'Changes',
    nav: 'changes',
    live: true,
    body: html`<h1 class="govuk-heading-l">Changes on this device</h1>
${summaryList([
    { key: 'Connection', value: s.online ? tag('Online', 'green') : tag('Offline', 'yellow') },
    { key: 'Waiting to send', value: s.pending ? `${s.pending} change${s.pending === 1 ? '' : 's'}, kept safely on this device until they are sent` : 'Nothing: every change has reached the server' },
    { key: 'Last synced', value: s.lastSyncedAt ? spoken(s.lastSyncedAt) : 'Not yet' },
  ])}
<form novalidate><button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button" id="sync-now">Send and fetch changes now</button></form>
<h2 class="govuk-heading-m">Not finished</h2>
${started.length ? html`<p class="govuk-body">Started on this device and not saved yet: they are not sent until you save them.</p>
${draftsBlock(started, (rid) => (rid && names.get(rid) ? m.name({ id: rid, fields: names.get(rid) }) : 'a resident'))}` : html`<p class="govuk-body" id="no-drafts">Nothing started and left unsaved.</p>`}
<h2 class="govuk-heading-m">Not accepted by the server</h2>
${list.length === 0 ? html`<p class="govuk-body" id="no-rejected">The server has accepted every change sent from this device.</p>` : html`
<p class="govuk-body">The server kept these changes aside and did not apply them. Correct each one and save it again, or discard it.</p>
${list.map((r, i) => {
    const ch = r.change;
    const fixable = ['safe_and_well_checks', 'capacity_assessments', 'best_interests_decisions', 'family_contacts'].includes(ch.collection);
    return html`<div class="govuk-summary-card app-rejected" data-change="${ch.id}"><div class="govuk-summary-card__title-wrapper">
<h3 class="govuk-summary-card__title">${WHAT[ch.collection] || m.words(ch.collection)}${people[i] ? ` for ${m.name({ id: '', fields: people[i] })}` : ''}</h3>
<ul class="govuk-summary-card__actions">
${fixable ? html`<li class="govuk-summary-card__action"><a class="govuk-link" href="#/correct/${ch.id}" id="correct-${ch.id}">Correct it<span class="govuk-visually-hidden"> (${WHAT[ch.collection]})</span></a></li>` : ''}
<li class="govuk-summary-card__action"><a class="govuk-link" href="#/discard/${ch.id}" id="discard-${ch.id}">Discard<span class="govuk-visually-hidden"> this change</span></a></li></ul></div>
<div class="govuk-summary-card__content">${summaryList([
      { key: 'Why it was refused', value: html`<span class="app-reason">${r.message}</span>` },
      { key: 'About', value: r.field ? m.words(String(r.field).replace(/^fields\./, '')) : 'The whole change' },
      { key: 'Refused', value: r.at ? spoken(r.at) : 'Recently' },
    ])}</div></div>`;
  })}`}`,
    async submit() {
      try { await ctx.client.sync(); } catch { /* the status bar says what happened */ }
      ctx.refresh();
    },
  };
}

/** @param {Ctx} ctx @returns {Promise<View|undefined>} */
export async function discard(ctx) {
  if (redirectIfNotReady(ctx, { incident: false })) return undefined;
  const id = ctx.params[0];
  const r = (await rejectedList(ctx)).find((x) => x.change.id === id);
  if (!r) { ctx.go('#/changes'); return undefined; }
  const person = await residentOf(ctx, r.change);
  return {
    title: 'Discard a change',
    nav: 'changes',
    body: html`${backLink('#/changes')}
<h1 class="govuk-heading-l">Are you sure you want to discard this change?</h1>
<p class="govuk-body">${WHAT[r.change.collection] || m.words(r.change.collection)}${person ? ` for ${m.name({ id: '', fields: person })}` : ''}. The server refused it: ${r.message}</p>
<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span>What it recorded will be removed from this device. The server keeps its copy aside for the incident room.</strong></div>
<form novalidate><div class="govuk-button-group">
<button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button" data-prevent-double-click="true" id="confirm-discard">Discard this change</button>
<a class="govuk-link" href="#/changes">Keep it</a></div></form>`,
    async submit() {
      try {
        await ctx.client.discardRejected(id);
      } catch (err) {
        // Not discarded: the page stays, and the submit's problem is shown
        // in its error summary (main.js), never as "discarded".
        if (err instanceof APIError && err.code === 'not_found') {
          throw new APIError(404, 'not_found', 'This change is no longer on the list of refused changes: it was discarded or sent again on another screen. Go back to the list of changes to see what is left');
        }
        throw err;
      }
      ctx.flash('The change was discarded.');
      ctx.go('#/changes');
    },
  };
}

/** Opens the right form to correct a rejected change. @param {Ctx} ctx @returns {Promise<View|undefined>} */
export async function correctRoute(ctx) {
  if (redirectIfNotReady(ctx)) return undefined;
  const id = ctx.params[0];
  const r = (await rejectedList(ctx)).find((x) => x.change.id === id);
  if (!r) { ctx.go('#/changes'); return undefined; }
  const ch = r.change;
  const rec = { ...((await ctx.client.get(ch.collection, ch.record_id)) || {}), ...(ch.fields || {}) };
  const reason = { message: r.message, field: r.field, code: r.code };
  if (ch.collection === 'safe_and_well_checks' && rec.resident_id) await correct(ctx, check, rec.resident_id, ch, reason);
  else if (ch.collection === 'capacity_assessments' && rec.resident_id) await correct(ctx, capacity, rec.resident_id, ch, reason);
  else if (ch.collection === 'best_interests_decisions' && rec.assessment_id) await correct(ctx, bestInterests, rec.assessment_id, ch, reason);
  else if (ch.collection === 'family_contacts' && rec.resident_id) await correct(ctx, family, rec.resident_id, ch, reason);
  else ctx.go('#/changes');
  return undefined;
}
