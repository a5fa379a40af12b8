// @ts-check
// New change and record ids: UUID version 7 (RFC 9562), as syncproto.NewID
// makes them in Go. The first 48 bits are the time in milliseconds, so ids
// made later sort later and the server's indexes keyed by them grow at their
// end instead of at random places. Within one millisecond a 12-bit counter
// (rand_a) keeps them in order; the other 62 bits are random.

let lastMs = -1;
let seq = 0;

/**
 * A new id for a change or a record.
 * @param {number} [now] milliseconds since the epoch (Date.now() by default)
 * @returns {string}
 */
export function newId(now = Date.now()) {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  let ms = Math.max(Math.floor(now), 0);
  if (ms <= lastMs) {
    // Same millisecond (or the clock stepped back): count on from the last.
    ms = lastMs;
    seq++;
    if (seq > 0xfff) {
      ms = ++lastMs;
      seq = 0;
    }
  } else {
    seq = 0;
  }
  lastMs = ms;
  // 48-bit time, big-endian (Number holds it exactly).
  const hi = Math.floor(ms / 0x100000000);
  const lo = ms >>> 0;
  b[0] = (hi >>> 8) & 0xff;
  b[1] = hi & 0xff;
  b[2] = (lo >>> 24) & 0xff;
  b[3] = (lo >>> 16) & 0xff;
  b[4] = (lo >>> 8) & 0xff;
  b[5] = lo & 0xff;
  b[6] = 0x70 | (seq >>> 8); // version 7, then the counter's high 4 bits
  b[7] = seq & 0xff;
  b[8] = 0x80 | (b[8] & 0x3f); // variant 10
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
