// @ts-check
// Times as people say them: "today 14:05", "yesterday 09:30", "Mon 23 Nov 10:00".

const DAY = 24 * 60 * 60 * 1000;
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** @param {Date} d */
function midnight(d) { return new Date(d.getFullYear(), d.getMonth(), d.getDate()); }

/** @param {number} n */
const two = (n) => String(n).padStart(2, '0');

/**
 * The day part: "today", "yesterday", "tomorrow", or "Mon 23 Nov" (with the
 * year when it is not this year).
 * @param {Date} d @param {Date} now
 */
export function dayWords(d, now = new Date()) {
  const diff = Math.round((midnight(d).getTime() - midnight(now).getTime()) / DAY);
  if (diff === 0) return 'today';
  if (diff === -1) return 'yesterday';
  if (diff === 1) return 'tomorrow';
  const s = `${WEEKDAYS[d.getDay()]} ${d.getDate()} ${MONTHS[d.getMonth()]}`;
  return d.getFullYear() === now.getFullYear() ? s : `${s} ${d.getFullYear()}`;
}

/**
 * An RFC 3339 instant as people say it: "today 14:05".
 * @param {string|undefined|null} iso @param {Date} [now]
 */
export function spoken(iso, now = new Date()) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return `${dayWords(d, now)} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/**
 * A YYYY-MM-DD date as people say it: "today", "Mon 23 Nov".
 * @param {string|undefined|null} ymd @param {Date} [now]
 */
export function spokenDate(ymd, now = new Date()) {
  if (!ymd) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd);
  if (!m) return String(ymd);
  return dayWords(new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])), now);
}

/** Today's local date as YYYY-MM-DD. @param {Date} [d] */
export function ymd(d = new Date()) {
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
}

/** The local time of day as HH:MM. @param {Date} [d] */
export function hhmm(d = new Date()) { return `${two(d.getHours())}:${two(d.getMinutes())}`; }

/**
 * How long ago, in hours or days: "26 hours", "3 days".
 * @param {string} iso @param {Date} [now]
 */
export function ago(iso, now = new Date()) {
  const h = Math.floor((now.getTime() - new Date(iso).getTime()) / (60 * 60 * 1000));
  if (h < 1) return 'less than an hour';
  if (h < 48) return `${h} hour${h === 1 ? '' : 's'}`;
  return `${Math.floor(h / 24)} days`;
}

/**
 * An RFC 3339 instant (UTC) from a local date and time typed by a person.
 * @param {string} date YYYY-MM-DD @param {string} time HH:MM
 * @returns {string|undefined}
 */
export function instantFrom(date, time) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !/^\d{1,2}:\d{2}$/.test(time)) return undefined;
  const [y, mo, d] = date.split('-').map(Number);
  const [h, mi] = time.split(':').map(Number);
  const t = new Date(y, mo - 1, d, h, mi);
  if (Number.isNaN(t.getTime()) || t.getDate() !== d || t.getMonth() !== mo - 1 || h > 23 || mi > 59) return undefined;
  return t.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The current instant in RFC 3339 (UTC, seconds). */
export function nowInstant() { return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'); }
