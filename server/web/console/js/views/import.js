// @ts-check
// Import (admin role): upload CQC's care directory CSV and see what was
// imported and which rows could not be read, by line.
import { h, replace, summaryList, errorSummary, when } from '../dom.js';
import { errorText } from '../api.js';

/** @param {import('../api.js').Ctx} c */
export async function render(c) {
  c.setTitle('Import');
  const input = /** @type {HTMLInputElement} */ (h('input', { class: 'govuk-file-upload', id: 'cqc-file', name: 'cqc-file', type: 'file', accept: '.csv,text/csv', 'aria-describedby': 'cqc-file-hint' }));
  const group = h('div', { class: 'govuk-form-group', id: 'cqc-file-group' },
    h('label', { class: 'govuk-label govuk-label--m', for: 'cqc-file' }, 'CQC care directory file'),
    h('div', { class: 'govuk-hint', id: 'cqc-file-hint' }, 'The CSV file CQC publishes each week ("CQC care directory" or "care directory with filters"), as downloaded.'),
    input);
  const errs = h('div', {});
  const result = h('div', { id: 'import-result', 'aria-live': 'polite' });
  const form = h('form', { novalidate: true, id: 'import-form' }, errs, group, h('button', { type: 'submit', class: 'govuk-button', 'data-module': 'govuk-button' }, 'Upload and import'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    replace(errs);
    group.classList.remove('govuk-form-group--error');
    const file = input.files?.[0];
    if (!file) return fail('Select the CQC care directory CSV file');
    replace(result, h('p', { class: 'govuk-body' }, 'Importing…'));
    try {
      const text = await file.text();
      const rep = await c.client.fetchJSON('/v1/admin/import/cqc', { method: 'POST', body: text, headers: { 'Content-Type': 'text/csv' } });
      replace(result, report(file.name, rep));
    } catch (err) {
      replace(result);
      fail(errorText(err));
    }
  }, { signal: c.signal });
  /** @param {string} msg */
  function fail(msg) {
    replace(errs, errorSummary([{ field: 'cqc-file', message: msg }]));
    group.classList.add('govuk-form-group--error');
  }
  replace(c.main, h('h1', { class: 'govuk-heading-l' }, 'Import the CQC care directory'),
    h('p', { class: 'govuk-body' }, 'Providers and services are added or updated from the file. Rows that cannot be read are listed by line; nothing else in the file is lost because of them.'),
    form, result);
}

/** @param {string} name @param {any} rep */
function report(name, rep) {
  const p = rep.parse || {};
  const errors = p.errors || [];
  const rejections = rep.rejections || [];
  return h('div', {},
    h('h2', { class: 'govuk-heading-m' }, 'Imported ' + name),
    summaryList([
      ['Produced on', p.produced_on ? when(p.produced_on) : 'Not stated in the file'],
      ['Rows read', String(p.read ?? 0)],
      ['Rows imported', String(p.imported ?? 0)],
      ['Rows skipped', String(p.skipped ?? 0)],
      ['Records changed', String(rep.applied ?? 0)],
      ['Records already up to date', String(rep.unchanged ?? 0)],
      ['Records refused', String(rep.rejected ?? 0)],
      ['Rows that could not be read', String(errors.length + (p.errors_omitted || 0))],
    ]),
    errors.length ? h('table', { class: 'govuk-table', id: 'bad-rows' },
      h('caption', { class: 'govuk-table__caption govuk-table__caption--m' }, 'Rows that could not be read'),
      h('thead', { class: 'govuk-table__head' }, h('tr', { class: 'govuk-table__row' }, ['Line', 'Column', 'Problem'].map((t) => h('th', { scope: 'col', class: 'govuk-table__header' }, t)))),
      h('tbody', { class: 'govuk-table__body' }, errors.map((/** @type {any} */ e) => h('tr', { class: 'govuk-table__row', 'data-line': e.line },
        h('th', { scope: 'row', class: 'govuk-table__header' }, 'Line ' + e.line), h('td', { class: 'govuk-table__cell' }, e.column || ''), h('td', { class: 'govuk-table__cell' }, e.message))))) : h('p', { class: 'govuk-body' }, 'Every row was read.'),
    p.errors_omitted ? h('p', { class: 'govuk-body' }, `${p.errors_omitted} more bad rows are not listed.`) : null,
    rejections.length ? h('table', { class: 'govuk-table' },
      h('caption', { class: 'govuk-table__caption govuk-table__caption--m' }, 'Records the server refused'),
      h('thead', { class: 'govuk-table__head' }, h('tr', { class: 'govuk-table__row' }, ['Line', 'Problem'].map((t) => h('th', { scope: 'col', class: 'govuk-table__header' }, t)))),
      h('tbody', { class: 'govuk-table__body' }, rejections.map((/** @type {any} */ r) => h('tr', { class: 'govuk-table__row' },
        h('th', { scope: 'row', class: 'govuk-table__header' }, 'Line ' + r.line), h('td', { class: 'govuk-table__cell' }, r.error?.message || ''))))) : null);
}
