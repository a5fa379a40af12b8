// @ts-check
// Administration (admin role): users, devices (revoke through a
// confirmation page), scopes (grant and revoke), enrolment codes shown as
// text and as a QR code.
import qrcode from '/console/vendor/qrcode-generator/qrcode.mjs';
import { h, replace, tag, when, words, banner, errorSummary, link, summaryList } from '../dom.js';
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
  const body = h('div', { id: 'admin-' + tab });
  replace(c.main, msg ? banner('Success', msg, true) : null, h('h1', { class: 'govuk-heading-l' }, 'Administration'),
    h('nav', { class: 'app-subnav', 'aria-label': 'Administration' }, h('ul', { class: 'app-subnav__list' }, tabs.map(([id, t]) =>
      h('li', { class: 'app-subnav__item' }, h('a', { class: 'govuk-link app-subnav__link', href: '#/admin/' + id, 'aria-current': id === tab ? 'page' : undefined }, t))))),
    body);
  if (tab === 'devices' && params[1] && params[2] === 'revoke') return revokeDevice(c, body, params[1]);
  if (tab === 'devices') return devices(c, body);
  if (tab === 'scopes') return scopes(c, body);
  if (tab === 'codes' && params[1] && params[2] === 'cancel') return cancelCode(c, body, params[1]);
  if (tab === 'codes') return codes(c, body);
  return users(c, body);
}

/**
 * A small form with an error summary that names the server's field.
 * @param {string} id @param {HTMLElement[]} groups @param {string} submit
 * @param {(fd: FormData) => Promise<void>} onSubmit @param {AbortSignal} signal
 */
function form(id, groups, submit, onSubmit, signal) {
  const errs = h('div', {});
  const f = /** @type {HTMLFormElement} */ (h('form', { novalidate: true, id }, errs, groups, h('button', { type: 'submit', class: 'govuk-button', 'data-module': 'govuk-button' }, submit)));
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await onSubmit(new FormData(f));
    } catch (err) {
      const field = errorField(err);
      const target = f.querySelector(`[name="${CSS.escape(field)}"]`);
      replace(errs, errorSummary([{ field: target ? target.id : undefined, message: errorText(err) }]));
    }
  }, { signal });
  return f;
}

/** @param {string} name @param {string} label @param {string} [hint] @param {string} [cls] */
function textInput(name, label, hint, cls) {
  return h('div', { class: 'govuk-form-group' }, h('label', { class: 'govuk-label', for: 'f-' + name }, label),
    hint ? h('div', { class: 'govuk-hint', id: 'f-' + name + '-hint' }, hint) : null,
    h('input', { class: 'govuk-input ' + (cls || ''), id: 'f-' + name, name, type: 'text', spellcheck: 'false', autocomplete: 'off', 'aria-describedby': hint ? 'f-' + name + '-hint' : undefined }));
}

/** @param {string} name @param {string} label @param {Array<[string, string]>} options */
function select(name, label, options) {
  return h('div', { class: 'govuk-form-group' }, h('label', { class: 'govuk-label', for: 'f-' + name }, label),
    h('select', { class: 'govuk-select', id: 'f-' + name, name }, options.map(([v, t]) => h('option', { value: v }, t))));
}

/** @param {import('../api.js').Ctx} c @param {HTMLElement} body */
async function users(c, body) {
  const res = await get(c, '/v1/admin/users');
  if (c.signal.aborted) return;
  replace(body,
    h('h2', { class: 'govuk-heading-m' }, `Users (${res.users.length})`),
    h('table', { class: 'govuk-table', id: 'users-table' },
      h('caption', { class: 'govuk-table__caption govuk-visually-hidden' }, 'Users'),
      h('thead', { class: 'govuk-table__head' }, h('tr', { class: 'govuk-table__row' }, ['User', 'Name', 'Role', 'Since', 'Scopes'].map((t) => h('th', { scope: 'col', class: 'govuk-table__header' }, t)))),
      h('tbody', { class: 'govuk-table__body' }, res.users.map((/** @type {any} */ u) => h('tr', { class: 'govuk-table__row' },
        h('th', { scope: 'row', class: 'govuk-table__header' }, u.subject, u.disabled_at ? h('span', { class: 'app-block' }, tag('Disabled', 'grey')) : null),
        h('td', { class: 'govuk-table__cell' }, u.name || ''), h('td', { class: 'govuk-table__cell' }, words(u.role)),
        h('td', { class: 'govuk-table__cell' }, when(u.created_at)),
        h('td', { class: 'govuk-table__cell' }, link('#/admin/scopes/' + encodeURIComponent(u.subject), 'Scopes', 'of ' + u.subject)))))),
    h('h2', { class: 'govuk-heading-m' }, 'Add a user or change a role'),
    form('user-form', [textInput('subject', 'User name', 'Letters, digits, dots, @, _ or -; up to 64 characters', 'govuk-input--width-20'), textInput('name', 'Full name', undefined, 'govuk-input--width-30'),
      select('role', 'Role', roleNames.map((r) => [r, words(r)]))], 'Save user', async (fd) => {
      await send(c, '/v1/admin/users', { subject: String(fd.get('subject') || '').trim(), role: String(fd.get('role')), name: String(fd.get('name') || '').trim() });
      flash = 'User saved.';
      c.navigate('#/admin/users');
    }, c.signal));
}

/** @param {import('../api.js').Ctx} c @param {HTMLElement} body */
async function devices(c, body) {
  const res = await get(c, '/v1/admin/devices');
  if (c.signal.aborted) return;
  replace(body, h('h2', { class: 'govuk-heading-m' }, `Devices (${res.devices.length})`),
    h('table', { class: 'govuk-table', id: 'devices-table' },
      h('caption', { class: 'govuk-table__caption govuk-visually-hidden' }, 'Devices'),
      h('thead', { class: 'govuk-table__head' }, h('tr', { class: 'govuk-table__row' }, ['Device', 'User', 'Enrolled', 'State', 'Action'].map((t) => h('th', { scope: 'col', class: 'govuk-table__header' }, t)))),
      h('tbody', { class: 'govuk-table__body' }, res.devices.map((/** @type {any} */ d) => h('tr', { class: 'govuk-table__row', 'data-device': d.device_id },
        h('th', { scope: 'row', class: 'govuk-table__header' }, d.device_id, d.device_id === c.me.device_id ? h('span', { class: 'app-block govuk-body-s' }, 'this browser') : null),
        h('td', { class: 'govuk-table__cell' }, d.subject), h('td', { class: 'govuk-table__cell' }, when(d.enrolled_at)),
        h('td', { class: 'govuk-table__cell', id: 'device-state-' + d.device_id }, d.revoked_at ? [tag('Revoked ' + when(d.revoked_at), 'red'), revokedWhy(d.revoked_reason)] : tag('Active', 'green')),
        h('td', { class: 'govuk-table__cell' }, d.revoked_at ? '' : link(`#/admin/devices/${encodeURIComponent(d.device_id)}/revoke`, 'Revoke', d.device_id)))))));
}

/** @param {import('../api.js').Ctx} c @param {HTMLElement} body @param {string} id */
async function revokeDevice(c, body, id) {
  c.setTitle('Revoke a device');
  const res = await get(c, '/v1/admin/devices');
  const d = res.devices.find((/** @type {any} */ x) => x.device_id === id);
  if (c.signal.aborted) return;
  if (!d) return replace(body, h('p', { class: 'govuk-body' }, 'No such device. ', link('#/admin/devices', 'Back to devices')));
  const errs = h('div', {});
  const btn = h('button', { type: 'button', class: 'govuk-button govuk-button--warning', id: 'confirm-revoke', 'data-module': 'govuk-button' }, 'Revoke this device');
  btn.addEventListener('click', async () => {
    try {
      await send(c, `/v1/admin/devices/${encodeURIComponent(id)}/revoke`, undefined);
      flash = `Device ${id} revoked.`;
      c.navigate('#/admin/devices');
    } catch (err) {
      replace(errs, errorSummary([{ message: errorText(err) }]));
    }
  }, { signal: c.signal });
  replace(body, h('a', { class: 'govuk-back-link', href: '#/admin/devices' }, 'Back to devices'), errs,
    h('h2', { class: 'govuk-heading-l' }, `Are you sure you want to revoke ${d.device_id}?`),
    summaryList([['Device', d.device_id], ['User', d.subject], ['Enrolled', when(d.enrolled_at)]]),
    h('div', { class: 'govuk-warning-text' }, h('span', { class: 'govuk-warning-text__icon', 'aria-hidden': 'true' }, '!'),
      h('strong', { class: 'govuk-warning-text__text' }, h('span', { class: 'govuk-visually-hidden' }, 'Warning'),
        'The device can no longer read anything. Changes it made before now are still accepted when it sends them; later ones go to quarantine. It must be enrolled again with a new code.')),
    h('div', { class: 'govuk-button-group' }, btn, link('#/admin/devices', 'Cancel')));
}

/** @param {import('../api.js').Ctx} c @param {HTMLElement} body */
async function scopes(c, body) {
  const res = await get(c, '/v1/admin/users');
  const subject = decodeURIComponent((location.hash.split('/')[3] || '')) || res.users[0]?.subject || '';
  if (c.signal.aborted) return;
  const userSel = h('select', { class: 'govuk-select', id: 'scope-user', name: 'scope-user' }, res.users.map((/** @type {any} */ u) => h('option', { value: u.subject, selected: u.subject === subject }, `${u.subject} (${words(u.role).toLowerCase()})`)));
  userSel.addEventListener('change', () => c.navigate('#/admin/scopes/' + encodeURIComponent(/** @type {HTMLSelectElement} */ (userSel).value)), { signal: c.signal });
  const list = h('div', {});
  replace(body, h('div', { class: 'govuk-form-group' }, h('label', { class: 'govuk-label', for: 'scope-user' }, 'User'), userSel), list);
  if (!subject) return;
  const g = await get(c, `/v1/admin/users/${encodeURIComponent(subject)}/scopes`);
  if (c.signal.aborted) return;
  const names = new Map((c.me.incidents || []).map((i) => [i.id, i.name]));
  replace(list,
    h('h2', { class: 'govuk-heading-m' }, `Incidents granted to ${subject} (${g.incidents.length})`),
    g.incidents.length ? h('ul', { class: 'govuk-list', id: 'grants' }, g.incidents.map((/** @type {string} */ inc) => {
      const b = h('button', { type: 'button', class: 'govuk-button govuk-button--warning govuk-!-margin-bottom-0 app-inline-button' }, 'Revoke', h('span', { class: 'govuk-visually-hidden' }, ' incident ' + inc));
      b.addEventListener('click', async () => {
        try {
          await send(c, `/v1/admin/scopes/${encodeURIComponent(subject)}/${encodeURIComponent(inc)}`, undefined, 'DELETE');
          flash = `Incident ${inc === '*' ? 'access to every incident' : inc} revoked from ${subject}.`;
          c.navigate('#/admin/scopes/' + encodeURIComponent(subject));
        } catch (err) { replace(list, errorSummary([{ message: errorText(err) }]), list.cloneNode(false)); }
      }, { signal: c.signal });
      return h('li', { class: 'app-grant' }, h('span', {}, inc === '*' ? 'Every incident' : (names.get(inc) ? `${names.get(inc)} (${inc})` : inc)), ' ', b);
    })) : h('p', { class: 'govuk-body' }, 'None: this user sees no incident.'),
    h('h2', { class: 'govuk-heading-m' }, 'Grant an incident'),
    form('grant-form', [textInput('incident_id', 'Incident id', 'The incident\'s id, or * for every incident (back office covering all)', 'govuk-input--width-30')], 'Grant', async (fd) => {
      await send(c, '/v1/admin/scopes', { subject, incident_id: String(fd.get('incident_id') || '').trim() });
      flash = `Incident granted to ${subject}.`;
      c.navigate('#/admin/scopes/' + encodeURIComponent(subject));
    }, c.signal));
}

/** @param {import('../api.js').Ctx} c @param {HTMLElement} body */
async function codes(c, body) {
  const [res, us] = await Promise.all([get(c, '/v1/admin/enrolment-codes'), get(c, '/v1/admin/users')]);
  if (c.signal.aborted) return;
  const issued = h('div', { id: 'issued-code', 'aria-live': 'polite' });
  replace(body, issued,
    h('h2', { class: 'govuk-heading-m' }, 'Issue an enrolment code'),
    h('p', { class: 'govuk-body' }, 'A code enrols one new device (a tablet, or a browser for this console) for a user. It is shown once, here; give it to the person, who types it or scans the QR code.'),
    form('code-form', [select('subject', 'User', us.users.map((/** @type {any} */ u) => [u.subject, `${u.subject} (${words(u.role).toLowerCase()})`])),
      textInput('device_name', 'Device name', 'For example, "Tablet 4" or "Incident room PC"', 'govuk-input--width-20')], 'Issue code', async (fd) => {
      const code = await send(c, '/v1/admin/enrolment-codes', { subject: String(fd.get('subject')), device_name: String(fd.get('device_name') || '').trim() });
      replace(issued, showCode(code));
      /** @type {HTMLElement|null} */ (issued.querySelector('h2'))?.focus();
      await listCodes(c, outstanding);
    }, c.signal),
    h('h2', { class: 'govuk-heading-m' }, 'Codes not yet used'));
  const outstanding = h('div', { id: 'codes-list' });
  body.appendChild(outstanding);
  drawCodes(c, outstanding, res.codes);
}

/** @param {import('../api.js').Ctx} c @param {HTMLElement} el */
async function listCodes(c, el) {
  const res = await get(c, '/v1/admin/enrolment-codes');
  if (!c.signal.aborted) drawCodes(c, el, res.codes);
}

/** @param {import('../api.js').Ctx} c @param {HTMLElement} el @param {any[]} cs */
function drawCodes(c, el, cs) {
  if (!cs.length) return replace(el, h('p', { class: 'govuk-body' }, 'No codes are waiting to be used.'));
  replace(el, h('table', { class: 'govuk-table' },
    h('caption', { class: 'govuk-table__caption govuk-visually-hidden' }, 'Codes not yet used'),
    h('thead', { class: 'govuk-table__head' }, h('tr', { class: 'govuk-table__row' }, ['User', 'Device', 'Issued', 'Expires', 'Action'].map((t) => h('th', { scope: 'col', class: 'govuk-table__header' }, t)))),
    h('tbody', { class: 'govuk-table__body' }, cs.map((x) => h('tr', { class: 'govuk-table__row', 'data-code-id': x.id },
      h('th', { scope: 'row', class: 'govuk-table__header' }, x.subject),
      h('td', { class: 'govuk-table__cell' }, `${x.device_name} (${x.device_id})`), h('td', { class: 'govuk-table__cell' }, when(x.created_at) + ' by ' + x.created_by),
      h('td', { class: 'govuk-table__cell' }, when(x.expires_at)),
      h('td', { class: 'govuk-table__cell' }, link(`#/admin/codes/${encodeURIComponent(x.id)}/cancel`, 'Cancel code', `for ${x.subject}'s ${x.device_name}`)))))));
}

/** Confirms cancelling an enrolment code, as revoking a device does.
 * @param {import('../api.js').Ctx} c @param {HTMLElement} body @param {string} id */
async function cancelCode(c, body, id) {
  c.setTitle('Cancel an enrolment code');
  const res = await get(c, '/v1/admin/enrolment-codes');
  const x = res.codes.find((/** @type {any} */ y) => y.id === id);
  if (c.signal.aborted) return;
  if (!x) {
    return replace(body, h('a', { class: 'govuk-back-link', href: '#/admin/codes' }, 'Back to enrolment codes'),
      h('h2', { class: 'govuk-heading-l' }, 'This code is no longer waiting'),
      h('p', { class: 'govuk-body' }, 'It has been used, has expired or was cancelled already. ', link('#/admin/codes', 'See the codes not yet used')));
  }
  const errs = h('div', {});
  const btn = h('button', { type: 'button', class: 'govuk-button govuk-button--warning', id: 'confirm-cancel-code', 'data-module': 'govuk-button' }, 'Cancel this code');
  btn.addEventListener('click', async () => {
    try {
      await send(c, `/v1/admin/enrolment-codes/${encodeURIComponent(id)}`, undefined, 'DELETE');
      flash = `The enrolment code for ${x.subject}'s ${x.device_name} is cancelled.`;
      c.navigate('#/admin/codes');
    } catch (err) {
      replace(errs, errorSummary([{ message: errorText(err) }]));
    }
  }, { signal: c.signal });
  replace(body, h('a', { class: 'govuk-back-link', href: '#/admin/codes' }, 'Back to enrolment codes'), errs,
    h('h2', { class: 'govuk-heading-l' }, `Are you sure you want to cancel the code for ${x.subject}'s ${x.device_name}?`),
    summaryList([['User', x.subject], ['Device', `${x.device_name} (${x.device_id})`], ['Issued', when(x.created_at) + ' by ' + x.created_by], ['Expires', when(x.expires_at)]]),
    h('div', { class: 'govuk-warning-text' }, h('span', { class: 'govuk-warning-text__icon', 'aria-hidden': 'true' }, '!'),
      h('strong', { class: 'govuk-warning-text__text' }, h('span', { class: 'govuk-visually-hidden' }, 'Warning'),
        'The code will no longer enrol a device, and this cannot be undone. Devices already enrolled are not affected. If the person still needs to enrol, issue a new code.')),
    h('div', { class: 'govuk-button-group' }, btn, link('#/admin/codes', 'Keep the code')));
}

/** The issued code as text and as a QR code. @param {any} code */
function showCode(code) {
  const qr = qrcode(0, 'M');
  qr.addData(code.code);
  qr.make();
  const grouped = code.code;
  return h('div', { class: 'govuk-panel govuk-panel--confirmation app-code-panel' },
    h('h2', { class: 'govuk-panel__title', tabindex: '-1' }, 'Enrolment code'),
    h('div', { class: 'govuk-panel__body' },
      h('p', { class: 'app-code', id: 'code-text', 'data-code': code.code }, grouped),
      h('img', { class: 'app-qr', id: 'code-qr', src: qr.createDataURL(6, 4), alt: 'QR code of the enrolment code ' + grouped.split('').join(' ') }),
      h('p', { class: 'govuk-body app-code-for' }, `For ${code.subject}'s ${code.device_name} (device ${code.device_id}). Use it before ${when(code.expires_at)}. It will not be shown again.`)));
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
