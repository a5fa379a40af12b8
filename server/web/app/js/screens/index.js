// @ts-check
// The route table: #/<name>/<params...> → screen.
import { enrol, incidents, signOut } from './enrol.js';
import { residents, resident } from './residents.js';
import { route } from './flow.js';
import { check, capacity, bestInterests } from './records.js';
import { family } from './family.js';
import { transport } from './transport.js';
import { changes, discard, correctRoute } from './changes.js';

/** @typedef {import('./common.js').Ctx} Ctx */
/** @typedef {import('./common.js').View} View */

/** @param {Ctx} ctx @returns {Promise<View|undefined>} */
async function home(ctx) {
  if (!ctx.client.enrolled) ctx.go('#/enrol');
  else if (!ctx.incident) ctx.go('#/incidents');
  else ctx.go(ctx.me && ctx.me.role === 'transport_coordinator' ? '#/transport' : '#/residents');
  return undefined;
}

/** @type {Record<string, (ctx: Ctx) => Promise<View|undefined>>} */
export const routes = {
  '': home,
  enrol,
  incidents,
  residents,
  resident,
  check: route(check),
  capacity: route(capacity),
  'best-interests': route(bestInterests),
  family: route(family),
  transport,
  changes,
  discard,
  correct: correctRoute,
  'sign-out': signOut,
};
