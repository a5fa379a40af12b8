// @ts-check
// The one way the field app (/app/) and the console (/console/) put markup
// on screen (docs/frontend.md): html`` tagged templates. Every interpolated
// value is escaped unless it is already Safe (made by html`` itself or by
// raw()), so nothing a device or a person wrote can become markup, and the
// templates read as the GOV.UK Frontend markup they produce. Templates never
// carry an inline handler or style (the CSP forbids them): behaviour is added
// by listeners after put(), or by one delegated listener per screen.

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
 * Attribute values are always quoted in the templates, so an escaped value
 * cannot leave its attribute.
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

/**
 * Replaces an element's contents with markup. A live refresh keeps the
 * person's place: when focus was inside el on a control with an id, the
 * control with that id in the new markup takes it back without scrolling.
 * @param {Element} el
 * @param {...unknown} content Safe markup, text (escaped) or arrays of them
 */
export function put(el, ...content) {
  const had = /** @type {HTMLElement|null} */ (document.activeElement);
  const keep = had && had !== el && el.contains(had) ? had.id : '';
  el.innerHTML = escape(content);
  if (keep) /** @type {HTMLElement|null} */ (document.getElementById(keep))?.focus({ preventScroll: true });
}
