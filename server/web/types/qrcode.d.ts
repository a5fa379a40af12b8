// Types of the vendored qrcode-generator module (only what the console
// uses), so that tsc checks our code against it without checking the
// vendored code.

/** A QR code under construction. */
export interface QRCode {
  addData(data: string, mode?: string): void;
  make(): void;
  createDataURL(cellSize?: number, margin?: number): string;
}

/** Starts a QR code of a type (0: smallest that fits) and error-correction level. */
export default function qrcode(typeNumber: number, errorCorrectionLevel: string): QRCode;
