// @ts-check
/**
 * One change stream per device, not per tab.
 *
 * Every tab of the app (and of the console) that opens the same device
 * database would otherwise hold its own GET /v1/sync/stream, and over
 * HTTP/1.1 a browser allows 6 connections to one host: the seventh tab
 * never loads. Here the tabs elect a leader with the Web Locks API (an
 * exclusive lock named after the server and the database, held for as long
 * as the leader's stream runs); the leader runs the stream and passes what
 * it hears to the other tabs over a BroadcastChannel of the same name. When
 * the leader's tab closes (or it stops), the browser releases the lock and
 * the next tab in line takes over.
 *
 * Without navigator.locks or BroadcastChannel (an old browser, a non-secure
 * context) every tab runs its own stream, as before.
 */

/**
 * @typedef {{type: 'cursor'} | {type: 'heartbeat'} | {type: 'streaming', on: boolean}} StreamMessage
 */

/** What a tab that starts following asks: the leader answers its streaming state. */
const ASK = 'ask';

/**
 * Runs lead while this tab is the leader for name, and hands the other
 * tabs' announcements to follow meanwhile. Resolves when signal aborts.
 * @param {string} name  lock and channel name, the same in every tab of one device
 * @param {AbortSignal} signal
 * @param {(announce: (msg: StreamMessage) => void) => Promise<void>} lead  runs the stream until signal aborts
 * @param {(msg: StreamMessage) => void} follow  called with the leader's announcements while another tab leads
 * @returns {Promise<void>}
 */
export async function runStreamLeader(name, signal, lead, follow) {
  const locks = /** @type {any} */ (globalThis.navigator)?.locks;
  const Channel = globalThis.BroadcastChannel;
  if (!locks || typeof locks.request !== 'function' || typeof Channel !== 'function') {
    await lead(() => {});
    return;
  }
  const channel = new Channel(name);
  let leading = false;
  /** @type {StreamMessage} */
  let state = { type: 'streaming', on: false };
  channel.onmessage = (ev) => {
    if (!ev.data || typeof ev.data.type !== 'string') return;
    if (leading) {
      if (ev.data.type === ASK) channel.postMessage(state);
    } else if (ev.data.type !== ASK) {
      follow(ev.data);
    }
  };
  channel.postMessage({ type: ASK });
  try {
    await locks.request(name, { mode: 'exclusive', signal }, async () => {
      leading = true;
      try {
        await lead((msg) => {
          if (msg.type === 'streaming') state = msg;
          channel.postMessage(msg);
        });
      } finally {
        leading = false;
        // The followers' streaming state ends with this leader's.
        channel.postMessage({ type: 'streaming', on: false });
      }
    });
  } catch (e) {
    if (!signal.aborted) throw e;
  } finally {
    channel.close();
  }
}
