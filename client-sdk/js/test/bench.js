// @ts-check
// The at-rest benchmark (client-sdk/js/bench_browser_test.go drives it under
// 4× CPU throttling): a device holding `residents` residents and two checks
// each, sealed (the SDK as it is) and, beside it, the same rows in clear in
// IndexedDB (what version 1 of the store kept). window.runBench(n) answers
// the figures in milliseconds.
import { Client } from '../continuity.js';
import { formatHLC } from '../hlc.js';
import { recordObject } from '../merge.js';
import { openDB } from '../vendor/idb/index.js';
import { readCounts } from '../vault.js';

const INC = 'f05f4698-b205-5dc8-baea-d5625368b932';
const PIN = '275913';
const GIVEN = ['Edith', 'Mary', 'Arthur', 'Siân', 'Zoë', 'Llŷr', 'Harold', 'Joan', 'Walter', 'Irene'];
const FAMILY = ['Barlow', 'Hughes', 'Patel', 'Jones', 'Evans', 'Okafor', 'Nowak', 'Smith', 'Clarke', 'Ahmed'];

/** @param {Record<string, any>} claims */
function jwt(claims) {
  const b64 = (/** @type {any} */ o) => btoa(JSON.stringify(o)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  return `${b64({ alg: 'none' })}.${b64(claims)}.sig`;
}

/** @param {any} v */
const json = (v) => new Response(JSON.stringify(v), { headers: { 'Content-Type': 'application/json' } });

/** @param {number} n the residents */
function changes(n) {
  const out = [];
  let t = Date.UTC(2026, 10, 1);
  for (let i = 0; i < n; i++) {
    const rid = crypto.randomUUID();
    const nhs = String(9000000000 + i * 7919);
    out.push({ collection: 'residents', record_id: rid, fields: { incident_id: INC, given_name: GIVEN[i % 10], family_name: `${FAMILY[(i / 10) % 10 | 0]}-${i}`, nhs_number: nhs, date_of_birth: '1931-02-03', room: `R${i}`, status: 'in_placement' } });
    for (let k = 0; k < 2; k++) {
      out.push({ collection: 'safe_and_well_checks', record_id: crypto.randomUUID(), fields: { incident_id: INC, resident_id: rid, visited_at: '2026-11-23T09:30:00Z', outcome: 'safe_and_well', in_own_words: 'I like the garden and the tea in the afternoons.' } });
    }
  }
  return out.map((c) => ({ id: crypto.randomUUID(), op: 'upsert', hlc: formatHLC({ wall: t++, counter: 0, node: 'server' }), recorded_at: new Date(t).toISOString(), device_id: 'other', ...c }));
}

/**
 * The app's search: name, room or NHS number, ignoring case and spaces.
 * @param {{fields: any}[]} rows @param {string} q
 */
function search(rows, q) {
  const s = q.toLowerCase().replace(/\s+/g, '');
  return rows.filter((r) => `${r.fields.given_name}${r.fields.family_name}${r.fields.room}${r.fields.nhs_number}`.toLowerCase().replace(/\s+/g, '').includes(s));
}

/** @param {() => Promise<any>|any} fn */
async function time(fn) {
  const t0 = performance.now();
  const v = await fn();
  return { ms: performance.now() - t0, v };
}

/** @type {any} */ (window).runBench = async (/** @type {number} */ n) => {
  const schema = await (await fetch('/vectors/schema.json')).json();
  const all = changes(n);
  /** Pull pages still to answer: all at first, then what a test adds. @type {any[][]} */
  const pages = [all];
  const dbName = 'bench-' + crypto.randomUUID();
  /** @type {typeof fetch} */
  const f = async (input) => {
    const p = new URL(String(input)).pathname;
    if (p === '/v1/schema') return json(schema);
    if (p === '/v1/sync/pull') return json({ changes: pages.shift() ?? [], cursor: 'c-' + pages.length + '-' + performance.now(), has_more: false });
    if (p === '/v1/me/wipe-secret') return new Response(null, { status: 204 });
    return new Response('{}', { status: 404 });
  };
  const opts = { baseURL: location.origin, dbName, fetch: f, stream: false };
  const first = await Client.open(opts);
  await first.enrolWithPair({ access_token: jwt({ sub: 'u', role: 'social_worker', device_id: 'dev-1' }), refresh_token: 'r1', expires_in: 900, device_id: 'dev-1' });
  await first.setPin(PIN);
  const synced = await time(() => first.sync());
  first.lock();

  // Cold start: open the database, unlock with the PIN, list the residents.
  const open = await time(() => Client.open(opts));
  const c = open.v;
  const unlock = await time(() => c.unlock(PIN));
  const list = await time(() => c.list('residents'));
  const found = await time(() => search(list.v, 'hughes-1'));
  const nhs = await time(() => search(list.v, '9000 0079 19'));
  const listAndSearch = await time(async () => search(await c.list('residents'), 'patel'));

  // A live change: another device renames one resident; the screen reads
  // the incident's residents and checks again.
  await c.list('safe_and_well_checks');
  const renamed = { ...all[0], id: crypto.randomUUID(), hlc: formatHLC({ wall: Date.UTC(2026, 10, 2), counter: 0, node: 'server' }), fields: { given_name: 'Zebedee' } };
  pages.push([renamed]);
  await c.sync();
  const opened0 = readCounts().opened;
  const reread = await time(async () => [await c.list('residents'), await c.list('safe_and_well_checks')]);
  const rereadRows = readCounts().opened - opened0;

  // The same rows in clear, as version 1 of the store kept them.
  const plainName = dbName + '-plain';
  const pdb = await openDB(plainName, 1, { upgrade(db) { db.createObjectStore('records', { keyPath: ['collection', 'record_id'] }).createIndex('collection', 'collection'); } });
  const rows = await c.list('residents');
  const tx = pdb.transaction('records', 'readwrite');
  for (const r of rows) {
    const state = { collection: 'residents', record_id: r.id, fields: Object.fromEntries(Object.entries(r.fields).map(([k, v]) => [k, { value: v, hlc: '000000000000001-00000-x', device_id: 'x', change_id: r.id }])) };
    tx.store.put({ collection: 'residents', record_id: r.id, incident: INC, deleted: 0, pending: 0, state });
  }
  await tx.done;
  pdb.close();
  const pOpen = await time(() => openDB(plainName, 1));
  const pList = await time(async () => (await pOpen.v.getAllFromIndex('records', 'collection', 'residents')).map((/** @type {any} */ x) => ({ id: x.record_id, fields: recordObject(x.state) })));
  const pFound = await time(() => search(pList.v, 'hughes-1'));
  pOpen.v.close();
  await c.signOut();
  indexedDB.deleteDatabase(plainName);
  return {
    residents: list.v.length, records: all.length, found: found.v.length + nhs.v.length,
    sealed: { sync: synced.ms, open: open.ms, unlock: unlock.ms, list: list.ms, unlockToList: open.ms + unlock.ms + list.ms, search: found.ms, searchNHS: nhs.ms, listAndSearch: listAndSearch.ms, reread: reread.ms, rereadRows },
    plain: { open: pOpen.ms, list: pList.ms, unlockToList: pOpen.ms + pList.ms, search: pFound.ms },
  };
};
const state = document.getElementById('state');
if (state) state.textContent = 'ready';
