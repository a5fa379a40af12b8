// Types of the vendored jsQR module (only what the field app uses), so that
// tsc checks our code against it without checking the vendored code.

/** A QR code found in an image. */
export interface QRCode {
  /** What the code holds, as text. */
  data: string;
}

/** Options of a decode. */
export interface Options {
  inversionAttempts?: 'dontInvert' | 'onlyInvert' | 'attemptBoth' | 'invertFirst';
}

/** Finds and decodes a QR code in RGBA pixels of width × height; null when there is none. */
export default function jsQR(data: Uint8ClampedArray, width: number, height: number, options?: Options): QRCode | null;
