// @ts-check
// How the console says times, dates and codes in words (Europe/London).

const london = 'Europe/London';
const dayFmt = new Intl.DateTimeFormat('en-CA', { timeZone: london, year: 'numeric', month: '2-digit', day: '2-digit' });
const timeFmt = new Intl.DateTimeFormat('en-GB', { timeZone: london, hour: '2-digit', minute: '2-digit', hour12: false });
const dateFmt = new Intl.DateTimeFormat('en-GB', { timeZone: london, weekday: 'short', day: 'numeric', month: 'short' });
const longDate = new Intl.DateTimeFormat('en-GB', { timeZone: london, day: 'numeric', month: 'long', year: 'numeric' });

/** YYYY-MM-DD of a time in London.
 * @param {Date} d */
export function londonDay(d) { return dayFmt.format(d); }

/** A time as people say it: "today 14:05", "yesterday 09:30", "Mon 16 Nov 10:00".
 * @param {string|Date|null|undefined} t @param {Date} [now] */
export function when(t, now = new Date()) {
  if (!t) return '';
  const d = t instanceof Date ? t : new Date(t);
  if (isNaN(d.getTime())) return String(t);
  const day = londonDay(d), today = londonDay(now);
  const y = new Date(now.getTime() - 86400000), tm = new Date(now.getTime() + 86400000);
  const hm = timeFmt.format(d);
  if (day === today) return 'today ' + hm;
  if (day === londonDay(y)) return 'yesterday ' + hm;
  if (day === londonDay(tm)) return 'tomorrow ' + hm;
  return dateFmt.format(d) + ' ' + hm;
}

/** A calendar date (YYYY-MM-DD) as people say it: "today", "yesterday", "24 November 2026".
 * @param {string|undefined} s @param {Date} [now] */
export function day(s, now = new Date()) {
  if (!s) return '';
  const today = londonDay(now);
  if (s === today) return 'today';
  if (s === londonDay(new Date(now.getTime() - 86400000))) return 'yesterday';
  if (s === londonDay(new Date(now.getTime() + 86400000))) return 'tomorrow';
  const d = new Date(s + 'T12:00:00Z');
  return isNaN(d.getTime()) ? s : longDate.format(d);
}

/** snake_case → "Sentence case".
 * @param {string|undefined} s */
export function words(s) {
  if (!s) return '';
  const w = s.replace(/_/g, ' ');
  return w.charAt(0).toUpperCase() + w.slice(1);
}
