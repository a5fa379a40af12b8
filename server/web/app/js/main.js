// @ts-check
// The field app: boot, hash routing, the always-visible sync status, and
// the service worker's update flow. Screens live in ./screens/.
import { initAll } from '/assets/govuk/govuk-frontend.min.js';
import { Client } from '/sdk/continuity.js';
import { html, escape } from '/shared/html.js';
import { spoken } from './time.js';
import * as drafts from './drafts.js';
import { routes } from './screens/index.js';
import { collectHandoff, councilSignOut, afterCouncilSignIn } from './council.js';
import { errorOf, plainProblem } from './screens/common.js';
import { errorSummary } from './forms.js';
import { choosePinView, lockView, setPaint, watchIdle, keepIdle } from './lock.js';
import { noteChange } from './model.js';

document.body.classList.add('js-enabled', 'govuk-frontend-supported');

/**
 * What every screen gets.
 * @typedef {{
 *   client: any, me: Me|undefined, incident: string|undefined, params: string[], query: URLSearchParams,
 *   go: (hash: string) => void, refresh: () => void, setIncident: (id: string|undefined) => void,
 *   setMe: (me: Me|undefined) => void, flash: (text: string) => void,
 *   show: (v: View) => void, signOut: () => Promise<void>, applyScope: (me: Me) => Promise<void>,
 * }} Ctx
 * @typedef {{subject: string, name?: string, role: string, device_id?: string, incidents: {id: string, name: string}[]}} Me
 * @typedef {{
 *   title: string, body: import('/shared/html.js').Safe, nav?: string,
 *   submit?: (form: HTMLFormElement, submitter: HTMLButtonElement|null) => Promise<void>|void,
 *   input?: (form: HTMLFormElement) => void,
 *   click?: (el: HTMLElement) => Promise<void>|void,
 *   live?: boolean, focus?: string,
 * }} View
 */

const main = /** @type {HTMLElement} */ (document.getElementById('main-content'));
const statusBox = /** @type {HTMLElement} */ (document.getElementById('app-status'));
const statusText = /** @type {HTMLElement} */ (document.getElementById('app-status-text'));
const banners = /** @type {HTMLElement} */ (document.getElementById('app-banners'));
const nav = /** @type {HTMLElement} */ (document.getElementById('app-nav'));

const ME_KEY = 'continuity.me';
const INCIDENT_KEY = 'continuity.incident';
/** Why the incident in use went away; shown until another is chosen. */
const WITHDRAWN_KEY = 'continuity.withdrawn';

/** @type {any} */
let client;
/** @type {View|undefined} */
let view;
/** @type {string} */
let flashText = sessionStorage.getItem('continuity.flash') || '';
sessionStorage.removeItem('continuity.flash');
/** The screen the confirmation belongs to: it stays, through live refreshes, until the person moves on. */
let flashHash = '';
let renderSeq = 0;
/** Counts the SDK's change events, so a live view built meanwhile is rebuilt. */
let changeSeq = 0;
let lastMeCheck = 0;
let lastSyncSeen = '';
/** @type {ServiceWorkerRegistration|undefined} */
let swReg;
let updateReady = false;

/** @returns {Me|undefined} */
function cachedMe() {
  try { return JSON.parse(localStorage.getItem(ME_KEY) || 'null') || undefined; } catch { return undefined; }
}

/** @type {Ctx} */
const ctx = {
  client: undefined,
  me: cachedMe(),
  incident: localStorage.getItem(INCIDENT_KEY) || undefined,
  params: [],
  query: new URLSearchParams(),
  go(hash) {
    if (location.hash === hash) render();
    else location.hash = hash;
  },
  refresh() { render(); },
  setIncident(id) {
    ctx.incident = id;
    if (id) localStorage.setItem(INCIDENT_KEY, id);
    else localStorage.removeItem(INCIDENT_KEY);
  },
  setMe(me) {
    ctx.me = me;
    keepIdle(me);
    if (me) localStorage.setItem(ME_KEY, JSON.stringify({ subject: me.subject, name: me.name || '', role: me.role, device_id: me.device_id, incidents: me.incidents || [] }));
    else localStorage.removeItem(ME_KEY);
  },
  flash(text) { flashText = text; flashHash = ''; },
  show(v) { paint(v); },
  applyScope(me) { return applyScope(me); },
  async signOut() {
    let end = '';
    if (client) {
      client.stop();
      end = await councilSignOut(client, 'app');
      await client.signOut();
    }
    await drafts.wipe();
    ctx.setMe(undefined);
    ctx.setIncident(undefined);
    lastMeCheck = 0;
    sessionStorage.removeItem(WITHDRAWN_KEY);
    // Start again from a fresh page: a new, empty local database.
    sessionStorage.setItem('continuity.flash', 'Signed out. Everything has been removed from this device.');
    if (end) {
      location.assign(end); // the provider ends its session and sends the tablet back to /app/
      return;
    }
    location.replace('/app/#/enrol');
    location.reload();
  },
};

/** Parses location.hash: "#/resident/<id>?x=1" → ["resident", "<id>"]. */
function parseHash() {
  const h = location.hash.replace(/^#\/?/, '');
  const [path, q] = h.split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(q || '') };
}

/**
 * The screen that comes before any other: the lock screen while the device
 * is locked, or choosing a PIN straight after setting it up.
 * @returns {View|undefined}
 */
function gate() {
  if (!client) return undefined;
  if (client.locked) {
    return lockView(client, () => { if (client.enrolled) client.start(); showStatus(); render(); }, wiped);
  }
  if (client.needsPin) return choosePinView(client, () => { flashText = 'This device is set up.'; render(); });
  return undefined;
}

/**
 * After the last wrong PIN the SDK has wiped the device (and will tell the
 * server): the app's drafts and selections go too, and it starts again.
 * @param {any} err
 */
async function wiped(err) {
  await drafts.wipe();
  ctx.setMe(undefined);
  ctx.setIncident(undefined);
  sessionStorage.removeItem(WITHDRAWN_KEY);
  sessionStorage.setItem('continuity.flash', (err && err.message) || 'Everything has been removed from this device.');
  location.replace('/app/#/enrol');
  location.reload();
}

/** Renders the current route into <main>. */
async function render() {
  const locked = gate();
  if (locked) {
    ++renderSeq;
    paint(locked);
    return;
  }
  const seq = ++renderSeq;
  const changes = changeSeq;
  const { parts, query } = parseHash();
  const name = parts[0] || '';
  ctx.params = parts.slice(1);
  ctx.query = query;
  const route = routes[name] || routes[''];
  /** @type {View} */
  let v;
  try {
    v = /** @type {View} */ (await route(ctx));
  } catch (err) {
    console.error(err);
    v = { title: 'Sorry, there is a problem', body: html`<h1 class="govuk-heading-l">Sorry, there is a problem</h1><p class="govuk-body">${errorOf(err).message}</p><p class="govuk-body"><a class="govuk-link" href="#/">Go to the start</a></p>` };
  }
  if (seq !== renderSeq) return; // a later navigation won
  if (!v) return; // the route redirected
  paint(v);
  // Records that changed while a live view was being built (e.g. the first
  // pull finishing while the screen loaded) are shown at once.
  if (v.live && changeSeq !== changes) render();
}

/** The route last painted: painting it again is a refresh, not a new page. */
let paintedHash = '';

/**
 * Puts a view on screen. A refresh of the same screen (a live update, a
 * tick on the transport screen) keeps the person's place: focus goes back
 * to the control that had it and the page does not scroll.
 * @param {View} v
 */
function paint(v) {
  const again = paintedHash === location.hash && !!view;
  const had = /** @type {HTMLElement|null} */ (document.activeElement);
  const keep = again && had && had !== main && main.contains(had) ? had.id : '';
  const scrollY = window.scrollY;
  paintedHash = location.hash;
  view = v;
  document.title = `${v.title} – Continuity`;
  if (flashText && flashHash && flashHash !== location.hash) flashText = '';
  const announce = flashText && !flashHash;
  if (flashText) flashHash = location.hash;
  const flash = flashText ? html`<div class="govuk-notification-banner govuk-notification-banner--success" role="${announce ? 'alert' : 'region'}" aria-labelledby="flash-title" data-module="govuk-notification-banner">
<div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="flash-title">Success</h2></div>
<div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">${flashText}</p></div></div>` : '';
  main.innerHTML = escape(flash) + v.body.toString();
  initAll({ scope: main });
  stripExpanded();
  markNav(v.nav);
  if (v.focus) {
    const el = document.getElementById(v.focus);
    if (el) el.focus();
  } else if (main.querySelector('.govuk-error-summary')) {
    // the error summary takes focus itself
  } else if (again) {
    const el = keep ? document.getElementById(keep) : null;
    if (el) el.focus({ preventScroll: true });
    window.scrollTo(0, scrollY);
  } else {
    main.focus({ preventScroll: false });
    window.scrollTo(0, 0);
  }
}

/**
 * GOV.UK Frontend's conditional reveals put aria-expanded on radio and
 * checkbox inputs, which ARIA does not allow on those roles (axe-core
 * reports it as critical). The revealed content follows the input in the
 * reading order and aria-controls stays, so the attribute is removed after
 * the component sets it.
 */
function stripExpanded() {
  for (const el of Array.from(main.querySelectorAll('input[type=radio][aria-expanded], input[type=checkbox][aria-expanded]'))) {
    el.removeAttribute('aria-expanded');
  }
}

/** @param {string|undefined} active */
function markNav(active) {
  const signedIn = !!(client && client.enrolled && !client.locked && !client.needsPin);
  nav.hidden = !signedIn;
  for (const li of Array.from(nav.querySelectorAll('[data-nav]'))) {
    const on = li.getAttribute('data-nav') === active;
    li.classList.toggle('govuk-service-navigation__item--active', on);
    const a = li.querySelector('a');
    if (a) {
      if (on) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  }
}

/** Shows the sync status: always visible, in words, never colour alone. */
function showStatus() {
  if (!client) return;
  /** @type {{online: boolean, pending: number, lastSyncedAt?: string, rejected: number, syncing: boolean, error?: string}} */
  const s = client.status();
  const online = s.online && navigator.onLine;
  statusBox.classList.toggle('app-status--offline', !online);
  const pending = s.pending || 0;
  const rejected = s.rejected || 0;
  statusText.innerHTML = html`<strong class="govuk-tag ${online ? 'govuk-tag--green' : 'govuk-tag--yellow'}" id="app-online">${online ? 'Online' : 'Offline'}</strong>
<p class="govuk-body-s app-status__item" id="app-pending">${pending > 0 ? `${pending} change${pending === 1 ? '' : 's'} waiting to send` : rejected ? 'Nothing left to send, but some changes were not accepted' : 'All changes sent'}</p>
<p class="govuk-body-s app-status__item" id="app-synced">${s.lastSyncedAt ? `Last synced ${spoken(s.lastSyncedAt)}` : 'Not synced yet'}${s.syncing && online ? ' (syncing now)' : ''}</p>
${pending > 0 && online && s.error ? html`<p class="govuk-body-s app-status__item" id="app-sync-error">Not sent yet: ${s.error}</p>` : ''}
${rejected ? html`<p class="govuk-body-s app-status__item"><a class="govuk-link" href="#/changes" id="app-rejected">${rejected} change${rejected === 1 ? ' was' : 's were'} not accepted — review</a></p>` : ''}`.toString();
  banners.innerHTML = updateReady ? html`<div class="govuk-notification-banner" role="region" aria-labelledby="update-title" data-module="govuk-notification-banner">
<div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="update-title">Update</h2></div>
<div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">A new version of the app is ready.</p>
<p class="govuk-body">Nothing you have typed will be lost. <button type="button" class="govuk-button govuk-!-margin-bottom-0" id="app-update">Use the new version</button></p></div></div>`.toString() : '';
  maybeCheckScope(s);
}

/**
 * After a sync, asks the server (at most once a minute) which incidents the
 * device still holds; an incident no longer granted is wiped from the tablet
 * (the SDK purges its records, the app its drafts and its selection).
 * @param {{online: boolean, lastSyncedAt?: string}} s
 */
async function maybeCheckScope(s) {
  if (!s.online || !client.enrolled || !s.lastSyncedAt || s.lastSyncedAt === lastSyncSeen || Date.now() - lastMeCheck < 5000) return;
  lastSyncSeen = s.lastSyncedAt;
  lastMeCheck = Date.now();
  try {
    await applyScope(await client.me());
  } catch { /* offline or the server is busy: try again after the next sync */ }
}

/**
 * Keeps the app to the incidents the server still grants: drafts of any
 * other incident are deleted, and if the incident in use was withdrawn the
 * person is told and sent to choose another (the SDK has purged its
 * records on the same sync).
 * @param {Me} me
 */
async function applyScope(me) {
  ctx.setMe(me);
  const ids = (me.incidents || []).map((i) => i.id);
  await drafts.keepIncidents(ids);
  if (ctx.incident && !ids.includes(ctx.incident)) {
    ctx.setIncident(undefined);
    sessionStorage.setItem(WITHDRAWN_KEY, 'This device no longer has access to the incident you were working on. Its records and drafts have been removed from the device.');
    ctx.go('#/incidents');
  }
}

/**
 * The forms whose submit is in flight. A second submit of one (a double
 * tap, Enter then a tap, a scanned code submitted while the person taps)
 * does nothing: one-time things (enrolment, the PIN, sign-out) happen once.
 * @type {WeakSet<HTMLFormElement>}
 */
const submitting = new WeakSet();

/**
 * Shows a form's submit buttons busy (GOV.UK: disabled, aria-disabled, the
 * words kept), or ready again.
 * @param {HTMLFormElement} form @param {boolean} busy
 */
function markBusy(form, busy) {
  for (const b of Array.from(form.querySelectorAll('button[type=submit], button:not([type])'))) {
    const button = /** @type {HTMLButtonElement} */ (b);
    button.disabled = busy;
    if (busy) button.setAttribute('aria-disabled', 'true');
    else button.removeAttribute('aria-disabled');
  }
}

/**
 * What a form's submit threw, shown in the page's GOV.UK error summary in
 * words a person can act on (plainProblem). Nothing is thrown on, uncaught.
 * @param {unknown} err
 */
function showSubmitProblem(err) {
  console.error(err);
  const text = plainProblem(err);
  for (const old of Array.from(main.querySelectorAll('.govuk-error-summary'))) old.remove();
  const at = main.querySelector('h1') || main.querySelector('form');
  const summary = errorSummary([{ text }], 'submit-problem').toString();
  if (at) at.insertAdjacentHTML('beforebegin', summary);
  else main.insertAdjacentHTML('afterbegin', summary);
  if (!document.title.startsWith('Error: ')) document.title = 'Error: ' + document.title;
  const el = document.getElementById('submit-problem');
  if (el) el.focus();
}

// Events: one listener each, dispatched to the current view.
main.addEventListener('submit', async (e) => {
  const form = /** @type {HTMLFormElement} */ (e.target);
  if (!view || !view.submit) return;
  e.preventDefault();
  if (submitting.has(form)) return;
  const v = view;
  const seq = renderSeq;
  const hash = location.hash;
  const submitter = /** @type {HTMLButtonElement|null} */ (/** @type {SubmitEvent} */ (e).submitter || null);
  submitting.add(form);
  markBusy(form, true);
  try {
    await v.submit?.(form, submitter);
  } catch (err) {
    showSubmitProblem(err);
    submitting.delete(form);
    if (document.contains(form)) markBusy(form, false);
    return;
  }
  // The screen moves on (a new view, a render under way, another route):
  // the form stays busy until it is replaced. Otherwise it is ready again.
  if (view === v && renderSeq === seq && location.hash === hash && document.contains(form)) {
    submitting.delete(form);
    markBusy(form, false);
  }
});
main.addEventListener('input', (e) => {
  const form = /** @type {HTMLElement} */ (e.target).closest('form');
  if (form && view && view.input) view.input(form);
});
main.addEventListener('change', (e) => {
  const form = /** @type {HTMLElement} */ (e.target).closest('form');
  if (form && view && view.input) view.input(form);
});
main.addEventListener('click', async (e) => {
  stripExpanded();
  const el = /** @type {HTMLElement} */ (e.target).closest('[data-action]');
  if (el && view && view.click) {
    if (!(el instanceof HTMLInputElement)) e.preventDefault();
    await view.click(/** @type {HTMLElement} */ (el));
  }
});
banners.addEventListener('click', (e) => {
  if (/** @type {HTMLElement} */ (e.target).id !== 'app-update') return;
  // Ask the registration as it is now: the worker offered may have been
  // replaced by a newer one since the banner was shown.
  navigator.serviceWorker.getRegistration('/app/').then((r) => {
    const w = (r && r.waiting) || (swReg && swReg.waiting);
    if (w) w.postMessage({ type: 'skip-waiting' });
  });
});
window.addEventListener('hashchange', () => render());
window.addEventListener('online', showStatus);
window.addEventListener('offline', showStatus);

/** Registers the service worker and offers updates when one is waiting. */
async function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  try {
    swReg = await navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' });
  } catch (err) {
    console.warn('service worker not registered', err);
    return;
  }
  const hadController = !!navigator.serviceWorker.controller;
  const offer = () => { updateReady = true; showStatus(); };
  if (swReg.waiting && hadController) offer();
  swReg.addEventListener('updatefound', () => {
    const w = swReg && swReg.installing;
    if (!w) return;
    w.addEventListener('statechange', () => {
      if (w.state === 'installed' && navigator.serviceWorker.controller) offer();
    });
  });
  let reloading = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (hadController && !reloading) {
      reloading = true;
      location.reload();
    }
  });
  // Look for a new version whenever the app comes back to the foreground.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && swReg) swReg.update().catch(() => {});
  });
}

async function boot() {
  const top = /** @type {HTMLElement} */ (document.querySelector('.app-top'));
  initAll({ scope: top });
  // How tall the sticky bar is, so the page scrolls what takes focus clear of it.
  new ResizeObserver(() => document.documentElement.style.setProperty('--app-top', `${top.offsetHeight}px`)).observe(top);
  client = await Client.open({ baseURL: location.origin, dbName: 'continuity-app' });
  ctx.client = client;
  drafts.sealWith(client);
  setPaint(paint);
  // Another tab signed out (or the device was wiped there): this one holds
  // nothing any more and goes to the signed-out page too.
  client.on('signedout', () => {
    sessionStorage.setItem('continuity.flash', 'Signed out. Everything has been removed from this device.');
    location.replace('/app/#/enrol');
    location.reload();
  });
  watchIdle(() => {
    if (client.enrolled && !client.locked && !client.needsPin) {
      client.lock();
      render();
    }
  });
  client.on('status', showStatus);
  // The model reads again only the records the SDK names as changed.
  client.on('change', (/** @type {any} */ ev) => { noteChange(client, ev); changeSeq++; if (view && view.live) render(); });
  try {
    if (await collectHandoff(client)) {
      try { ctx.setMe(await client.me()); } catch { /* shown on the next screen */ }
      await afterCouncilSignIn(ctx);
      flashText = 'This device is set up.';
      location.hash = '#/incidents';
    }
  } catch (err) {
    sessionStorage.setItem('continuity.council-error', errorOf(err).message || 'The council sign-in could not be finished. Try again.');
  }
  if (client.enrolled && !client.locked) client.start();
  showStatus();
  await render();
  registerWorker();
}

boot().catch((err) => {
  console.error(err);
  main.innerHTML = html`<h1 class="govuk-heading-l">Sorry, the app could not start</h1><p class="govuk-body">${errorOf(err).message}</p>`.toString();
});
