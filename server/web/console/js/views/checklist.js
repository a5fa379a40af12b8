// @ts-check
// The Management Checklist (003 Appendix 2): 99 items by section in the
// task-list pattern, with owner, status, due date and notes; progress per
// section. Back office, commissioners and the Director update items; the
// update is an ordinary change sent through the SDK's outbox.
import { h, replace, tag, day, banner, errorSummary, link } from '../dom.js';
import { get, incidentPath } from '../api.js';
import { can } from '../roles.js';

const statusTag = /** @type {Record<string, [string, any]>} */ ({
  not_started: ['Not started', 'grey'], in_progress: ['In progress', 'light'], done: ['Done', 'green'], not_applicable: ['Not applicable', 'grey'],
});
let flash = '';

/** @param {import('../api.js').Ctx} c @param {string[]} params */
export async function render(c, params) {
  if (params[0]) return edit(c, params[0]);
  c.setTitle('Checklist');
  const body = h('div', {});
  const msg = flash;
  flash = '';
  replace(c.main, msg ? banner('Success', msg, true) : null, h('h1', { class: 'govuk-heading-l' }, 'Management checklist'), body);
  const load = async () => {
    const v = await get(c, incidentPath(c, 'checklist'));
    if (c.signal.aborted) return;
    const t = v.total;
    replace(body,
      h('p', { class: 'govuk-body', id: 'checklist-total' }, `${t.done} of ${t.items} actions done, ${t.in_progress} in progress, ${t.not_applicable} not applicable.`),
      h('ol', { class: 'app-task-list' }, v.sections.map((/** @type {any} */ s) => h('li', { class: 'app-task-list__section', 'data-section': s.section },
        h('h2', { class: 'govuk-heading-m', id: 'section-' + s.section }, `${s.section}. ${s.title}`),
        h('p', { class: 'govuk-body-s app-muted' }, `${s.progress.done} of ${s.progress.items} done` + (s.progress.in_progress ? `, ${s.progress.in_progress} in progress` : '')),
        h('ul', { class: 'govuk-task-list', 'aria-labelledby': 'section-' + s.section }, s.items.map((/** @type {any} */ it) => taskItem(c, it)))))));
  };
  await load();
  c.onRefresh(load);
}

/** @param {import('../api.js').Ctx} c @param {any} it */
function taskItem(c, it) {
  const [st, colour] = statusTag[it.status] || ['Not started', 'grey'];
  const id = 'item-' + it.id;
  const meta = [it.responsibility, it.officer_initials ? 'owner ' + it.officer_initials : 'no owner yet', it.due_on ? 'due ' + day(it.due_on) : ''].filter(Boolean).join(', ');
  return h('li', { class: 'govuk-task-list__item govuk-task-list__item--with-link', 'data-item': it.number },
    h('div', { class: 'govuk-task-list__name-and-hint' },
      can(c.role, 'edit_checklist')
        ? h('a', { class: 'govuk-link govuk-task-list__link', href: '#/checklist/' + it.id, 'aria-describedby': id + '-hint ' + id + '-status' }, `${it.number} ${it.text}`)
        : h('span', {}, `${it.number} ${it.text}`),
      h('div', { class: 'govuk-task-list__hint', id: id + '-hint' }, meta, it.notes ? h('span', { class: 'app-block' }, 'Notes: ' + it.notes) : null)),
    h('div', { class: 'govuk-task-list__status', id: id + '-status' }, tag(st, colour), it.overdue ? [' ', tag('Overdue', 'red')] : null));
}

/** @param {import('../api.js').Ctx} c @param {string} id */
async function edit(c, id) {
  c.setTitle('Checklist item');
  if (!can(c.role, 'edit_checklist')) {
    replace(c.main, h('h1', { class: 'govuk-heading-l' }, 'You cannot change checklist items'), h('p', { class: 'govuk-body' }, link('#/checklist', 'Back to the checklist')));
    return;
  }
  const v = await get(c, incidentPath(c, 'checklist'));
  const it = v.sections.flatMap((/** @type {any} */ s) => s.items).find((/** @type {any} */ x) => x.id === id);
  if (c.signal.aborted) return;
  if (!it) {
    replace(c.main, h('h1', { class: 'govuk-heading-l' }, 'Item not found'), h('p', { class: 'govuk-body' }, link('#/checklist', 'Back to the checklist')));
    return;
  }
  /** @param {string} name @param {string} label @param {string} value @param {string} [hint] @param {string} [cls] */
  const input = (name, label, value, hint, cls) => h('div', { class: 'govuk-form-group', id: name + '-group' },
    h('label', { class: 'govuk-label govuk-label--s', for: name }, label), hint ? h('div', { class: 'govuk-hint', id: name + '-hint' }, hint) : null,
    h('input', { class: 'govuk-input ' + (cls || ''), id: name, name, type: 'text', value, 'aria-describedby': hint ? name + '-hint' : undefined }));
  const status = h('div', { class: 'govuk-form-group' }, h('fieldset', { class: 'govuk-fieldset' },
    h('legend', { class: 'govuk-fieldset__legend govuk-fieldset__legend--s' }, 'Status'),
    h('div', { class: 'govuk-radios govuk-radios--small', 'data-module': 'govuk-radios' }, Object.entries(statusTag).map(([k, [t]]) => h('div', { class: 'govuk-radios__item' },
      h('input', { class: 'govuk-radios__input', id: 'status-' + k, name: 'status', type: 'radio', value: k, checked: it.status === k }),
      h('label', { class: 'govuk-label govuk-radios__label', for: 'status-' + k }, t))))));
  const errs = h('div', {});
  const form = h('form', { novalidate: true, id: 'item-form' }, errs,
    input('officer_initials', 'Owner (officer initials)', it.officer_initials || '', undefined, 'govuk-input--width-5'),
    status,
    input('due_on', 'Due date', it.due_on || '', 'For example, 2026-11-27', 'govuk-input--width-10'),
    h('div', { class: 'govuk-form-group', id: 'notes-group' }, h('label', { class: 'govuk-label govuk-label--s', for: 'notes' }, 'Notes'),
      h('textarea', { class: 'govuk-textarea', id: 'notes', name: 'notes', rows: '5' }, it.notes || '')),
    h('div', { class: 'govuk-button-group' }, h('button', { type: 'submit', class: 'govuk-button', 'data-module': 'govuk-button' }, 'Save'), link('#/checklist', 'Cancel')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const fd = new FormData(/** @type {HTMLFormElement} */ (form));
    /** @type {Record<string, any>} */
    const fields = {
      officer_initials: String(fd.get('officer_initials') || '').trim(),
      status: String(fd.get('status') || it.status),
      notes: String(fd.get('notes') || ''),
    };
    const due = String(fd.get('due_on') || '').trim();
    if (due) fields.due_on = due;
    if (fields.status === 'done' && !it.completed_on) fields.completed_on = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());
    const problems = c.client.validate('checklist_items', { ...fields }, { create: false }) || [];
    if (problems.length) {
      replace(errs, errorSummary(problems.map((/** @type {any} */ p) => ({ field: p.field, message: p.message }))));
      return;
    }
    try {
      await c.client.put('checklist_items', it.id, fields);
      await c.client.sync();
    } catch (err) {
      replace(errs, errorSummary([{ message: String(/** @type {any} */ (err)?.message || err) }]));
      return;
    }
    const rejected = (await c.client.rejected()).filter((/** @type {any} */ r) => r.change?.record_id === it.id);
    if (rejected.length) {
      replace(errs, errorSummary(rejected.map((/** @type {any} */ r) => ({ field: r.field?.replace(/^fields\./, ''), message: 'The server refused the change: ' + r.message }))));
      return;
    }
    flash = `Item ${it.number} saved.`;
    c.navigate('#/checklist');
  }, { signal: c.signal });
  replace(c.main, h('a', { class: 'govuk-back-link', href: '#/checklist' }, 'Back to the checklist'),
    h('h1', { class: 'govuk-heading-l' }, h('span', { class: 'govuk-caption-l' }, `Section ${it.number.split('.')[0]}, item ${it.number}`), it.text),
    h('p', { class: 'govuk-body' }, 'Responsibility: ' + it.responsibility), form);
}
