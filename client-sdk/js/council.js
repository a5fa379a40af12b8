// @ts-check
// Council sign-in (OpenID Connect, through the server): whether the server
// offers it, collecting the tokens when the provider sends the browser back
// (/console/?oidc_handoff=… or /app/?oidc_handoff=…), and signing out of it, which also ends the
// provider's session where the provider offers that.

import { APIError } from './continuity.js';

const FLAG = 'continuity-council-signin';

/** What the server says about council sign-in.
 * @returns {Promise<{enabled: boolean, label?: string, start?: string}>} */
export async function councilConfig() {
  try {
    const r = await fetch('/v1/auth/oidc/config', { headers: { Accept: 'application/json' } });
    if (!r.ok) return { enabled: false };
    return await r.json();
  } catch {
    return { enabled: false };
  }
}

/** Where the sign-in starts for this screen. @param {'console'|'app'} screen */
export function startURL(screen) {
  return '/v1/auth/oidc/start?for=' + screen;
}

/**
 * When the page was opened with ?oidc_handoff=, takes it out of the address
 * and enrols the client with the tokens it stands for (once; it expires in
 * two minutes). Resolves true when it did; rejects with the server's
 * message when the handoff was refused.
 * @param {any} client the SDK client
 * @returns {Promise<boolean>}
 */
export async function collectHandoff(client) {
  const params = new URLSearchParams(location.search);
  const handoff = params.get('oidc_handoff');
  if (!handoff) return false;
  params.delete('oidc_handoff');
  const rest = params.toString();
  history.replaceState(null, '', location.pathname + (rest ? '?' + rest : '') + location.hash);
  if (client.enrolled) return false;
  const r = await fetch('/v1/auth/oidc/session', {
    method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify({ handoff }),
  });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) {
    const e = body?.error || {};
    throw new APIError(r.status, e.code || 'unauthorized', e.message || 'The sign-in could not be finished. Sign in again.', e.field || '');
  }
  await client.enrolWithPair(body);
  localStorage.setItem(FLAG, '1');
  return true;
}

/** Whether this browser signed in with a council account. */
export function isCouncilSession() {
  return localStorage.getItem(FLAG) === '1';
}

/**
 * Ends the council session at the server (the device is revoked) and
 * returns the provider's sign-out address to go to, or ''. A failure is
 * not fatal: the local wipe goes on and the session dies at its next
 * refresh.
 * @param {any} client the SDK client
 * @param {'console'|'app'} screen where the provider sends the browser back
 * @returns {Promise<string>}
 */
export async function councilSignOut(client, screen) {
  if (!isCouncilSession()) return '';
  localStorage.removeItem(FLAG);
  try {
    const out = await client.fetchJSON('/v1/auth/oidc/logout', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ return: screen }),
    });
    return (out && out.end_session_url) || '';
  } catch (err) {
    console.warn('council sign-out', err);
    return '';
  }
}
