// @ts-check
// Providers: the RAG register with history and reasons; a provider's
// market-oversight and s.48 assessment; the neighbouring-authority
// suspension flag.
import { html, put } from '/shared/html.js';
import { tag, block, td, headRow, summaryList, link, backLink, byId } from '../govuk.js';
import { when, day, words } from '../format.js';
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
  put(c.main, html`<h1 class="govuk-heading-l">Provider register</h1>
<p class="govuk-body">Quality RAG status, CQC market oversight and suspensions. Commercially confidential until a failure is public.</p><div id="providers-body"></div>`);
  const body = byId('providers-body');
  const load = async () => {
    const res = await get(c, '/v1/providers');
    if (c.signal.aborted) return;
    const ps = res.providers;
    const small = (/** @type {unknown} */ x) => block(x, 'govuk-body-s');
    put(body, html`<table class="govuk-table app-table--sticky">
<caption class="govuk-table__caption govuk-table__caption--m">${ps.length} providers</caption>
${headRow(['Provider', 'RAG status', 'Latest reason', 'Market oversight', 'Suspension', 'Open concerns'])}
<tbody class="govuk-table__body">${ps.map((/** @type {any} */ p) => html`<tr class="govuk-table__row" data-provider="${p.provider_id}">
<th scope="row" class="govuk-table__header">${link('#/providers/' + p.provider_id, p.name)}${block(`${p.services} service${p.services === 1 ? '' : 's'}`, 'govuk-body-s app-muted')}${p.incidents.length ? block(tag('Incident open', 'red')) : ''}</th>
${td(rag(p.rag), p.rag_history.length ? small('since ' + when(p.rag_history[0].decided_at)) : '', p.below_triggers ? block(tag('Below its RAG triggers', 'red')) : '')}
${td(p.rag_history.length ? p.rag_history[0].reason : 'No RAG history')}
${td(p.market_oversight ? 'In the regime' : 'Not in the regime', p.market_oversight_risk ? block('risk ' + (moWords[p.market_oversight_risk] || p.market_oversight_risk)) : '')}
${td(suspension(p))}
${td(String(p.open_concerns))}</tr>`)}</tbody></table>`);
  };
  await load();
  c.onRefresh(load);
}

/** @param {any} p */
function suspension(p) {
  if (!p.contracting_suspended) return 'Not suspended';
  return [tag('Suspended', 'red'), p.neighbour_suspended ? block(tag('Neighbouring authority', 'amber')) : '',
    block((p.suspended_by_authority ? 'following ' + p.suspended_by_authority : 'by the council') + (p.suspended_on ? ', ' + day(p.suspended_on) : ''), 'govuk-body-s')];
}

/** The RAG tool's triggers the records show, in Appendix 1's words.
 * @param {any} p */
function triggers(p) {
  const ts = p.rag_triggers || [];
  if (!ts.length) return 'None shown by the records';
  return [p.below_triggers ? block(tag('Rated below its triggers: at least ' + (ragWords[p.rag_floor] || p.rag_floor), 'red')) : '',
    html`<ul class="govuk-list govuk-list--bullet">${ts.map((/** @type {any} */ t) => html`<li>${rag(t.level)} ${t.words}</li>`)}</ul>`];
}

/** @param {import('../api.js').Ctx} c @param {string} id */
async function detail(c, id) {
  c.setTitle('Provider');
  const [res, a] = await Promise.all([get(c, '/v1/providers'), get(c, `/v1/providers/${encodeURIComponent(id)}/assessment`)]);
  if (c.signal.aborted) return;
  const p = res.providers.find((/** @type {any} */ x) => x.provider_id === id);
  if (!p) {
    put(c.main, html`<h1 class="govuk-heading-l">Provider not found</h1><p class="govuk-body">${link('#/providers', 'Back to the register')}</p>`);
    return;
  }
  const duty = a.temporary_duty || {};
  const mo = a.market_oversight || {};
  put(c.main,
    backLink('#/providers', 'Back to the register'),
    html`<h1 class="govuk-heading-l"><span class="govuk-caption-l">Provider</span>${p.name}</h1>`,
    summaryList([
      ['RAG status', rag(p.rag)],
      ['CQC provider id', p.cqc_provider_id],
      ['Areas served', (p.local_authority_areas || []).join(', ')],
      ['Contracting', suspension(p)],
      ...(p.suspension_reason ? /** @type {Array<[string, any]>} */ ([['Why suspended', p.suspension_reason]]) : []),
      ['Open concerns', String(p.open_concerns)],
      ['RAG tool triggers (003 Appendix 1)', triggers(p)],
    ]),
    html`<h2 class="govuk-heading-m">CQC market oversight (003 s.5)</h2>`,
    summaryList([
      ['Kind of provider', words(a.oversight)],
      ['In the regime', mo.eligible ? tag('Yes', 'blue') : tag('No', 'grey')],
      ['Financial risk', p.market_oversight_risk ? moWords[p.market_oversight_risk] : ''],
    ]),
    a.oversight_error ? html`<p class="govuk-inset-text">${a.oversight_error}</p>` : '',
    reasons(mo.reasons),
    html`<h2 class="govuk-heading-m">Care Act s.48 temporary duty</h2>`,
    summaryList([
      ['s.48 duty engaged', duty.s48_engaged ? tag('Yes: the council must meet needs', 'red') : tag('No', 'grey')],
      ['Basis', words(duty.basis)],
      ['Registered provider', yes(duty.conditions?.registered_provider)],
      ['Unable to carry on', yes(duty.conditions?.unable_to_carry_on)],
      ['Regulated activity', yes(duty.conditions?.regulated_activity)],
      ['Business failure', yes(duty.conditions?.business_failure)],
    ]),
    reasons(duty.reasons),
    html`<h2 class="govuk-heading-m">Suspension by a neighbouring authority (003 s.9)</h2>`,
    (a.neighbour_suspensions || []).length ? html`<ul class="govuk-list govuk-list--bullet">${a.neighbour_suspensions.map((/** @type {any} */ s) =>
      html`<li><strong>${s.name}</strong>: ${words(s.decision?.action)}. ${(s.decision?.reasons || []).join(' ')}</li>`)}</ul>` : html`<p class="govuk-body">No service of this provider is suspended by a neighbouring authority.</p>`,
    html`<h2 class="govuk-heading-m">RAG history</h2>`,
    p.rag_history.length ? html`<table class="govuk-table"><caption class="govuk-table__caption govuk-visually-hidden">RAG steps, latest first</caption>
${headRow(['Decided', 'From', 'To', 'Reason', 'By'])}
<tbody class="govuk-table__body">${p.rag_history.map((/** @type {any} */ r) => html`<tr class="govuk-table__row">
${td(when(r.decided_at))}${td(r.previous_status ? rag(r.previous_status) : 'None')}${td(rag(r.status))}${td(r.reason, r.service_name ? block('service: ' + r.service_name, 'govuk-body-s') : '')}
${td(`${r.decided_by} (${words(r.decided_by_role).toLowerCase()})`)}</tr>`)}</tbody></table>` : html`<p class="govuk-body">Never rated.</p>`);
}

/** @param {boolean|undefined} b */
function yes(b) { return b === undefined ? '' : b ? 'Yes' : 'No'; }

/** @param {string[]|undefined} rs */
function reasons(rs) {
  if (!rs || !rs.length) return '';
  return html`<details class="govuk-details"><summary class="govuk-details__summary"><span class="govuk-details__summary-text">Reasons, in the procedure's words</span></summary>
<div class="govuk-details__text"><ul class="govuk-list govuk-list--bullet">${rs.map((r) => html`<li>${r}</li>`)}</ul></div></details>`;
}
