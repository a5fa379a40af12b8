// @ts-check
// Council sign-in in the field app: the SDK's council sign-in (shared with
// the console), and the app's own step after it.

export { councilConfig, collectHandoff, councilSignOut, isCouncilSession, startURL } from '/sdk/council.js';

/**
 * The step after a council sign-in on a tablet, before the device is used:
 * setting the device PIN. The device PIN belongs to separate work not built
 * yet; when it lands, this is where its screen goes (resolve once the PIN
 * is set). Until then the tablet goes straight on to choosing an incident.
 * @param {any} _ctx the app's context
 * @returns {Promise<void>}
 */
export async function afterCouncilSignIn(_ctx) {}
