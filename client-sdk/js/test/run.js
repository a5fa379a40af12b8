// @ts-check
// The SDK's JavaScript tests: the shared vectors (testdata/vectors, served at
// /vectors/) and unit tests of the outbox and sync loop against a scripted
// fake server (an injected fetch). client-sdk/js/browser_test.go runs this
// page in headless Chromium and reports window.__results; it needs no Node.

import { compareHLC, formatHLC, parseHLC, Clock } from '../hlc.js';
import { changesOf, mergeAll, recordObject, isDeleted } from '../merge.js';
import { Schema } from '../validate.js';
import { backoff, readSSE } from '../http.js';
import { Client, newId } from '../continuity.js';
import { Sealer, readCounts } from '../vault.js';

/** @type {{name: string, fn: () => Promise<void>|void}[]} */
const tests = [];
/**
 * @param {string} name
 * @param {() => Promise<void>|void} fn
 */
function test(name, fn) {
  tests.push({ name, fn });
}

/**
 * @param {any} cond
 * @param {string} msg
 */
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

/**
 * JSON with object keys sorted, for comparing values.
 * @param {any} v
 * @returns {string}
 */
function canon(v) {
  if (Array.isArray(v)) return '[' + v.map(canon).join(',') + ']';
  if (v && typeof v === 'object') {
    return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + canon(v[k])).join(',') + '}';
  }
  return JSON.stringify(v);
}

/** @param {string} name */
async function vectors(name) {
  const r = await fetch('/vectors/' + name, { cache: 'no-store' });
  if (!r.ok) throw new Error(`GET /vectors/${name}: ${r.status}`);
  return r.json();
}

// ---- ids ---------------------------------------------------------------------

test('newId: version 7 UUIDs that sort in the order they were made', () => {
  const re = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  const t = Date.UTC(2026, 10, 29, 15, 0, 0);
  const first = newId(t);
  assert(re.test(first), `${first} is not a version 7 UUID`);
  assert(first.replace(/-/g, '').slice(0, 12) === t.toString(16).padStart(12, '0'), `${first} does not start with the time ${t.toString(16)}`);
  let prev = first;
  const seen = new Set([first]);
  // 5,000 ids in the same millisecond run past the 12-bit counter, then a
  // clock that steps back: every id still sorts after the one before.
  for (let i = 0; i < 5000; i++) {
    const id = newId(i < 4500 ? t : t - 1000);
    assert(re.test(id), `${id} is not a version 7 UUID`);
    assert(id > prev, `${id} does not sort after ${prev}`);
    assert(!seen.has(id), `${id} made twice`);
    seen.add(id);
    prev = id;
  }
  const later = newId(Date.now() + 60000);
  assert(later > prev, `an id a minute later (${later}) sorts before ${prev}`);
});

// ---- shared vectors ---------------------------------------------------------

test('vectors: HLC compare', async () => {
  const v = await vectors('hlc.json');
  const bad = [];
  for (const c of v.compare) {
    const got = compareHLC(c.a, c.b);
    if (got !== c.want) bad.push(`${c.a} vs ${c.b}: ${got}, want ${c.want}`);
    const lex = c.a < c.b ? -1 : c.a > c.b ? 1 : 0;
    if (lex !== c.want) bad.push(`wire forms ${c.a} vs ${c.b} sort ${lex}`);
  }
  assert(bad.length === 0, bad.join('\n'));
});

test('vectors: HLC parse and format round trip', async () => {
  const v = await vectors('hlc.json');
  const bad = [];
  for (const p of v.parse) {
    let h;
    try {
      h = parseHLC(p.in);
    } catch {
      h = null;
    }
    if (!!h !== p.ok) {
      bad.push(`parse ${JSON.stringify(p.in)}: ok=${!!h}, want ${p.ok}`);
      continue;
    }
    if (h && (h.wall !== (p.wall ?? 0) || h.counter !== (p.counter ?? 0) || h.node !== p.node || formatHLC(h) !== p.in)) {
      bad.push(`parse ${p.in}: ${JSON.stringify(h)} → ${formatHLC(h)}`);
    }
  }
  assert(bad.length === 0, bad.join('\n'));
});

test('vectors: HLC clock', async () => {
  const v = await vectors('hlc.json');
  const bad = [];
  for (const c of v.clock) {
    let phys = 0;
    const clock = new Clock(c.node, () => phys);
    for (const s of c.steps) {
      phys = s.physical;
      if (s.op === 'now') clock.now();
      else if (s.op === 'update') clock.update(s.remote);
      else if (s.op === 'reset') clock.reset(s.remote);
      const got = formatHLC(clock.last());
      if (got !== s.want) bad.push(`${c.name}: ${s.op} at ${s.physical} → ${got}, want ${s.want}`);
    }
  }
  assert(bad.length === 0, bad.join('\n'));
});

test('vectors: merge of shuffled and duplicated change sets', async () => {
  const v = await vectors('merge.json');
  const bad = [];
  for (const c of v.cases) {
    const got = mergeAll(c.changes);
    for (const want of c.records) {
      const r = got.get(`${want.state.collection}/${want.state.record_id}`);
      if (!r) {
        bad.push(`${c.name}: no record ${want.state.record_id}`);
        continue;
      }
      if (canon(r) !== canon(want.state)) bad.push(`${c.name}: ${want.state.record_id}\n got ${canon(r)}\nwant ${canon(want.state)}`);
      if (canon(recordObject(r) ?? null) !== canon(want.object)) bad.push(`${c.name}: object of ${want.state.record_id}`);
      if (isDeleted(r) !== want.deleted) bad.push(`${c.name}: deleted of ${want.state.record_id}`);
    }
    if (got.size !== c.records.length) bad.push(`${c.name}: ${got.size} records, want ${c.records.length}`);
  }
  assert(bad.length === 0, bad.join('\n'));
});

test('vectors: a record state as its changes (changesOf) rebuilds it, with the original ids and stamps', async () => {
  const v = await vectors('merge.json');
  const bad = [];
  for (const c of v.cases) {
    for (const want of c.records) {
      const changes = changesOf(want.state);
      const ids = new Set(c.changes.map((/** @type {any} */ x) => x.id));
      for (const ch of changes) if (!ids.has(ch.id)) bad.push(`${c.name}: change ${ch.id} is not one of the originals`);
      const back = mergeAll(changes).get(`${want.state.collection}/${want.state.record_id}`);
      if (changes.length > 0 && canon(back) !== canon(want.state)) bad.push(`${c.name}: ${want.state.record_id}\n got ${canon(back)}\nwant ${canon(want.state)}`);
    }
  }
  assert(bad.length === 0, bad.join('\n'));
});

test('vectors: field validation verdicts and their words', async () => {
  const v = await vectors('validation.json');
  const schema = new Schema(await vectors('schema.json'), { now: () => Date.parse(v.now) });
  const bad = [];
  for (const c of v.cases) {
    const got = schema.validate(c.collection, c.fields, { create: c.create, current: c.current }).map((e) => ({ field: e.field, code: e.code, message: e.message }));
    if (canon(got) !== canon(c.errors)) bad.push(`${c.name}: ${canon(got)}, want ${canon(c.errors)}`);
  }
  assert(bad.length === 0, bad.join('\n'));
});

test('vectors: record rules as data (the two-stage test)', async () => {
  const schema = new Schema(await vectors('schema.json'));
  const v = await vectors('requirements.json');
  const bad = [];
  assert(v.cases.length > 0, 'no cases');
  for (const c of v.cases) {
    const got = schema.requirements(c.collection, c.fields);
    if (canon(got) !== canon(c.violations)) bad.push(`${c.name}: ${canon(got)}, want ${canon(c.violations)}`);
  }
  assert(bad.length === 0, bad.join('\n'));
});

// ---- unit tests -------------------------------------------------------------

test('backoff is full jitter under a doubling ceiling', () => {
  for (let n = 0; n < 12; n++) {
    const ceil = Math.min(60000, 500 * 2 ** n);
    assert(backoff(n, 500, 60000, () => 0) === 0, `backoff(${n}) with random 0`);
    const hi = backoff(n, 500, 60000, () => 0.999999);
    assert(hi <= ceil && hi >= ceil * 0.99, `backoff(${n}) = ${hi}, ceiling ${ceil}`);
  }
});

test('server-sent events are parsed across chunks, CRLF and comments', async () => {
  const chunks = [': hello\r\n\r\nevent: cur', 'sor\r\ndata: {"cursor":"a"}\r', '\n\r\n', 'event: token_expired\ndata: {}\n\n', 'data: x\ndata: y\n\n'];
  const body = new ReadableStream({
    start(ctl) {
      for (const c of chunks) ctl.enqueue(new TextEncoder().encode(c));
      ctl.close();
    },
  });
  /** @type {{event: string, data: string}[]} */
  const got = [];
  await readSSE(body, (e) => got.push(e));
  assert(canon(got) === canon([{ event: 'cursor', data: '{"cursor":"a"}' }, { event: 'token_expired', data: '{}' }, { event: 'message', data: 'x\ny' }]), canon(got));
});

const INC = 'f05f4698-b205-5dc8-baea-d5625368b932';
const RES = '9f8f757b-979d-59f5-9c73-3882a720333a';

/**
 * A fake JWT with the given claims.
 * @param {Record<string, any>} claims
 */
function jwt(claims) {
  const b64 = (/** @type {any} */ o) => btoa(JSON.stringify(o)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  return `${b64({ alg: 'none' })}.${b64(claims)}.sig`;
}

/**
 * A request the fake server received.
 * @typedef {{body: any, headers: Headers, url: URL}} Req
 */

/**
 * A scripted server: handlers by "METHOD path" (path without query).
 * @param {Record<string, (req: Req) => Promise<Response>|Response>} routes
 */
function fakeServer(routes) {
  /** @type {string[]} */
  const calls = [];
  /** @type {string[]} each request's Content-Encoding ('' for none) */
  const encodings = [];
  /** @type {typeof fetch} */
  const f = async (input, init = {}) => {
    const url = new URL(String(input));
    const key = `${init.method ?? 'GET'} ${url.pathname}`;
    calls.push(key);
    const headers = new Headers(init.headers);
    encodings.push(headers.get('Content-Encoding') ?? '');
    const h = routes[key];
    if (!h) return new Response(JSON.stringify({ error: { code: 'not_found', message: key } }), { status: 404 });
    let body;
    if (typeof init.body === 'string') body = JSON.parse(init.body);
    else if (init.body instanceof Uint8Array && headers.get('Content-Encoding') === 'gzip') {
      const stream = new Blob([init.body]).stream().pipeThrough(new DecompressionStream('gzip'));
      body = JSON.parse(await new Response(stream).text());
    }
    return h({ body, headers, url });
  };
  return { fetch: f, calls, encodings };
}

/** @param {any} v @param {number} [status] @param {Record<string, string>} [headers] */
function json(v, status = 200, headers = {}) {
  return new Response(JSON.stringify(v), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

let schemaBody = /** @type {any} */ (null);

/**
 * A client on a fresh database against a fake server.
 * @param {Record<string, (req: Req) => Promise<Response>|Response>} routes
 * @param {Partial<import('../continuity.js').Options>} [opts]
 */
async function fakeClient(routes, opts = {}) {
  schemaBody ??= await vectors('schema.json');
  const srv = fakeServer({
    'GET /v1/schema': () => json(schemaBody),
    'GET /v1/sync/pull': () => json({ changes: [], cursor: 'c1', has_more: false }),
    ...routes,
  });
  const dbName = 'unit-' + crypto.randomUUID();
  const c = await Client.open({ baseURL: 'http://fake.invalid', dbName, fetch: srv.fetch, retryBaseMs: 1, maxRetries: 3, stream: false, ...opts });
  await c.enrolWithPair({ access_token: jwt({ sub: 'u', role: 'social_worker', device_id: 'dev-1' }), refresh_token: 'r1', expires_in: 900, device_id: 'dev-1' });
  return { c, srv, dbName };
}

/** A valid safe-and-well check. */
function check() {
  return { incident_id: INC, resident_id: RES, visited_at: '2026-11-23T09:30:00Z', outcome: 'safe_and_well' };
}

/** Answers a push as applied, echoing ids. */
function applyAll(/** @type {{body: any}} */ req) {
  return json({ results: req.body.changes.map((/** @type {any} */ ch) => ({ id: ch.id, status: 'applied' })), cursor: 'c2', server_time: new Date().toISOString() });
}

test('outbox: a write is queued durably and leaves once applied', async () => {
  /** @type {any[]} */
  const pushed = [];
  const { c } = await fakeClient({
    'POST /v1/sync/push': (req) => {
      pushed.push(...req.body.changes);
      return applyAll(req);
    },
  });
  await c.loadSchema();
  const id = crypto.randomUUID();
  const changeId = await c.put('safe_and_well_checks', id, check());
  assert(c.status().pending === 1, `pending ${c.status().pending}`);
  const rep = await c.sync();
  assert(rep.applied === 1 && rep.pushed === 1, canon(rep));
  assert(c.status().pending === 0, 'pending after sync');
  assert(pushed.length === 1 && pushed[0].id === changeId && pushed[0].device_id === undefined && parseHLC(pushed[0].hlc).node === 'dev-1', canon(pushed));
  const got = await c.get('safe_and_well_checks', id);
  assert(got?.outcome === 'safe_and_well', canon(got));
});

test('sync: a large push goes gzip-compressed; a server that refuses gzip (415) gets every later body as it is', async () => {
  /** @type {any[]} */
  const pushed = [];
  let refuse = false;
  const { c, srv } = await fakeClient({
    'POST /v1/sync/push': (req) => {
      if (refuse && req.headers.get('Content-Encoding')) {
        return json({ error: { code: 'unsupported_media_type', message: 'send the body uncompressed', field: 'Content-Encoding' } }, 415);
      }
      pushed.push(...req.body.changes);
      return applyAll(req);
    },
  });
  await c.loadSchema();
  const pushEncodings = () => srv.calls.flatMap((k, i) => (k === 'POST /v1/sync/push' ? [srv.encodings[i]] : []));
  for (let i = 0; i < 10; i++) await c.put('safe_and_well_checks', crypto.randomUUID(), check());
  let rep = await c.sync();
  assert(rep.applied === 10 && pushed.length === 10, canon(rep));
  assert(canon(pushEncodings()) === canon(['gzip']), canon(pushEncodings()));
  refuse = true;
  for (let i = 0; i < 10; i++) await c.put('safe_and_well_checks', crypto.randomUUID(), check());
  rep = await c.sync();
  assert(rep.applied === 10 && pushed.length === 20, canon(rep));
  for (let i = 0; i < 10; i++) await c.put('safe_and_well_checks', crypto.randomUUID(), check());
  rep = await c.sync();
  assert(rep.applied === 10 && pushed.length === 30, canon(rep));
  assert(canon(pushEncodings()) === canon(['gzip', 'gzip', '', '']), canon(pushEncodings()));
});

test('outbox: validation errors are thrown before anything is queued', async () => {
  const { c } = await fakeClient({});
  await c.loadSchema();
  let err = /** @type {any} */ (null);
  await c.put('safe_and_well_checks', crypto.randomUUID(), { incident_id: INC, outcome: 'fine' }).catch((e) => (err = e));
  assert(err?.name === 'ValidationError', String(err));
  assert(canon(err.errors.map((/** @type {any} */ e) => e.field)) === canon(['fields.outcome', 'fields.resident_id', 'fields.visited_at']), canon(err.errors));
  assert(c.status().pending === 0, 'queued anyway');
});

test('outbox: a rejected change is kept with its reason and left out of the view', async () => {
  const { c } = await fakeClient({
    'POST /v1/sync/push': (req) => json({
      results: req.body.changes.map((/** @type {any} */ ch) => ({ id: ch.id, status: 'rejected', error: { code: 'rule_violation', message: 'no capacity assessment', field: 'fields.outcome' } })),
      cursor: 'c2', server_time: new Date().toISOString(),
    }),
  });
  await c.loadSchema();
  const id = crypto.randomUUID();
  const changeId = await c.put('safe_and_well_checks', id, check());
  const rep = await c.sync();
  assert(rep.rejected === 1, canon(rep));
  const rej = await c.rejected();
  assert(rej.length === 1 && rej[0].change.id === changeId && rej[0].code === 'rule_violation' && rej[0].field === 'fields.outcome', canon(rej));
  assert((await c.get('safe_and_well_checks', id)) === undefined, 'rejected record still visible');
  assert(c.status().rejected === 1 && c.status().pending === 0, canon(c.status()));
  // Sent again after its cause is fixed: pending once more, and rejected
  // again by this server; then forgotten. A change that is not rejected
  // is not found.
  await c.retryRejected(changeId);
  assert(c.status().rejected === 0 && c.status().pending === 1, 'not queued again: ' + canon(c.status()));
  let err = /** @type {any} */ (null);
  await c.discardRejected(changeId).catch((e) => (err = e));
  assert(err?.name === 'APIError' && err.code === 'not_found', 'a waiting change was discarded as rejected: ' + String(err));
  assert(c.status().pending === 1, 'the waiting change is gone');
  assert((await c.sync()).rejected === 1, 'not sent again');
  await c.discardRejected(changeId);
  assert((await c.rejected()).length === 0, 'not discarded');
});

test('sync: clock_skew re-stamps the change and sends it again', async () => {
  const ahead = 3 * 3600 * 1000;
  /** @type {string[]} */
  const stamps = [];
  const { c } = await fakeClient({
    'POST /v1/sync/push': (req) => {
      const now = Date.now();
      return json({
        results: req.body.changes.map((/** @type {any} */ ch) => {
          stamps.push(ch.hlc);
          return parseHLC(ch.hlc).wall > now + 600000
            ? { id: ch.id, status: 'rejected', error: { code: 'clock_skew', message: 'too far ahead', field: 'hlc' } }
            : { id: ch.id, status: 'applied' };
        }),
        cursor: 'c2', server_time: new Date(now).toISOString(),
      });
    },
  }, { now: () => Date.now() + ahead });
  await c.loadSchema();
  await c.put('safe_and_well_checks', crypto.randomUUID(), check());
  const rep = await c.sync();
  assert(rep.restamped === 1 && rep.applied === 1 && rep.pushed === 2, canon(rep));
  assert(stamps.length === 2 && parseHLC(stamps[1]).wall <= Date.now() + 600000, canon(stamps));
  // Later writes are stamped with the corrected clock.
  await c.put('safe_and_well_checks', crypto.randomUUID(), check());
  await c.sync();
  assert(parseHLC(stamps[2]).wall <= Date.now() + 600000, `third stamp ${stamps[2]}`);
});

test('sync: a 401 refreshes once, the new refresh token stored before use', async () => {
  /** @type {string[]} */
  const seen = [];
  let dbName = '';
  const { c, dbName: name } = await fakeClient({
    'POST /v1/auth/token': (req) => {
      seen.push('refresh ' + req.body.refresh_token);
      return json({ access_token: 'A2', refresh_token: 'r2', expires_in: 900, token_type: 'Bearer', device_id: 'dev-1' });
    },
    'POST /v1/sync/push': async (req) => {
      const auth = req.headers.get('Authorization');
      seen.push('push ' + auth);
      if (auth !== 'Bearer A2') return json({ error: { code: 'unauthorized', message: 'token has expired; refresh it' } }, 401);
      // The rotated refresh token is already durable (sealed: opened here
      // with the tab session's key).
      const row = await new Promise((resolve) => {
        const r = indexedDB.open(dbName);
        r.onsuccess = () => {
          const g = r.result.transaction('meta').objectStore('meta').get('refresh_token');
          g.onsuccess = () => {
            r.result.close();
            resolve(g.result);
          };
        };
      });
      const jwk = Object.keys(sessionStorage).find((k) => k.startsWith(`continuity:${dbName}:key:`)) ?? '';
      const key = await crypto.subtle.importKey('jwk', JSON.parse(sessionStorage.getItem(jwk) ?? '{}'), { name: 'AES-GCM', length: 256 }, false, ['decrypt', 'encrypt']);
      seen.push('stored ' + (await new Sealer(key).open('meta', row)).value);
      return applyAll(req);
    },
  }, { keyStorage: 'session' });
  dbName = name;
  await c.loadSchema().catch(() => {});
  await c.put('safe_and_well_checks', crypto.randomUUID(), check());
  await c.sync();
  const pushes = seen.filter((s) => s.startsWith('push') || s.startsWith('refresh') || s.startsWith('stored'));
  assert(canon(pushes) === canon([`push Bearer ${jwt({ sub: 'u', role: 'social_worker', device_id: 'dev-1' })}`, 'refresh r1', 'push Bearer A2', 'stored r2']), canon(seen));
});

test('sync: Retry-After on 429 is waited out, 503 retried with backoff', async () => {
  /** @type {number[]} */
  const at = [];
  let n = 0;
  const { c } = await fakeClient({
    'POST /v1/sync/push': (req) => {
      at.push(performance.now());
      n++;
      if (n === 1) return json({ error: { code: 'rate_limited', message: 'slow down' } }, 429, { 'Retry-After': '1' });
      if (n === 2) return json({ error: { code: 'unavailable', message: 'busy' } }, 503);
      return applyAll(req);
    },
  });
  await c.loadSchema();
  await c.put('safe_and_well_checks', crypto.randomUUID(), check());
  const rep = await c.sync();
  assert(rep.applied === 1 && n === 3, `applied ${rep.applied} after ${n} pushes`);
  assert(at[1] - at[0] >= 990, `waited ${at[1] - at[0]} ms after Retry-After: 1`);
});

test('sync: offline gives up with code offline and keeps the change', async () => {
  const { c } = await fakeClient({
    'POST /v1/sync/push': () => {
      throw new TypeError('Failed to fetch');
    },
  });
  await c.loadSchema();
  await c.put('safe_and_well_checks', crypto.randomUUID(), check());
  const err = await c.sync().then(() => null, (e) => e);
  assert(err?.code === 'offline', String(err));
  assert(c.status().pending === 1 && c.status().online === false && c.status().error !== '', canon(c.status()));
});

test('pull: pages are merged and a scope removal purges the incident', async () => {
  let page = 0;
  const other = crypto.randomUUID();
  const r1 = crypto.randomUUID();
  const r2 = crypto.randomUUID();
  const ch = (/** @type {string} */ rec, /** @type {string} */ inc, /** @type {number} */ i) => ({
    id: crypto.randomUUID(), collection: 'residents', record_id: rec, op: 'upsert', device_id: 'dev-9',
    fields: { incident_id: inc, given_name: 'N' + i, family_name: 'F' }, hlc: formatHLC({ wall: 1700000000000 + i, counter: 0, node: 'dev-9' }), recorded_at: '2026-11-23T09:00:00Z',
  });
  const { c } = await fakeClient({
    'GET /v1/sync/pull': (req) => {
      page++;
      if (page === 1) return json({ changes: [ch(r1, INC, 1)], cursor: 'p1', has_more: true });
      if (page === 2) {
        assert(req.url.searchParams.get('cursor') === 'p1', 'cursor not sent');
        return json({ changes: [ch(r2, other, 2)], cursor: 'p2', has_more: false });
      }
      return json({ changes: [], cursor: 'p3', has_more: false, purge: [other] });
    },
    'POST /v1/sync/push': applyAll,
  });
  await c.loadSchema();
  const rep = await c.sync();
  assert(rep.pulled === 2, canon(rep));
  assert((await c.list('residents')).length === 2, 'two residents');
  // A pending write to the purged incident stays in the outbox.
  const rep2 = await c.sync();
  assert(rep2.purged === 1, canon(rep2));
  const left = await c.list('residents');
  assert(left.length === 1 && left[0].id === r1, canon(left));
});

test('pull: the next page is asked for while one is applied, each page once, its cursor kept only with it', async () => {
  const ch = (/** @type {number} */ i) => ({
    id: crypto.randomUUID(), collection: 'residents', record_id: crypto.randomUUID(), op: 'upsert', device_id: 'dev-9',
    fields: { incident_id: INC, given_name: 'N' + i, family_name: 'F' }, hlc: formatHLC({ wall: 1700000000000 + i, counter: 0, node: 'dev-9' }), recorded_at: '2026-11-23T09:00:00Z',
  });
  /** @type {(string|null)[]} */
  const cursors = [];
  /** @type {Record<string, number>} pages applied (change events) when each cursor's page was asked for */
  const appliedWhenAsked = {};
  let applied = 0;
  const pages = { '': { changes: [ch(1)], cursor: 'p1', has_more: true }, p1: { changes: [ch(2)], cursor: 'p2', has_more: true }, p2: { changes: [ch(3)], cursor: 'p3', has_more: false } };
  const { c } = await fakeClient({
    'GET /v1/sync/pull': (req) => {
      const cur = req.url.searchParams.get('cursor') ?? '';
      cursors.push(cur);
      appliedWhenAsked[cur] = applied;
      return json(pages[/** @type {'' | 'p1' | 'p2'} */ (cur)]);
    },
  });
  await c.loadSchema();
  c.on('change', (/** @type {any} */ e) => { if (e.source === 'pull') applied++; });
  const rep = await c.sync();
  assert(rep.pulled === 3 && (await c.list('residents')).length === 3, canon(rep));
  assert(canon(cursors) === canon(['', 'p1', 'p2']), 'pages asked for: ' + canon(cursors));
  assert(appliedWhenAsked.p1 === 0 && appliedWhenAsked.p2 === 1, 'the next page waited for this one to be applied: ' + canon(appliedWhenAsked));
  // Everything applied: the next sync starts from the last page's cursor.
  pages.p3 = { changes: [], cursor: 'p3', has_more: false };
  await c.sync();
  assert(cursors[cursors.length - 1] === 'p3', canon(cursors));
});

test('pull: an unknown cursor starts again from the beginning', async () => {
  /** @type {(string|null)[]} */
  const cursors = [];
  let first = true;
  const { c } = await fakeClient({
    'GET /v1/sync/pull': (req) => {
      cursors.push(req.url.searchParams.get('cursor'));
      if (first) {
        first = false;
        return json({ changes: [], cursor: 'old', has_more: false });
      }
      if (req.url.searchParams.get('cursor') === 'old') return json({ error: { code: 'invalid_cursor', message: 'unknown cursor', field: 'cursor' } }, 400);
      return json({ changes: [], cursor: 'new', has_more: false });
    },
  });
  await c.sync();
  await c.sync();
  assert(canon(cursors) === canon([null, 'old', null]), canon(cursors));
});

test('sync: a fresh device asks for the schema and the first pull page at once; a schema it cannot get leaves the page unapplied and is reported', async () => {
  const rec = crypto.randomUUID();
  const change = {
    id: crypto.randomUUID(), collection: 'residents', record_id: rec, op: 'upsert', device_id: 'dev-9',
    fields: { incident_id: INC, given_name: 'Ada', family_name: 'F' }, hlc: formatHLC({ wall: 1700000000000, counter: 0, node: 'dev-9' }), recorded_at: '2026-11-23T09:00:00Z',
  };
  /** @type {() => void} */
  let pullAsked = () => {};
  const asked = new Promise((r) => { pullAsked = () => r(true); });
  let overlapped = false;
  let failSchema = true;
  /** @type {(string|null)[]} */
  const cursors = [];
  const { c } = await fakeClient({
    'GET /v1/schema': async () => {
      // Answers once the pull is asked for (or, asked one after the other, never: give up after a while).
      overlapped = await Promise.race([asked, new Promise((r) => setTimeout(() => r(false), 3000))]) === true;
      if (failSchema) return json({ error: { code: 'forbidden', message: 'the schema is not for this device' } }, 403);
      return json(schemaBody);
    },
    'GET /v1/sync/pull': (req) => {
      cursors.push(req.url.searchParams.get('cursor'));
      pullAsked();
      return json({ changes: [change], cursor: 'p1', has_more: false });
    },
  });
  let err = null;
  try {
    await c.sync();
  } catch (e) {
    err = e;
  }
  assert(overlapped, 'the first pull page was not asked for while the schema was');
  assert(err && String(/** @type {any} */ (err).message).includes('the schema is not for this device'), `the schema's failure was not reported: ${err}`);
  assert(c.status().error.includes('the schema is not for this device'), `status: ${c.status().error}`);
  assert((await c.list('residents')).length === 0, 'the page was applied without the schema');
  failSchema = false;
  await c.sync();
  assert(canon(cursors) === canon([null, null]), `the page was not asked for again from the start: ${canon(cursors)}`);
  const got = await c.list('residents');
  assert(got.length === 1 && got[0].id === rec && got[0].fields.given_name === 'Ada', canon(got));
});

/**
 * How many rows a store of the database holds, read straight from IndexedDB.
 * @param {string} dbName @param {string} store
 * @returns {Promise<number>}
 */
function rawCount(dbName, store) {
  return new Promise((res, rej) => {
    const q = indexedDB.open(dbName);
    q.onerror = () => rej(q.error);
    q.onsuccess = () => {
      const n = q.result.transaction(store).objectStore(store).count();
      n.onsuccess = () => { q.result.close(); res(n.result); };
      n.onerror = () => { q.result.close(); rej(n.error); };
    };
  });
}

test('view: a record with nothing pending has no view row; lists and gets read its base, and a view row lives only while a change waits', async () => {
  const r1 = crypto.randomUUID();
  const r2 = crypto.randomUUID();
  let hlc = 1700000000000;
  const ch = (/** @type {string} */ rec, /** @type {'upsert'|'delete'} */ op, /** @type {string} */ name) => ({
    id: crypto.randomUUID(), collection: 'residents', record_id: rec, op, device_id: 'dev-9',
    ...(op === 'upsert' ? { fields: { incident_id: INC, given_name: name, family_name: 'F' } } : {}),
    hlc: formatHLC({ wall: hlc++, counter: 0, node: 'dev-9' }), recorded_at: '2026-11-23T09:00:00Z',
  });
  let pulled = false;
  let verdict = 'applied';
  const { c, dbName } = await fakeClient({
    'GET /v1/sync/pull': () => {
      if (pulled) return json({ changes: [], cursor: 'p2', has_more: false });
      pulled = true;
      return json({ changes: [ch(r1, 'upsert', 'Ada'), ch(r2, 'upsert', 'Bo'), ch(r2, 'delete', '')], cursor: 'p1', has_more: false });
    },
    'POST /v1/sync/push': (req) => json({
      results: req.body.changes.map((/** @type {any} */ x) => (verdict === 'applied' ? { id: x.id, status: 'applied' } : { id: x.id, status: 'rejected', error: { code: 'rule_violation', message: 'no', field: 'fields.outcome' } })),
      cursor: 'c2', server_time: new Date().toISOString(),
    }),
  });
  await c.sync();
  assert(await rawCount(dbName, 'records') === 0, `view rows after a first sync: ${await rawCount(dbName, 'records')}`);
  assert(await rawCount(dbName, 'base') === 2, `bases: ${await rawCount(dbName, 'base')}`);
  const residents = await c.list('residents');
  assert(residents.length === 1 && residents[0].id === r1 && residents[0].fields.given_name === 'Ada' && !residents[0].pending, canon(residents));
  assert((await c.get('residents', r1))?.given_name === 'Ada', 'get of a record with nothing pending');
  assert((await c.get('residents', r2)) === undefined, 'a deleted record is got');

  const k1 = crypto.randomUUID();
  await c.put('safe_and_well_checks', k1, check());
  assert(await rawCount(dbName, 'records') === 1, 'no view row while a change waits');
  let checks = await c.list('safe_and_well_checks');
  assert(checks.length === 1 && checks[0].pending, canon(checks));
  await c.sync();
  assert(await rawCount(dbName, 'records') === 0, 'the view row outlived its pending change');
  checks = await c.list('safe_and_well_checks');
  assert(checks.length === 1 && checks[0].id === k1 && !checks[0].pending && checks[0].fields.outcome === 'safe_and_well', canon(checks));

  verdict = 'rejected';
  const k2 = crypto.randomUUID();
  await c.put('safe_and_well_checks', k2, check());
  assert((await c.list('safe_and_well_checks')).length === 2, 'the waiting check is not listed');
  await c.sync();
  assert(await rawCount(dbName, 'records') === 0, 'a view row is kept for a rejected change');
  checks = await c.list('safe_and_well_checks');
  assert(checks.length === 1 && checks[0].id === k1, 'the rejected check is listed: ' + canon(checks));
  assert((await c.get('safe_and_well_checks', k2)) === undefined, 'the rejected check is got');
});

test('enrolment: the wipe secret is registered alongside the first sync, and a wipe is reported only after it', async () => {
  /** @type {string[]} */
  const order = [];
  /** @type {() => void} */
  let wipedAsked = () => {};
  const asked = new Promise((r) => { wipedAsked = () => r(undefined); });
  const { c } = await fakeClient({
    'PUT /v1/me/wipe-secret': async () => {
      order.push('secret asked');
      // A slow answer: the wipe report must not overtake it (if it would, it comes meanwhile).
      await Promise.race([asked, new Promise((r) => setTimeout(r, 5000))]);
      order.push('secret answered');
      return new Response(null, { status: 204 });
    },
    'POST /v1/auth/device-wiped': () => {
      order.push('wipe reported');
      wipedAsked();
      return new Response(null, { status: 204 });
    },
  });
  await until(() => order.length > 0, 'the wipe secret asked for');
  assert(order.length === 1 && order[0] === 'secret asked', 'enrolment waited for the wipe secret: ' + canon(order));
  await c.signOut();
  assert(canon(order) === canon(['secret asked', 'secret answered', 'wipe reported']), canon(order));
});

test('sign-out deletes the database', async () => {
  const { c, dbName } = await fakeClient({ 'POST /v1/sync/push': applyAll });
  await c.loadSchema();
  await c.put('safe_and_well_checks', crypto.randomUUID(), check());
  await c.signOut();
  assert(!c.enrolled, 'still enrolled');
  const names = (await indexedDB.databases()).map((d) => d.name);
  assert(!names.includes(dbName), `database ${dbName} still exists`);
});

// ---- record cache and change events -----------------------------------------

/**
 * Waits until cond() holds (checked on each event-loop turn), failing after
 * many turns rather than after a time.
 * @param {() => boolean} cond @param {string} what
 */
async function until(cond, what) {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`never: ${what}`);
}

/** A pulled upsert of a check, as the server sends it. @param {string} id @param {string} outcome */
function pulledCheck(id, outcome) {
  return {
    id: crypto.randomUUID(), collection: 'safe_and_well_checks', record_id: id, op: 'upsert',
    hlc: formatHLC({ wall: Date.now(), counter: 0, node: 'other' }), recorded_at: new Date().toISOString(), device_id: 'other',
    fields: { ...check(), outcome },
  };
}

test('change events name the records that changed and where from; list answers from memory, in id order', async () => {
  /** @type {any[]} */
  let page = [];
  const { c } = await fakeClient({
    'POST /v1/sync/push': applyAll,
    'GET /v1/sync/pull': () => {
      const p = json({ changes: page, cursor: 'c-' + crypto.randomUUID(), has_more: false });
      page = [];
      return p;
    },
  });
  await c.loadSchema();
  /** @type {any[]} */
  const events = [];
  c.on('change', (e) => events.push(e));
  const ids = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()].sort().reverse();
  await c.put('safe_and_well_checks', ids[0], check());
  assert(events.length === 1 && canon(events[0]) === canon({ collections: ['safe_and_well_checks'], records: { safe_and_well_checks: [ids[0]] }, source: 'local' }), canon(events));
  assert((await c.list('safe_and_well_checks')).length === 1, 'first list');

  // Listed once, the collection is held: later lists open no stored row.
  let before = readCounts();
  await c.put('safe_and_well_checks', ids[1], check());
  const before2 = readCounts();
  const listed = await c.list('safe_and_well_checks');
  assert(readCounts().opened === before2.opened, `listing again opened ${readCounts().opened - before2.opened} rows`);
  assert(canon(listed.map((r) => r.id)) === canon([ids[1], ids[0]]), `not in id order: ${canon(listed.map((r) => r.id))}`);
  assert(listed.every((r) => r.pending), 'pending not shown');

  // The push's answer and a pull reach the held records and the listeners.
  events.length = 0;
  page = [pulledCheck(ids[2], 'concerns_raised'), pulledCheck(ids[0], 'not_seen')];
  await c.sync();
  const pushed = events.find((e) => e.source === 'push');
  const pulled = events.find((e) => e.source === 'pull');
  assert(pushed && canon([...pushed.records.safe_and_well_checks].sort()) === canon([ids[0], ids[1]].sort()), canon(events));
  assert(pulled && canon([...pulled.records.safe_and_well_checks].sort()) === canon([ids[0], ids[2]].sort()), canon(events));
  before = readCounts();
  const after = await c.list('safe_and_well_checks');
  assert(readCounts().opened === before.opened, 'listing after a pull read IndexedDB');
  assert(canon(after.map((r) => [r.id, r.fields.outcome, r.pending])) === canon([[ids[2], 'concerns_raised', false], [ids[1], 'safe_and_well', false], [ids[0], 'not_seen', false]].sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1))), canon(after));
  // What list answers is a copy: changing it changes nothing held.
  after[0].fields.outcome = 'changed by the caller';
  assert((await c.get('safe_and_well_checks', after[0].id))?.outcome !== 'changed by the caller', 'the held record was changed through a listed copy');
});

test('another tab\'s write reaches this tab\'s held records and its change listeners', async () => {
  const { c: a, dbName, srv } = await fakeClient({ 'POST /v1/sync/push': applyAll }, { keyStorage: 'session' });
  await a.loadSchema();
  const b = await Client.open({ baseURL: 'http://fake.invalid', dbName, fetch: srv.fetch, stream: false, keyStorage: 'session' });
  assert(b.enrolled && !b.locked, 'the second tab cannot read the database');
  await b.loadSchema();
  assert((await b.list('safe_and_well_checks')).length === 0, 'not empty');
  /** @type {any[]} */
  const heard = [];
  b.on('change', (e) => heard.push(e));
  const id = crypto.randomUUID();
  await a.put('safe_and_well_checks', id, check());
  await until(() => heard.length > 0, 'the other tab hears the write');
  assert(canon(heard[0]) === canon({ collections: ['safe_and_well_checks'], records: { safe_and_well_checks: [id] }, source: 'tab' }), canon(heard));
  const seen = await b.list('safe_and_well_checks');
  assert(seen.length === 1 && seen[0].id === id && seen[0].pending, canon(seen));
  /** @type {any[]} */
  const heardA = [];
  a.on('change', (e) => heardA.push(e));
  await a.list('safe_and_well_checks');
  await b.remove('safe_and_well_checks', id);
  await until(() => heardA.some((e) => e.source === 'tab'), 'the first tab hears the delete');
  assert((await a.list('safe_and_well_checks')).length === 0, 'the first tab still lists a record the second deleted');
});

test('lock drops the held records: after unlock the collection is read from IndexedDB again', async () => {
  const { c } = await fakeClient({}, { pinIterations: 1000 });
  await c.setPin('275913');
  await c.loadSchema();
  for (let i = 0; i < 3; i++) await c.put('safe_and_well_checks', crypto.randomUUID(), check());
  await c.list('safe_and_well_checks');
  /** @type {any[]} */
  const events = [];
  c.on('change', (e) => events.push(e));
  c.lock();
  assert(events.length === 1 && events[0].source === 'reset', canon(events));
  let threw = '';
  await c.list('safe_and_well_checks').catch((e) => { threw = e.code; });
  assert(threw === 'locked', `list while locked: ${threw}`);
  await c.unlock('275913');
  const before = readCounts();
  assert((await c.list('safe_and_well_checks')).length === 3, 'records after unlock');
  assert(readCounts().opened - before.opened >= 3, `listing after unlock opened ${readCounts().opened - before.opened} rows: the records outlived the lock`);
});

test('a stream heartbeat reaches the status (heardAt) though nothing is synced', async () => {
  let now = Date.UTC(2026, 11, 7, 9, 0, 0);
  /** @type {ReadableStreamDefaultController<Uint8Array>|undefined} */
  let ctl;
  const { c } = await fakeClient({
    'GET /v1/sync/stream': () => new Response(new ReadableStream({ start(x) { ctl = x; } }), { headers: { 'Content-Type': 'text/event-stream' } }),
  }, { stream: true, now: () => now });
  c.start();
  try {
    await until(() => c.status().streaming, 'the stream opens');
    const opened = c.status().heardAt;
    assert(opened === new Date(now).toISOString(), `heardAt when the stream opened: ${opened}`);
    now += 60000;
    const want = new Date(now).toISOString();
    /** @type {any[]} */
    const told = [];
    c.on('status', (st) => told.push(st));
    ctl?.enqueue(new TextEncoder().encode(': ping\n\n'));
    await until(() => told.some((st) => st.heardAt === want), 'a status naming the heartbeat');
    assert(c.status().heardAt === want, c.status().heardAt);
  } finally {
    c.stop();
    ctl?.close();
  }
});

// ---- runner -----------------------------------------------------------------

async function run() {
  /** @type {{name: string, error: string}[]} */
  const failed = [];
  const passed = [];
  for (const t of tests) {
    try {
      await t.fn();
      passed.push(t.name);
    } catch (e) {
      failed.push({ name: t.name, error: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) });
    }
  }
  /** @type {any} */ (window).__results = { passed, failed };
  const summary = document.getElementById('summary');
  if (summary) summary.textContent = `${passed.length} passed, ${failed.length} failed`;
  const ul = document.getElementById('failures');
  for (const f of failed) {
    const li = document.createElement('li');
    li.textContent = `${f.name}: ${f.error}`;
    ul?.append(li);
  }
}

run();
