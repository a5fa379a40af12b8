// @ts-check
// Logs: the movement log and the decision log, each with a CSV download,
// and any record's audit history (who changed what, from which device,
// when).
import { h, replace, when, words, errorSummary, link } from '../dom.js';
import { get, incidentPath, download, errorText } from '../api.js';

const collections = ['residents', 'safe_and_well_checks', 'capacity_assessments', 'best_interests_decisions', 'moves', 'move_legs', 'move_corrections', 'checklist_items',
  'conflicts', 'incidents', 'providers', 'services', 'rag_statuses', 'concerns', 'vacancies', 'decision_log', 'movement_log', 'risk_log', 'communications_log', 'meeting_records'];
const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** @param {import('../api.js').Ctx} c @param {string[]} params */
export async function render(c, params) {
  if (params[0] === 'history') return history(c, params[1] || '', params[2] || '');
  c.setTitle('Logs');
  const body = h('div', {});
  replace(c.main, h('h1', { class: 'govuk-heading-l' }, 'Logs'),
    h('p', { class: 'govuk-body' }, 'The movement and decision logs are append-only: every entry stays, with who made it. ', link('#/history', 'Look up any record\'s audit history'), '.'),
    body);
  const load = async () => {
    const [ml, dl] = await Promise.all([get(c, incidentPath(c, 'movement-log')), get(c, incidentPath(c, 'decision-log'))]);
    if (c.signal.aborted) return;
    replace(body,
      logSection(c, 'movement-log', 'Movement log', ['When', 'Resident', 'What happened', 'From', 'To', 'Logged by'],
        ml.entries.map((/** @type {any} */ e) => [when(e.occurred_at), e.resident_name || 'Unknown resident', words(e.event), e.from_service_name || '', e.to_service_name || '', e.recorded_by || '']), ml.entries),
      logSection(c, 'decision-log', 'Decision log', ['When', 'Decision', 'Why', 'Decided by', 'About'],
        dl.entries.map((/** @type {any} */ e) => [when(e.decided_at), e.decision, e.rationale || '', e.decided_by + (e.role ? ', ' + e.role : ''), e.resident_name || '']), dl.entries));
  };
  await load();
  c.onRefresh(load);
}

/**
 * @param {import('../api.js').Ctx} c @param {string} id @param {string} title
 * @param {string[]} head @param {any[][]} rows @param {any[]} entries
 */
function logSection(c, id, title, head, rows, entries) {
  const btn = h('button', { type: 'button', class: 'govuk-button govuk-button--secondary', id: 'download-' + id, 'data-module': 'govuk-button' }, `Download the ${title.toLowerCase()} (CSV)`);
  const note = h('p', { class: 'govuk-body-s', 'aria-live': 'polite' });
  btn.addEventListener('click', async () => {
    try {
      const text = await c.client.fetchText(incidentPath(c, id) + '?format=csv');
      download(`${id}-${c.incident}.csv`, text, 'text/csv');
      replace(note, 'Downloaded.');
    } catch (err) {
      replace(note, 'The download failed: ' + errorText(err));
    }
  }); // no signal: the button is replaced at each refresh, and its listener with it
  return h('section', { class: 'app-section', 'aria-labelledby': id + '-h' },
    h('h2', { class: 'govuk-heading-m', id: id + '-h' }, `${title} (${entries.length})`),
    btn, note,
    rows.length ? h('table', { class: 'govuk-table', id: id + '-table' },
      h('caption', { class: 'govuk-table__caption govuk-visually-hidden' }, title + ', oldest first'),
      h('thead', { class: 'govuk-table__head' }, h('tr', { class: 'govuk-table__row' }, [...head, 'Audit'].map((t) => h('th', { scope: 'col', class: 'govuk-table__header' }, t)))),
      h('tbody', { class: 'govuk-table__body' }, rows.map((r, i) => h('tr', { class: 'govuk-table__row' },
        r.map((v) => h('td', { class: 'govuk-table__cell' }, v)),
        h('td', { class: 'govuk-table__cell' }, link(`#/history/${id.replace('-', '_')}/${entries[i].id}`, 'History', `of entry ${i + 1}`)))))) : h('p', { class: 'govuk-body' }, 'No entries yet.'));
}

/** @param {import('../api.js').Ctx} c @param {string} collection @param {string} id */
async function history(c, collection, id) {
  c.setTitle('Audit history');
  const sel = h('select', { class: 'govuk-select', id: 'collection', name: 'collection' }, collections.map((x) => h('option', { value: x, selected: x === collection }, words(x))));
  const input = /** @type {HTMLInputElement} */ (h('input', { class: 'govuk-input govuk-input--width-30', id: 'record-id', name: 'record-id', type: 'text', value: id, spellcheck: 'false', 'aria-describedby': 'record-id-hint' }));
  const errs = h('div', {});
  const form = h('form', { novalidate: true, id: 'history-form' }, errs,
    h('div', { class: 'govuk-form-group' }, h('label', { class: 'govuk-label', for: 'collection' }, 'Kind of record'), sel),
    h('div', { class: 'govuk-form-group' }, h('label', { class: 'govuk-label', for: 'record-id' }, 'Record id'),
      h('div', { class: 'govuk-hint', id: 'record-id-hint' }, 'The record\'s id, for example from a conflict or a log entry'), input),
    h('button', { type: 'submit', class: 'govuk-button', 'data-module': 'govuk-button' }, 'Show history'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = input.value.trim();
    if (!uuidRe.test(v)) {
      replace(errs, errorSummary([{ field: 'record-id', message: 'Enter the record id: 36 characters such as 3f2b9c1e-0d4a-4f4e-9a53-1c2d3e4f5a6b' }]));
      return;
    }
    c.navigate(`#/history/${/** @type {HTMLSelectElement} */ (sel).value}/${v}`);
  }, { signal: c.signal });
  const out = h('div', { id: 'history-result' });
  replace(c.main, h('a', { class: 'govuk-back-link', href: '#/logs' }, 'Back to the logs'), h('h1', { class: 'govuk-heading-l' }, 'Audit history'), form, out);
  if (!collection || !uuidRe.test(id)) return;
  try {
    const res = await get(c, `/v1/records/${encodeURIComponent(collection)}/${encodeURIComponent(id)}/history`);
    if (c.signal.aborted) return;
    replace(out, h('h2', { class: 'govuk-heading-m' }, `${res.history.length} change${res.history.length === 1 ? '' : 's'}, oldest first`),
      h('table', { class: 'govuk-table' },
        h('caption', { class: 'govuk-table__caption govuk-visually-hidden' }, 'Every applied change to the record'),
        h('thead', { class: 'govuk-table__head' }, h('tr', { class: 'govuk-table__row' }, ['Received', 'Who', 'Device', 'Recorded on device', 'Change'].map((t) => h('th', { scope: 'col', class: 'govuk-table__header' }, t)))),
        h('tbody', { class: 'govuk-table__body' }, res.history.map((/** @type {any} */ e) => h('tr', { class: 'govuk-table__row' },
          h('td', { class: 'govuk-table__cell' }, when(e.received_at)),
          h('td', { class: 'govuk-table__cell' }, `${e.subject} (${words(e.role).toLowerCase()})`),
          h('td', { class: 'govuk-table__cell' }, e.change.device_id || ''),
          h('td', { class: 'govuk-table__cell' }, e.change.recorded_at ? when(e.change.recorded_at) : ''),
          h('td', { class: 'govuk-table__cell' }, e.change.op === 'delete' ? 'Deleted' : h('ul', { class: 'govuk-list govuk-body-s' },
            Object.entries(e.change.fields || {}).map(([k, v]) => h('li', {}, h('strong', {}, words(k) + ': '), typeof v === 'string' ? v : JSON.stringify(v))))))))));
  } catch (err) {
    replace(out, errorSummary([{ message: errorText(err) }]));
  }
}
