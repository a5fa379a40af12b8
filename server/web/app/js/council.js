// @ts-check
// Council sign-in in the field app: the SDK's council sign-in (shared with
// the console), and the app's own step after it.

import { choosePinView } from './lock.js';

export { councilConfig, collectHandoff, councilSignOut, isCouncilSession, startURL } from '/sdk/council.js';

/**
 * The step after a council sign-in on a tablet, before the device is used:
 * choosing the device PIN (resolves once it is set).
 * @param {any} ctx the app's context
 * @returns {Promise<void>}
 */
export function afterCouncilSignIn(ctx) {
  if (!ctx.client.needsPin) return Promise.resolve();
  return new Promise((resolve) => ctx.show(choosePinView(ctx.client, () => resolve(undefined))));
}
