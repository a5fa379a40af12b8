// @ts-check
// Recording a safe-and-well check, a capacity assessment or a best-interests
// decision: short grouped pages, then "check your answers", then save. What
// the person types is saved as a draft on every keystroke; the schema's
// validation and the Mental Capacity Act rules are shown next to the fields
// they concern, with an error summary linking to each.
import { html } from '/shared/html.js';
import * as F from '../forms.js';
import * as drafts from '../drafts.js';
import { backLink, newId, errorOf, isUUID, notFound, redirectIfNotReady } from './common.js';

/** @typedef {import('./common.js').Ctx} Ctx */
/** @typedef {import('./common.js').View} View */
/** @typedef {import('../forms.js').Spec} Spec */
/** @typedef {import('../forms.js').Draft} Draft */
/** @typedef {{field: string, message: string}} Problem */

/**
 * @typedef {{id: string, title: string, specs: Spec[], intro?: import('/shared/html.js').Safe}} Step
 * @typedef {{
 *   kind: string, collection: string, noun: string, steps: Step[],
 *   subject: (ctx: Ctx, id: string) => Promise<{caption: string, back: string, fixed: Record<string, unknown>, defaults: Draft, residentId?: string}|undefined>,
 *   rules: (fields: Record<string, any>) => Problem[],
 *   finish?: {name: string, label: string, hint: string, fields: (ctx: Ctx) => Record<string, unknown>},
 *   after: (fields: Record<string, any>, recordId: string, subjectId: string) => {hash: string, flash: string},
 * }} Flow
 * @typedef {{key: string, incident: string, kind: string, values: Draft, recordId?: string,
 *   rejected?: {changeId: string, field: string, message: string}, replaces?: string, step?: string, updatedAt: string,
 *   residentId?: string, subjectId?: string, touched?: boolean}} StoredDraft
 * A draft's step is the page the person was last on, so it reopens there;
 * touched is set once they type or answer something, and only touched
 * drafts are listed.
 */

/** Errors found when saving, shown again on the step pages. @type {Map<string, Problem[]>} */
const saveProblems = new Map();

/** @param {Flow} flow @param {string} incident @param {string} subjectId */
export const draftKey = (flow, incident, subjectId) => `${flow.kind}:${incident}:${subjectId}`;

/** Field names of a step. @param {Step} step */
const namesOf = (step) => F.flatten(step.specs).map((s) => s.name);

/** The top-level field a validation problem is about. @param {string} f */
const topField = (f) => String(f || '').replace(/^fields\./, '').split(/[.[]/)[0];

/** The step holding a field. @param {Flow} flow @param {string} field */
function stepOf(flow, field) {
  return flow.steps.find((s) => namesOf(s).includes(topField(field)));
}

/** @param {Problem[]} problems @returns {Record<string,string>} */
function errorMap(problems) {
  /** @type {Record<string,string>} */
  const e = {};
  for (const p of problems) {
    const k = topField(p.field);
    if (!e[k]) e[k] = p.message;
  }
  return e;
}

/** Schema validation through the SDK (its verdicts are the server's). @param {Ctx} ctx @param {Flow} flow @param {Record<string, unknown>} fields @param {boolean} create @returns {Problem[]} */
function validate(ctx, flow, fields, create) {
  try {
    return (ctx.client.validate(flow.collection, fields, { create }) || []).map((/** @type {any} */ p) => ({ field: topField(p.field), message: p.message }));
  } catch (err) {
    return [{ field: '', message: errorOf(err).message }];
  }
}

/** The record rules the server exports as data (e.g. the two-stage test), on the record's fields. @param {Ctx} ctx @param {Flow} flow @param {Record<string, unknown>} fields @returns {Problem[]} */
function requirements(ctx, flow, fields) {
  return (ctx.client.requirements?.(flow.collection, fields) || []).map((/** @type {any} */ p) => ({ field: topField(p.field), message: p.message }));
}

/**
 * The route handler for a flow: #/<kind>/<subject id>/<step id>.
 * @param {Flow} flow
 * @returns {(ctx: Ctx) => Promise<View|undefined>}
 */
export function route(flow) {
  return async (ctx) => {
    if (redirectIfNotReady(ctx)) return undefined;
    const subjectId = ctx.params[0];
    if (!isUUID(subjectId)) return notFound('This record');
    const subject = await flow.subject(ctx, subjectId);
    if (!subject) return notFound('This record');
    const incident = /** @type {string} */ (ctx.incident);
    const key = draftKey(flow, incident, subjectId);
    /** @type {StoredDraft} */
    let draft = /** @type {any} */ (await drafts.get(key));
    if (!draft) {
      draft = { key, incident, kind: flow.kind, values: { ...subject.defaults }, recordId: newId(), updatedAt: '' };
    }
    draft.residentId = subject.residentId || subjectId;
    draft.subjectId = subjectId;
    // Opened without a page (from the resident's buttons): a draft goes
    // back to the page it was left on.
    const stepId = ctx.params[1] || (draft.touched && draft.step) || flow.steps[0].id;
    if (stepId !== 'answers' && !flow.steps.some((s) => s.id === stepId)) return notFound('This page');
    draft.step = stepId;
    await drafts.put(draft);
    if (stepId === 'answers') return answers(ctx, flow, subject, draft, subjectId);
    const idx = flow.steps.findIndex((s) => s.id === stepId);
    return stepView(ctx, flow, subject, draft, subjectId, idx, saveProblems.get(key) || []);
  };
}

/** @type {ReturnType<typeof setTimeout>|undefined} */
let saveTimer;

/** Saves what the form holds into the draft, now. @param {StoredDraft} draft @param {HTMLFormElement} form */
async function keep(draft, form) {
  Object.assign(draft.values, F.readForm(form));
  draft.touched = true;
  if (saveTimer) clearTimeout(saveTimer);
  saveTimer = undefined;
  await drafts.put(draft);
}

/**
 * @param {Ctx} ctx @param {Flow} flow @param {{caption: string, back: string}} subject
 * @param {StoredDraft} draft @param {string} subjectId @param {number} idx @param {Problem[]} problems
 * @returns {View}
 */
function stepView(ctx, flow, subject, draft, subjectId, idx, problems) {
  const step = flow.steps[idx];
  const names = namesOf(step);
  const mine = problems.filter((p) => names.includes(topField(p.field)));
  if (draft.rejected && names.includes(topField(draft.rejected.field)) && !mine.some((p) => topField(p.field) === topField(draft.rejected?.field || ''))) {
    mine.unshift({ field: draft.rejected.field, message: draft.rejected.message });
  }
  const errors = errorMap(mine);
  const base = `#/${flow.kind}/${subjectId}`;
  const back = idx === 0 ? subject.back : `${base}/${flow.steps[idx - 1].id}`;
  const focusField = ctx.query.get('field');
  return {
    title: `${mine.length ? 'Error: ' : ''}${step.title}`,
    nav: 'residents',
    focus: focusField ? F.fieldId(topField(focusField)) : undefined,
    body: html`${backLink(back)}
${F.errorSummary(mine.map((p) => ({ href: '#' + F.fieldId(topField(p.field)), text: p.message })))}
<span class="govuk-caption-l">${flow.noun}: ${subject.caption} — ${idx + 1} of ${flow.steps.length}</span>
<h1 class="govuk-heading-l">${step.title}</h1>
${step.intro || ''}
<form novalidate data-draft="${draft.key}">
${step.specs.map((s) => F.field(s, draft.values, errors))}
<p class="govuk-body-s app-muted" id="draft-note">Saved on this device as you type.</p>
<div class="govuk-button-group"><button type="submit" class="govuk-button" data-module="govuk-button" name="continue" value="1" id="continue">Continue</button>
<a class="govuk-link" href="${base}/answers">Skip to check your answers</a></div>
</form>`,
    input(form) {
      Object.assign(draft.values, F.readForm(form));
      draft.touched = true;
      if (saveTimer) clearTimeout(saveTimer);
      saveTimer = setTimeout(() => { saveTimer = undefined; drafts.put(draft); }, 150);
    },
    async submit(form, submitter) {
      await keep(draft, form);
      if (submitter && submitter.name === 'add') {
        const spec = step.specs.find((s) => s.name === submitter.value);
        if (spec) {
          draft.values[`${spec.name}.__rows`] = String(F.itemCount(spec, draft.values) + 1);
          await drafts.put(draft);
        }
        ctx.show(stepView(ctx, flow, subject, draft, subjectId, idx, problems));
        return;
      }
      if (submitter && submitter.name === 'remove') {
        const at = submitter.value.lastIndexOf('.');
        const spec = step.specs.find((s) => s.name === submitter.value.slice(0, at));
        if (spec) {
          draft.values = F.removeItem(spec, draft.values, Number(submitter.value.slice(at + 1)));
          await drafts.put(draft);
        }
        ctx.show(stepView(ctx, flow, subject, draft, subjectId, idx, problems));
        const first = document.querySelector(`#${F.fieldId(spec ? spec.name : '')} .app-item`);
        const status = document.getElementById('draft-note');
        if (status) status.textContent = 'Removed. Saved on this device as you type.';
        if (first) /** @type {HTMLElement} */ (first.querySelector('input, textarea') || first).focus();
        return;
      }
      const all = F.toFields(flow.steps.flatMap((s) => s.specs), draft.values);
      const partial = Object.fromEntries(Object.entries(all).filter(([k]) => names.includes(k)));
      const create = !(await ctx.client.get(flow.collection, /** @type {string} */ (draft.recordId)));
      const found = [...validate(ctx, flow, partial, create).filter((p) => !(create && p.field && !(p.field in partial))), ...requirements(ctx, flow, all), ...flow.rules(all)].filter((p) => names.includes(topField(p.field)));
      const rejectedHere = draft.rejected && names.includes(topField(draft.rejected.field));
      if (found.length) {
        ctx.show(stepView(ctx, flow, subject, draft, subjectId, idx, found));
        return;
      }
      if (rejectedHere) draft.rejected = undefined;
      saveProblems.delete(draft.key);
      await drafts.put(draft);
      ctx.go(idx + 1 < flow.steps.length ? `${base}/${flow.steps[idx + 1].id}` : `${base}/answers`);
    },
  };
}

/**
 * Check your answers, then save.
 * @param {Ctx} ctx @param {Flow} flow @param {{caption: string, back: string, fixed: Record<string, unknown>}} subject
 * @param {StoredDraft} draft @param {string} subjectId @param {Problem[]} [problems]
 * @returns {Promise<View>}
 */
async function answers(ctx, flow, subject, draft, subjectId, problems = []) {
  const base = `#/${flow.kind}/${subjectId}`;
  const list = [...problems];
  if (draft.rejected && !list.some((p) => topField(p.field) === topField(draft.rejected?.field || ''))) {
    list.unshift({ field: draft.rejected.field, message: `The server did not accept this: ${draft.rejected.message}` });
  }
  const href = (/** @type {Problem} */ p) => {
    const st = stepOf(flow, p.field);
    return st ? `${base}/${st.id}?field=${encodeURIComponent(topField(p.field))}` : '#f-save';
  };
  const finish = flow.finish;
  return {
    title: `${list.length ? 'Error: ' : ''}Check your answers`,
    nav: 'residents',
    body: html`${backLink(`${base}/${flow.steps[flow.steps.length - 1].id}`)}
${F.errorSummary(list.map((p) => ({ href: href(p), text: p.message })))}
<span class="govuk-caption-l">${flow.noun}: ${subject.caption}</span>
<h1 class="govuk-heading-l">Check your answers</h1>
${flow.steps.map((st) => html`<h2 class="govuk-heading-m">${st.title}</h2>
${F.summaryList(st.specs.flatMap((s) => rowsFor(s, draft.values)).map((row) => ({ ...row, href: `${base}/${st.id}?field=${encodeURIComponent(row.name)}` })))}`)}
<form novalidate>
${finish ? F.field({ name: finish.name, type: 'checkbox', label: finish.label, hint: finish.hint }, draft.values, errorMap(list.filter((p) => p.field === finish.name))) : ''}
<p class="govuk-body">Saving keeps this on the device straight away and sends it to the server when there is signal.</p>
<button type="submit" class="govuk-button" data-module="govuk-button" id="f-save">Save</button>
</form>`,
    input(form) {
      Object.assign(draft.values, F.readForm(form));
      draft.touched = true;
      drafts.put(draft);
    },
    async submit(form) {
      await keep(draft, form);
      const recordId = /** @type {string} */ (draft.recordId);
      const fields = { ...subject.fixed, ...F.toFields(flow.steps.flatMap((s) => s.specs), draft.values) };
      if (finish && draft.values[finish.name] === 'true') Object.assign(fields, finish.fields(ctx));
      const existing = await ctx.client.get(flow.collection, recordId);
      const found = [...validate(ctx, flow, fields, !existing), ...requirements(ctx, flow, fields), ...flow.rules(fields)];
      if (found.length) {
        saveProblems.set(draft.key, found);
        ctx.show(await answers(ctx, flow, subject, draft, subjectId, found));
        return;
      }
      try {
        await ctx.client.put(flow.collection, recordId, fields);
      } catch (err) {
        const e = errorOf(err);
        ctx.show(await answers(ctx, flow, subject, draft, subjectId, [{ field: e.field, message: e.message }]));
        return;
      }
      if (draft.replaces) {
        // The corrected record is saved as a new change; the refused one
        // has done its job (the server keeps its copy in quarantine).
        try { await ctx.client.discardRejected(draft.replaces); } catch { /* already discarded */ }
      }
      saveProblems.delete(draft.key);
      await drafts.remove(draft.key);
      const next = flow.after(fields, recordId, subjectId);
      ctx.flash(next.flash);
      ctx.go(next.hash);
    },
  };
}

/**
 * Summary rows for a spec and what its answer revealed.
 * @param {Spec} s @param {Draft} d
 * @returns {{key: string, value: string|import('/shared/html.js').Safe, name: string}[]}
 */
function rowsFor(s, d) {
  /** @type {{key: string, value: string|import('/shared/html.js').Safe, name: string}[]} */
  const rows = [{ key: s.label, value: F.answer(s, d), name: s.name }];
  const v = d[s.name];
  const reveal = s.type === 'yesno' ? (v === 'yes' ? s.yesReveal : v === 'no' ? s.noReveal : undefined)
    : s.type === 'radios' ? (s.options || []).find((o) => o.value === v)?.reveal : undefined;
  for (const r of reveal || []) rows.push(...rowsFor(r, d));
  return rows;
}

/**
 * Starts correcting a rejected change: seeds the flow's draft with the
 * record as the device holds it plus the rejected change's fields, notes the
 * server's reason, and opens the page holding the field it names.
 * @param {Ctx} ctx @param {Flow} flow @param {string} subjectId
 * @param {import('/sdk/continuity.js').Change} change the rejected change (an upsert's fields, none for a delete)
 * @param {{code?: string, message: string, field?: string}} reason
 */
export async function correct(ctx, flow, subjectId, change, reason) {
  const incident = /** @type {string} */ (ctx.incident);
  const current = (await ctx.client.get(flow.collection, change.record_id)) || {};
  const values = F.fromFields(flow.steps.flatMap((s) => s.specs), { ...current, ...change.fields });
  const key = draftKey(flow, incident, subjectId);
  await drafts.put({
    key, incident, kind: flow.kind, values, recordId: change.record_id, replaces: change.id, subjectId, touched: true,
    rejected: { changeId: change.id, field: topField(reason.field || ''), message: reason.message },
  });
  const st = stepOf(flow, reason.field || '');
  ctx.go(`#/${flow.kind}/${subjectId}/${st ? st.id + '?field=' + encodeURIComponent(topField(reason.field || '')) : 'answers'}`);
}

/** The words for the page a draft was left on. @param {Flow} flow @param {string|undefined} step */
const stepTitle = (flow, step) => (step === 'answers' ? 'Check your answers' : (flow.steps.find((s) => s.id === step) || flow.steps[0]).title);

/**
 * The drafts a person has started on this device for the incident (of
 * one resident, when given), newest first, each linking back to the page
 * it was left on.
 * @param {Ctx} ctx @param {Flow[]} flows @param {string} [residentId]
 * @returns {Promise<{draft: StoredDraft, flow: Flow, href: string, where: string}[]>}
 */
export async function draftList(ctx, flows, residentId) {
  const all = /** @type {StoredDraft[]} */ (/** @type {any} */ (await drafts.all()));
  return all
    .filter((d) => d.touched && d.incident === ctx.incident && d.subjectId && (!residentId || d.residentId === residentId))
    .map((d) => ({ d, flow: flows.find((f) => f.kind === d.kind) }))
    .filter((x) => !!x.flow)
    .sort((a, b) => String(b.d.updatedAt).localeCompare(String(a.d.updatedAt)))
    .map(({ d, flow }) => {
      const f = /** @type {Flow} */ (flow);
      const step = d.step || f.steps[0].id;
      return { draft: d, flow: f, href: `#/${f.kind}/${d.subjectId}/${step}`, where: stepTitle(f, step) };
    });
}
