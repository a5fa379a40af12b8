// @ts-check
// Administration (admin role): users, devices (revoke through a
// confirmation page), scopes (grant and revoke), enrolment codes shown as
// text and as a QR code.
import qrcode from '/console/vendor/qrcode-generator/qrcode.mjs';
import { html, put } from '/shared/html.js';
import { tag, block, td, headRow, banner, showErrors, link, backLink, summaryList, byId } from '../govuk.js';
import { when, words } from '../format.js';
import { get, send, errorText, errorField } from '../api.js';

const tabs = [['users', 'Users'], ['devices', 'Devices'], ['scopes', 'Scopes'], ['codes', 'Enrolment codes']];
const roleNames = ['social_worker', 'transport_coordinator', 'quality_officer', 'commissioner', 'director', 'back_office', 'nhs_liaison', 'admin'];
let flash = '';

/** @param {import('../api.js').Ctx} c @param {string[]} params */
export async function render(c, params) {
  const tab = params[0] || 'users';
  c.setTitle('Administration');
  const msg = flash;
  flash = '';
  put(c.main, msg ? banner('Success', msg, true) : '', html`<h1 class="govuk-heading-l">Administration</h1>
<nav class="app-subnav" aria-label="Administration"><ul class="app-subnav__list">${tabs.map(([id, t]) => html`<li class="app-subnav__item"><a class="govuk-link app-subnav__link" href="#/admin/${id}"${id === tab ? html` aria-current="page"` : ''}>${t}</a></li>`)}</ul></nav>
<div id="admin-${tab}"></div>`);
  const body = byId('admin-' + tab);
  if (tab === 'devices' && params[1] && params[2] === 'revoke') return revokeDevice(c, body, params[1]);
  if (tab === 'devices') return devices(c, body);
  if (tab === 'scopes') return scopes(c, body);
  if (tab === 'codes' && params[1] && params[2] === 'cancel') return cancelCode(c, body, params[1]);
  if (tab === 'codes') return codes(c, body);
  return users(c, body);
}

/**
 * A small form with room for an error summary.
 * @param {string} id @param {unknown[]} groups @param {string} submit
 */
function form(id, groups, submit) {
  return html`<form novalidate id="${id}"><div id="${id}-errors"></div>${groups}<button type="submit" class="govuk-button" data-module="govuk-button">${submit}</button></form>`;
}

/**
 * Sends the form with id (on the page) through onSubmit; a refusal shows
 * the error summary linked to the control the server's field names.
 * @param {string} id @param {(fd: FormData) => Promise<void>} onSubmit @param {AbortSignal} signal
 */
function onForm(id, onSubmit, signal) {
  const f = /** @type {HTMLFormElement} */ (byId(id));
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await onSubmit(new FormData(f));
    } catch (err) {
      const field = errorField(err);
      const target = field ? f.querySelector(`[name="${CSS.escape(field)}"]`) : null;
      showErrors(byId(id + '-errors'), [{ field: target ? target.id : undefined, message: errorText(err) }]);
    }
  }, { signal });
}

/** @param {string} name @param {string} label @param {string} [hint] @param {string} [cls] */
function textInput(name, label, hint, cls) {
  return html`<div class="govuk-form-group"><label class="govuk-label" for="f-${name}">${label}</label>
${hint ? html`<div class="govuk-hint" id="f-${name}-hint">${hint}</div>` : ''}
<input class="govuk-input ${cls || ''}" id="f-${name}" name="${name}" type="text" spellcheck="false" autocomplete="off"${hint ? html` aria-describedby="f-${name}-hint"` : ''}></div>`;
}

/** @param {string} name @param {string} label @param {Array<[string, string]>} options */
function select(name, label, options) {
  return html`<div class="govuk-form-group"><label class="govuk-label" for="f-${name}">${label}</label>
<select class="govuk-select" id="f-${name}" name="${name}">${options.map(([v, t]) => html`<option value="${v}">${t}</option>`)}</select></div>`;
}

/** The warning text of a confirmation page. @param {string} text */
function warning(text) {
  return html`<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span>
<strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span>${text}</strong></div>`;
}

/** @param {import('../api.js').Ctx} c @param {HTMLElement} body */
async function users(c, body) {
  const res = await get(c, '/v1/admin/users');
  if (c.signal.aborted) return;
  put(body, html`<h2 class="govuk-heading-m">Users (${res.users.length})</h2>
<table class="govuk-table" id="users-table"><caption class="govuk-table__caption govuk-visually-hidden">Users</caption>
${headRow(['User', 'Name', 'Role', 'Since', 'Scopes'])}
<tbody class="govuk-table__body">${res.users.map((/** @type {any} */ u) => html`<tr class="govuk-table__row">
<th scope="row" class="govuk-table__header">${u.subject}${u.disabled_at ? block(tag('Disabled', 'grey')) : ''}</th>
${td(u.name || '')}${td(words(u.role))}${td(when(u.created_at))}${td(link('#/admin/scopes/' + encodeURIComponent(u.subject), 'Scopes', 'of ' + u.subject))}</tr>`)}</tbody></table>
<h2 class="govuk-heading-m">Add a user or change a role</h2>
${form('user-form', [textInput('subject', 'User name', 'Letters, digits, dots, @, _ or -; up to 64 characters', 'govuk-input--width-20'), textInput('name', 'Full name', undefined, 'govuk-input--width-30'),
    select('role', 'Role', roleNames.map((r) => [r, words(r)]))], 'Save user')}`);
  onForm('user-form', async (fd) => {
    await send(c, '/v1/admin/users', { subject: String(fd.get('subject') || '').trim(), role: String(fd.get('role')), name: String(fd.get('name') || '').trim() });
    flash = 'User saved.';
    c.navigate('#/admin/users');
  }, c.signal);
}

/** @param {import('../api.js').Ctx} c @param {HTMLElement} body */
async function devices(c, body) {
  const res = await get(c, '/v1/admin/devices');
  if (c.signal.aborted) return;
  put(body, html`<h2 class="govuk-heading-m">Devices (${res.devices.length})</h2>
<table class="govuk-table" id="devices-table"><caption class="govuk-table__caption govuk-visually-hidden">Devices</caption>
${headRow(['Device', 'User', 'Enrolled', 'State', 'Action'])}
<tbody class="govuk-table__body">${res.devices.map((/** @type {any} */ d) => html`<tr class="govuk-table__row" data-device="${d.device_id}">
<th scope="row" class="govuk-table__header">${d.device_id}${d.device_id === c.me.device_id ? block('this browser', 'govuk-body-s') : ''}</th>
${td(d.subject)}${td(when(d.enrolled_at))}
<td class="govuk-table__cell" id="device-state-${d.device_id}">${d.revoked_at ? [tag('Revoked ' + when(d.revoked_at), 'red'), revokedWhy(d.revoked_reason)] : tag('Active', 'green')}</td>
${td(d.revoked_at ? '' : link(`#/admin/devices/${encodeURIComponent(d.device_id)}/revoke`, 'Revoke', d.device_id))}</tr>`)}</tbody></table>`);
}

/** @param {import('../api.js').Ctx} c @param {HTMLElement} body @param {string} id */
async function revokeDevice(c, body, id) {
  c.setTitle('Revoke a device');
  const res = await get(c, '/v1/admin/devices');
  const d = res.devices.find((/** @type {any} */ x) => x.device_id === id);
  if (c.signal.aborted) return;
  if (!d) return put(body, html`<p class="govuk-body">No such device. ${link('#/admin/devices', 'Back to devices')}</p>`);
  put(body, backLink('#/admin/devices', 'Back to devices'), html`<div id="revoke-errors"></div>
<h2 class="govuk-heading-l">Are you sure you want to revoke ${d.device_id}?</h2>
${summaryList([['Device', d.device_id], ['User', d.subject], ['Enrolled', when(d.enrolled_at)]])}
${warning('The device can no longer read anything. Changes it made before now are still accepted when it sends them; later ones go to quarantine. It must be enrolled again with a new code.')}
<div class="govuk-button-group"><button type="button" class="govuk-button govuk-button--warning" id="confirm-revoke" data-module="govuk-button">Revoke this device</button>${link('#/admin/devices', 'Cancel')}</div>`);
  byId('confirm-revoke').addEventListener('click', async () => {
    try {
      await send(c, `/v1/admin/devices/${encodeURIComponent(id)}/revoke`, undefined);
      flash = `Device ${id} revoked.`;
      c.navigate('#/admin/devices');
    } catch (err) {
      showErrors(byId('revoke-errors'), [{ message: errorText(err) }]);
    }
  }, { signal: c.signal });
}

/** @param {import('../api.js').Ctx} c @param {HTMLElement} body */
async function scopes(c, body) {
  const res = await get(c, '/v1/admin/users');
  const subject = decodeURIComponent((location.hash.split('/')[3] || '')) || res.users[0]?.subject || '';
  if (c.signal.aborted) return;
  put(body, html`<div class="govuk-form-group"><label class="govuk-label" for="scope-user">User</label>
<select class="govuk-select" id="scope-user" name="scope-user">${res.users.map((/** @type {any} */ u) => html`<option value="${u.subject}"${u.subject === subject ? html` selected` : ''}>${u.subject} (${words(u.role).toLowerCase()})</option>`)}</select></div>
<div id="scope-list"></div>`);
  const userSel = /** @type {HTMLSelectElement} */ (byId('scope-user'));
  userSel.addEventListener('change', () => c.navigate('#/admin/scopes/' + encodeURIComponent(userSel.value)), { signal: c.signal });
  const list = byId('scope-list');
  if (!subject) return;
  const g = await get(c, `/v1/admin/users/${encodeURIComponent(subject)}/scopes`);
  if (c.signal.aborted) return;
  const names = new Map((c.me.incidents || []).map((i) => [i.id, i.name]));
  put(list, html`<div id="grants-errors"></div><h2 class="govuk-heading-m">Incidents granted to ${subject} (${g.incidents.length})</h2>
${g.incidents.length ? html`<ul class="govuk-list" id="grants">${g.incidents.map((/** @type {string} */ inc) => html`<li class="app-grant"><span>${inc === '*' ? 'Every incident' : (names.get(inc) ? `${names.get(inc)} (${inc})` : inc)}</span>
<button type="button" class="govuk-button govuk-button--warning govuk-!-margin-bottom-0 app-inline-button" data-revoke-incident="${inc}">Revoke<span class="govuk-visually-hidden"> incident ${inc}</span></button></li>`)}</ul>`
    : html`<p class="govuk-body">None: this user sees no incident.</p>`}
<h2 class="govuk-heading-m">Grant an incident</h2>
${form('grant-form', [textInput('incident_id', 'Incident id', 'The incident\'s id, or * for every incident (back office covering all)', 'govuk-input--width-30')], 'Grant')}`);
  list.addEventListener('click', async (ev) => {
    const b = /** @type {HTMLElement|null} */ (/** @type {HTMLElement} */ (ev.target).closest('[data-revoke-incident]'));
    if (!b) return;
    const inc = b.dataset.revokeIncident || '';
    try {
      await send(c, `/v1/admin/scopes/${encodeURIComponent(subject)}/${encodeURIComponent(inc)}`, undefined, 'DELETE');
      flash = `Incident ${inc === '*' ? 'access to every incident' : inc} revoked from ${subject}.`;
      c.navigate('#/admin/scopes/' + encodeURIComponent(subject));
    } catch (err) {
      showErrors(byId('grants-errors'), [{ message: errorText(err) }]);
    }
  }, { signal: c.signal });
  onForm('grant-form', async (fd) => {
    await send(c, '/v1/admin/scopes', { subject, incident_id: String(fd.get('incident_id') || '').trim() });
    flash = `Incident granted to ${subject}.`;
    c.navigate('#/admin/scopes/' + encodeURIComponent(subject));
  }, c.signal);
}

/** @param {import('../api.js').Ctx} c @param {HTMLElement} body */
async function codes(c, body) {
  const [res, us] = await Promise.all([get(c, '/v1/admin/enrolment-codes'), get(c, '/v1/admin/users')]);
  if (c.signal.aborted) return;
  put(body, html`<div id="issued-code" aria-live="polite"></div>
<h2 class="govuk-heading-m">Issue an enrolment code</h2>
<p class="govuk-body">A code enrols one new device (a tablet, or a browser for this console) for a user. It is shown once, here; give it to the person, who types it or scans the QR code.</p>
${form('code-form', [select('subject', 'User', us.users.map((/** @type {any} */ u) => [u.subject, `${u.subject} (${words(u.role).toLowerCase()})`])),
    textInput('device_name', 'Device name', 'For example, "Tablet 4" or "Incident room PC"', 'govuk-input--width-20')], 'Issue code')}
<h2 class="govuk-heading-m">Codes not yet used</h2>
<div id="codes-list"></div>`);
  const issued = byId('issued-code');
  const outstanding = byId('codes-list');
  onForm('code-form', async (fd) => {
    const code = await send(c, '/v1/admin/enrolment-codes', { subject: String(fd.get('subject')), device_name: String(fd.get('device_name') || '').trim() });
    put(issued, showCode(code));
    /** @type {HTMLElement|null} */ (issued.querySelector('h2'))?.focus();
    await listCodes(c, outstanding);
  }, c.signal);
  drawCodes(outstanding, res.codes);
}

/** @param {import('../api.js').Ctx} c @param {HTMLElement} el */
async function listCodes(c, el) {
  const res = await get(c, '/v1/admin/enrolment-codes');
  if (!c.signal.aborted) drawCodes(el, res.codes);
}

/** @param {HTMLElement} el @param {any[]} cs */
function drawCodes(el, cs) {
  if (!cs.length) return put(el, html`<p class="govuk-body">No codes are waiting to be used.</p>`);
  put(el, html`<table class="govuk-table"><caption class="govuk-table__caption govuk-visually-hidden">Codes not yet used</caption>
${headRow(['User', 'Device', 'Issued', 'Expires', 'Action'])}
<tbody class="govuk-table__body">${cs.map((x) => html`<tr class="govuk-table__row" data-code-id="${x.id}">
<th scope="row" class="govuk-table__header">${x.subject}</th>
${td(`${x.device_name} (${x.device_id})`)}${td(when(x.created_at) + ' by ' + x.created_by)}${td(when(x.expires_at))}
${td(link(`#/admin/codes/${encodeURIComponent(x.id)}/cancel`, 'Cancel code', `for ${x.subject}'s ${x.device_name}`))}</tr>`)}</tbody></table>`);
}

/** Confirms cancelling an enrolment code, as revoking a device does.
 * @param {import('../api.js').Ctx} c @param {HTMLElement} body @param {string} id */
async function cancelCode(c, body, id) {
  c.setTitle('Cancel an enrolment code');
  const res = await get(c, '/v1/admin/enrolment-codes');
  const x = res.codes.find((/** @type {any} */ y) => y.id === id);
  if (c.signal.aborted) return;
  if (!x) {
    return put(body, backLink('#/admin/codes', 'Back to enrolment codes'), html`<h2 class="govuk-heading-l">This code is no longer waiting</h2>
<p class="govuk-body">It has been used, has expired or was cancelled already. ${link('#/admin/codes', 'See the codes not yet used')}</p>`);
  }
  put(body, backLink('#/admin/codes', 'Back to enrolment codes'), html`<div id="cancel-code-errors"></div>
<h2 class="govuk-heading-l">Are you sure you want to cancel the code for ${x.subject}'s ${x.device_name}?</h2>
${summaryList([['User', x.subject], ['Device', `${x.device_name} (${x.device_id})`], ['Issued', when(x.created_at) + ' by ' + x.created_by], ['Expires', when(x.expires_at)]])}
${warning('The code will no longer enrol a device, and this cannot be undone. Devices already enrolled are not affected. If the person still needs to enrol, issue a new code.')}
<div class="govuk-button-group"><button type="button" class="govuk-button govuk-button--warning" id="confirm-cancel-code" data-module="govuk-button">Cancel this code</button>${link('#/admin/codes', 'Keep the code')}</div>`);
  byId('confirm-cancel-code').addEventListener('click', async () => {
    try {
      await send(c, `/v1/admin/enrolment-codes/${encodeURIComponent(id)}`, undefined, 'DELETE');
      flash = `The enrolment code for ${x.subject}'s ${x.device_name} is cancelled.`;
      c.navigate('#/admin/codes');
    } catch (err) {
      showErrors(byId('cancel-code-errors'), [{ message: errorText(err) }]);
    }
  }, { signal: c.signal });
}

/** The issued code as text and as a QR code. @param {any} code */
function showCode(code) {
  const qr = qrcode(0, 'M');
  qr.addData(code.code);
  qr.make();
  const grouped = code.code;
  return html`<div class="govuk-panel govuk-panel--confirmation app-code-panel"><h2 class="govuk-panel__title" tabindex="-1">Enrolment code</h2>
<div class="govuk-panel__body"><p class="app-code" id="code-text" data-code="${code.code}">${grouped}</p>
<img class="app-qr" id="code-qr" src="${qr.createDataURL(6, 4)}" alt="${'QR code of the enrolment code ' + grouped.split('').join(' ')}">
<p class="govuk-body app-code-for">For ${code.subject}'s ${code.device_name} (device ${code.device_id}). Use it before ${when(code.expires_at)}. It will not be shown again.</p></div></div>`;
}

/**
 * Why a device revoked itself, in words ('' when an administrator did).
 * @param {string|undefined} reason
 */
function revokedWhy(reason) {
  if (reason === 'pin_lockout') return ' Wiped itself after 5 wrong PINs';
  if (reason === 'signed_out') return ' Signed out and wiped';
  return '';
}
