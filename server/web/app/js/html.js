// @ts-check
// Building HTML from strings safely: every interpolated value is escaped
// unless it is already Safe (made by html`` itself or by raw()).

/** HTML that is already safe to insert. */
export class Safe {
  /** @param {string} s */
  constructor(s) { this.s = s; }
  toString() { return this.s; }
}

const ESC = /** @type {Record<string,string>} */ ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' });

/** @param {unknown} v @returns {string} */
export function escape(v) {
  if (v === undefined || v === null || v === false) return '';
  if (v instanceof Safe) return v.s;
  if (Array.isArray(v)) return v.map(escape).join('');
  return String(v).replace(/[&<>"']/g, (c) => ESC[c]);
}

/**
 * Tagged template: html`<p>${text}</p>` escapes text; arrays of Safe join.
 * @param {TemplateStringsArray} strings
 * @param {...unknown} values
 * @returns {Safe}
 */
export function html(strings, ...values) {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += escape(values[i]) + strings[i + 1];
  return new Safe(out);
}

/** Marks trusted markup as safe. @param {string} s */
export function raw(s) { return new Safe(s); }
