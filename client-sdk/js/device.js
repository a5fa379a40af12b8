// @ts-check
/**
 * The device's key (vault.js does the cryptography): opening the vault, the
 * PIN, lock and unlock, and wiping the device (sign-out, five wrong PINs),
 * with the wipe reported to the server. Internal: see continuity.js.
 * @module
 */

import { APIError, ValidationError } from './http.js';
import { clearStore, wipeStore } from './store.js';
import { DeviceWipedError, MAX_PIN_TRIES, Sealer, WrongPinError, pinProblem, unwrapWithPin, wrapWithPin } from './vault.js';

/** Where wipes not yet reported to the server wait (localStorage). */
const WIPED_KEY = 'continuity:wiped';

/**
 * The device's key and its life: PIN, lock, wipe.
 */
export class Device {
  /** @param {import('./core.js').Core} core */
  constructor(core) {
    this.c = core;
  }

  /** Reads the key row and, where the key is at hand, restores the state. */
  async openVault() {
    const c = this.c;
    const db = c.idb();
    c.vault = (await db.get('keys', 'vault')) ?? null;
    const v = c.vault;
    if (!v) {
      if ((await db.count('meta')) > 0 || (await db.count('outbox')) > 0) await clearStore(db);
      return;
    }
    if (c.o.keyStorage === 'session') {
      const jwk = sessionStorage.getItem(c.sessionKeyName(v.id));
      if (jwk) {
        const key = await crypto.subtle.importKey('jwk', JSON.parse(jwk), { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
        c.sealer = new Sealer(key);
        await c.restore();
      }
      return;
    }
    if (!v.wrapped) {
      // Enrolled, but the page closed before a PIN was chosen: what was
      // stored was sealed with a key nobody kept. Start again.
      await clearStore(db);
      c.vault = null;
    }
  }

  /**
   * Listens for sign-outs and wipes in other tabs, their writes to the
   * local view (the record cache follows them), and reports wipes when the
   * browser comes back online.
   */
  listen() {
    const c = this.c;
    globalThis.addEventListener?.('online', () => {
      this.reportWipes().catch(() => {});
    });
    if (typeof BroadcastChannel === 'undefined') return;
    c.channel = new BroadcastChannel('continuity:' + c.o.dbName);
    c.channel.onmessage = (ev) => {
      if (ev.data && ev.data.type === 'wiped') c.closedElsewhere();
      else if (ev.data && ev.data.type === 'records') c.cache.heard(ev.data.records);
    };
  }

  /** @param {string} pin */
  async setPin(pin) {
    const c = this.c;
    const problem = pinProblem(pin);
    if (problem) throw new ValidationError([{ field: 'pin', code: 'weak_pin', message: problem }]);
    if (!c.unwrapped || !c.vault) throw new Error('continuity: setPin comes once, straight after enrolment');
    const w = await wrapWithPin(c.unwrapped, pin, c.o.pinIterations);
    const vault = { ...c.vault, ...w, failures: 0 };
    await c.idb().put('keys', vault);
    c.vault = vault;
    c.unwrapped = null;
  }

  /** @param {string} pin */
  async unlock(pin) {
    const c = this.c;
    if (c.sealer) return;
    const v = /** @type {any} */ ((await c.idb().get('keys', 'vault')) ?? c.vault);
    if (!v || !v.wrapped) throw new Error('continuity: this device is not enrolled');
    let key;
    try {
      key = await unwrapWithPin(v, String(pin ?? ''));
    } catch {
      const failures = Number(v.failures ?? 0) + 1;
      if (failures >= MAX_PIN_TRIES) {
        await this.wipe('pin_lockout');
        throw new DeviceWipedError();
      }
      c.vault = { ...v, failures };
      await c.idb().put('keys', c.vault);
      throw new WrongPinError(MAX_PIN_TRIES - failures);
    }
    c.vault = { ...v, failures: 0 };
    if (v.failures) await c.idb().put('keys', c.vault);
    c.sealer = new Sealer(key);
    await c.restore();
    c.emitStatus();
  }

  lock() {
    const c = this.c;
    if (c.o.keyStorage !== 'pin' || !c.sealer || !c.vault?.wrapped) return;
    c.loop.stop();
    c.forget();
    c.emitReset();
  }

  /**
   * Deletes the whole local database, after noting (outside it) that the
   * server must revoke this device, and tells the other tabs.
   * @param {string} reason signed_out or pin_lockout
   */
  async wipe(reason) {
    const c = this.c;
    // The server must hold the wipe secret's hash before it hears of the wipe.
    await c.auth.wipeSecretSent;
    const v = c.vault;
    if (v?.device_id && v?.wipe_secret) {
      /** @type {any[]} */
      let list = [];
      try {
        list = JSON.parse(localStorage.getItem(WIPED_KEY) || '[]');
      } catch { /* start again */ }
      list.push({ device_id: v.device_id, secret: v.wipe_secret, reason, at: new Date(c.o.now()).toISOString() });
      localStorage.setItem(WIPED_KEY, JSON.stringify(list));
    }
    if (v?.id) sessionStorage.removeItem(c.sessionKeyName(v.id));
    c.loop.stop();
    await c.syncer.running?.catch(() => {});
    const db = c.db;
    c.db = null;
    c.closed = true;
    db?.close();
    c.channel?.postMessage({ type: 'wiped' });
    await wipeStore(c.o.dbName);
    c.vault = null;
    c.deviceId = '';
    c.forget();
    c.emitReset();
    c.emitStatus();
    await this.reportWipes().catch(() => {});
  }

  /**
   * Tells the server about devices wiped here that it has not heard of yet.
   * @returns {Promise<number>} how many the server took
   */
  async reportWipes() {
    /** @type {any[]} */
    let list = [];
    try {
      list = JSON.parse(globalThis.localStorage?.getItem(WIPED_KEY) || '[]');
    } catch { /* nothing to report */ }
    let n = 0;
    for (const w of list.slice()) {
      try {
        await this.c.auth.raw('POST', '/v1/auth/device-wiped', { device_id: w.device_id, secret: w.secret, reason: w.reason }, '', { retry: false });
        n++;
      } catch (e) {
        if (!(e instanceof APIError) || e.temporary) continue; // try again at the next contact
        console.warn('continuity: the server did not take a wipe report', e);
      }
      list = list.filter((x) => x !== w);
    }
    if (list.length > 0) localStorage.setItem(WIPED_KEY, JSON.stringify(list));
    else globalThis.localStorage?.removeItem(WIPED_KEY);
    return n;
  }
}
