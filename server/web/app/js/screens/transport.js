// @ts-check
// The transport coordinator's screen: today's moves and their legs in order,
// one tap for departed and arrived, and the hand-over ticks. Each tap is
// saved on the device at once (and logged in the movement log).
//
// A tap cannot be got wrong: the button is disabled while it saves and a
// second tap on the same move is ignored; a leg's id is derived from its
// move and number (UUID v5), so two devices logging the same departure
// write the same record and converge; every leg write carries the incident,
// the move and the number, so whichever device's write reaches the server
// first creates it. The hand-over checklist is the server's gate
// (GET /v1/schema gates.move_completion when the server exports it, else the
// same move fields the server reads), checked on the device before "Move
// complete" is saved; a refused change shows on its move's card.
import { html } from '/shared/html.js';
import { tag } from '../forms.js';
import * as m from '../model.js';
import { nowInstant, spoken, spokenDate, ymd } from '../time.js';
import { newId, legId, redirectIfNotReady, errorOf } from './common.js';

/** @typedef {import('./common.js').Ctx} Ctx */
/** @typedef {import('./common.js').View} View */
/** @typedef {import('../model.js').Rec} Rec */

/** A local date of an instant. @param {string|undefined} iso */
const dayOf = (iso) => (iso ? ymd(new Date(iso)) : '');

/**
 * A hand-over tick.
 * @param {string} action @param {string} id @param {string} label @param {boolean} checked @param {string} [hint] @param {string} [field] the move field a gate item sets
 */
function tick(action, id, label, checked, hint, field) {
  const el = field ? `tick-${field}-${id}` : `tick-${action}-${id}`;
  return html`<div class="govuk-checkboxes__item"><input class="govuk-checkboxes__input" id="${el}" type="checkbox" data-action="${action}" data-id="${id}"${field ? html` data-field="${field}"` : ''}${checked ? html` checked` : ''}${hint ? html` aria-describedby="${el}-hint"` : ''}>
<label class="govuk-label govuk-checkboxes__label" for="${el}">${label}</label>${hint ? html`<div id="${el}-hint" class="govuk-hint govuk-checkboxes__hint">${hint}</div>` : ''}</div>`;
}

/**
 * One item the server gates a move's completion on.
 * @typedef {{field: string, label: string, seed_ref?: string, overridable?: boolean, when?: string}} GateItem
 * @typedef {{items: GateItem[], override_roles?: string[]}} Gate
 */

/**
 * The hand-over gate the server exports; until it does, the move fields the
 * server's gate reads (syncproto/domain handoverOf, syncproto/rules
 * CheckHandover: 7.15, 7.20, 7.21, 7.24, and 7.12 when equipment travels).
 * @param {Ctx} ctx @returns {Gate}
 */
function gateOf(ctx) {
  const g = /** @type {any} */ (ctx.client.schema?.exported)?.gates?.move_completion;
  if (g && Array.isArray(g.items) && g.items.length) return g;
  return {
    items: [
      { field: 'care_plan_handed_over', label: 'Care plan and care summaries handed over, staff hand-over done', seed_ref: '7.15' },
      { field: 'medication_travelling', label: 'Medication and treatment details travelling with the person', seed_ref: '7.20' },
      { field: 'identity_confirmed', label: 'Identity checked by the receiving home', seed_ref: '7.21' },
      { field: 'records_handed_over', label: 'Case files and records handed over', seed_ref: '7.24' },
      { field: 'equipment_transferred', label: 'Equipment transferred and installed', seed_ref: '7.12', when: 'equipment_travelling' },
    ],
  };
}

/** Whether an item applies to a move (equipment only when it travels). @param {GateItem} it @param {Record<string, any>} f */
const applies = (it, f) => (it.field === 'equipment_transferred' || it.when === 'equipment_travelling' ? !!String(f.equipment_travelling || '').trim() : true);

/** Whether an item is done: the move's field, or (identity) any leg's. @param {GateItem} it @param {Record<string, any>} f @param {Rec[]} legs */
const done = (it, f, legs) => f[it.field] === true || (it.field === 'identity_confirmed' && legs.some((l) => l.fields.identity_confirmed === true));

/** The hand-over items not done. @param {Gate} gate @param {Record<string, any>} f @param {Rec[]} legs */
const missing = (gate, f, legs) => gate.items.filter((it) => applies(it, f) && !done(it, f, legs));

/** May this role give the override? (Every role that may write moves, until the server exports who.) @param {Gate} gate @param {string} role */
const mayOverride = (gate, role) => (Array.isArray(gate.override_roles) ? gate.override_roles.includes(role) : true);

/**
 * The person a card is about: name, room, date of birth and NHS number, so
 * that two people of the same name cannot be mixed up.
 * @param {Rec|undefined} r
 */
function who(r) {
  const f = r ? r.fields : {};
  const nhs = String(f.nhs_number || '');
  return html`<p class="govuk-body app-who">${f.room ? html`Room <strong>${f.room}</strong> · ` : ''}Born <strong>${f.date_of_birth ? spokenDate(f.date_of_birth) : 'not recorded'}</strong> · NHS number <strong>${nhs.length === 10 ? `${nhs.slice(0, 3)} ${nhs.slice(3, 6)} ${nhs.slice(6)}` : nhs || 'not recorded'}</strong></p>`;
}

/**
 * A refused change, in words, with what to do.
 * @param {{code: string, message: string}} r
 */
function fixFor(r) {
  switch (r.code) {
    case 'handover_incomplete': return 'Tick the hand-over items still to do, or give the reason to complete without them, then tap Move complete again.';
    case 'legs_overlap': case 'leg_arrives_before_departure': case 'leg_arrival_without_departure': case 'leg_handover_before_arrival':
      return 'Check the times of the legs on this card, then review the change.';
    default: return 'Review the change to correct it or discard it.';
  }
}

/**
 * @param {Ctx} ctx @param {m.Data} data @param {Rec} mv @param {Rec[]} legs @param {boolean} canWrite @param {Gate} gate
 * @param {{code: string, message: string, change: any}[]} refused @param {string} problem
 */
function moveCard(ctx, data, mv, legs, canWrite, gate, refused, problem) {
  const f = mv.fields;
  const r = data.residents.find((x) => x.id === f.resident_id);
  const status = f.status || 'planned';
  const colour = status === 'completed' ? 'green' : status === 'in_transit' || status === 'arrived' ? 'blue' : status === 'cancelled' ? 'grey' : 'yellow';
  const last = legs[legs.length - 1];
  const lf = last ? last.fields : {};
  const role = ctx.me ? ctx.me.role : '';
  const open = status !== 'completed' && status !== 'cancelled';
  /** @param {string} action @param {string} text @param {string} [cls] */
  const button = (action, text, cls = '') => html`<button type="button" class="govuk-button app-tap${cls}" data-module="govuk-button" data-action="${action}" data-id="${mv.id}" id="${action}-${mv.id}"${busy.has(mv.id) ? html` disabled aria-disabled="true"` : ''}>${text}</button>`;
  let action = html``;
  if (canWrite && open) {
    if (!last || (lf.arrived_at && status !== 'in_transit' && status !== 'arrived') || !lf.departed_at) action = button('depart', 'Departed now');
    else if (!lf.arrived_at) action = button('arrive', 'Arrived now');
    else action = html`<div class="govuk-button-group">${button('complete', 'Move complete')}
${button('another', 'Another leg', ' govuk-button--secondary')}</div>`;
  }
  const gaps = missing(gate, f, legs);
  const name = m.name(r);
  return html`<section class="app-move${refused.length || problem ? ' app-move--refused' : ''}" aria-labelledby="move-${mv.id}" id="card-${mv.id}">
<h3 class="govuk-heading-m app-move__title" id="move-${mv.id}">${name} ${tag(m.words(status), colour)}</h3>
${who(r)}
${refused.map((x) => html`<div class="govuk-error-summary app-refused" data-module="govuk-error-summary"><div role="alert"><h4 class="govuk-error-summary__title">Not accepted for ${name}</h4><div class="govuk-error-summary__body"><p class="govuk-body">${x.message}</p><p class="govuk-body">${fixFor(x)} <a class="govuk-link" href="#/changes">Review the change</a></p></div></div></div>`)}
${problem ? html`<div class="govuk-error-summary" data-module="govuk-error-summary" id="problem-${mv.id}"><div role="alert"><h4 class="govuk-error-summary__title">${name}: the move cannot be completed yet</h4><div class="govuk-error-summary__body"><p class="govuk-body">${problem}</p></div></div></div>` : ''}
<p class="govuk-body">${f.planned_at ? `Planned ${spoken(f.planned_at)}` : 'No time planned'}: ${m.serviceName(data, f.from_service_id) || 'here'} to <strong>${m.serviceName(data, f.to_service_id) || 'not decided'}</strong>.<br>
${m.words(f.transport || '') || 'Transport not set'}${f.vehicle ? `, ${f.vehicle}` : ''}${f.escort ? `; escort ${f.escort}` : '; no escort recorded'}.${f.equipment_travelling ? ` Equipment: ${f.equipment_travelling}.` : ''}</p>
${legs.length ? html`<ol class="govuk-list govuk-list--number">${legs.map((l) => html`<li>Leg ${l.fields.sequence || 1}: ${l.fields.departed_at ? `departed ${spoken(l.fields.departed_at)}` : 'not departed'}${l.fields.arrived_at ? `, arrived ${spoken(l.fields.arrived_at)}` : ''}${l.fields.handed_over ? ', handed over' : ''}</li>`)}</ol>` : ''}
${action}
${canWrite && open ? html`<fieldset class="govuk-fieldset"><legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Hand-over${gaps.length ? ` (${gaps.length} to do before the move is complete)` : ' (all done)'}</legend>
<div class="govuk-checkboxes app-ticks" data-module="govuk-checkboxes">
${gate.items.filter((it) => applies(it, f)).map((it) => tick('gate', mv.id, `${it.label}${it.seed_ref ? ` (${it.seed_ref})` : ''}`, done(it, f, legs), undefined, it.field))}
${tick('belongings', mv.id, 'Belongings checked', !!lf.belongings_checked, last ? undefined : 'Ticking starts the first leg')}
${tick('escort', mv.id, `Escort with the person${f.escort ? ` (${f.escort})` : ''}`, !!lf.escort)}
${tick('handover', mv.id, 'Person handed over', !!lf.handed_over)}
</div></fieldset>
${mayOverride(gate, role) ? html`<form novalidate data-override="${mv.id}"><div class="govuk-form-group"><label class="govuk-label govuk-label--s" for="override-${mv.id}">Reason to complete the move before every hand-over item is done</label>
<div class="govuk-hint" id="override-${mv.id}-hint">Only if the person cannot wait, for example the care plan follows by email tonight. Leave empty otherwise.</div>
<textarea class="govuk-textarea" id="override-${mv.id}" name="handover_override_reason" rows="2" data-id="${mv.id}" aria-describedby="override-${mv.id}-hint">${overrides.get(mv.id) ?? f.handover_override_reason ?? ''}</textarea></div></form>` : ''}` : ''}
</section>`;
}

/** Moves whose tap is being saved: a second tap is ignored. @type {Set<string>} */
const busy = new Set();
/**
 * The last action of each move still saving: a move's taps and ticks run one
 * after another, so completing reads every tick tapped before it (saving is
 * slower with the records sealed at rest).
 * @type {Map<string, Promise<void>>}
 */
const saving = new Map();

/** Problems found on the device, shown on their move's card. @type {Map<string, string>} */
const problems = new Map();

/** Override reasons as typed, kept across live refreshes. @type {Map<string, string>} */
const overrides = new Map();

/** @param {Ctx} ctx @returns {Promise<View|undefined>} */
export async function transport(ctx) {
  if (redirectIfNotReady(ctx)) return undefined;
  const data = await m.load(ctx.client, /** @type {string} */ (ctx.incident));
  const gate = gateOf(ctx);
  const today = ymd();
  const legsOf = (/** @type {string} */ id) => data.legs.filter((l) => l.fields.move_id === id).sort((a, b) => (a.fields.sequence || 1) - (b.fields.sequence || 1));
  const byTime = (/** @type {Rec} */ a, /** @type {Rec} */ b) => (a.fields.planned_at || '').localeCompare(b.fields.planned_at || '');
  const moves = data.moves.filter((x) => x.fields.resident_id);
  const active = moves.filter((x) => x.fields.status === 'in_transit' || x.fields.status === 'arrived').sort(byTime);
  const doneToday = (/** @type {Rec} */ x) => x.fields.status === 'completed' && (dayOf(x.fields.completed_at) === today || dayOf(x.fields.planned_at) === today
    || legsOf(x.id).some((l) => dayOf(l.fields.arrived_at) === today));
  const todays = moves.filter((x) => x.fields.status !== 'in_transit' && x.fields.status !== 'arrived' && x.fields.status !== 'cancelled' && x.fields.status !== 'completed' && dayOf(x.fields.planned_at) === today).sort(byTime);
  const completed = moves.filter(doneToday).sort(byTime);
  const late = moves.filter((x) => x.fields.status === 'planned' && x.fields.planned_at && dayOf(x.fields.planned_at) < today).sort(byTime);
  const soon = moves.filter((x) => x.fields.status === 'planned' && dayOf(x.fields.planned_at) > today).sort(byTime).slice(0, 10);
  const role = ctx.me ? ctx.me.role : '';
  const canWrite = role === 'transport_coordinator' || role === '';

  // Refused changes, by the move they concern.
  /** @type {Map<string, {code: string, message: string, change: any}[]>} */
  const refusedBy = new Map();
  for (const x of await ctx.client.rejected()) {
    const c = x.change || {};
    let moveId = '';
    if (c.collection === 'moves') moveId = c.record_id;
    else if (c.collection === 'move_legs' || c.collection === 'movement_log') moveId = c.fields?.move_id || data.legs.find((l) => l.id === c.record_id)?.fields.move_id || '';
    if (!moveId) continue;
    refusedBy.set(moveId, [...(refusedBy.get(moveId) || []), x]);
  }
  /** @param {string} title @param {Rec[]} list @param {string} none */
  const section = (title, list, none) => html`<h2 class="govuk-heading-l">${title}</h2>${list.length ? list.map((x) => moveCard(ctx, data, x, legsOf(x.id), canWrite, gate, refusedBy.get(x.id) || [], problems.get(x.id) || '')) : html`<p class="govuk-body">${none}</p>`}`;

  /** Finds a move and its legs. @param {string} id */
  const find = async (id) => {
    const mv = await ctx.client.get('moves', id);
    const legs = (await ctx.client.list('move_legs')).filter((/** @type {Rec} */ l) => l.fields.move_id === id)
      .sort((/** @type {Rec} */ a, /** @type {Rec} */ b) => (a.fields.sequence || 1) - (b.fields.sequence || 1));
    return { mv, legs, last: legs[legs.length - 1] };
  };
  /** Writes a leg: always with its incident, move and number. @param {string} id @param {number} sequence @param {Record<string, unknown>} fields */
  const putLeg = async (id, sequence, fields) => {
    const lid = await legId(id, sequence);
    await ctx.client.put('move_legs', lid, { incident_id: ctx.incident, move_id: id, sequence, ...fields });
    return lid;
  };
  /** @param {any} mv @param {string} id @param {string} event @param {string} at */
  const log = (mv, id, event, at) => ctx.client.put('movement_log', newId(), {
    incident_id: ctx.incident, resident_id: mv.resident_id, move_id: id, event, occurred_at: at,
    ...(mv.from_service_id ? { from_service_id: mv.from_service_id } : {}), ...(mv.to_service_id ? { to_service_id: mv.to_service_id } : {}),
    ...(ctx.me ? { recorded_by: ctx.me.subject } : {}),
  });

  return {
    title: 'Moves today',
    nav: 'transport',
    live: true,
    body: html`<h1 class="govuk-heading-xl">Moves today</h1>
<p class="govuk-body">Tap <strong>Departed now</strong> as the person leaves and <strong>Arrived now</strong> as they arrive. Ticks save as you tap.</p>
<div id="transport-error"></div>
${active.length ? section('On the way', active, '') : ''}
${section('Today', todays, completed.length ? 'Every move planned for today is on its way or complete.' : 'No moves are planned for today.')}
${late.length ? section('Planned earlier, not done yet', late, '') : ''}
${completed.length ? section('Completed today', completed, '') : ''}
${section('Coming up', soon, 'No moves planned after today.')}`,
    input(form) {
      const id = form.getAttribute('data-override');
      const box = form.querySelector('textarea');
      if (id && box) overrides.set(id, box.value);
    },
    async click(el) {
      const id = el.getAttribute('data-id') || '';
      const action = el.getAttribute('data-action');
      if (!action || !id) return;
      if (el instanceof HTMLButtonElement) {
        if (busy.has(id)) return;
        busy.add(id);
        el.disabled = true;
        el.setAttribute('aria-disabled', 'true');
      }
      const before = saving.get(id);
      /** @type {() => void} */
      let saved = () => {};
      const mine = new Promise((/** @type {(v: void) => void} */ r) => { saved = r; });
      const tail = (before || Promise.resolve()).then(() => mine);
      saving.set(id, tail);
      await before;
      // Times to the minute, as people say them: two devices logging the
      // same departure within the minute write the very same fields.
      const at = nowInstant().replace(/:\d\d(\.\d+)?Z$/, ':00Z');
      const checked = el instanceof HTMLInputElement ? el.checked : true;
      try {
        const { mv, legs, last } = await find(id);
        if (!mv) return;
        const lf = last ? last.fields : {};
        const seq = last ? (last.fields.sequence || legs.length) : 1;
        /** Ensures a leg to tick on. */
        const legForTick = async () => (last ? last.id : putLeg(id, 1, {}));
        problems.delete(id);
        switch (action) {
          case 'depart':
            if (last && lf.departed_at && !lf.arrived_at) break; // already on the way: a second tap does nothing
            if (last && !lf.departed_at) await putLeg(id, seq, { departed_at: at, ...(mv.vehicle ? { vehicle: mv.vehicle } : {}) });
            else await putLeg(id, last ? seq + 1 : 1, { departed_at: at, ...(mv.vehicle ? { vehicle: mv.vehicle } : {}), ...(mv.escort ? { escort: mv.escort } : {}) });
            if (mv.status !== 'in_transit') await ctx.client.put('moves', id, { status: 'in_transit' });
            await log(mv, id, 'departed', at);
            break;
          case 'arrive':
            if (!last || lf.arrived_at) break;
            await putLeg(id, seq, { arrived_at: at });
            await log(mv, id, 'arrived', at);
            break;
          case 'complete': {
            const box = /** @type {HTMLTextAreaElement|null} */ (document.getElementById(`override-${id}`));
            const reason = (box ? box.value : mv.handover_override_reason || '').trim();
            const gaps = missing(gate, mv, legs);
            if (gaps.length && !reason) {
              problems.set(id, `Still to do: ${gaps.map((g) => g.label.toLowerCase()).join('; ')}. Tick them when done${mayOverride(gate, role) ? ', or give the reason to complete the move without them' : ''}.`);
              break;
            }
            // Completed straight from in transit: the server checks that
            // every leg departed and arrived (the arrived gate) with the
            // hand-over, and two devices completing the same move converge.
            await ctx.client.put('moves', id, { status: 'completed', completed_at: at, ...(reason && gaps.length ? { handover_override_reason: reason } : {}) });
            break;
          }
          case 'another':
            if (last && !lf.arrived_at) break;
            await putLeg(id, seq + 1, {});
            break;
          case 'gate': {
            const field = el.getAttribute('data-field') || '';
            if (!gate.items.some((it) => it.field === field)) return;
            await ctx.client.put('moves', id, { [field]: checked });
            break;
          }
          case 'belongings':
            await ctx.client.put('move_legs', await legForTick(), { incident_id: ctx.incident, move_id: id, belongings_checked: checked });
            break;
          case 'escort':
            await ctx.client.put('move_legs', await legForTick(), { incident_id: ctx.incident, move_id: id, escort: checked ? (mv.escort || 'Escort present') : '' });
            break;
          case 'handover':
            await ctx.client.put('move_legs', await legForTick(), { incident_id: ctx.incident, move_id: id, ...(checked ? { handed_over: true, handed_over_at: at } : { handed_over: false }) });
            if (checked) await log(mv, id, 'handed_over', at);
            break;
          default:
            return;
        }
        if (!problems.has(id)) ctx.flash(action === 'depart' ? 'Departure saved.' : action === 'arrive' ? 'Arrival saved.' : action === 'complete' ? 'Move marked complete.' : 'Saved.');
      } catch (err) {
        const box = document.getElementById('transport-error');
        if (box) box.innerHTML = html`<div class="govuk-error-summary" data-module="govuk-error-summary"><div role="alert"><h2 class="govuk-error-summary__title">There is a problem</h2><div class="govuk-error-summary__body"><p class="govuk-body">${errorOf(err).message}</p></div></div></div>`.toString();
        return;
      } finally {
        busy.delete(id);
        saved();
        if (saving.get(id) === tail) saving.delete(id);
      }
      if (action === 'complete' && !problems.has(id)) overrides.delete(id);
      ctx.refresh();
    },
  };
}
