// @ts-check
// The device PIN: chosen once after the device is set up, asked at every
// start and after the deployment's idle time. The lock screen shows nothing
// of any person; the SDK holds no key while locked, so nothing can be read.
// Five wrong PINs in a row wipe the device (the SDK tells the server).
import { html } from '/shared/html.js';
import { errorSummary, fieldId } from './forms.js';
import { pinProblem, MAX_PIN_TRIES, DeviceWipedError, WrongPinError } from '/sdk/continuity.js';
import { plainProblem } from './screens/common.js';

/** @typedef {import('./main.js').View} View */

/** Where the idle time the server serves is kept (not personal). */
const IDLE_KEY = 'continuity.idle-lock-seconds';

/** The idle time in milliseconds (default five minutes). */
export function idleMs() {
  const s = Number(localStorage.getItem(IDLE_KEY) || '300');
  return (s > 0 ? s : 300) * 1000;
}

/** Keeps the deployment's idle time from GET /v1/me. @param {any} me */
export function keepIdle(me) {
  if (me && Number(me.idle_lock_seconds) > 0) localStorage.setItem(IDLE_KEY, String(me.idle_lock_seconds));
}

/**
 * The screen to choose the device PIN after setting the device up.
 * @param {any} client
 * @param {() => void} done called once the PIN is set
 * @param {{pin?: string, confirm?: string}} [errors]
 * @returns {View}
 */
export function choosePinView(client, done, errors = {}) {
  const list = Object.entries(errors).filter(([, v]) => v).map(([k, v]) => ({ href: '#' + fieldId(k), text: String(v) }));
  return {
    title: list.length ? 'Error: Choose a PIN for this device' : 'Choose a PIN for this device',
    body: html`${errorSummary(list)}
<h1 class="govuk-heading-l">Choose a PIN for this device</h1>
<p class="govuk-body">Everything this device keeps is locked with this PIN. You will enter it every time you open the app, and after ${Math.round(idleMs() / 60000) || 1} minute${Math.round(idleMs() / 60000) === 1 ? '' : 's'} without use.</p>
<p class="govuk-body">Use at least 6 digits. Not a run like 123456, not one digit repeated, and not your date of birth. If it is entered wrongly ${MAX_PIN_TRIES} times in a row, everything is removed from this device.</p>
<form novalidate>
${pinInput('pin', 'PIN', errors.pin, 'new-password')}
${pinInput('confirm', 'Enter the PIN again', errors.confirm, 'new-password')}
<button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true" id="pin-submit">Set PIN</button>
</form>`,
    async submit(form, _submitter) {
      const pin = /** @type {HTMLInputElement} */ (form.elements.namedItem('pin')).value.trim();
      const confirm = /** @type {HTMLInputElement} */ (form.elements.namedItem('confirm')).value.trim();
      const problem = pinProblem(pin);
      const again = !problem && pin !== confirm ? 'The two PINs are not the same' : '';
      if (problem || again) {
        paintHook(choosePinView(client, done, { pin: problem, confirm: again }));
        return;
      }
      // A second submit waits for this one (main.js); the PIN is set once.
      try {
        await client.setPin(pin);
      } catch (err) {
        // Set already (by another tab): the device is ready, move on.
        if (!client.needsPin) { done(); return; }
        paintHook(choosePinView(client, done, { pin: plainProblem(err) }));
        return;
      }
      done();
    },
  };
}

/**
 * The lock screen. It names nobody: no resident, no record, no incident.
 * @param {any} client
 * @param {() => void} unlocked called after the right PIN
 * @param {(err: any) => void} wiped called after the last wrong PIN
 * @param {string} [error]
 * @param {number} [waiting] changes waiting to send (shown from the third wrong PIN)
 * @returns {View}
 */
export function lockView(client, unlocked, wiped, error = '', waiting = 0) {
  const tries = MAX_PIN_TRIES - client.pinFailures;
  return {
    title: error ? 'Error: Enter your PIN' : 'Enter your PIN',
    body: html`${errorSummary(error ? [{ href: '#' + fieldId('pin'), text: error }] : [])}
<h1 class="govuk-heading-l">Enter your PIN</h1>
<p class="govuk-body">This device is locked.</p>
${client.pinFailures >= 2 ? html`<div class="govuk-warning-text" id="pin-warning"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span>
${tries} ${tries === 1 ? 'try' : 'tries'} left. After that everything is removed from this device${waiting ? html`, including <span id="pin-waiting">${waiting} change${waiting === 1 ? '' : 's'} waiting to send</span>. If you are not sure of the PIN, stop and ask the incident room: they can help before anything is lost` : ''}.</strong></div>` : ''}
<form novalidate>
${pinInput('pin', 'PIN', error, 'current-password')}
<button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true" id="unlock-submit">Unlock</button>
</form>`,
    focus: fieldId('pin'),
    async submit(form) {
      const pin = /** @type {HTMLInputElement} */ (form.elements.namedItem('pin')).value.trim();
      if (!pin) {
        paintHook(lockView(client, unlocked, wiped, 'Enter your PIN', waiting));
        return;
      }
      // One PIN at a time (main.js takes one submit a form), so one PIN
      // typed is never counted as two tries.
      try {
        await client.unlock(pin);
      } catch (err) {
        if (err instanceof DeviceWipedError) { wiped(err); return; }
        if (err instanceof WrongPinError) {
          paintHook(lockView(client, unlocked, wiped, err.message, await client.waitingToSend()));
          return;
        }
        paintHook(lockView(client, unlocked, wiped, plainProblem(err), waiting));
        return;
      }
      unlocked();
    },
  };
}

/**
 * A PIN field: digits, hidden as typed.
 * @param {string} name @param {string} label @param {string|undefined} error @param {string} autocomplete
 */
function pinInput(name, label, error, autocomplete) {
  const id = fieldId(name);
  return html`<div class="govuk-form-group${error ? ' govuk-form-group--error' : ''}">
<label class="govuk-label" for="${id}">${label}</label>
${error ? html`<p id="${id}-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> ${error}</p>` : ''}
<input class="govuk-input govuk-input--width-10${error ? ' govuk-input--error' : ''}" id="${id}" name="${name}" type="password" inputmode="numeric" spellcheck="false" autocomplete="${autocomplete}"${error ? html` aria-describedby="${id}-error"` : ''}></div>`;
}

/** @type {(v: View) => void} */
let paintHook = () => {};

/** The app's paint, for the screens here to redraw themselves. @param {(v: View) => void} fn */
export function setPaint(fn) { paintHook = fn; }

/**
 * Locks the app after the idle time with no touch, key or scroll.
 * @param {() => void} onIdle
 */
export function watchIdle(onIdle) {
  let last = Date.now();
  const touch = () => { last = Date.now(); };
  for (const ev of ['pointerdown', 'keydown', 'touchstart', 'wheel', 'scroll']) {
    document.addEventListener(ev, touch, { capture: true, passive: true });
  }
  setInterval(() => {
    if (Date.now() - last >= idleMs()) {
      last = Date.now();
      onIdle();
    }
  }, 1000);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && Date.now() - last >= idleMs()) onIdle();
  });
}
