// @ts-check
// What the screens show, derived from the records on the device: where each
// resident is, when they were last checked and are next due, their capacity
// and best-interests status, and their planned move.
import { ymd, spoken, spokenDate, ago } from './time.js';

/** @typedef {{id: string, fields: Record<string, any>}} Rec */

/**
 * @typedef {{
 *   residents: Rec[], services: Map<string, Rec>, checks: Rec[], assessments: Rec[],
 *   decisions: Rec[], moves: Rec[], legs: Rec[],
 * }} Data
 */

/** The incident-scoped collections the screens read, by their name in Data. */
const SCOPED = /** @type {const} */ ({
  residents: 'residents', checks: 'safe_and_well_checks', assessments: 'capacity_assessments',
  decisions: 'best_interests_decisions', moves: 'moves', legs: 'move_legs',
});
/** Every collection Data holds. */
const HELD = new Set([...Object.values(SCOPED), 'services']);

/**
 * The incident's records as last read, per client: read whole once, then
 * kept in step with the SDK's 'change' events, which name the records that
 * changed (noteChange), so a live screen reads only those again.
 * @typedef {{
 *   incident: string, ready: Promise<void>,
 *   recs: Map<string, Map<string, Rec>>, changed: Map<string, Set<string>>,
 * }} Held
 */
/** @type {WeakMap<object, Held>} */
const held = new WeakMap();

/**
 * Notes what the SDK says changed (its 'change' event): the next load reads
 * those records again. An event naming no records (the device locked or was
 * wiped) drops everything held.
 * @param {any} client @param {{records?: Record<string, string[]>, source?: string}} ev
 */
export function noteChange(client, ev) {
  const h = held.get(client);
  if (!h) return;
  if (!ev || !ev.records || ev.source === 'reset') {
    held.delete(client);
    return;
  }
  for (const [c, ids] of Object.entries(ev.records)) {
    if (!HELD.has(c)) continue;
    let set = h.changed.get(c);
    if (!set) h.changed.set(c, (set = new Set()));
    for (const id of ids) set.add(id);
  }
}

/**
 * Loads an incident's records from the SDK's local store: whole the first
 * time, then only the records changed since (noteChange).
 * @param {any} client @param {string} incident
 * @returns {Promise<Data>}
 */
export async function load(client, incident) {
  let h = held.get(client);
  if (!h || h.incident !== incident) {
    /** @type {Held} */
    const fresh = { incident, ready: Promise.resolve(), recs: new Map(), changed: new Map() };
    fresh.ready = readAll(client, fresh);
    held.set(client, fresh);
    h = fresh;
  }
  try {
    await h.ready;
    await catchUp(client, h);
  } catch (err) {
    if (held.get(client) === h) held.delete(client);
    throw err;
  }
  return dataOf(h);
}

/** @param {any} client @param {Held} h */
async function readAll(client, h) {
  const lists = await Promise.all([...HELD].map(async (c) => /** @type {[string, Rec[]]} */ ([c, (await client.list(c)) || []])));
  for (const [c, rows] of lists) {
    /** @type {Map<string, Rec>} */
    const m = new Map();
    for (const r of rows) if (c === 'services' || (r.fields && r.fields.incident_id === h.incident)) m.set(r.id, { id: r.id, fields: r.fields });
    h.recs.set(c, m);
  }
}

/** Reads again the records changed since the last load. @param {any} client @param {Held} h */
async function catchUp(client, h) {
  if (h.changed.size === 0) return;
  const todo = [...h.changed].flatMap(([c, ids]) => [...ids].map((id) => /** @type {[string, string]} */ ([c, id])));
  h.changed = new Map();
  const got = await Promise.all(todo.map(([c, id]) => client.get(c, id)));
  todo.forEach(([c, id], i) => {
    const m = /** @type {Map<string, Rec>} */ (h.recs.get(c));
    const fields = got[i];
    if (fields && (c === 'services' || fields.incident_id === h.incident)) m.set(id, { id, fields });
    else m.delete(id);
  });
}

/** Fresh arrays (in record id order, as the SDK lists them) over what is held. @param {Held} h @returns {Data} */
function dataOf(h) {
  /** @param {string} c @returns {Rec[]} */
  const rows = (c) => [...(/** @type {Map<string, Rec>} */ (h.recs.get(c))).values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    residents: rows(SCOPED.residents), checks: rows(SCOPED.checks), assessments: rows(SCOPED.assessments),
    decisions: rows(SCOPED.decisions), moves: rows(SCOPED.moves), legs: rows(SCOPED.legs),
    services: new Map(rows('services').map((s) => [s.id, s])),
  };
}

/** A person's name as staff say it. @param {Rec|undefined} r */
export function name(r) {
  if (!r) return 'Unknown person';
  const f = r.fields;
  return [f.given_name, f.family_name].filter(Boolean).join(' ') || 'Unnamed person';
}

/** @param {Data} data @param {string|undefined} id */
export function serviceName(data, id) {
  if (!id) return '';
  return data.services.get(id)?.fields.name || 'another service';
}

/** NHS number in 3-3-4 groups. @param {string|undefined} n */
export function nhs(n) {
  return n && /^\d{10}$/.test(n) ? `${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}` : (n || '');
}

/** @param {Rec[]} checks */
export function latestCheck(checks) {
  return checks.reduce((/** @type {Rec|undefined} */ best, c) => (!best || (c.fields.visited_at || '') > (best.fields.visited_at || '') ? c : best), undefined);
}

/**
 * When the person is next due a safe-and-well check (the same rule as the
 * server's incident summary): never checked → due now; the latest check's
 * follow_up_due today or earlier → due; people who have died or left are
 * not due.
 * @param {Rec} r @param {Rec|undefined} last @param {Date} now
 * @returns {{state: 'overdue'|'due'|'later'|'none', text: string, short: string, sort: string}}
 */
export function due(r, last, now) {
  const st = r.fields.status;
  if (st === 'deceased' || st === 'left') return { state: 'none', text: 'No checks needed', short: 'No checks needed', sort: '9' };
  if (!last) return { state: 'overdue', text: 'Never checked — visit due now', short: 'Never checked: visit now', sort: '0' };
  const today = ymd(now);
  const fu = last.fields.follow_up_due;
  const seen = `not seen for ${ago(last.fields.visited_at, now)}`;
  if (!fu) return { state: 'due', text: `No follow-up date set, ${seen} — visit due`, short: 'No date set: visit', sort: '1' + last.fields.visited_at };
  if (fu < today) return { state: 'overdue', text: `Overdue since ${spokenDate(fu, now)}, ${seen} — visit due`, short: `Was due ${spokenDate(fu, now)}: visit now`, sort: '0' + fu };
  if (fu === today) return { state: 'due', text: `Due today, ${seen} — visit today`, short: 'Due today', sort: '1' + fu };
  return { state: 'later', text: `Next due ${spokenDate(fu, now)}`, short: `Next due ${spokenDate(fu, now)}`, sort: '2' + fu };
}

/**
 * The person's current capacity assessment for where to live (or their most
 * recent one), ignoring superseded ones, and the best-interests decision
 * resting on it.
 * @param {Data} data @param {string} residentId
 */
export function capacity(data, residentId) {
  const mine = data.assessments.filter((a) => a.fields.resident_id === residentId);
  const superseded = new Set(mine.map((a) => a.fields.supersedes_id).filter(Boolean));
  const current = mine.filter((a) => !superseded.has(a.id));
  const when = (/** @type {Rec} */ a) => a.fields.signed_at || (a.fields.sittings && a.fields.sittings[0] && a.fields.sittings[0].date) || '';
  current.sort((a, b) => when(b).localeCompare(when(a)));
  const a = current.find((x) => x.fields.decision_type === 'accommodation') || current[0];
  const bi = a ? data.decisions.find((d) => d.fields.assessment_id === a.id) : undefined;
  /** @type {{text: string, colour: string, next: string}} */
  let s;
  if (!a) s = { text: 'Not assessed', colour: 'grey', next: 'Assess capacity if it is in doubt' };
  else if (a.fields.outcome === 'has_capacity') s = { text: 'Has capacity', colour: 'green', next: 'The person decides' };
  else if (a.fields.outcome === 'lacks_capacity') {
    s = bi ? { text: 'Lacks capacity', colour: 'purple', next: 'Best-interests decision recorded' }
      : { text: 'Lacks capacity', colour: 'orange', next: 'Best-interests decision needed' };
  } else s = { text: 'Assessment started', colour: 'yellow', next: 'Finish the assessment' };
  return { assessment: a, decision: bi, status: s };
}

/**
 * The person's next move that has not finished.
 * @param {Data} data @param {string} residentId
 */
export function plannedMove(data, residentId) {
  return data.moves
    .filter((m) => m.fields.resident_id === residentId && (m.fields.status === 'planned' || m.fields.status === 'in_transit' || m.fields.status === 'arrived' || m.fields.status === 'on_hold'))
    .sort((a, b) => (a.fields.planned_at || '').localeCompare(b.fields.planned_at || ''))[0];
}

/** @param {Data} data @param {Rec|undefined} m */
export function moveText(data, m) {
  if (!m) return 'No move planned';
  const to = serviceName(data, m.fields.to_service_id);
  if (m.fields.status === 'in_transit') return `On the way to ${to}`;
  return `To ${to}${m.fields.planned_at ? ', ' + spoken(m.fields.planned_at) : ''}`;
}

/**
 * The residents' list rows, those due a visit first.
 * @param {Data} data @param {Date} now
 */
export function residentRows(data, now) {
  const byResident = new Map();
  for (const c of data.checks) {
    const k = c.fields.resident_id;
    if (!byResident.has(k)) byResident.set(k, []);
    byResident.get(k).push(c);
  }
  const rows = data.residents.map((r) => {
    const last = latestCheck(byResident.get(r.id) || []);
    const d = due(r, last, now);
    return { r, last, due: d, cap: capacity(data, r.id), move: plannedMove(data, r.id) };
  });
  rows.sort((a, b) => a.due.sort.localeCompare(b.due.sort) || name(a.r).localeCompare(name(b.r)));
  return rows;
}

/**
 * Text folded for search: accents and case do not count (Siân, sian;
 * Zoë, zoe; Llŷr, llyr).
 * @param {string} s
 */
export const fold = (s) => String(s).normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/**
 * Whether a resident matches a search: name, preferred name, room or NHS
 * number (spaces ignored), whatever the accents and case.
 * @param {Rec} r @param {string} q
 */
export function matches(r, q) {
  const s = fold(q.trim());
  if (!s) return true;
  const f = r.fields;
  const digits = s.replace(/\s+/g, '');
  if (/^\d+$/.test(digits) && String(f.nhs_number || '').includes(digits)) return true;
  const hay = [f.given_name, f.family_name, f.preferred_name, `${f.given_name} ${f.family_name}`, f.room ? `room ${f.room}` : '']
    .filter(Boolean).join('\n');
  if (fold(hay).includes(s)) return true;
  return String(f.room || '').toLowerCase() === s;
}

/** Words for values that are not plain English once underscores go. */
const LABELS = /** @type {Record<string, string>} */ ({
  la_funded: 'Local authority funded', nhs_chc: 'NHS Continuing Healthcare', fnc: 'Funded Nursing Care',
  self_funder: 'Self-funder', out_of_area: 'Out of area (placing authority pays)', s117: 'Section 117 aftercare (MHA)',
  dwp_preserved_rights: 'DWP preserved rights', lpa_health_welfare: 'Lasting power of attorney, health and welfare',
  lpa_property_affairs: 'Lasting power of attorney, property and financial affairs', deputy_health_welfare: 'Deputy, health and welfare',
  deputy_property_affairs: 'Deputy, property and affairs', enduring_power_of_attorney: 'Enduring power of attorney',
  residential_dementia: 'Residential (dementia)', nursing_dementia: 'Nursing (dementia)', in_transit: 'On the way', arrived: 'Arrived: hand-over due', on_hold: 'On hold',
  wheelchair_taxi: 'Wheelchair taxi',
});

/** Words for enum values: "safe_and_well" → "Safe and well". @param {string} v */
export function words(v) {
  if (!v) return '';
  if (LABELS[v]) return LABELS[v];
  const s = String(v).replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}
