// @ts-check
// Moves: on the road now, today's and upcoming moves by leg, with
// transport, escort and hand-over state; late legs flagged.
import { html, put } from '/shared/html.js';
import { tag, block, td, headRow, byId } from '../govuk.js';
import { day, londonDay, when, words } from '../format.js';
import { get, incidentPath } from '../api.js';

const groups = [
  ['in_transit', 'On the road now'],
  ['today', 'Today'],
  ['upcoming', 'Upcoming'],
  ['undated', 'Not yet dated'],
  ['earlier', 'Earlier'],
];
const handoverWords = /** @type {Record<string, [string, any]>} */ ({
  not_started: ['Not started', 'grey'], departed: ['Departed', 'blue'], arrived: ['Arrived: hand-over due', 'amber'], handed_over: ['Handed over', 'green'],
});
const statusWords = /** @type {Record<string, [string, any]>} */ ({
  planned: ['Planned', 'light'], in_transit: ['In transit', 'blue'], arrived: ['Arrived: hand-over due', 'amber'], on_hold: ['On hold', 'amber'], completed: ['Completed', 'green'], cancelled: ['Cancelled', 'grey'],
});

/** @param {import('../api.js').Ctx} c */
export async function render(c) {
  c.setTitle('Moves');
  put(c.main, html`<h1 class="govuk-heading-l">Moves</h1><div id="moves-body"></div>`);
  const body = byId('moves-body');
  const load = async () => {
    const mb = await get(c, incidentPath(c, 'moves'));
    if (c.signal.aborted) return;
    const late = mb.moves.filter((/** @type {any} */ m) => m.late);
    put(body,
      html`<p class="govuk-body">${mb.moves.length} moves. ${late.length ? html`<strong>${late.length} running late.</strong>` : 'None running late.'}</p>`,
      groups.map(([id, title]) => {
        const ms = mb.moves.filter((/** @type {any} */ m) => m.when === id);
        if (!ms.length && id !== 'today') return '';
        return html`<section class="app-section" aria-labelledby="moves-${id}">
<h2 class="govuk-heading-m" id="moves-${id}">${title} (${ms.length})</h2>
${ms.length ? moveTable(ms) : html`<p class="govuk-body">No moves planned for today.</p>`}</section>`;
      }));
  };
  await load();
  c.onRefresh(load);
}

/** @param {any[]} ms */
function moveTable(ms) {
  const small = (/** @type {unknown} */ x) => block(x, 'govuk-body-s');
  return html`<table class="govuk-table app-table--sticky">
<caption class="govuk-table__caption govuk-visually-hidden">Moves</caption>
${headRow(['Resident', 'From and to', 'Planned', 'Transport', 'Escort', 'Legs', 'Hand-over'])}
<tbody class="govuk-table__body">${ms.map((m) => {
    const [st, sc] = statusWords[m.status] || [words(m.status) || 'No status', 'grey'];
    const [ho, hc] = handoverWords[m.handover] || [words(m.handover), 'grey'];
    return html`<tr class="govuk-table__row${m.late ? ' app-row--due' : ''}" data-move="${m.move_id}">
<th scope="row" class="govuk-table__header">${m.resident_name || 'Unknown resident'}${block(tag(st, sc))}</th>
${td(m.from || 'Unknown', small('to ' + (m.to || 'destination not set')), corrections(m))}
${td(m.planned_at ? when(m.planned_at) : 'Not set', m.planned_arrival_at ? small('arrive ' + when(m.planned_arrival_at)) : '',
    m.late ? block(tag(m.late === 'late_departure' ? 'Late: not left' : 'Late: not arrived', 'red')) : '')}
${td(m.transport ? words(m.transport) : 'Not arranged', m.vehicle ? small(m.vehicle) : '')}
${td(m.escort || 'No escort named', m.escort ? small(m.escort_familiar ? 'known to the person' : 'not known to the person') : '')}
${td(m.legs.length ? html`<ol class="govuk-list govuk-list--number govuk-body-s">${m.legs.map((/** @type {any} */ l) => html`<li>${[
    l.departed_at ? 'left ' + when(l.departed_at) : 'not left',
    l.arrived_at ? ', arrived ' + when(l.arrived_at) : '',
    l.identity_confirmed ? ', identity confirmed' : '',
    l.handed_over ? ', handed over' + (l.handed_over_to ? ' to ' + l.handed_over_to : '') : ''].join('')}</li>`)}</ol>` : 'No legs logged')}
${td(tag(ho, hc), small((m.medication_travelling ? 'medication travelling' : 'medication not confirmed') + ', ' +
    (m.records_handed_over ? 'records handed over' : 'records not yet handed over')))}
</tr>`;
  })}</tbody></table>`;
}

/** A completed move's corrections, each in plain English with a tag.
 * @param {any} m */
function corrections(m) {
  if (!m.corrections || !m.corrections.length) return '';
  return html`<div class="app-corrections" data-corrections="${m.move_id}">${m.corrections.map((/** @type {any} */ c) => {
    const what = c.kind === 'void' ? 'this move did not happen'
      : c.kind === 'destination' ? `the person went to ${c.to || 'another service'} instead`
        : c.kind === 'completed_at' ? `the move was completed ${when(c.completed_at)} instead`
          : words(c.kind);
    return html`<p class="govuk-body-s app-correction">${tag(c.kind === 'void' ? 'Did not happen' : 'Corrected', c.kind === 'void' ? 'red' : 'amber')} ${[
      `Corrected: ${what}`, c.reason ? ` — reason: ${c.reason}` : '', c.corrected_by ? ` — by ${c.corrected_by}` : '', c.corrected_at ? ` ${onDay(c.corrected_at)}` : '', '.'].join('')}</p>`;
  })}</div>`;
}

/** "on 25 November 2026", or "today" / "yesterday".
 * @param {string} t */
function onDay(t) {
  const d = day(londonDay(new Date(t)));
  return d === 'today' || d === 'yesterday' || d === 'tomorrow' ? d : 'on ' + d;
}
