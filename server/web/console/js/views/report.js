// @ts-check
// Situation report for the Director, printable: the summary figures, moves
// and checks per day as charts (uPlot, with the figures as a table too),
// open risks, decisions, deaths and admissions, moves done and
// communications of the period (the Director's daily report, 003).
import uPlot from '/console/vendor/uplot/uPlot.esm.js';
import { html, put } from '/shared/html.js';
import { tag, summaryList, table, byId } from '../govuk.js';
import { when, day, words } from '../format.js';
import { get, incidentPath } from '../api.js';

/** @type {any[]} */
let charts = [];

function destroyCharts() {
  for (const ch of charts) ch.destroy();
  charts = [];
}

const riskColour = /** @type {Record<string, any>} */ ({ very_high: 'red', high: 'red', medium: 'amber', low: 'grey' });

/** @param {import('../api.js').Ctx} c */
export async function render(c) {
  c.setTitle('Situation report');
  c.signal.addEventListener('abort', destroyCharts);
  put(c.main, html`<div id="report-body"></div>`);
  const body = byId('report-body');
  body.addEventListener('click', (ev) => {
    if (/** @type {HTMLElement} */ (ev.target).closest('#print-report')) window.print();
  }, { signal: c.signal });
  const load = async () => {
    const sr = await get(c, incidentPath(c, 'situation-report'));
    if (c.signal.aborted) return;
    destroyCharts();
    const s = sr.summary;
    const none = (/** @type {string} */ t) => html`<p class="govuk-body">${t}</p>`;
    put(body,
      html`<h1 class="govuk-heading-l"><span class="govuk-caption-l">${sr.incident_title || 'Incident'}</span>Situation report</h1>
<p class="govuk-body">As of ${when(sr.generated_at)} (${day(sr.today)}).</p>
<button type="button" class="govuk-button govuk-button--secondary app-no-print" id="print-report">Print or save as PDF</button>
<h2 class="govuk-heading-m">Summary</h2>`,
      html`<div class="app-two-cols">${summaryList([
          ['Residents', String(s.residents.total)],
          ['Still to move', `${s.moves.residents_still_to_move} (${s.moves.residents_without_plan} with no move planned)`],
          ['Moved', String(s.moves.residents_moved)],
          ['Moves in transit', String(s.moves.in_transit)],
          ['Due a safe-and-well check', String(s.safe_and_well.due)],
        ])}${summaryList([
          ['Checks made', `${s.safe_and_well.checks} (${s.safe_and_well.concerns} with concerns, ${s.safe_and_well.not_seen} not seen)`],
          ['Safeguarding concerns raised', String(s.safe_and_well.safeguarding_raised)],
          ['Capacity assessments', `${s.capacity.assessments} (${s.capacity.lacks_capacity} lacking capacity, ${s.capacity.awaiting_best_interests} awaiting a best-interests decision)`],
          ['Open conflicts', String(s.conflicts.open)],
          ['Checklist', `${s.checklist_total.done} of ${s.checklist_total.items} done`],
        ])}</div>`,
      html`<h2 class="govuk-heading-m">Moves per day</h2>
<div class="app-chart" id="chart-moves" role="img" aria-label="Bar chart of moves planned and arrived per day; the figures are in the table below it"></div>`,
      table('Moves per day', ['Day', 'Planned to leave', 'Arrived'], sr.days.map((/** @type {any} */ d) => [day(d.day), String(d.moves_planned), String(d.moves_arrived)]), { numeric: [1, 2], captionClass: 'govuk-table__caption--s app-chart-table' }),
      html`<h2 class="govuk-heading-m">Safe-and-well checks per day</h2>
<div class="app-chart" id="chart-checks" role="img" aria-label="Bar chart of safe-and-well checks per day; the figures are in the table below it"></div>`,
      table('Checks per day', ['Day', 'Checks', 'Not seen'], sr.days.map((/** @type {any} */ d) => [day(d.day), String(d.checks), String(d.not_seen)]), { numeric: [1, 2], captionClass: 'govuk-table__caption--s app-chart-table' }),
      html`<h2 class="govuk-heading-m">Open risks (${sr.risks.length})</h2>`,
      sr.risks.length ? table('Open risks, highest first', ['Risk', 'Level', 'Mitigation', 'Owner', 'Review by'],
        sr.risks.map((/** @type {any} */ r) => [r.risk + (r.resident_name ? ` (${r.resident_name})` : ''), tag(words(r.level), riskColour[r.level]), r.mitigation || 'None recorded', r.owner || 'No owner', r.review_by ? day(r.review_by) : '']),
      { captionClass: 'govuk-visually-hidden' }) : none('No open risks.'),
      html`<h2 class="govuk-heading-m">Decisions since ${when(sr.since)} (${sr.decisions.length})</h2>`,
      sr.decisions.length ? table('Decisions in the period of this report', ['When', 'Decision', 'Why', 'Decided by'],
        sr.decisions.map((/** @type {any} */ d) => [when(d.decided_at), d.decision + (d.resident_name ? ` (${d.resident_name})` : ''), d.rationale || '', d.decided_by + (d.role ? `, ${d.role}` : '')]),
      { captionClass: 'govuk-visually-hidden' }) : none('No decisions were logged in this period.'),
      html`<h2 class="govuk-heading-m">${'Since ' + when(sr.since)}</h2>`,
      summaryList([
        ['Provider', (sr.provider || 'Not recorded') + (sr.rag ? ' (RAG: ' + words(sr.rag) + ')' : '')],
        ['Process', sr.process ? 'Process ' + sr.process : 'Not recorded'],
        ['Overdue post-move reviews', String((sr.overdue_reviews || []).length)],
      ]),
      html`<h3 class="govuk-heading-s">Deaths (${sr.deaths.length}) and hospital admissions (${sr.admissions.length})</h3>`,
      (sr.deaths.length + sr.admissions.length) ? table('Deaths and hospital admissions in the period', ['When', 'Who', 'What', 'Where'],
        [...sr.deaths, ...sr.admissions].map((/** @type {any} */ e) => [when(e.occurred_at), e.resident_name || '', words(e.event), e.place || '']),
      { captionClass: 'govuk-visually-hidden' }) : none('None in this period.'),
      html`<h3 class="govuk-heading-s">Moves completed (${sr.moves_done.length})</h3>`,
      sr.moves_done.length ? table('Moves completed in the period', ['When', 'Who', 'To', 'Hand-over'],
        sr.moves_done.map((/** @type {any} */ m) => [when(m.when), m.resident_name || '', m.to_service || '', m.handover === 'override' ? tag('Override recorded', 'amber') : tag('Complete', 'green')]),
      { captionClass: 'govuk-visually-hidden' }) : none('None in this period.'),
      html`<h3 class="govuk-heading-s">Moves on hold (${(sr.moves_on_hold || []).length})</h3>`,
      (sr.moves_on_hold || []).length ? table('Moves on hold', ['Who', 'To', 'Why'],
        sr.moves_on_hold.map((/** @type {any} */ m) => [m.resident_name || '', m.to_service || '', m.hold_reason || '']),
      { captionClass: 'govuk-visually-hidden' }) : none('None on hold.'),
      html`<h3 class="govuk-heading-s">DoLS: new requests needed at the new home (${(sr.dols_to_request || []).length})</h3>`,
      (sr.dols_to_request || []).length ? table('People who moved under a DoLS authorisation', ['Who', 'Now at', 'DoLS team task due'],
        sr.dols_to_request.map((/** @type {any} */ d) => [d.resident_name || '', d.home || '', d.due_on ? day(d.due_on) + (d.task_status ? ` (${words(d.task_status)})` : '') : 'No task']),
      { captionClass: 'govuk-visually-hidden' }) : none('None.'),
      html`<h3 class="govuk-heading-s">Work after moves outstanding (${(sr.post_move_outstanding || []).length})</h3>`,
      (sr.post_move_outstanding || []).length ? table('Work after moves outstanding', ['Who', 'What', 'Due'],
        sr.post_move_outstanding.map((/** @type {any} */ p) => [p.resident_name || '', `${p.title} (${p.ref})`, p.overdue ? [tag('Overdue', 'red'), ' ' + day(p.due_on)] : day(p.due_on)]),
      { captionClass: 'govuk-visually-hidden' }) : none('None outstanding.'),
      html`<h3 class="govuk-heading-s">Communications (${sr.communications.length})</h3>`,
      sr.communications.length ? table('Communications in the period', ['When', 'With', 'Summary'],
        sr.communications.map((/** @type {any} */ m) => [when(m.occurred_at), words(m.party) + (m.with_whom ? ' (' + m.with_whom + ')' : ''), m.summary || '']),
      { captionClass: 'govuk-visually-hidden' }) : none('None in this period.'));
    const xs = sr.days.map((/** @type {any} */ d) => Date.parse(d.day + 'T12:00:00Z') / 1000);
    charts.push(barChart(byId('chart-moves'), xs, [['Planned to leave', '#1d70b8', sr.days.map((/** @type {any} */ d) => d.moves_planned)], ['Arrived', '#00703c', sr.days.map((/** @type {any} */ d) => d.moves_arrived)]]));
    charts.push(barChart(byId('chart-checks'), xs, [['Checks', '#1d70b8', sr.days.map((/** @type {any} */ d) => d.checks)], ['Not seen', '#d4351c', sr.days.map((/** @type {any} */ d) => d.not_seen)]]));
  };
  await load();
  c.onRefresh(load);
}

/**
 * A grouped bar chart of whole numbers per day.
 * @param {HTMLElement} el @param {number[]} xs @param {Array<[string, string, number[]]>} series
 */
function barChart(el, xs, series) {
  const width = Math.max(320, Math.min(900, (el.parentElement?.clientWidth || 900)));
  const n = series.length;
  const opts = {
    width, height: 240,
    scales: { x: { time: true }, y: { range: (/** @type {any} */ _u, /** @type {number} */ _min, /** @type {number} */ max) => [0, Math.max(4, Math.ceil(max * 1.15))] } },
    axes: [
      { values: (/** @type {any} */ _u, /** @type {number[]} */ ticks) => ticks.map((t) => new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(t * 1000))) },
      { values: (/** @type {any} */ _u, /** @type {number[]} */ ticks) => ticks.map((t) => Number.isInteger(t) ? String(t) : '') },
    ],
    series: [{ label: 'Day', value: (/** @type {any} */ _u, /** @type {number} */ v) => v == null ? '' : new Date(v * 1000).toISOString().slice(0, 10) },
      ...series.map(([label, colour], i) => ({
        label, stroke: colour, fill: colour, width: 0,
        paths: uPlot.paths.bars({ size: [0.7 / n, 40], align: n === 1 ? 0 : (i === 0 ? -1 : 1) }),
        points: { show: false },
      }))],
    legend: { live: false },
    cursor: { show: false },
  };
  return new uPlot(opts, [xs, ...series.map((s) => s[2])], el);
}
