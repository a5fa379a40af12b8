// @ts-check
// Scanning the console's QR code to enrol. The camera (allowed for /app/
// only, by the server's Permissions-Policy) gives video frames; each frame
// is read by the browser's own BarcodeDetector where it reads QR codes
// (Chrome on Android, ChromeOS), and otherwise (Safari on iPad, Firefox,
// desktop Chromium) by jsQR, a pure-JavaScript decoder served at
// /assets/jsqr/ and imported only then, on the first scan: the app's first
// load does not carry it. The strict CSP stays as it is (no WebAssembly).
// Why: docs/app.md, "Scanning the QR code". The typed code is always the
// fallback.

/** Whether this device can try to scan: it has a camera API (a secure page). */
export function canScan() {
  return !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
}

/**
 * The enrolment code in what a QR code holds: the code itself (as the
 * console shows it, K7QM-4XRT-2P) or a link carrying it as ?code=.
 * Returns '' when it holds no code.
 * @param {string} raw
 */
export function codeFromText(raw) {
  let s = String(raw || '').trim();
  try {
    const u = new URL(s);
    s = u.searchParams.get('code') || new URLSearchParams(u.hash.replace(/^#[^?]*\??/, '')).get('code') || '';
  } catch { /* not a link: the code itself */ }
  s = s.toUpperCase().replace(/\s+/g, '');
  return /^[A-Z0-9]{2,}(-[A-Z0-9]{2,})*$/.test(s) && s.length <= 40 ? s : '';
}

/** What a frame may be: a video, an image or a canvas. @typedef {HTMLVideoElement|HTMLImageElement|HTMLCanvasElement|ImageBitmap} Frame */

/** Reads the texts of the QR codes in a frame. @typedef {(frame: Frame) => Promise<string[]>} Reader */

/** The longest side, in pixels, a frame is read at by jsQR: a camera's
 * 1080p frame is scaled down to this, which keeps a frame's decode short on
 * a tablet and still gives the console's QR code (25 modules, 6 pixels
 * each on the screen) several pixels a module. */
const MAX_SIDE = 960;

/** The reader, once chosen. @type {Promise<Reader>|undefined} */
let reader;

/** The browser's own QR reader, or undefined when it has none that reads QR codes. */
async function nativeReader() {
  const Detector = /** @type {any} */ (globalThis).BarcodeDetector;
  if (!Detector) return undefined;
  try {
    const formats = /** @type {string[]} */ (await Detector.getSupportedFormats());
    if (!formats.includes('qr_code')) return undefined;
    const detector = new Detector({ formats: ['qr_code'] });
    /** @type {Reader} */
    const read = async (frame) => (await detector.detect(frame)).map((/** @type {{rawValue: string}} */ b) => b.rawValue);
    return read;
  } catch {
    return undefined;
  }
}

/** Width and height of a frame, in pixels ([0, 0] while a video has none). @param {Frame} frame */
function sizeOf(frame) {
  if (frame instanceof HTMLVideoElement) return [frame.videoWidth, frame.videoHeight];
  if (frame instanceof HTMLImageElement) return [frame.naturalWidth, frame.naturalHeight];
  return [frame.width, frame.height];
}

/** jsQR, imported now, reading a frame drawn on a canvas. @returns {Promise<Reader>} */
async function jsQRReader() {
  const jsQR = (await import('/assets/jsqr/jsQR.mjs')).default;
  const canvas = document.createElement('canvas');
  const g = canvas.getContext('2d', { willReadFrequently: true });
  if (!g) throw new Error('no 2D canvas');
  return async (frame) => {
    const [w, h] = sizeOf(frame);
    if (!w || !h) return [];
    const scale = Math.min(1, MAX_SIDE / Math.max(w, h));
    canvas.width = Math.round(w * scale);
    canvas.height = Math.round(h * scale);
    g.drawImage(frame, 0, 0, canvas.width, canvas.height);
    const { data } = g.getImageData(0, 0, canvas.width, canvas.height);
    const found = jsQR(data, canvas.width, canvas.height, { inversionAttempts: 'attemptBoth' });
    return found ? [found.data] : [];
  };
}

/**
 * The reader this browser uses: its BarcodeDetector where that reads QR
 * codes, otherwise jsQR (imported on the first call). A failed import
 * (no signal) is tried again on the next call.
 * @returns {Promise<Reader>}
 */
function getReader() {
  if (!reader) {
    reader = (async () => (await nativeReader()) || jsQRReader())();
    reader.catch(() => { reader = undefined; });
  }
  return reader;
}

/**
 * The enrolment codes in a frame (a video, an image or a canvas).
 * @param {Frame} frame
 * @returns {Promise<string[]>}
 */
export async function decode(frame) {
  const read = await getReader();
  return (await read(frame)).map(codeFromText).filter(Boolean);
}

/** The error scanCamera throws when the decoder could not be loaded. */
export class ReaderUnavailable extends Error {
  /** @param {unknown} cause */
  constructor(cause) {
    super('the QR code reader could not be loaded', { cause });
    this.name = 'ReaderUnavailable';
  }
}

/**
 * What went wrong with the camera, in words a person can act on (GOV.UK
 * error-message style: what happened and what to do, no full stop).
 * @param {unknown} err what scanCamera threw
 */
export function cameraProblem(err) {
  const name = err && typeof err === 'object' && 'name' in err ? String(err.name) : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Continuity is not allowed to use the camera. Type the enrolment code instead, or allow the camera for Continuity in the browser’s settings and scan again';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'This device has no camera that Continuity can use. Type the enrolment code instead';
    case 'NotReadableError':
    case 'AbortError':
      return 'The camera is being used by another app. Close that app and scan again, or type the enrolment code instead';
    case 'ReaderUnavailable':
      return 'The QR code reader could not be loaded. Check this device has signal and scan again, or type the enrolment code instead';
    default:
      return 'The camera could not be used. Type the enrolment code instead';
  }
}

/**
 * Opens the camera into video and resolves with the first code seen, or ''
 * when stopped (signal). Rejects when the camera is refused or missing
 * (see cameraProblem) or the reader cannot be loaded (ReaderUnavailable).
 * @param {HTMLVideoElement} video @param {AbortSignal} signal
 * @returns {Promise<string>}
 */
export async function scanCamera(video, signal) {
  // The reader first: without it the camera would open for nothing.
  try { await getReader(); } catch (err) { throw new ReaderUnavailable(err); }
  if (signal.aborted) return '';
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  try {
    video.srcObject = stream;
    await video.play();
    while (!signal.aborted) {
      const codes = video.readyState >= 2 ? await decode(video) : [];
      if (codes.length) return codes[0];
      await new Promise((r) => setTimeout(r, 200));
    }
    return '';
  } finally {
    for (const t of stream.getTracks()) t.stop();
    video.srcObject = null;
  }
}
