// @ts-check
// The back-office console: a browser enrolled like any device, showing the
// incident room's screens for the signed-in role. Screens are ES modules
// rendered into <main>; the SDK's background loop (stream wake-up, polling
// until the stream answers) tells the open screen to refresh when changes
// arrive, without a reload.
import { Client } from '/sdk/continuity.js';
import { html, put } from '/shared/html.js';
import { banner, errorSummary, showErrors, errorMessage, tag, byId } from './govuk.js';
import { when, words } from './format.js';
import * as roles from './roles.js';
import { errorText, isForbidden, isSignedOut } from './api.js';
import { councilConfig, collectHandoff, councilSignOut, isCouncilSession, startURL } from '/sdk/council.js';

/** @typedef {import('./api.js').Ctx} Ctx */

const views = {
  board: () => import('./views/board.js'),
  moves: () => import('./views/moves.js'),
  conflicts: () => import('./views/conflicts.js'),
  checklist: () => import('./views/checklist.js'),
  obligations: () => import('./views/obligations.js'),
  providers: () => import('./views/providers.js'),
  report: () => import('./views/report.js'),
  logs: () => import('./views/logs.js'),
  history: () => import('./views/logs.js'),
  import: () => import('./views/import.js'),
  admin: () => import('./views/admin.js'),
};

const main = /** @type {HTMLElement} */ (document.getElementById('main-content'));
const nav = /** @type {HTMLElement} */ (document.getElementById('console-nav'));
const account = /** @type {HTMLElement} */ (document.getElementById('console-account'));
const statusEl = /** @type {HTMLElement} */ (document.getElementById('console-status'));

/** @type {any} */
let client;
/** @type {any} */
let me = null;
/** The open screen's refresh, called when changes arrive. @type {(() => Promise<void>|void) | null} */
let refresh = null;
/** Aborts the open screen's listeners and timers when another opens. */
let screenAbort = new AbortController();
let refreshTimer = 0;
let refreshing = false;
let refreshAgain = false;

document.body.classList.add('js-enabled', 'govuk-frontend-supported');

/** Incident chosen by this browser (an id; never personal data). */
function incidentId() {
  const ids = (me?.incidents || []).map((/** @type {{id:string}} */ i) => i.id);
  const saved = localStorage.getItem('continuity-console-incident');
  if (saved && ids.includes(saved)) return saved;
  return ids[0] || '';
}

/** @returns {Ctx} */
function ctx() {
  return {
    client, me, role: me?.role || '', incident: incidentId(), main,
    signal: screenAbort.signal,
    navigate: (/** @type {string} */ hash) => { if (location.hash === hash) route(); else location.hash = hash; },
    setTitle: (/** @type {string} */ t) => { document.title = t + ' – Continuity console'; },
    onRefresh: (/** @type {() => any} */ fn) => { refresh = fn; },
  };
}

async function boot() {
  window.addEventListener('hashchange', () => route());
  if (!(await openClient())) return;
  try {
    await collectHandoff(client);
  } catch (err) {
    signIn(errorText(err));
    return;
  }
  if (!client.enrolled) {
    signIn();
    return;
  }
  await signedIn();
}

/** Opens the SDK client on this browser's database. */
async function openClient() {
  try {
    // The console's own database and key, apart from the field app's: the
    // key lives in this tab's session only, so nothing it keeps outlives it.
    client = await Client.open({ baseURL: location.origin, dbName: 'continuity-console', keyStorage: 'session' });
  } catch (err) {
    put(main, banner('The console cannot start', 'This browser could not open its local database: ' + errorText(err)));
    return false;
  }
  lastSynced = client.status().lastSyncedAt || ''; // a sync remembered from before is not news
  client.on('status', showStatus);
  client.on('change', () => scheduleRefresh());
  return true;
}

async function signedIn() {
  try {
    me = await client.me();
  } catch (err) {
    if (isSignedOut(err)) {
      const council = isCouncilSession();
      localStorage.removeItem('continuity-council-signin');
      await client.signOut();
      signIn(council ? 'Your sign-in has ended. Sign in again with your council account.' : 'Your sign-in has ended. Enter a new enrolment code.');
      return;
    }
    put(main, banner('Cannot reach the server', errorText(err)));
    return;
  }
  if (!roles.consoleRoles.includes(me.role)) {
    put(main, html`<h1 class="govuk-heading-l">This console is not for your role</h1>
<p class="govuk-body">You are signed in as ${words(me.role).toLowerCase()}. The console is for back office, commissioners, quality officers, the Director and administrators. Use the field app instead.</p>
<p class="govuk-body"><a class="govuk-link" href="/app/">Open the field app</a></p>
<button type="button" class="govuk-button govuk-button--secondary" id="wrong-role-sign-out">Sign out</button>`);
    byId('wrong-role-sign-out').addEventListener('click', signOut);
    return;
  }
  showAccount();
  client.start();
  await route();
  preloadViews();
}

function showAccount() {
  const incidents = me.incidents || [];
  const current = incidentId();
  const picker = incidents.length > 1
    ? html`<div class="govuk-form-group app-incident-picker"><label class="govuk-label" for="incident-picker">Incident</label>
<select class="govuk-select" id="incident-picker" name="incident">${incidents.map((/** @type {{id:string,name:string}} */ i) => html`<option value="${i.id}"${i.id === current ? html` selected` : ''}>${i.name || i.id}</option>`)}</select></div>`
    : incidents.length === 1 ? html`<p class="govuk-body-s app-account__incident">Incident: <strong>${incidents[0].name || incidents[0].id}</strong></p>` : '';
  put(account, html`<p class="govuk-body-s app-account__who">Signed in as <strong>${me.subject}</strong> (${words(me.role).toLowerCase()})</p>
${picker}
<button type="button" class="govuk-button govuk-button--secondary app-account__signout">Sign out</button>`);
  const sel = /** @type {HTMLSelectElement|null} */ (account.querySelector('#incident-picker'));
  sel?.addEventListener('change', () => {
    localStorage.setItem('continuity-console-incident', sel.value);
    route();
  });
  account.querySelector('.app-account__signout')?.addEventListener('click', signOut);
  const items = roles.screens.filter((s) => roles.may(me.role, s.id));
  put(nav, html`<ul class="govuk-service-navigation__list" id="navigation">${items.map((s) => html`<li class="govuk-service-navigation__item" data-screen="${s.id}">
<a class="govuk-service-navigation__link" href="#/${s.id}">${s.title}</a></li>`)}</ul>`);
}

function markNav(/** @type {string} */ id) {
  for (const li of nav.querySelectorAll('li')) {
    const on = li.getAttribute('data-screen') === id;
    li.classList.toggle('govuk-service-navigation__item--active', on);
    const a = li.querySelector('a');
    if (!a) continue;
    if (on) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
}

async function route() {
  if (!me) return;
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  let id = parts[0] || roles.home(me.role);
  screenAbort.abort();
  screenAbort = new AbortController();
  refresh = null;
  const screen = roles.screens.find((s) => s.id === (id === 'history' ? 'logs' : id));
  if (!screen || !(id in views)) {
    id = roles.home(me.role);
    location.replace('#/' + id);
    return;
  }
  markNav(screen.id);
  if (!roles.may(me.role, screen.id)) {
    document.title = 'Not available – Continuity console';
    put(main, html`<h1 class="govuk-heading-l">You cannot use this screen</h1>
<p class="govuk-body">${screen.title} is not available to your role (${words(me.role).toLowerCase()}).</p>
<p class="govuk-body"><a class="govuk-link" href="#/${roles.home(me.role)}">Go to your first screen</a></p>`);
    return;
  }
  const c = ctx();
  if (screen.incident && !c.incident) {
    document.title = 'No incident – Continuity console';
    put(main, html`<h1 class="govuk-heading-l">No incident to show</h1>
<p class="govuk-body">You have not been granted an incident yet. Ask an administrator to grant you one.</p>`);
    return;
  }
  put(main, html`<p class="govuk-body" aria-live="polite">Loading…</p>`);
  try {
    const mod = await views[/** @type {keyof typeof views} */ (id)]();
    if (c.signal.aborted) return;
    await mod.render(c, id === 'history' ? ['history', ...parts.slice(1)] : parts.slice(1));
    main.setAttribute('data-screen', id);
    main.setAttribute('data-ready', String(Date.now()));
  } catch (err) {
    if (c.signal.aborted) return;
    showError(err);
  }
}

/** @param {unknown} err */
function showError(err) {
  if (isForbidden(err)) {
    put(main, html`<h1 class="govuk-heading-l">You do not have access to this</h1>
<p class="govuk-body">The server refused: ${errorText(err)}</p>`);
    return;
  }
  put(main, errorSummary([{ message: errorText(err) }]), html`<p class="govuk-body">Try again, or reload the page.</p>`);
  /** @type {HTMLElement|null} */ (main.querySelector('.govuk-error-summary'))?.focus();
}

/** Refreshes the open screen soon; coalesces bursts of changes. */
function scheduleRefresh() {
  if (!refresh) return;
  clearTimeout(refreshTimer);
  refreshTimer = window.setTimeout(runRefresh, 100);
}

async function runRefresh() {
  if (!refresh) return;
  if (refreshing) { refreshAgain = true; return; }
  refreshing = true;
  const signal = screenAbort.signal;
  try {
    await refresh();
    if (!signal.aborted) main.setAttribute('data-refreshed', String(Date.now()));
  } catch (err) {
    if (!signal.aborted) console.warn('refresh failed', err);
  } finally {
    refreshing = false;
    if (refreshAgain) { refreshAgain = false; scheduleRefresh(); }
  }
}

// "Live" is earned, not assumed: the console says it only while it has
// heard from the server in the last LIVE_MS (a sync finishing, or the
// check below answering). An open stream proves nothing on its own: a cut
// link can leave it open and silent for minutes. When nothing else has
// been heard for CHECK_MS the console asks the server's /healthz itself;
// a failed answer, the browser going offline or a failed sync turn the
// line to "Not live since HH:MM" at once.
const LIVE_MS = 8000;
const CHECK_MS = 3000;
/** When the server last answered (ms since the epoch; 0 never). */
let heardAt = 0;
/** Whether the last attempt to reach the server failed. */
let lastFailed = false;
let lastSynced = '';
/** @type {any} */
let lastStatus = null;
let checking = false;
let painted = '';

/** @param {any} s */
function showStatus(s) {
  lastStatus = s;
  if (s.lastSyncedAt && s.lastSyncedAt !== lastSynced && !s.error) {
    lastSynced = s.lastSyncedAt;
    heardAt = Date.now();
    lastFailed = false;
  }
  if (s.error || !s.online) lastFailed = true;
  paintStatus();
}

/** Draws the status line from what was last heard. */
function paintStatus() {
  const s = lastStatus;
  if (!s) return;
  const live = navigator.onLine && s.online && !s.error && !lastFailed && heardAt > 0 && Date.now() - heardAt < LIVE_MS;
  let t;
  if (!live) {
    const since = heardAt ? new Date(heardAt).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/London' }) : '';
    t = tag(since ? `Not live since ${since}` : 'Not live: connecting', 'red');
  } else if (s.pending > 0) t = tag(`Sending ${s.pending} change${s.pending === 1 ? '' : 's'}`, 'yellow');
  else t = tag('Live', 'green');
  const key = `${t}|${s.lastSyncedAt || ''}`;
  if (key === painted) return; // nothing new to announce
  painted = key;
  put(statusEl, t, s.lastSyncedAt ? html`<span class="govuk-body-s app-status__when"> updated ${when(s.lastSyncedAt)}</span>` : '');
}

/** Asks the server whether it can be reached, when nothing else has said so lately. */
async function checkLive() {
  if (!me || checking || !lastStatus) return;
  if (Date.now() - heardAt >= CHECK_MS || lastFailed) {
    checking = true;
    try {
      const resp = await fetch('/healthz', { cache: 'no-store', credentials: 'omit', signal: AbortSignal.timeout(CHECK_MS) });
      if (resp.ok) {
        heardAt = Date.now();
        lastFailed = !!(lastStatus && lastStatus.error);
      } else lastFailed = true;
    } catch {
      lastFailed = true;
    } finally {
      checking = false;
    }
  }
  paintStatus();
}
setInterval(checkLive, 1000);
window.addEventListener('offline', paintStatus);
window.addEventListener('online', checkLive);

/**
 * Loads every screen's module once the console is signed in, so that a
 * screen opened while the server cannot be reached still opens (its data
 * says it cannot be fetched) instead of failing to import.
 */
function preloadViews() {
  for (const load of Object.values(views)) load().catch(() => { /* tried again when the screen opens */ });
}

/** @param {string} [notice] */
async function signIn(notice) {
  document.title = 'Sign in – Continuity console';
  put(nav);
  put(account);
  const council = (await councilConfig()).enabled;
  put(main, html`<div id="sign-in-errors"></div>
${notice ? banner('Important', notice) : ''}
${council ? html`<div id="council-sign-in-block">
<h1 class="govuk-heading-l">Sign in</h1>
<p class="govuk-body">Use your council account: the one you use for email and the council's other systems.</p>
<a class="govuk-button" role="button" draggable="false" data-module="govuk-button" id="council-sign-in" href="${startURL('console')}">Sign in with your council account</a></div>` : ''}
<form novalidate id="sign-in"><div class="govuk-form-group" id="code-group">
${council
    ? html`<h2 class="govuk-label-wrapper"><label class="govuk-label govuk-label--m" for="code">Or sign in with an enrolment code</label></h2>`
    : html`<h1 class="govuk-label-wrapper"><label class="govuk-label govuk-label--l" for="code">Sign in with an enrolment code</label></h1>`}
<div class="govuk-hint" id="code-hint">An administrator gives you a one-time code for this browser. It is used once: this browser then stays signed in until you sign out.</div>
<input class="govuk-input govuk-input--width-20" id="code" name="code" type="text" autocomplete="one-time-code" spellcheck="false" aria-describedby="code-hint">
</div><button type="submit" class="govuk-button" data-module="govuk-button">Sign in</button></form>`);
  const form = byId('sign-in');
  const group = byId('code-group');
  const input = /** @type {HTMLInputElement} */ (byId('code'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const code = input.value.trim();
    if (!code) return fail('Enter the enrolment code an administrator gave you');
    try {
      await client.enrol(code);
    } catch (err) {
      return fail(errorText(err));
    }
    await signedIn();
  });
  /** @param {string} msg */
  function fail(msg) {
    showErrors(byId('sign-in-errors'), [{ field: 'code', message: msg }]);
    group.classList.add('govuk-form-group--error');
    group.querySelector('.govuk-error-message')?.remove();
    input.insertAdjacentHTML('beforebegin', errorMessage('code-error', msg).toString());
    input.classList.add('govuk-input--error');
    input.setAttribute('aria-describedby', 'code-hint code-error');
  }
}

async function signOut() {
  screenAbort.abort();
  refresh = null;
  me = null;
  client.stop();
  const end = await councilSignOut(client, 'console');
  await client.signOut();
  if (end) {
    location.assign(end); // the provider ends its session and sends the browser back
    return;
  }
  put(statusEl);
  painted = '';
  lastStatus = null;
  history.replaceState(null, '', location.pathname);
  if (await openClient()) signIn();
}

boot();
