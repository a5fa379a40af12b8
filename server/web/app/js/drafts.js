// @ts-check
// Drafts: what a person has typed into a form, saved to IndexedDB as they
// type, so a reload, a crash or a flat battery loses nothing. A draft is
// removed when its record is saved; every draft goes on sign-out, and an
// incident's drafts go when the device loses that incident. A draft is
// sealed with the device's data key (the SDK's sealValue): only its key and
// incident id are kept in clear.

const DB = 'continuity-app-drafts';
const STORE = 'drafts';

/** @type {Promise<IDBDatabase>|undefined} */
let opening;

/** @type {{sealValue: (v: any) => Promise<any>, openValue: (v: any) => Promise<any>}|undefined} */
let sealer;

/** Seals drafts with the SDK client's data key. @param {any} client */
export function sealWith(client) { sealer = client; }

/** @param {any} row @returns {Promise<Draft|undefined>} */
async function opened(row) {
  if (!row || !row.v) return row;
  if (!sealer) throw new Error('drafts: no key to open them with');
  return { ...(await sealer.openValue(row.v)), key: row.key, incident: row.incident };
}

/** @returns {Promise<IDBDatabase>} */
function db() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'key' });
      req.onsuccess = () => {
        req.result.onversionchange = () => { req.result.close(); opening = undefined; };
        resolve(req.result);
      };
      req.onerror = () => { opening = undefined; reject(req.error); };
    });
  }
  return opening;
}

/**
 * @template T
 * @param {IDBTransactionMode} mode
 * @param {(s: IDBObjectStore) => IDBRequest<T>} fn
 * @returns {Promise<T>}
 */
async function run(mode, fn) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const tx = d.transaction(STORE, mode);
    const req = fn(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(req.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

/**
 * @typedef {{key: string, incident: string, kind: string, values: Record<string,string>, step?: string, recordId?: string, replaces?: string, subjectId?: string, touched?: boolean, rejected?: {changeId: string, field: string, message: string}, updatedAt: string}} Draft
 */

/** @param {string} key @returns {Promise<Draft|undefined>} */
export async function get(key) { return opened(await run('readonly', (s) => s.get(key))); }

/** @param {Omit<Draft, 'updatedAt'> & {updatedAt?: string}} d the draft; put stamps updatedAt */
export async function put(d) {
  if (!sealer) throw new Error('drafts: no key to seal them with');
  const v = await sealer.sealValue({ ...d, updatedAt: new Date().toISOString() });
  return run('readwrite', (s) => s.put({ key: d.key, incident: d.incident, v }));
}

/** @param {string} key */
export function remove(key) { return run('readwrite', (s) => s.delete(key)); }

/** @returns {Promise<Draft[]>} */
export async function all() {
  const rows = await run('readonly', (s) => s.getAll());
  return /** @type {Draft[]} */ (await Promise.all(rows.map(opened)));
}

/** Removes the drafts of every incident not in keep. @param {string[]} keep */
export async function keepIncidents(keep) {
  for (const d of await run('readonly', (s) => s.getAll())) {
    if (!keep.includes(d.incident)) await remove(d.key);
  }
}

/** Deletes the whole drafts database (sign-out). */
export async function wipe() {
  if (opening) {
    try { (await opening).close(); } catch { /* never opened */ }
    opening = undefined;
  }
  await new Promise((resolve) => {
    const req = indexedDB.deleteDatabase(DB);
    req.onsuccess = req.onerror = req.onblocked = () => resolve(undefined);
  });
}
