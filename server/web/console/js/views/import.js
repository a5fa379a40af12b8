// @ts-check
// Import (admin role): upload CQC's care directory CSV and see what was
// imported and which rows could not be read, by line.
import { html, put } from '/shared/html.js';
import { summaryList, showErrors, headRow, td, byId } from '../govuk.js';
import { when } from '../format.js';
import { errorText } from '../api.js';

/** @param {import('../api.js').Ctx} c */
export async function render(c) {
  c.setTitle('Import');
  put(c.main, html`<h1 class="govuk-heading-l">Import the CQC care directory</h1>
<p class="govuk-body">Providers and services are added or updated from the file. Rows that cannot be read are listed by line; nothing else in the file is lost because of them.</p>
<form novalidate id="import-form"><div id="import-errors"></div>
<div class="govuk-form-group" id="cqc-file-group"><label class="govuk-label govuk-label--m" for="cqc-file">CQC care directory file</label>
<div class="govuk-hint" id="cqc-file-hint">The CSV file CQC publishes each week ("CQC care directory" or "care directory with filters"), as downloaded.</div>
<input class="govuk-file-upload" id="cqc-file" name="cqc-file" type="file" accept=".csv,text/csv" aria-describedby="cqc-file-hint"></div>
<button type="submit" class="govuk-button" data-module="govuk-button">Upload and import</button></form>
<div id="import-result" aria-live="polite"></div>`);
  const input = /** @type {HTMLInputElement} */ (byId('cqc-file'));
  const group = byId('cqc-file-group'), errs = byId('import-errors'), result = byId('import-result');
  byId('import-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    put(errs);
    group.classList.remove('govuk-form-group--error');
    const file = input.files?.[0];
    if (!file) return fail('Select the CQC care directory CSV file');
    put(result, html`<p class="govuk-body">Importing…</p>`);
    try {
      const text = await file.text();
      const rep = await c.client.fetchJSON('/v1/admin/import/cqc', { method: 'POST', body: text, headers: { 'Content-Type': 'text/csv' } });
      put(result, report(file.name, rep));
    } catch (err) {
      put(result);
      fail(errorText(err));
    }
  }, { signal: c.signal });
  /** @param {string} msg */
  function fail(msg) {
    showErrors(errs, [{ field: 'cqc-file', message: msg }]);
    group.classList.add('govuk-form-group--error');
  }
}

/** @param {string} name @param {any} rep */
function report(name, rep) {
  const p = rep.parse || {};
  const errors = p.errors || [];
  const rejections = rep.rejections || [];
  return html`<div><h2 class="govuk-heading-m">Imported ${name}</h2>
${summaryList([
    ['Produced on', p.produced_on ? when(p.produced_on) : 'Not stated in the file'],
    ['Rows read', String(p.read ?? 0)],
    ['Rows imported', String(p.imported ?? 0)],
    ['Rows skipped', String(p.skipped ?? 0)],
    ['Records changed', String(rep.applied ?? 0)],
    ['Records already up to date', String(rep.unchanged ?? 0)],
    ['Records refused', String(rep.rejected ?? 0)],
    ['Rows that could not be read', String(errors.length + (p.errors_omitted || 0))],
  ])}
${errors.length ? html`<table class="govuk-table" id="bad-rows"><caption class="govuk-table__caption govuk-table__caption--m">Rows that could not be read</caption>
${headRow(['Line', 'Column', 'Problem'])}
<tbody class="govuk-table__body">${errors.map((/** @type {any} */ e) => html`<tr class="govuk-table__row" data-line="${e.line}"><th scope="row" class="govuk-table__header">Line ${e.line}</th>${td(e.column || '')}${td(e.message)}</tr>`)}</tbody></table>`
    : html`<p class="govuk-body">Every row was read.</p>`}
${p.errors_omitted ? html`<p class="govuk-body">${p.errors_omitted} more bad rows are not listed.</p>` : ''}
${rejections.length ? html`<table class="govuk-table"><caption class="govuk-table__caption govuk-table__caption--m">Records the server refused</caption>
${headRow(['Line', 'Problem'])}
<tbody class="govuk-table__body">${rejections.map((/** @type {any} */ r) => html`<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">Line ${r.line}</th>${td(r.error?.message || '')}</tr>`)}</tbody></table>` : ''}</div>`;
}
