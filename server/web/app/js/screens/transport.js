// @ts-check
// The transport coordinator's screen: today's moves and their legs in order,
// one tap for departed and arrived, and the hand-over ticks. Each tap is
// saved on the device at once (and logged in the movement log).
import { html } from '../html.js';
import { tag } from '../forms.js';
import * as m from '../model.js';
import { nowInstant, spoken, ymd } from '../time.js';
import { newId, redirectIfNotReady, errorOf } from './common.js';

/** @typedef {import('./common.js').Ctx} Ctx */
/** @typedef {import('./common.js').View} View */
/** @typedef {import('../model.js').Rec} Rec */

/** A local date of an instant. @param {string|undefined} iso */
const dayOf = (iso) => (iso ? ymd(new Date(iso)) : '');

/**
 * A hand-over tick.
 * @param {string} action @param {string} id @param {string} label @param {boolean} checked @param {string} [hint]
 */
function tick(action, id, label, checked, hint) {
  const el = `tick-${action}-${id}`;
  return html`<div class="govuk-checkboxes__item"><input class="govuk-checkboxes__input" id="${el}" type="checkbox" data-action="${action}" data-id="${id}"${checked ? html` checked` : ''}${hint ? html` aria-describedby="${el}-hint"` : ''}>
<label class="govuk-label govuk-checkboxes__label" for="${el}">${label}</label>${hint ? html`<div id="${el}-hint" class="govuk-hint govuk-checkboxes__hint">${hint}</div>` : ''}</div>`;
}

/** @param {m.Data} data @param {Rec} mv @param {Rec[]} legs @param {boolean} canWrite */
function moveCard(data, mv, legs, canWrite) {
  const f = mv.fields;
  const r = data.residents.find((x) => x.id === f.resident_id);
  const status = f.status || 'planned';
  const colour = status === 'completed' ? 'green' : status === 'in_transit' ? 'blue' : status === 'cancelled' ? 'grey' : 'yellow';
  const last = legs[legs.length - 1];
  const lf = last ? last.fields : {};
  let action = html``;
  if (canWrite && status !== 'completed' && status !== 'cancelled') {
    if (!last || (lf.arrived_at && status !== 'in_transit')) {
      action = html`<button type="button" class="govuk-button app-tap" data-module="govuk-button" data-action="depart" data-id="${mv.id}" id="depart-${mv.id}">Departed now</button>`;
    } else if (!lf.departed_at) {
      action = html`<button type="button" class="govuk-button app-tap" data-module="govuk-button" data-action="depart" data-id="${mv.id}" id="depart-${mv.id}">Departed now</button>`;
    } else if (!lf.arrived_at) {
      action = html`<button type="button" class="govuk-button app-tap" data-module="govuk-button" data-action="arrive" data-id="${mv.id}" id="arrive-${mv.id}">Arrived now</button>`;
    } else {
      action = html`<div class="govuk-button-group"><button type="button" class="govuk-button app-tap" data-module="govuk-button" data-action="complete" data-id="${mv.id}" id="complete-${mv.id}">Move complete</button>
<button type="button" class="govuk-button govuk-button--secondary" data-module="govuk-button" data-action="another" data-id="${mv.id}">Another leg</button></div>`;
    }
  }
  return html`<section class="app-move" aria-labelledby="move-${mv.id}">
<h3 class="govuk-heading-m app-move__title" id="move-${mv.id}">${m.name(r)} ${tag(m.words(status), colour)}</h3>
<p class="govuk-body">${f.planned_at ? `Planned ${spoken(f.planned_at)}` : 'No time planned'}: ${m.serviceName(data, f.from_service_id) || 'here'} to <strong>${m.serviceName(data, f.to_service_id) || 'not decided'}</strong>.<br>
${m.words(f.transport || '') || 'Transport not set'}${f.vehicle ? `, ${f.vehicle}` : ''}${f.escort ? `; escort ${f.escort}` : '; no escort recorded'}.</p>
${legs.length ? html`<ol class="govuk-list govuk-list--number">${legs.map((l) => html`<li>Leg ${l.fields.sequence || 1}: ${l.fields.departed_at ? `departed ${spoken(l.fields.departed_at)}` : 'not departed'}${l.fields.arrived_at ? `, arrived ${spoken(l.fields.arrived_at)}` : ''}${l.fields.handed_over ? ', handed over' : ''}</li>`)}</ol>` : ''}
${action}
${canWrite ? html`<fieldset class="govuk-fieldset"><legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Hand-over</legend>
<div class="govuk-checkboxes app-ticks" data-module="govuk-checkboxes">
${tick('medication', mv.id, 'Medication and MAR chart travelling', !!f.medication_travelling)}
${tick('records', mv.id, 'Care records handed over', !!f.records_handed_over)}
${tick('belongings', mv.id, 'Belongings checked', !!lf.belongings_checked, last ? undefined : 'Ticking starts the first leg')}
${tick('identity', mv.id, 'Identity checked by the receiving home', !!lf.identity_confirmed)}
${tick('escort', mv.id, `Escort with the person${f.escort ? ` (${f.escort})` : ''}`, !!lf.escort)}
${tick('handover', mv.id, 'Person handed over', !!lf.handed_over)}
</div></fieldset>` : ''}
</section>`;
}

/** @param {Ctx} ctx @returns {Promise<View|undefined>} */
export async function transport(ctx) {
  if (redirectIfNotReady(ctx)) return undefined;
  const data = await m.load(ctx.client, /** @type {string} */ (ctx.incident));
  const today = ymd();
  const legsOf = (/** @type {string} */ id) => data.legs.filter((l) => l.fields.move_id === id).sort((a, b) => (a.fields.sequence || 1) - (b.fields.sequence || 1));
  const byTime = (/** @type {Rec} */ a, /** @type {Rec} */ b) => (a.fields.planned_at || '').localeCompare(b.fields.planned_at || '');
  const moves = data.moves.filter((x) => x.fields.resident_id);
  const active = moves.filter((x) => x.fields.status === 'in_transit').sort(byTime);
  const todays = moves.filter((x) => x.fields.status !== 'in_transit' && x.fields.status !== 'cancelled' && dayOf(x.fields.planned_at) === today).sort(byTime);
  const late = moves.filter((x) => x.fields.status === 'planned' && x.fields.planned_at && dayOf(x.fields.planned_at) < today).sort(byTime);
  const soon = moves.filter((x) => x.fields.status === 'planned' && dayOf(x.fields.planned_at) > today).sort(byTime).slice(0, 10);
  const role = ctx.me ? ctx.me.role : '';
  const canWrite = role === 'transport_coordinator' || role === '';
  /** @param {string} title @param {Rec[]} list @param {string} none */
  const section = (title, list, none) => html`<h2 class="govuk-heading-l">${title}</h2>${list.length ? list.map((x) => moveCard(data, x, legsOf(x.id), canWrite)) : html`<p class="govuk-body">${none}</p>`}`;

  /** Finds a move and its latest leg. @param {string} id */
  const find = async (id) => {
    const mv = await ctx.client.get('moves', id);
    const legs = (await ctx.client.list('move_legs')).filter((/** @type {Rec} */ l) => l.fields.move_id === id)
      .sort((/** @type {Rec} */ a, /** @type {Rec} */ b) => (a.fields.sequence || 1) - (b.fields.sequence || 1));
    return { mv, legs, last: legs[legs.length - 1] };
  };
  /** Starts a new leg. @param {string} id @param {Rec[]} legs @param {Record<string, unknown>} fields */
  const newLeg = async (id, legs, fields) => {
    const legId = newId();
    await ctx.client.put('move_legs', legId, { incident_id: ctx.incident, move_id: id, sequence: legs.length + 1, ...fields });
    return legId;
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
${section('Today', todays, 'No moves are planned for today.')}
${late.length ? section('Planned earlier, not done yet', late, '') : ''}
${section('Coming up', soon, 'No moves planned after today.')}`,
    async click(el) {
      const id = el.getAttribute('data-id') || '';
      const action = el.getAttribute('data-action');
      const at = nowInstant();
      const checked = el instanceof HTMLInputElement ? el.checked : true;
      try {
        const { mv, legs, last } = await find(id);
        if (!mv) return;
        const lf = last ? last.fields : {};
        /** Ensures a leg to tick on. */
        const legForTick = async () => (last ? last.id : newLeg(id, legs, {}));
        switch (action) {
          case 'depart':
            if (last && !lf.departed_at) await ctx.client.put('move_legs', last.id, { departed_at: at, ...(mv.vehicle ? { vehicle: mv.vehicle } : {}) });
            else await newLeg(id, legs, { departed_at: at, ...(mv.vehicle ? { vehicle: mv.vehicle } : {}), ...(mv.escort ? { escort: mv.escort } : {}) });
            if (mv.status !== 'in_transit') await ctx.client.put('moves', id, { status: 'in_transit' });
            await log(mv, id, 'departed', at);
            break;
          case 'arrive':
            if (last) await ctx.client.put('move_legs', last.id, { arrived_at: at });
            await log(mv, id, 'arrived', at);
            break;
          case 'complete':
            await ctx.client.put('moves', id, { status: 'completed' });
            break;
          case 'another':
            await newLeg(id, legs, {});
            break;
          case 'medication':
            await ctx.client.put('moves', id, { medication_travelling: checked });
            break;
          case 'records':
            await ctx.client.put('moves', id, { records_handed_over: checked });
            break;
          case 'belongings':
            await ctx.client.put('move_legs', await legForTick(), { belongings_checked: checked });
            break;
          case 'identity':
            await ctx.client.put('move_legs', await legForTick(), { identity_confirmed: checked });
            break;
          case 'escort':
            await ctx.client.put('move_legs', await legForTick(), { escort: checked ? (mv.escort || 'Escort present') : '' });
            break;
          case 'handover':
            await ctx.client.put('move_legs', await legForTick(), checked ? { handed_over: true, handed_over_at: at } : { handed_over: false });
            if (checked) await log(mv, id, 'handed_over', at);
            break;
          default:
            return;
        }
        ctx.flash(action === 'depart' ? 'Departure saved.' : action === 'arrive' ? 'Arrival saved.' : action === 'complete' ? 'Move marked complete.' : 'Saved.');
      } catch (err) {
        const box = document.getElementById('transport-error');
        if (box) box.innerHTML = html`<div class="govuk-error-summary" data-module="govuk-error-summary"><div role="alert"><h2 class="govuk-error-summary__title">There is a problem</h2><div class="govuk-error-summary__body"><p class="govuk-body">${errorOf(err).message}</p></div></div></div>`.toString();
        return;
      }
      ctx.refresh();
    },
  };
}
