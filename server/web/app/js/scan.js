// @ts-check
// Scanning the console's QR code to enrol: the camera (allowed for /app/
// only, by the server's Permissions-Policy) and the browser's own
// BarcodeDetector. Where the browser has no BarcodeDetector (desktop
// Chromium on Linux, Firefox) the scan button is not offered and the code
// is typed, as before: no decoder is vendored (the well-kept ones are
// WebAssembly builds that the strict CSP does not allow).

/** Whether this browser can scan a QR code with the camera. */
export function canScan() {
  return 'BarcodeDetector' in globalThis && !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
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

/**
 * The codes found in an image, video frame or canvas.
 * @param {ImageBitmapSource} source
 * @returns {Promise<string[]>}
 */
export async function decode(source) {
  const Detector = /** @type {any} */ (globalThis).BarcodeDetector;
  if (!Detector) return [];
  const found = await new Detector({ formats: ['qr_code'] }).detect(source);
  return found.map((/** @type {{rawValue: string}} */ b) => codeFromText(b.rawValue)).filter(Boolean);
}

/**
 * Opens the camera into video and resolves with the first code seen, or ''
 * when stopped (signal) or refused.
 * @param {HTMLVideoElement} video @param {AbortSignal} signal
 * @returns {Promise<string>}
 */
export async function scanCamera(video, signal) {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  try {
    video.srcObject = stream;
    await video.play();
    while (!signal.aborted) {
      const codes = video.readyState >= 2 ? await decode(video) : [];
      if (codes.length) return codes[0];
      await new Promise((r) => setTimeout(r, 250));
    }
    return '';
  } finally {
    for (const t of stream.getTracks()) t.stop();
    video.srcObject = null;
  }
}
