// @ts-check
// Enrol the tablet with a one-time code, then choose an incident.
import { html } from '/shared/html.js';
import { field, errorSummary, fieldId, summaryList } from '../forms.js';
import { errorOf, redirectIfNotReady } from './common.js';
import { councilConfig, startURL } from '../council.js';
import { canScan, scanCamera, cameraProblem } from '../scan.js';

/** Stops the camera when the person leaves or types the code instead. @type {AbortController|undefined} */
let scanning;

/** @typedef {import('./common.js').Ctx} Ctx */
/** @typedef {import('./common.js').View} View */

/** @param {Ctx} ctx @param {string} [error] @param {string} [code] @param {boolean} [council] whether council sign-in is offered @returns {View} */
function enrolView(ctx, error, code = '', council = false) {
  /** @type {import('../forms.js').Errors} */
  const errors = error ? { code: error } : {};
  return {
    title: error ? 'Error: Set up this device' : 'Set up this device',
    body: html`${errorSummary(error ? [{ href: '#' + fieldId('code'), text: error }] : [])}
<h1 class="govuk-heading-l">Set up this device</h1>
${council ? html`<p class="govuk-body">Sign in with your council account: the one you use for email and the council's other systems.</p>
<a href="${startURL('app')}" role="button" draggable="false" class="govuk-button" data-module="govuk-button" id="council-sign-in">Sign in with your council account</a>
<h2 class="govuk-heading-m">Or use an enrolment code</h2>` : ''}
<p class="govuk-body">Ask the incident room or your manager for an enrolment code. It works once, for 15 minutes.</p>
${canScan() ? html`<div class="app-scan"><button type="button" class="govuk-button govuk-button--secondary" data-module="govuk-button" data-action="scan" data-id="scan" id="scan-start">Scan the QR code with the camera</button>
<p class="govuk-body" id="scan-status" role="status"></p>
<video class="app-scan__video" id="scan-video" playsinline muted hidden></video></div>` : ''}
<form novalidate>
${field({ name: 'code', type: 'text', label: 'Enrolment code', hint: 'For example, K7QM-4XRT-2P. Letters and numbers; capitals or small letters both work.', width: '20', autocomplete: 'one-time-code' }, { code }, errors)}
<button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true" id="enrol-submit">Continue</button>
</form>`,
    async click(el) {
      if (el.getAttribute('data-action') !== 'scan') return;
      const video = /** @type {HTMLVideoElement} */ (document.getElementById('scan-video'));
      const status = /** @type {HTMLElement} */ (document.getElementById('scan-status'));
      if (scanning) { scanning.abort(); scanning = undefined; video.hidden = true; el.textContent = 'Scan the QR code with the camera'; status.textContent = ''; return; }
      const mine = new AbortController();
      scanning = mine;
      const stop = () => { mine.abort(); if (scanning === mine) scanning = undefined; };
      window.addEventListener('hashchange', stop, { once: true });
      video.hidden = false;
      el.textContent = 'Stop scanning';
      status.textContent = 'Point the camera at the QR code on the incident room’s screen.';
      try {
        const code = await scanCamera(video, mine.signal);
        if (!code) return;
        status.textContent = 'QR code read. Setting up this device…';
        const input = /** @type {HTMLInputElement|null} */ (document.getElementById(fieldId('code')));
        const form = input && input.form;
        if (input && form) { input.value = code; form.requestSubmit(); }
      } catch (err) {
        if (mine.signal.aborted) return; // stopped, or the person left meanwhile
        ctx.show(enrolView(ctx, cameraProblem(err), '', council));
      } finally {
        stop();
        window.removeEventListener('hashchange', stop);
      }
    },
    async submit(form) {
      scanning?.abort();
      const input = /** @type {HTMLInputElement} */ (form.elements.namedItem('code'));
      const value = input.value.trim();
      if (!value) { ctx.show(enrolView(ctx, 'Enter the enrolment code', value, council)); return; }
      if (!navigator.onLine) { ctx.show(enrolView(ctx, 'This device is offline. Setting it up needs a connection once; try again when you have signal', value, council)); return; }
      try {
        await ctx.client.enrol(value);
      } catch (err) {
        ctx.show(enrolView(ctx, errorOf(err).message || 'The code was not accepted', value, council));
        return;
      }
      // Who this device is, asked while the first sync starts (not before it).
      const me = ctx.client.me();
      ctx.client.start();
      try { ctx.setMe(await me); } catch { /* shown on the next screen */ }
      ctx.flash('This device is set up.');
      ctx.go('#/incidents');
    },
  };
}

/** @param {Ctx} ctx */
export async function enrol(ctx) {
  if (ctx.client.enrolled) { ctx.go('#/'); return undefined; }
  const failed = sessionStorage.getItem('continuity.council-error') || undefined;
  sessionStorage.removeItem('continuity.council-error');
  return enrolView(ctx, failed, '', navigator.onLine && (await councilConfig()).enabled);
}

/** @param {Ctx} ctx @returns {Promise<View|undefined>} */
export async function incidents(ctx) {
  if (redirectIfNotReady(ctx, { incident: false })) return undefined;
  if (navigator.onLine) {
    try { await ctx.applyScope(await ctx.client.me()); } catch { /* use what we knew */ }
  }
  const me = ctx.me;
  const list = (me && me.incidents) || [];
  const withdrawn = sessionStorage.getItem('continuity.withdrawn');
  /** @param {string} [error] @returns {View} */
  const build = (error) => ({
    title: error ? 'Error: Choose an incident' : 'Choose an incident',
    nav: 'incidents',
    body: html`${errorSummary(error ? [{ href: '#' + fieldId('incident'), text: error }] : [])}
${withdrawn ? html`<div class="govuk-notification-banner" role="region" aria-labelledby="withdrawn-title" data-module="govuk-notification-banner">
<div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="withdrawn-title">Important</h2></div>
<div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading" id="withdrawn">${withdrawn}</p></div></div>` : ''}
${list.length === 0
    ? html`<h1 class="govuk-heading-l">No incidents yet</h1><p class="govuk-body">This device has not been given an incident to work on. Ask the incident room to grant you one, then <a class="govuk-link" href="#/incidents">check again</a>.</p>`
    : html`<form novalidate>${field({
      name: 'incident', type: 'radios', heading: true, label: 'Which incident are you working on?',
      hint: 'Only the incidents this device has been given are shown.',
      options: list.map((i) => ({ value: i.id, text: i.name || 'Incident' })),
    }, { incident: ctx.incident || '' }, error ? { incident: error } : {})}
<button type="submit" class="govuk-button" data-module="govuk-button">Continue</button></form>`}
${me ? html`<h2 class="govuk-heading-m">This device</h2>${summaryList([
      { key: 'Signed in as', value: me.subject },
      { key: 'Role', value: (me.role || '').replace(/_/g, ' ') },
    ])}` : ''}`,
    submit(form) {
      const v = /** @type {RadioNodeList|null} */ (form.elements.namedItem('incident'));
      const id = v && 'value' in v ? v.value : '';
      if (!id) { ctx.show(build('Select the incident you are working on')); return; }
      ctx.setIncident(id);
      sessionStorage.removeItem('continuity.withdrawn');
      ctx.go(ctx.me && ctx.me.role === 'transport_coordinator' ? '#/transport' : '#/residents');
    },
  });
  return build();
}

/** @param {Ctx} ctx @returns {Promise<View|undefined>} */
export async function signOut(ctx) {
  if (!ctx.client.enrolled) { ctx.go('#/enrol'); return undefined; }
  const pending = ctx.client.status().pending || 0;
  return {
    title: 'Sign out of this device',
    nav: 'sign-out',
    body: html`<h1 class="govuk-heading-l">Sign out of this device</h1>
${pending ? html`<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span>
${pending} change${pending === 1 ? ' has' : 's have'} not reached the server yet. Signing out now deletes ${pending === 1 ? 'it' : 'them'}. Connect to a network and wait for "All changes sent" first.</strong></div>` : ''}
<p class="govuk-body">Signing out removes every record, draft and change from this device. You will need a new enrolment code to use it again.</p>
<form novalidate><div class="govuk-button-group">
<button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button" data-prevent-double-click="true" id="confirm-sign-out">Sign out and wipe this device</button>
<a class="govuk-link" href="#/">Cancel</a></div></form>`,
    async submit() {
      await ctx.signOut(); // reloads the app, empty, at the enrolment page
    },
  };
}
