// @ts-check
/**
 * Field validation against the schema the server exports at GET /v1/schema
 * (syncproto/schema Registry.Export), giving the same verdicts as the Go
 * Registry.FieldErrors: each field in name order (unknown, wrong kind,
 * invalid value), then, for a create, each missing required field in
 * declaration order. Errors name the field as the server does:
 * `fields.<name>`.
 * @module
 */

/**
 * One validation problem, as in the server's error envelope.
 * @typedef {object} FieldError
 * @property {string} field   `fields.<name>`, or `collection`
 * @property {string} code    unknown_collection, unknown_field, wrong_type, invalid_value or missing_field
 * @property {string} message words a person can act on
 */

/**
 * A declarative check (syncproto/schema Spec).
 * @typedef {object} Spec
 * @property {string} type   date_range, time_range, birth_date, pattern, string_list or object_list
 * @property {string} [from]
 * @property {string} [to]
 * @property {string} [pattern]
 * @property {string} [what]
 * @property {string} [item_tag]
 * @property {number} [max_items]
 * @property {{name: string, kind: string, tag?: string, check?: Spec}[]} [shape]
 * @property {boolean} [not_future]    not after the clock plus skew_seconds
 * @property {number} [skew_seconds]
 * @property {number} [max_days_past] a date at most this many days before today
 * @property {boolean} [on_create]     max_days_past only when the write creates the record
 */

/**
 * A condition on field values, as data (syncproto/rules Cond).
 * @typedef {object} Cond
 * @property {string} [field]
 * @property {any} [eq]
 * @property {any[]} [in]
 * @property {boolean} [present]
 * @property {Cond[]} [all]
 * @property {Cond[]} [any]
 * @property {Cond} [not]
 */

/**
 * A record rule as data (syncproto/rules Requirement).
 * @typedef {object} Requirement
 * @property {string} code
 * @property {string} field
 * @property {string} message
 * @property {Cond} when
 * @property {Cond} require
 * @property {string} applies  always, or sign
 */

/**
 * An exported field.
 * @typedef {object} SchemaField
 * @property {string} name
 * @property {string} kind       string, number, integer, boolean, object, array or any
 * @property {string} [tag]      go-playground/validator tag
 * @property {boolean} [required] required when a record is created
 * @property {string} policy     lww or flag
 * @property {string} [doc]
 * @property {string} [label]   the field in the words of messages
 * @property {string[]} [enum]
 * @property {Spec} [check]
 */

/**
 * An exported collection.
 * @typedef {object} SchemaCollection
 * @property {string} name
 * @property {string} [scope_field]
 * @property {string} [doc]
 * @property {SchemaField[]} fields
 * @property {{earlier: string, later: string}[]} [order] date (or time) pairs whose later field cannot be before its earlier
 * @property {Requirement[]} [requirements]
 */

/**
 * The exported schema.
 * @typedef {object} ExportedSchema
 * @property {string} version
 * @property {Object<string, string>} formats
 * @property {SchemaCollection[]} collections
 * @property {{templates: Object<string, string>, fields: Object<string, string>}} [words]
 */

/**
 * What a check found wrong: the key of its words in the table, the values
 * its template needs, and the check's own words (detail).
 * @typedef {{key: string, vars?: Object<string, string>, detail: string}} Problem
 */

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|([+-])(\d{2}):(\d{2}))$/;
// A pragmatic email shape: dot-atom local part, dotted domain of letters,
// digits and hyphens, ending in a letter.
const EMAIL_RE = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]([A-Za-z0-9-]*[A-Za-z0-9])?$/;

/**
 * Days in a month of a year (month 1-12).
 * @param {number} y
 * @param {number} m
 * @returns {number}
 */
function daysIn(y, m) {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/**
 * Parses a YYYY-MM-DD calendar date to UTC milliseconds, or NaN.
 * @param {string} s
 * @returns {number}
 */
export function parseDate(s) {
  const m = DATE_RE.exec(s);
  if (!m) return NaN;
  const y = +m[1], mo = +m[2], d = +m[3];
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo)) return NaN;
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d);
  return t.getTime();
}

/**
 * Parses an RFC 3339 time (as Go's time.Parse(time.RFC3339Nano)) to UTC
 * milliseconds, or NaN.
 * @param {string} s
 * @returns {number}
 */
export function parseRFC3339(s) {
  const m = RFC3339_RE.exec(s);
  if (!m) return NaN;
  const day = parseDate(`${m[1]}-${m[2]}-${m[3]}`);
  if (Number.isNaN(day)) return NaN;
  const h = +m[4], mi = +m[5], sec = +m[6];
  if (h > 23 || mi > 59 || sec > 59) return NaN;
  let offset = 0;
  if (m[8] !== 'Z') {
    const oh = +m[10], om = +m[11];
    if (oh > 23 || om > 59) return NaN;
    offset = (m[9] === '-' ? -1 : 1) * (oh * 60 + om) * 60000;
  }
  const frac = m[7] ? Number('0' + m[7]) * 1000 : 0;
  return day + ((h * 60 + mi) * 60 + sec) * 1000 + Math.floor(frac) - offset;
}

/**
 * Reports whether s is a valid NHS number: ten digits, the last the
 * modulus-11 check digit of the first nine.
 * @param {string} s
 * @returns {boolean}
 */
export function validNHSNumber(s) {
  if (typeof s !== 'string' || !/^[0-9]{10}$/.test(s)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (s.charCodeAt(i) - 48) * (10 - i);
  let check = 11 - (sum % 11);
  if (check === 11) check = 0;
  return check !== 10 && check === s.charCodeAt(9) - 48;
}

/**
 * The number of Unicode code points in s (what the validator's min/max
 * count for strings).
 * @param {string} s
 * @returns {number}
 */
function runes(s) {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * The JSON kind of a value as the schema names kinds.
 * @param {any} v
 * @returns {string}
 */
function kindOf(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/**
 * Reports whether v has the declared kind.
 * @param {string} kind
 * @param {any} v
 * @returns {boolean}
 */
function hasKind(kind, v) {
  const k = kindOf(v);
  switch (kind) {
    case 'any':
      return true;
    case 'number':
      return (k === 'number' || k === 'integer') && Number.isFinite(v);
    case 'integer':
      return k === 'integer' && Number.isSafeInteger(v);
    default:
      return k === kind;
  }
}

/**
 * The zero value of a kind, for object keys that are absent or null (Go
 * leaves such struct fields at their zero value).
 * @param {string} kind
 * @returns {any}
 */
function zeroOf(kind) {
  switch (kind) {
    case 'string':
      return '';
    case 'boolean':
      return false;
    case 'number':
    case 'integer':
      return 0;
  }
  return null;
}

/**
 * Reports whether v is its kind's zero value.
 * @param {any} v
 * @returns {boolean}
 */
function isZero(v) {
  return v === '' || v === 0 || v === false || v === null || v === undefined || (Array.isArray(v) && v.length === 0);
}

/**
 * Field validation against an exported schema.
 */
export class Schema {
  /** @type {ExportedSchema} */
  #raw;
  /** @type {Map<string, SchemaCollection>} */
  #cols = new Map();
  /** @type {Map<string, Map<string, SchemaField>>} */
  #fields = new Map();
  /** @type {RegExp} */
  #postcode;
  /** @type {() => number} */
  #now;

  /**
   * @param {ExportedSchema} exported the body of GET /v1/schema
   * @param {{now?: () => number}} [opts] now gives the time (ms) for the clock-relative checks: dates of birth, not_future, max_days_past
   */
  constructor(exported, opts = {}) {
    if (!exported || !Array.isArray(exported.collections)) throw new TypeError('schema: not an exported schema');
    this.#raw = exported;
    this.#now = opts.now ?? Date.now;
    for (const c of exported.collections) {
      this.#cols.set(c.name, c);
      this.#fields.set(c.name, new Map(c.fields.map((f) => [f.name, f])));
    }
    this.#postcode = new RegExp(exported.formats?.uk_postcode ?? '^$', 'i');
  }

  /** @returns {string} the schema version (changes with any change to it) */
  get version() {
    return this.#raw.version;
  }

  /** @returns {ExportedSchema} the exported schema as received */
  get exported() {
    return this.#raw;
  }

  /** @returns {string[]} the collection names, sorted */
  names() {
    return [...this.#cols.keys()].sort();
  }

  /**
   * Returns a collection's declaration.
   * @param {string} name
   * @returns {SchemaCollection|undefined}
   */
  collection(name) {
    return this.#cols.get(name);
  }

  /**
   * Returns a field's declaration.
   * @param {string} collection
   * @param {string} field
   * @returns {SchemaField|undefined}
   */
  field(collection, field) {
    return this.#fields.get(collection)?.get(field);
  }

  /**
   * Validates fields for a write to collection and returns every problem
   * (an empty array when there is none).
   * @param {string} collection
   * @param {Record<string, any>} fields field values; null clears a field
   * @param {{create?: boolean, current?: Record<string, any>}} [opts] create: the write creates the record, so
   *   required fields must be present; current: the record's fields as this device holds them, so that a write
   *   of one date of an ordered pair (the collection's `order`) is checked against the other (code date_order)
   * @returns {FieldError[]}
   */
  validate(collection, fields, opts = {}) {
    const col = this.#cols.get(collection);
    if (!col) {
      return [{ field: 'collection', code: 'unknown_collection', message: `unknown collection ${JSON.stringify(collection)}; known: ${this.names().join(', ')}` }];
    }
    const byName = /** @type {Map<string, SchemaField>} */ (this.#fields.get(collection));
    /** @type {FieldError[]} */
    const out = [];
    const names = Object.keys(fields ?? {}).filter((n) => fields[n] !== undefined).sort(byCodeUnits);
    for (const name of names) {
      const f = byName.get(name);
      if (!f) {
        out.push({ field: 'fields.' + name, code: 'unknown_field', message: this.say(collection, { name, kind: 'any', policy: 'lww' }, 'unknown_field') });
        continue;
      }
      const e = this.#checkValue(collection, f, fields[name], !!opts.create);
      if (e) out.push(e);
    }
    if (opts.create) {
      for (const f of col.fields) {
        if (!f.required) continue;
        const v = fields?.[f.name];
        if (v === undefined) {
          out.push({ field: 'fields.' + f.name, code: 'missing_field', message: this.say(collection, f, 'missing_field') });
        }
      }
    }
    // Field orders, as the Go Registry.WriteErrors (and the server's
    // CheckOrder on the merged record): each pair the write touches, unless
    // one of its fields already has an error.
    const bad = new Set(out.map((e) => e.field));
    /** @param {string} name */
    const value = (name) => {
      const v = fields?.[name] !== undefined ? fields[name] : opts.current?.[name];
      return typeof v === 'string' ? v : '';
    };
    for (const o of col.order ?? []) {
      const wroteE = fields?.[o.earlier] !== undefined;
      const wroteL = fields?.[o.later] !== undefined;
      if ((!wroteE && !wroteL) || bad.has('fields.' + o.earlier) || bad.has('fields.' + o.later)) continue;
      const es = value(o.earlier);
      const ls = value(o.later);
      if (!es || !ls) continue;
      const et = orderTime(es);
      const lt = orderTime(ls);
      if (Number.isNaN(et) || Number.isNaN(lt) || !(lt < et)) continue;
      out.push({
        field: 'fields.' + (wroteL ? o.later : o.earlier), code: 'date_order',
        message: `${o.later} ${ls} is before ${o.earlier} ${es}: a ${collection} record's ${o.later} cannot be before its ${o.earlier}`,
      });
    }
    return out;
  }

  /**
   * Evaluates the collection's record rules (exported as data, the same the
   * server evaluates) on a record's field values; returns each violation,
   * in order. A device runs them all before saving, as advice where the
   * server enforces one only on signing (applies "sign").
   * @param {string} collection
   * @param {Record<string, any>} fields
   * @returns {{field: string, code: string, message: string}[]}
   */
  requirements(collection, fields) {
    const col = this.#cols.get(collection);
    /** @type {{field: string, code: string, message: string}[]} */
    const out = [];
    for (const r of col?.requirements ?? []) {
      if (holds(r.when, fields) && !holds(r.require, fields)) out.push({ field: r.field, code: r.code, message: r.message });
    }
    return out;
  }

  /**
   * The words a person reads for an error: the field's own words for the
   * key, else the key's template, else the code's (the exported table).
   * @param {string} collection
   * @param {SchemaField} f
   * @param {string} key
   * @param {Object<string, string>} [vars]
   * @returns {string}
   */
  say(collection, f, key, vars = {}) {
    const w = this.#raw.words ?? { templates: {}, fields: {} };
    let t = w.fields?.[`${collection}.${f.name} ${key}`] ?? w.templates?.[key];
    if (t === undefined) t = w.templates?.[key.split('.')[0]] ?? '{Label}: {detail}';
    const label = f.label || f.name.replace(/_/g, ' ');
    /** @type {Object<string, string>} */
    const all = { label, Label: upperFirst(label), ...vars };
    return t.replace(/\{(\w+)\}/g, (m, k) => (k in all ? all[k] : m));
  }

  /**
   * @param {string} collection
   * @param {SchemaField} f
   * @param {any} v
   * @param {boolean} create
   * @returns {FieldError|undefined}
   */
  #checkValue(collection, f, v, create) {
    const field = 'fields.' + f.name;
    if (v === null) {
      if (f.required) return { field, code: 'invalid_value', message: this.say(collection, f, 'invalid_value.cleared') };
      return undefined;
    }
    if (!hasKind(f.kind, v)) return { field, code: 'wrong_type', message: this.say(collection, f, 'wrong_type.' + f.kind) };
    if (f.tag) {
      const p = this.#checkTag(v, f.tag);
      if (p) return { field, code: 'invalid_value', message: this.say(collection, f, p.key, { detail: p.detail, ...p.vars }) };
    }
    if (f.check) {
      const p = this.#checkSpec(f.check, v) ?? this.#checkClock(f.check, v, create);
      if (p) return { field, code: 'invalid_value', message: this.say(collection, f, p.key, { detail: p.detail, ...p.vars }) };
    }
    return undefined;
  }

  /**
   * Applies a validator tag; returns what is wrong, or undefined.
   * @param {any} v
   * @param {string} tag
   * @returns {Problem|undefined}
   */
  #checkTag(v, tag) {
    for (const part of tag.split(',')) {
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      const param = eq < 0 ? '' : part.slice(eq + 1);
      if (name === 'omitempty') {
        if (isZero(v)) return undefined;
        continue;
      }
      const msg = this.#checkOne(v, name, param);
      if (msg) return { key: 'invalid_value.' + name, vars: { param }, detail: msg };
    }
    return undefined;
  }

  /**
   * @param {any} v
   * @param {string} name
   * @param {string} param
   * @returns {string}
   */
  #checkOne(v, name, param) {
    const size = typeof v === 'string' ? runes(v) : Array.isArray(v) ? v.length : Number(v);
    switch (name) {
      case 'required':
        return isZero(v) ? 'is required' : '';
      case 'min':
        return size < Number(param) ? `must be at least ${param}` : '';
      case 'gte':
        return size < Number(param) ? `must be at least ${param}` : '';
      case 'max':
        return size > Number(param) ? `must be at most ${param} long` : '';
      case 'lte':
        return size > Number(param) ? `must be at most ${param}` : '';
      case 'oneof':
        return param.split(' ').filter(Boolean).includes(String(v)) ? '' : `must be one of: ${param.split(' ').filter(Boolean).join(', ')}`;
      case 'uuid':
        return typeof v === 'string' && UUID_RE.test(v) ? '' : 'must be a UUID';
      case 'nhs_number':
        return validNHSNumber(v) ? '' : 'must be a 10-digit NHS number with a valid check digit';
      case 'date':
        return typeof v === 'string' && !Number.isNaN(parseDate(v)) ? '' : 'must be a date written YYYY-MM-DD';
      case 'rfc3339':
        return typeof v === 'string' && !Number.isNaN(parseRFC3339(v)) ? '' : 'must be an RFC 3339 time such as 2026-11-23T09:30:00Z';
      case 'uk_postcode':
        return typeof v === 'string' && this.#postcode.test(v.trim()) ? '' : 'must be a UK postcode such as DE1 2FS';
      case 'email':
        return typeof v === 'string' && EMAIL_RE.test(v) ? '' : 'must be an email address';
    }
    return `fails check ${name}${param ? '=' + param : ''}`;
  }

  /**
   * Applies a declarative check's shape and range; returns what is wrong,
   * or undefined.
   * @param {Spec} s
   * @param {any} v
   * @returns {Problem|undefined}
   */
  #checkSpec(s, v) {
    /** @param {string} detail @param {string} [key] @param {Object<string, string>} [vars] @returns {Problem} */
    const bad = (detail, key = 'invalid_value', vars = {}) => ({ key, vars, detail });
    const range = () => ({ from: spokenDate(s.from ?? ''), to: spokenDate(dayBefore(s.to ?? '')) });
    switch (s.type) {
      case 'date_range': {
        if (typeof v !== 'string') return bad('must be a JSON string');
        const d = parseDate(v);
        if (Number.isNaN(d)) return bad('must be a date written YYYY-MM-DD', 'invalid_value.date');
        if (d < parseDate(s.from ?? '') || d >= parseDate(s.to ?? '')) return bad(`${v} is not a plausible date: it must be from ${s.from} to ${dayBefore(s.to ?? '')}`, 'invalid_value.range', range());
        return undefined;
      }
      case 'time_range': {
        if (typeof v !== 'string') return bad('must be a JSON string');
        const t = parseRFC3339(v);
        if (Number.isNaN(t)) return bad('must be an RFC 3339 time such as 2026-11-23T09:30:00Z', 'invalid_value.rfc3339');
        if (t < parseDate(s.from ?? '') || t >= parseDate(s.to ?? '')) return bad(`${v} is not a plausible time: it must be from ${s.from} to ${dayBefore(s.to ?? '')}`, 'invalid_value.range', range());
        return undefined;
      }
      case 'birth_date': {
        if (typeof v !== 'string') return bad('must be a JSON string');
        const d = parseDate(v);
        if (Number.isNaN(d)) return bad('must be a date written YYYY-MM-DD', 'invalid_value.date');
        if (d < parseDate(s.from ?? '')) return bad(`date of birth ${v} is before ${s.from}`, 'invalid_value.birth_early', { from: spokenDate(s.from ?? '') });
        if (d > this.#now() + 86400000) return bad(`date of birth ${v} is in the future`, 'invalid_value.birth_future');
        return undefined;
      }
      case 'pattern': {
        if (typeof v !== 'string') return bad('must be a JSON string');
        return new RegExp(s.pattern ?? '').test(v) ? undefined : bad(`${JSON.stringify(v)} must be ${s.what}`);
      }
      case 'string_list': {
        if (!Array.isArray(v)) return bad('must be an array of strings');
        if (v.length > (s.max_items ?? 0)) return bad(`has ${v.length} items; at most ${s.max_items} are allowed`);
        const seen = new Set();
        for (let i = 0; i < v.length; i++) {
          if (typeof v[i] !== 'string') return bad(`item ${i} must be a string`);
          if (s.item_tag) {
            const p = this.#checkTag(v[i], s.item_tag);
            if (p) return bad(`item ${i} ${p.detail}`);
          }
          if (seen.has(v[i])) return bad(`item ${i} repeats ${JSON.stringify(v[i])}`);
          seen.add(v[i]);
        }
        return undefined;
      }
      case 'object_list': {
        if (!Array.isArray(v)) return bad('must be an array of objects');
        if (v.length > (s.max_items ?? 0)) return bad(`has ${v.length} items; at most ${s.max_items} are allowed`);
        for (let i = 0; i < v.length; i++) {
          const msg = this.#checkObject(s.shape ?? [], v[i]);
          if (msg) return bad(`item ${i}: ${msg}`);
        }
        return undefined;
      }
    }
    return bad(`cannot check ${s.type}`);
  }

  /**
   * Applies the clock-relative parts of a check (not_future, max_days_past,
   * and the same on an object list's keys), as the server's checkClock
   * does from the same data.
   * @param {Spec} s
   * @param {any} v
   * @param {boolean} create
   * @returns {Problem|undefined}
   */
  #checkClock(s, v, create) {
    if (s.type === 'object_list') {
      const keys = (s.shape ?? []).filter((k) => k.check);
      if (!keys.length || !Array.isArray(v)) return undefined;
      for (const it of v) {
        for (const k of keys) {
          const x = it?.[k.name];
          if (x === undefined || x === null) continue;
          const p = this.#checkClock(/** @type {Spec} */ (k.check), x, create);
          if (p) return p;
        }
      }
      return undefined;
    }
    if (!s.not_future && !s.max_days_past) return undefined;
    if (typeof v !== 'string' || v === '') return undefined;
    const at = s.type === 'date_range' ? parseDate(v) : parseRFC3339(v);
    if (Number.isNaN(at)) return undefined;
    const now = this.#now();
    if (s.not_future && at > now + (s.skew_seconds ?? 0) * 1000) return { key: 'invalid_value.not_future', detail: `${v} is in the future` };
    if (s.max_days_past && (create || !s.on_create)) {
      const day = Math.floor(now / 86400000) * 86400000;
      if (at < day - s.max_days_past * 86400000) return { key: 'invalid_value.too_old', vars: { days: String(s.max_days_past) }, detail: `${v} is more than ${s.max_days_past} days ago` };
    }
    return undefined;
  }

  /**
   * Checks one object of an object list against its shape.
   * @param {{name: string, kind: string, tag?: string}[]} shape
   * @param {any} o
   * @returns {string}
   */
  #checkObject(shape, o) {
    if (kindOf(o) !== 'object') return 'must be an object';
    const keys = new Map(shape.map((k) => [k.name, k]));
    for (const k of Object.keys(o)) {
      if (!keys.has(k)) return `unknown field ${JSON.stringify(k)}`;
    }
    for (const k of shape) {
      let v = o[k.name];
      if (v === undefined || v === null) v = zeroOf(k.kind);
      else if (!hasKind(k.kind, v)) return `${k.name} must be a ${k.kind}`;
      if (k.tag) {
        const p = this.#checkTag(v, k.tag);
        if (p) return `${k.name} ${p.detail}`;
      }
    }
    return '';
  }
}

/**
 * The instant a date (YYYY-MM-DD, midnight UTC) or an RFC 3339 time names,
 * in milliseconds, or NaN.
 * @param {string} s
 * @returns {number}
 */
function orderTime(s) {
  return DATE_RE.test(s) ? parseDate(s) : parseRFC3339(s);
}

/**
 * Evaluates a condition (syncproto/rules Cond.Holds) on field values.
 * @param {Cond} c
 * @param {Record<string, any>} fields
 * @returns {boolean}
 */
export function holds(c, fields) {
  if (c.all) return c.all.every((x) => holds(x, fields));
  if (c.any) return c.any.some((x) => holds(x, fields));
  if (c.not) return !holds(c.not, fields);
  const v = fields?.[c.field ?? ''];
  if (v === undefined || v === null) return false;
  if (c.present) return hasValue(v);
  if (c.in) return c.in.some((w) => JSON.stringify(w) === JSON.stringify(v));
  return JSON.stringify(v) === JSON.stringify(c.eq);
}

/**
 * Whether a value says something (syncproto/rules HasValue): not null, and
 * not an empty string, list or object.
 * @param {any} v
 * @returns {boolean}
 */
export function hasValue(v) {
  if (v === undefined || v === null || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/**
 * The first letter in capitals.
 * @param {string} s
 * @returns {string}
 */
function upperFirst(s) {
  const [first = ''] = s;
  return first.toUpperCase() + s.slice(first.length);
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * A YYYY-MM-DD date as people say it (1 January 2000), as the server's
 * words do.
 * @param {string} s
 * @returns {string}
 */
function spokenDate(s) {
  const m = DATE_RE.exec(s);
  if (!m || Number.isNaN(parseDate(s))) return s;
  return `${+m[3]} ${MONTHS[+m[2] - 1]} ${m[1]}`;
}

/**
 * Orders strings by UTF-16 code units (as sort() does), named for clarity.
 * @param {string} a
 * @param {string} b
 * @returns {number}
 */
function byCodeUnits(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The day before a YYYY-MM-DD date, in the same form.
 * @param {string} s
 * @returns {string}
 */
function dayBefore(s) {
  const d = parseDate(s);
  if (Number.isNaN(d)) return s;
  return new Date(d - 86400000).toISOString().slice(0, 10);
}
