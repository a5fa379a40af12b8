// @ts-check
// Logs: the movement log and the decision log, each with a CSV download,
// and any record's audit history (who changed what, from which device,
// when).
import { html, put } from '/shared/html.js';
import { link, backLink, headRow, td, showErrors, errorSummary, byId } from '../govuk.js';
import { when, words } from '../format.js';
import { get, incidentPath, download, errorText } from '../api.js';

const collections = ['residents', 'safe_and_well_checks', 'capacity_assessments', 'best_interests_decisions', 'moves', 'move_legs', 'move_corrections', 'checklist_items',
  'conflicts', 'incidents', 'providers', 'services', 'rag_statuses', 'concerns', 'vacancies', 'decision_log', 'movement_log', 'risk_log', 'communications_log', 'meeting_records'];
const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** @param {import('../api.js').Ctx} c @param {string[]} params */
export async function render(c, params) {
  if (params[0] === 'history') return history(c, params[1] || '', params[2] || '');
  c.setTitle('Logs');
  put(c.main, html`<h1 class="govuk-heading-l">Logs</h1>
<p class="govuk-body">The movement and decision logs are append-only: every entry stays, with who made it. ${link('#/history', 'Look up any record\'s audit history')}.</p>
<div id="logs-body"></div>`);
  const body = byId('logs-body');
  // One listener for both downloads: the buttons are redrawn at each refresh.
  body.addEventListener('click', async (ev) => {
    const btn = /** @type {HTMLElement|null} */ (/** @type {HTMLElement} */ (ev.target).closest('[data-download]'));
    if (!btn) return;
    const id = btn.dataset.download || '';
    const note = byId(id + '-note');
    try {
      const text = await c.client.fetchText(incidentPath(c, id) + '?format=csv');
      download(`${id}-${c.incident}.csv`, text, 'text/csv');
      put(note, 'Downloaded.');
    } catch (err) {
      put(note, 'The download failed: ' + errorText(err));
    }
  }, { signal: c.signal });
  const load = async () => {
    const [ml, dl] = await Promise.all([get(c, incidentPath(c, 'movement-log')), get(c, incidentPath(c, 'decision-log'))]);
    if (c.signal.aborted) return;
    put(body,
      logSection('movement-log', 'Movement log', ['When', 'Resident', 'What happened', 'From', 'To', 'Logged by'],
        ml.entries.map((/** @type {any} */ e) => [when(e.occurred_at), e.resident_name || 'Unknown resident', words(e.event), e.from_service_name || '', e.to_service_name || '', e.recorded_by || '']), ml.entries),
      logSection('decision-log', 'Decision log', ['When', 'Decision', 'Why', 'Decided by', 'About'],
        dl.entries.map((/** @type {any} */ e) => [when(e.decided_at), e.decision, e.rationale || '', e.decided_by + (e.role ? ', ' + e.role : ''), e.resident_name || '']), dl.entries));
  };
  await load();
  c.onRefresh(load);
}

/**
 * @param {string} id @param {string} title
 * @param {string[]} head @param {any[][]} rows @param {any[]} entries
 */
function logSection(id, title, head, rows, entries) {
  return html`<section class="app-section" aria-labelledby="${id}-h">
<h2 class="govuk-heading-m" id="${id}-h">${title} (${entries.length})</h2>
<button type="button" class="govuk-button govuk-button--secondary" id="download-${id}" data-download="${id}" data-module="govuk-button">Download the ${title.toLowerCase()} (CSV)</button>
<p class="govuk-body-s" id="${id}-note" aria-live="polite"></p>
${rows.length ? html`<table class="govuk-table" id="${id}-table">
<caption class="govuk-table__caption govuk-visually-hidden">${title}, oldest first</caption>
${headRow([...head, 'Audit'])}
<tbody class="govuk-table__body">${rows.map((r, i) => html`<tr class="govuk-table__row">${r.map((v) => td(v))}${td(link(`#/history/${id.replace('-', '_')}/${entries[i].id}`, 'History', `of entry ${i + 1}`))}</tr>`)}</tbody>
</table>` : html`<p class="govuk-body">No entries yet.</p>`}</section>`;
}

/** @param {import('../api.js').Ctx} c @param {string} collection @param {string} id */
async function history(c, collection, id) {
  c.setTitle('Audit history');
  put(c.main, backLink('#/logs', 'Back to the logs'), html`<h1 class="govuk-heading-l">Audit history</h1>
<form novalidate id="history-form"><div id="history-errors"></div>
<div class="govuk-form-group"><label class="govuk-label" for="collection">Kind of record</label>
<select class="govuk-select" id="collection" name="collection">${collections.map((x) => html`<option value="${x}"${x === collection ? html` selected` : ''}>${words(x)}</option>`)}</select></div>
<div class="govuk-form-group"><label class="govuk-label" for="record-id">Record id</label>
<div class="govuk-hint" id="record-id-hint">The record's id, for example from a conflict or a log entry</div>
<input class="govuk-input govuk-input--width-30" id="record-id" name="record-id" type="text" value="${id}" spellcheck="false" aria-describedby="record-id-hint"></div>
<button type="submit" class="govuk-button" data-module="govuk-button">Show history</button></form>
<div id="history-result"></div>`);
  const sel = /** @type {HTMLSelectElement} */ (byId('collection'));
  const input = /** @type {HTMLInputElement} */ (byId('record-id'));
  const out = byId('history-result');
  byId('history-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = input.value.trim();
    if (!uuidRe.test(v)) {
      showErrors(byId('history-errors'), [{ field: 'record-id', message: 'Enter the record id: 36 characters such as 3f2b9c1e-0d4a-4f4e-9a53-1c2d3e4f5a6b' }]);
      return;
    }
    c.navigate(`#/history/${sel.value}/${v}`);
  }, { signal: c.signal });
  if (!collection || !uuidRe.test(id)) return;
  try {
    const res = await get(c, `/v1/records/${encodeURIComponent(collection)}/${encodeURIComponent(id)}/history`);
    if (c.signal.aborted) return;
    put(out, html`<h2 class="govuk-heading-m">${res.history.length} change${res.history.length === 1 ? '' : 's'}, oldest first</h2>
<table class="govuk-table"><caption class="govuk-table__caption govuk-visually-hidden">Every applied change to the record</caption>
${headRow(['Received', 'Who', 'Device', 'Recorded on device', 'Change'])}
<tbody class="govuk-table__body">${res.history.map((/** @type {any} */ e) => html`<tr class="govuk-table__row">
${td(when(e.received_at))}${td(`${e.subject} (${words(e.role).toLowerCase()})`)}${td(e.change.device_id || '')}${td(e.change.recorded_at ? when(e.change.recorded_at) : '')}
${td(e.change.op === 'delete' ? 'Deleted' : html`<ul class="govuk-list govuk-body-s">${Object.entries(e.change.fields || {}).map(([k, v]) => html`<li><strong>${words(k) + ': '}</strong>${typeof v === 'string' ? v : JSON.stringify(v)}</li>`)}</ul>`)}</tr>`)}</tbody></table>`);
  } catch (err) {
    put(out, errorSummary([{ message: errorText(err) }]));
  }
}
