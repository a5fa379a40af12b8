// @ts-check
// Moves: on the road now, today's and upcoming moves by leg, with
// transport, escort and hand-over state; late legs flagged.
import { day, h, londonDay, replace, tag, when, words } from '../dom.js';
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
  const body = h('div', {});
  replace(c.main, h('h1', { class: 'govuk-heading-l' }, 'Moves'), body);
  const load = async () => {
    const mb = await get(c, incidentPath(c, 'moves'));
    if (c.signal.aborted) return;
    const late = mb.moves.filter((/** @type {any} */ m) => m.late);
    replace(body,
      h('p', { class: 'govuk-body' }, `${mb.moves.length} moves. `, late.length ? h('strong', {}, `${late.length} running late.`) : 'None running late.'),
      groups.map(([id, title]) => {
        const ms = mb.moves.filter((/** @type {any} */ m) => m.when === id);
        if (!ms.length && id !== 'today') return null;
        return h('section', { class: 'app-section', 'aria-labelledby': 'moves-' + id },
          h('h2', { class: 'govuk-heading-m', id: 'moves-' + id }, `${title} (${ms.length})`),
          ms.length ? moveTable(ms) : h('p', { class: 'govuk-body' }, 'No moves planned for today.'));
      }));
  };
  await load();
  c.onRefresh(load);
}

/** @param {any[]} ms */
function moveTable(ms) {
  return h('table', { class: 'govuk-table app-table--sticky' },
    h('caption', { class: 'govuk-table__caption govuk-visually-hidden' }, 'Moves'),
    h('thead', { class: 'govuk-table__head' }, h('tr', { class: 'govuk-table__row' },
      ['Resident', 'From and to', 'Planned', 'Transport', 'Escort', 'Legs', 'Hand-over'].map((t) => h('th', { scope: 'col', class: 'govuk-table__header' }, t)))),
    h('tbody', { class: 'govuk-table__body' }, ms.map((m) => {
      const [st, sc] = statusWords[m.status] || [words(m.status) || 'No status', 'grey'];
      const [ho, hc] = handoverWords[m.handover] || [words(m.handover), 'grey'];
      return h('tr', { class: 'govuk-table__row' + (m.late ? ' app-row--due' : ''), 'data-move': m.move_id },
        h('th', { scope: 'row', class: 'govuk-table__header' }, m.resident_name || 'Unknown resident', h('span', { class: 'app-block' }, tag(st, sc))),
        td(m.from || 'Unknown', h('span', { class: 'app-block govuk-body-s' }, 'to ' + (m.to || 'destination not set')), corrections(m)),
        td(m.planned_at ? when(m.planned_at) : 'Not set', m.planned_arrival_at ? h('span', { class: 'app-block govuk-body-s' }, 'arrive ' + when(m.planned_arrival_at)) : null,
          m.late ? h('span', { class: 'app-block' }, tag(m.late === 'late_departure' ? 'Late: not left' : 'Late: not arrived', 'red')) : null),
        td(m.transport ? words(m.transport) : 'Not arranged', m.vehicle ? h('span', { class: 'app-block govuk-body-s' }, m.vehicle) : null),
        td(m.escort || 'No escort named', m.escort ? h('span', { class: 'app-block govuk-body-s' }, m.escort_familiar ? 'known to the person' : 'not known to the person') : null),
        td(m.legs.length ? h('ol', { class: 'govuk-list govuk-list--number govuk-body-s' }, m.legs.map((/** @type {any} */ l) => h('li', {},
          l.departed_at ? 'left ' + when(l.departed_at) : 'not left',
          l.arrived_at ? ', arrived ' + when(l.arrived_at) : '',
          l.identity_confirmed ? ', identity confirmed' : '',
          l.handed_over ? ', handed over' + (l.handed_over_to ? ' to ' + l.handed_over_to : '') : ''))) : 'No legs logged'),
        td(tag(ho, hc), h('span', { class: 'app-block govuk-body-s' },
          m.medication_travelling ? 'medication travelling' : 'medication not confirmed', ', ',
          m.records_handed_over ? 'records handed over' : 'records not yet handed over')));
    })));
}

/** A completed move's corrections, each in plain English with a tag.
 * @param {any} m */
function corrections(m) {
  if (!m.corrections || !m.corrections.length) return null;
  return h('div', { class: 'app-corrections', 'data-corrections': m.move_id }, m.corrections.map((/** @type {any} */ c) => {
    const what = c.kind === 'void' ? 'this move did not happen'
      : c.kind === 'destination' ? `the person went to ${c.to || 'another service'} instead`
        : c.kind === 'completed_at' ? `the move was completed ${when(c.completed_at)} instead`
          : words(c.kind);
    return h('p', { class: 'govuk-body-s app-correction' },
      tag(c.kind === 'void' ? 'Did not happen' : 'Corrected', c.kind === 'void' ? 'red' : 'amber'), ' ',
      `Corrected: ${what}`, c.reason ? ` — reason: ${c.reason}` : '', c.corrected_by ? ` — by ${c.corrected_by}` : '', c.corrected_at ? ` ${onDay(c.corrected_at)}` : '', '.');
  }));
}

/** "on 25 November 2026", or "today" / "yesterday".
 * @param {string} t */
function onDay(t) {
  const d = day(londonDay(new Date(t)));
  return d === 'today' || d === 'yesterday' || d === 'tomorrow' ? d : 'on ' + d;
}

/** @param {...any} c */
function td(...c) { return h('td', { class: 'govuk-table__cell' }, ...c); }
