// @ts-check
// Providers: the RAG register with history and reasons; a provider's
// market-oversight and s.48 assessment; the neighbouring-authority
// suspension flag.
import { h, replace, tag, when, day, words, summaryList, link } from '../dom.js';
import { get } from '../api.js';

const ragColour = /** @type {Record<string, any>} */ ({ GREEN: 'green', AMBER: 'amber', RED: 'red', PROVIDER_FAILURE: 'purple' });
const ragWords = /** @type {Record<string, string>} */ ({ GREEN: 'Green', AMBER: 'Amber', RED: 'Red', PROVIDER_FAILURE: 'Provider failure' });
const moWords = /** @type {Record<string, string>} */ ({ green: 'Green', amber: 'Amber', amber_red: 'Amber/red', red: 'Red' });

/** @param {string} s */
function rag(s) { return s ? tag(ragWords[s] || s, ragColour[s]) : tag('Not rated', 'grey'); }

/** @param {import('../api.js').Ctx} c @param {string[]} params */
export async function render(c, params) {
  if (params[0]) return detail(c, params[0]);
  c.setTitle('Providers');
  const body = h('div', {});
  replace(c.main, h('h1', { class: 'govuk-heading-l' }, 'Provider register'),
    h('p', { class: 'govuk-body' }, 'Quality RAG status, CQC market oversight and suspensions. Commercially confidential until a failure is public.'), body);
  const load = async () => {
    const res = await get(c, '/v1/providers');
    if (c.signal.aborted) return;
    const ps = res.providers;
    replace(body, h('table', { class: 'govuk-table app-table--sticky' },
      h('caption', { class: 'govuk-table__caption govuk-table__caption--m' }, `${ps.length} providers`),
      h('thead', { class: 'govuk-table__head' }, h('tr', { class: 'govuk-table__row' },
        ['Provider', 'RAG status', 'Latest reason', 'Market oversight', 'Suspension', 'Open concerns'].map((t) => h('th', { scope: 'col', class: 'govuk-table__header' }, t)))),
      h('tbody', { class: 'govuk-table__body' }, ps.map((/** @type {any} */ p) => h('tr', { class: 'govuk-table__row', 'data-provider': p.provider_id },
        h('th', { scope: 'row', class: 'govuk-table__header' }, link('#/providers/' + p.provider_id, p.name), h('span', { class: 'app-block govuk-body-s app-muted' }, `${p.services} service${p.services === 1 ? '' : 's'}`),
          p.incidents.length ? h('span', { class: 'app-block' }, tag('Incident open', 'red')) : null),
        td(rag(p.rag), p.rag_history.length ? h('span', { class: 'app-block govuk-body-s' }, 'since ' + when(p.rag_history[0].decided_at)) : null,
          p.below_triggers ? h('span', { class: 'app-block' }, tag('Below its RAG triggers', 'red')) : null),
        td(p.rag_history.length ? p.rag_history[0].reason : 'No RAG history'),
        td(p.market_oversight ? 'In the regime' : 'Not in the regime', p.market_oversight_risk ? h('span', { class: 'app-block' }, 'risk ' + (moWords[p.market_oversight_risk] || p.market_oversight_risk)) : null),
        td(suspension(p)),
        td(String(p.open_concerns)))))));
  };
  await load();
  c.onRefresh(load);
}

/** @param {any} p */
function suspension(p) {
  if (!p.contracting_suspended) return 'Not suspended';
  return [tag('Suspended', 'red'), p.neighbour_suspended ? h('span', { class: 'app-block' }, tag('Neighbouring authority', 'amber')) : null,
    h('span', { class: 'app-block govuk-body-s' }, p.suspended_by_authority ? 'following ' + p.suspended_by_authority : 'by the council', p.suspended_on ? ', ' + day(p.suspended_on) : '')];
}

/** The RAG tool's triggers the records show, in Appendix 1's words.
 * @param {any} p */
function triggers(p) {
  const ts = p.rag_triggers || [];
  if (!ts.length) return 'None shown by the records';
  return [p.below_triggers ? h('span', { class: 'app-block' }, tag('Rated below its triggers: at least ' + (ragWords[p.rag_floor] || p.rag_floor), 'red')) : null,
    h('ul', { class: 'govuk-list govuk-list--bullet' }, ts.map((/** @type {any} */ t) => h('li', {}, rag(t.level), ' ', t.words)))];
}

/** @param {...any} c */
function td(...c) { return h('td', { class: 'govuk-table__cell' }, ...c); }

/** @param {import('../api.js').Ctx} c @param {string} id */
async function detail(c, id) {
  c.setTitle('Provider');
  const [res, a] = await Promise.all([get(c, '/v1/providers'), get(c, `/v1/providers/${encodeURIComponent(id)}/assessment`)]);
  if (c.signal.aborted) return;
  const p = res.providers.find((/** @type {any} */ x) => x.provider_id === id);
  if (!p) {
    replace(c.main, h('h1', { class: 'govuk-heading-l' }, 'Provider not found'), h('p', { class: 'govuk-body' }, link('#/providers', 'Back to the register')));
    return;
  }
  const duty = a.temporary_duty || {};
  const mo = a.market_oversight || {};
  replace(c.main,
    h('a', { class: 'govuk-back-link', href: '#/providers' }, 'Back to the register'),
    h('h1', { class: 'govuk-heading-l' }, h('span', { class: 'govuk-caption-l' }, 'Provider'), p.name),
    summaryList([
      ['RAG status', rag(p.rag)],
      ['CQC provider id', p.cqc_provider_id],
      ['Areas served', (p.local_authority_areas || []).join(', ')],
      ['Contracting', suspension(p)],
      ...(p.suspension_reason ? /** @type {Array<[string, any]>} */ ([['Why suspended', p.suspension_reason]]) : []),
      ['Open concerns', String(p.open_concerns)],
      ['RAG tool triggers (003 Appendix 1)', triggers(p)],
    ]),
    h('h2', { class: 'govuk-heading-m' }, 'CQC market oversight (003 s.5)'),
    summaryList([
      ['Kind of provider', words(a.oversight)],
      ['In the regime', mo.eligible ? tag('Yes', 'blue') : tag('No', 'grey')],
      ['Financial risk', p.market_oversight_risk ? moWords[p.market_oversight_risk] : ''],
    ]),
    a.oversight_error ? h('p', { class: 'govuk-inset-text' }, a.oversight_error) : null,
    reasons(mo.reasons),
    h('h2', { class: 'govuk-heading-m' }, 'Care Act s.48 temporary duty'),
    summaryList([
      ['s.48 duty engaged', duty.s48_engaged ? tag('Yes: the council must meet needs', 'red') : tag('No', 'grey')],
      ['Basis', words(duty.basis)],
      ['Registered provider', yes(duty.conditions?.registered_provider)],
      ['Unable to carry on', yes(duty.conditions?.unable_to_carry_on)],
      ['Regulated activity', yes(duty.conditions?.regulated_activity)],
      ['Business failure', yes(duty.conditions?.business_failure)],
    ]),
    reasons(duty.reasons),
    h('h2', { class: 'govuk-heading-m' }, 'Suspension by a neighbouring authority (003 s.9)'),
    (a.neighbour_suspensions || []).length ? h('ul', { class: 'govuk-list govuk-list--bullet' }, a.neighbour_suspensions.map((/** @type {any} */ s) =>
      h('li', {}, h('strong', {}, s.name), ': ', words(s.decision?.action), '. ', (s.decision?.reasons || []).join(' ')))) : h('p', { class: 'govuk-body' }, 'No service of this provider is suspended by a neighbouring authority.'),
    h('h2', { class: 'govuk-heading-m' }, 'RAG history'),
    p.rag_history.length ? h('table', { class: 'govuk-table' },
      h('caption', { class: 'govuk-table__caption govuk-visually-hidden' }, 'RAG steps, latest first'),
      h('thead', { class: 'govuk-table__head' }, h('tr', { class: 'govuk-table__row' }, ['Decided', 'From', 'To', 'Reason', 'By'].map((t) => h('th', { scope: 'col', class: 'govuk-table__header' }, t)))),
      h('tbody', { class: 'govuk-table__body' }, p.rag_history.map((/** @type {any} */ r) => h('tr', { class: 'govuk-table__row' },
        td(when(r.decided_at)), td(r.previous_status ? rag(r.previous_status) : 'None'), td(rag(r.status)), td(r.reason, r.service_name ? h('span', { class: 'app-block govuk-body-s' }, 'service: ' + r.service_name) : null),
        td(`${r.decided_by} (${words(r.decided_by_role).toLowerCase()})`))))) : h('p', { class: 'govuk-body' }, 'Never rated.'));
}

/** @param {boolean|undefined} b */
function yes(b) { return b === undefined ? '' : b ? 'Yes' : 'No'; }

/** @param {string[]|undefined} rs */
function reasons(rs) {
  if (!rs || !rs.length) return null;
  return h('details', { class: 'govuk-details' }, h('summary', { class: 'govuk-details__summary' }, h('span', { class: 'govuk-details__summary-text' }, 'Reasons, in the procedure\'s words')),
    h('div', { class: 'govuk-details__text' }, h('ul', { class: 'govuk-list govuk-list--bullet' }, rs.map((r) => h('li', {}, r)))));
}
