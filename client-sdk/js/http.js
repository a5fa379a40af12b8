// @ts-check
/**
 * HTTP helpers of the SDK: the error types, reading the server's error
 * envelope and Retry-After, backoff with full jitter, and a server-sent
 * events reader over a fetch body (EventSource cannot send an
 * Authorization header).
 * @module
 */

/**
 * An error answer from the server (its JSON error envelope), or a network
 * failure (status 0, code "offline").
 */
export class APIError extends Error {
  /**
   * @param {number} status   HTTP status, 0 for a network failure
   * @param {string} code     the envelope's code (e.g. "rule_violation"), or "offline"
   * @param {string} message
   * @param {string} [field]  the field the error names
   * @param {number} [retryAfterMs] the server's Retry-After, in milliseconds
   */
  constructor(status, code, message, field = '', retryAfterMs = 0) {
    super(message);
    this.name = 'APIError';
    /** @type {number} */
    this.status = status;
    /** @type {string} */
    this.code = code;
    /** @type {string} */
    this.field = field;
    /** @type {number} */
    this.retryAfterMs = retryAfterMs;
  }

  /** @returns {boolean} whether asking again later may succeed (network, 429, 5xx) */
  get temporary() {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/**
 * The server's database was restored from a backup taken before this
 * device's refresh token was issued (it was enrolled, or its token rotated,
 * in the interval the restore lost): the server answers 401
 * `reenrol_required`. The app should offer to enrol the device again; its
 * unsent changes stay in the outbox and are sent once it is.
 */
export class ReenrolRequiredError extends APIError {
  /**
   * @param {string} message
   * @param {string} [field]
   */
  constructor(message, field = 'refresh_token') {
    super(401, 'reenrol_required', message, field);
    this.name = 'ReenrolRequiredError';
  }
}

/**
 * A write the schema refuses: errors lists every problem by field.
 */
export class ValidationError extends Error {
  /**
   * @param {import('./validate.js').FieldError[]} errors
   */
  constructor(errors) {
    super(errors.map((e) => e.message).join('; '));
    this.name = 'ValidationError';
    /** @type {import('./validate.js').FieldError[]} */
    this.errors = errors;
    /** @type {string} */
    this.code = errors[0]?.code ?? 'invalid_value';
    /** @type {string} */
    this.field = errors[0]?.field ?? '';
  }
}

/**
 * Parses a Retry-After header (seconds or an HTTP date) into milliseconds.
 * @param {string|null} v
 * @param {number} now Unix milliseconds
 * @returns {number} 0 when absent or unreadable
 */
export function parseRetryAfter(v, now) {
  if (!v) return 0;
  const s = v.trim();
  if (/^[0-9]+$/.test(s)) return Number(s) * 1000;
  const t = Date.parse(s);
  return Number.isNaN(t) ? 0 : Math.max(0, t - now);
}

/**
 * Builds an APIError from a non-2xx response.
 * @param {Response} resp
 * @param {number} now
 * @returns {Promise<APIError>}
 */
export async function errorFrom(resp, now) {
  let text = '';
  try {
    text = await resp.text();
  } catch {
    // The body is lost; the status is enough.
  }
  let code = `http_${resp.status}`;
  let message = text.trim().slice(0, 200) || resp.statusText || `HTTP ${resp.status}`;
  let field = '';
  try {
    const env = JSON.parse(text);
    if (env && env.error) {
      code = env.error.code ?? code;
      message = env.error.message ?? message;
      field = env.error.field ?? '';
    }
  } catch {
    // Not an envelope: keep the text.
  }
  if (code === 'reenrol_required') return new ReenrolRequiredError(message, field);
  return new APIError(resp.status, code, message, field, parseRetryAfter(resp.headers.get('Retry-After'), now));
}

/** The smallest request body sent gzip-compressed, in characters. */
export const GZIP_MIN_CHARS = 1024;

/**
 * Compresses a request body with gzip (CompressionStream), or returns null
 * for a small body or where the platform has no CompressionStream (the body
 * then goes as it is). Answers need nothing: the browser asks for and
 * decompresses gzip and br itself.
 * @param {string} text
 * @returns {Promise<Uint8Array<ArrayBuffer>|null>}
 */
export async function gzipText(text) {
  if (text.length < GZIP_MIN_CHARS || typeof CompressionStream === 'undefined') return null;
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * The wait before retry n (0-based): uniform in [0, min(max, base·2ⁿ)]
 * ("full jitter").
 * @param {number} n
 * @param {number} baseMs
 * @param {number} maxMs
 * @param {() => number} random uniform in [0, 1)
 * @returns {number}
 */
export function backoff(n, baseMs, maxMs, random) {
  const ceil = Math.min(maxMs, baseMs * 2 ** Math.min(n, 30));
  return Math.floor(random() * (ceil + 1));
}

/**
 * Sleeps for ms, or until signal aborts (then it rejects with its reason).
 * @param {number} ms
 * @param {AbortSignal} [signal]
 * @returns {Promise<void>}
 */
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const t = setTimeout(done, Math.max(0, ms));
    function done() {
      signal?.removeEventListener('abort', abort);
      resolve();
    }
    function abort() {
      clearTimeout(t);
      reject(signal?.reason);
    }
    signal?.addEventListener('abort', abort, { once: true });
  });
}

/**
 * One server-sent event.
 * @typedef {object} SSEEvent
 * @property {string} event the event name ("message" when none was given)
 * @property {string} data  the data lines joined with "\n"
 */

/**
 * Reads server-sent events from a response body until it ends, calling
 * onEvent for each (text/event-stream: `event:` and `data:` lines, a blank
 * line ending each event; `:` comment lines go to onComment).
 * @param {ReadableStream<Uint8Array>} body
 * @param {(e: SSEEvent) => void} onEvent
 * @param {(text: string) => void} [onComment] called with each comment line (the server's heartbeats, ": ping")
 * @returns {Promise<void>}
 */
export async function readSSE(body, onEvent, onComment = () => {}) {
  const decoder = /** @type {TransformStream<Uint8Array, string>} */ (/** @type {unknown} */ (new TextDecoderStream()));
  const reader = body.pipeThrough(decoder).getReader();
  let buf = '';
  let event = '';
  /** @type {string[]} */
  let data = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    for (;;) {
      const m = /\r\n|\r|\n/.exec(buf);
      if (!m) break;
      // A lone \r at the end may be the first half of \r\n: wait for more.
      if (m[0] === '\r' && m.index === buf.length - 1) break;
      const line = buf.slice(0, m.index);
      buf = buf.slice(m.index + m[0].length);
      if (line === '') {
        if (data.length > 0 || event !== '') onEvent({ event: event || 'message', data: data.join('\n') });
        event = '';
        data = [];
        continue;
      }
      if (line.startsWith(':')) {
        onComment(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(':');
      const name = colon < 0 ? line : line.slice(0, colon);
      let val = colon < 0 ? '' : line.slice(colon + 1);
      if (val.startsWith(' ')) val = val.slice(1);
      if (name === 'event') event = val;
      else if (name === 'data') data.push(val);
    }
  }
}
