// @ts-check
// The incident board: every resident in one table, the counts the room
// watches at the top, filters and sort. Refreshed live when changes arrive.
import { html, put } from '/shared/html.js';
import { tag, block, hidden, byId } from '../govuk.js';
import { when, day, words } from '../format.js';
import { get, incidentPath } from '../api.js';

/** Filters and sort survive live refreshes and moving between screens. */
const state = { where: '', check: '', funding: '', dols: '', capacity: '', bi: '', q: '', sort: 'name', dir: 1 };

const whereColour = /** @type {Record<string, any>} */ ({ home: 'grey', hospital: 'amber', in_transit: 'blue', moved: 'green', deceased: 'purple', left: 'purple' });
const whereWords = /** @type {Record<string, string>} */ ({ home: 'At home', hospital: 'In hospital', in_transit: 'In transit', moved: 'Moved', deceased: 'Deceased', left: 'Left' });
const checkWords = /** @type {Record<string, string>} */ ({ never_checked: 'Never checked', overdue: 'Overdue', due_today: 'Due today', ok: 'Not yet due', not_due: 'Not due' });
const fundingWords = /** @type {Record<string, string>} */ ({ la_funded: 'Council funded', nhs_chc: 'NHS CHC', fnc: 'Funded Nursing Care', self_funder: 'Self-funder', out_of_area: 'Out of area', s117: 's117 MHA', dwp_preserved_rights: 'DWP / preserved rights' });
const dolsWords = /** @type {Record<string, string>} */ ({ none: 'None', requested: 'Requested', urgent: 'Urgent authorisation', authorised: 'Authorised', expired: 'Expired', new_request_needed: 'New request needed' });
const postMoveWords = /** @type {Record<string, string>} */ ({ placing_authority: 'placing authority', gp_change: 'GP change', dwp: 'DWP', contract: 'contract' });
const capWords = /** @type {Record<string, string>} */ ({ not_assessed: 'Not assessed', in_progress: 'Assessment under way', has_capacity: 'Has capacity', lacks_capacity: 'Lacks capacity' });
const biWords = /** @type {Record<string, string>} */ ({ not_needed: '', awaiting: 'best interests decision needed', in_progress: 'best interests under way', decided: 'best interests decided' });
// The filters' choices for DoLS and best interests ("not recorded" and "no
// decision needed" are choices too: the room looks for the gaps).
const dolsFilter = /** @type {Record<string, string>} */ ({ ...dolsWords, not_recorded: 'Not recorded' });
const biFilter = /** @type {Record<string, string>} */ ({ awaiting: 'Decision needed', in_progress: 'Under way', decided: 'Decided', not_needed: 'No decision needed' });

/**
 * The board; #/board/wall is the same board for a 1920×1080 wall screen:
 * no menus or filters, large type, one line a resident.
 * @param {import('../api.js').Ctx} c @param {string[]} [params]
 */
export async function render(c, params = []) {
  const wall = params[0] === 'wall';
  c.setTitle(wall ? 'Board (wall screen)' : 'Board');
  document.body.classList.toggle('app-wall', wall);
  if (wall) c.signal.addEventListener('abort', () => document.body.classList.remove('app-wall'), { once: true });
  put(c.main, html`<h1 class="govuk-heading-l" id="board-title">Incident board</h1>
<p class="govuk-body-s app-muted" id="board-generated"></p>
${wall
    ? html`<p class="govuk-body-s app-wall__leave"><a class="govuk-link" href="#/board" id="wall-leave">Leave the wall screen</a></p>`
    : html`<p class="govuk-body-s"><a class="govuk-link" href="#/board/wall" id="wall-open">Show on a wall screen</a> (1920 × 1080: large type, one line a resident)</p>`}
<div class="app-counts" id="board-counts"></div>
<h2 class="govuk-heading-m app-wall-hide">Residents</h2>
<div class="app-filters">${filters()}</div>
<p class="govuk-body" id="board-result" aria-live="polite"></p>
<div class="app-table-wrap" id="board-table"></div>`);
  const title = byId('board-title'), generated = byId('board-generated'), counts = byId('board-counts');
  const result = byId('board-result'), wrap = byId('board-table');
  /** @type {any} */
  let board = null;

  const draw = () => {
    if (!board) return;
    const rows = filterSort(board.residents);
    put(result, `Showing ${rows.length} of ${board.residents.length} residents`);
    put(wrap, residentTable(rows));
  };
  const filterBox = /** @type {HTMLElement} */ (c.main.querySelector('.app-filters'));
  const onFilter = (/** @type {Event} */ ev) => {
    const el = /** @type {HTMLInputElement|HTMLSelectElement} */ (ev.target);
    const key = /** @type {keyof typeof state|undefined} */ (el.dataset.filter);
    if (!key) return;
    /** @type {any} */ (state)[key] = el.value;
    draw();
  };
  // Listening in the capture phase hears a change event whether or not it
  // bubbles (a script may send one that does not).
  filterBox.addEventListener('change', onFilter, { capture: true, signal: c.signal });
  filterBox.addEventListener('input', onFilter, { capture: true, signal: c.signal });
  // Sorting by a column heading; the button keeps focus across the redraw.
  wrap.addEventListener('click', (ev) => {
    const b = /** @type {HTMLElement|null} */ (/** @type {HTMLElement} */ (ev.target).closest('[data-sort]'));
    if (!b) return;
    const k = b.dataset.sort || 'name';
    if (state.sort === k) state.dir = -state.dir; else { state.sort = k; state.dir = 1; }
    draw();
  }, { signal: c.signal });

  const load = async () => {
    board = await get(c, incidentPath(c, 'board'));
    if (c.signal.aborted) return;
    put(title, html`<span class="govuk-caption-l">${board.incident_title || 'Incident'}</span>Incident board`);
    put(generated, 'Figures as of ' + when(board.generated_at) + '. The board updates by itself when a device sends changes.');
    put(counts, countCards(board.counts));
    draw();
  };
  await load();
  c.onRefresh(load);
}

/** @param {any} k */
function countCards(k) {
  /** @param {string} id @param {number} n @param {string} label @param {string} [hint] @param {boolean} [alarm] */
  const card = (id, n, label, hint, alarm) => html`<div class="app-count${alarm && n > 0 ? ' app-count--alarm' : ''}" data-count="${id}">
<p class="app-count__number">${String(n)}</p><p class="app-count__label">${label}</p>${hint ? html`<p class="app-count__hint">${hint}</p>` : ''}</div>`;
  return [
    card('to_move', k.to_move, 'to move', (k.without_plan ? `${k.without_plan} with no move planned` : 'all have a move planned') + (k.late_moves ? `; ${k.late_moves} move${k.late_moves === 1 ? '' : 's'} late` : '')),
    card('moved', k.moved, 'moved'),
    card('in_transit', k.in_transit, 'in transit', k.in_transit ? 'see Moves for hand-overs' : 'nobody on the road'),
    card('not_seen_24h', k.not_seen_24h, 'not seen in 24 hours', k.due ? `${k.due} due a check: visit today` : undefined, true),
    card('open_conflicts', k.open_conflicts, 'open conflicts', k.open_conflicts ? 'back office to resolve' : 'none waiting', true),
    card('on_hold', k.on_hold || 0, 'moves on hold', k.on_hold ? 'waiting, e.g. for a hospital discharge' : 'none waiting'),
    card('dols_to_request', k.dols_to_request || 0, 'DoLS to request', k.dols_to_request ? 'moved under DoLS: new home to request (3.10)' : 'none', true),
    card('post_move_outstanding', k.post_move_outstanding || 0, 'post-move work outstanding', k.post_move_overdue ? `${k.post_move_overdue} overdue: GP, DWP, contract, placing authority` : 'GP, DWP, contract, placing authority', (k.post_move_overdue || 0) > 0),
  ];
}

/** The filters, showing the choices kept in state. */
function filters() {
  /** @param {string} id @param {string} label @param {Record<string,string>} opts @param {'where'|'check'|'funding'|'dols'|'capacity'|'bi'} key */
  const select = (id, label, opts, key) => html`<div class="govuk-form-group app-filter"><label class="govuk-label" for="${id}">${label}</label>
<select class="govuk-select" id="${id}" name="${id}" data-filter="${key}"><option value="">All</option>${Object.entries(opts).map(([v, t]) => html`<option value="${v}"${state[key] === v ? html` selected` : ''}>${t}</option>`)}</select></div>`;
  return [
    html`<div class="govuk-form-group app-filter"><label class="govuk-label" for="filter-name">Name, room or NHS number</label>
<input class="govuk-input" id="filter-name" name="filter-name" type="search" value="${state.q}" autocomplete="off" spellcheck="false" data-filter="q"></div>`,
    select('filter-where', 'Where now', whereWords, 'where'),
    select('filter-check', 'Safe-and-well check', checkWords, 'check'),
    select('filter-funding', 'Funding', fundingWords, 'funding'),
    select('filter-dols', 'DoLS', dolsFilter, 'dols'),
    select('filter-capacity', 'Capacity', capWords, 'capacity'),
    select('filter-bi', 'Best interests', biFilter, 'bi'),
  ];
}

const sorters = /** @type {Record<string, (r: any) => string>} */ ({
  // By family name, as a register is kept (Marsh, Edith before Price, Alan).
  name: (r) => fold(r.family_name || r.name) + '\u0000' + fold(r.given_name || '') + '\u0000' + (r.nhs_number || ''),
  where: (r) => r.where_now + r.where_text,
  funding: (r) => r.funding_stream || '~',
  dols: (r) => r.dols_status || '~',
  last: (r) => r.last_check_at || '',
  next: (r) => ({ never_checked: '0', overdue: '1', due_today: '2', ok: '3', not_due: '4' })[/** @type {'ok'} */ (r.check_state)] + (r.next_due || ''),
  capacity: (r) => r.capacity + r.best_interests,
  move: (r) => r.planned_move?.planned_at || '~',
});

/** An NHS number in 3-3-4 groups. @param {string} n */
const nhs = (n) => (/^\d{10}$/.test(n) ? `${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}` : n);

/** Text folded for search: accents and case do not count (Siân, sian). @param {string} s */
const fold = (s) => String(s).normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/** @param {any[]} rows */
function filterSort(rows) {
  const q = fold(state.q.trim());
  const digits = q.replace(/\s+/g, '');
  const out = rows.filter((r) => (!state.where || r.where_now === state.where) && (!state.check || r.check_state === state.check) &&
    (!state.funding || r.funding_stream === state.funding) &&
    (!state.dols || (state.dols === 'not_recorded' ? !r.dols_status : r.dols_status === state.dols)) &&
    (!state.capacity || r.capacity === state.capacity) && (!state.bi || r.best_interests === state.bi) && (!q || fold(r.name).includes(q) || fold(r.room || '').includes(q) || (/^\d+$/.test(digits) && String(r.nhs_number || '').includes(digits))));
  const key = sorters[state.sort] || sorters.name;
  return out.sort((a, b) => { const x = key(a), y = key(b); return x < y ? -state.dir : x > y ? state.dir : 0; });
}

/** @param {any[]} rows */
function residentTable(rows) {
  const cols = [['name', 'Resident'], ['where', 'Where now'], ['funding', 'Funding'], ['dols', 'DoLS'], ['last', 'Last check'], ['next', 'Next check due'], ['capacity', 'Capacity and best interests'], ['move', 'Planned move']];
  const head = cols.map(([k, label]) => html`<th scope="col" class="govuk-table__header" aria-sort="${state.sort === k ? (state.dir > 0 ? 'ascending' : 'descending') : 'none'}"><button type="button" class="app-sort" id="sort-${k}" data-sort="${k}">${label}</button></th>`);
  const small = (/** @type {unknown} */ x) => block(x, 'govuk-body-s');
  const body = rows.map((r) => html`<tr class="govuk-table__row${r.check_state === 'overdue' || r.check_state === 'never_checked' ? ' app-row--due' : ''}" data-resident="${r.resident_id}">
<th scope="row" class="govuk-table__header">${r.name}${r.room ? html`<span class="app-muted govuk-body-s app-block">Room ${r.room}</span>` : ''}${r.nhs_number ? html`<span class="app-muted govuk-body-s app-block" data-nhs="${r.resident_id}">NHS ${nhs(r.nhs_number)}</span>` : ''}${r.very_frail ? block(tag('Very frail', 'pink')) : ''}</th>
${cell(tag(whereWords[r.where_now] || words(r.where_now), whereColour[r.where_now]), small(r.where_text))}
${cell(fundingWords[r.funding_stream] || (r.funding_stream ? words(r.funding_stream) : 'Not recorded'))}
${cell(dolsWords[r.dols_status] || 'Not recorded', r.dols_expiry && !r.dols_to_request ? small('expires ' + day(r.dols_expiry)) : '', r.dols_to_request ? block(tag('DoLS to request', 'red')) : '')}
${cell(r.last_check_at ? [when(r.last_check_at), small(words(r.last_outcome))] : 'Never', r.not_seen_24h ? block(tag('Not seen in 24 h', 'red')) : '')}
${cell(nextDue(r))}
${cell(capWords[r.capacity] || words(r.capacity), biWords[r.best_interests] ? small(biWords[r.best_interests]) : '', r.best_interests === 'awaiting' ? block(tag('Decision needed', 'amber')) : '')}
${cell(r.planned_move ? [r.planned_move.to || 'Destination not set', r.planned_move.status === 'on_hold' ? block(tag('On hold', 'amber')) : '',
    small(r.planned_move.status === 'on_hold' ? (r.planned_move.hold_reason || 'on hold') : r.planned_move.status === 'in_transit' ? 'on the road now' : (r.planned_move.planned_at ? when(r.planned_move.planned_at) : 'date not set'))] : (r.where_now === 'moved' ? 'Moved' : 'None planned'),
  (r.post_move_outstanding || []).length ? html`<span class="app-block govuk-body-s" data-post-move="${r.resident_id}">To do after the move: ${r.post_move_outstanding.map((/** @type {string} */ i) => postMoveWords[i] || i).join(', ')}</span>` : '')}
</tr>`);
  return html`<table class="govuk-table app-table--sticky app-board">
<caption class="govuk-table__caption govuk-visually-hidden">Residents of the incident: sort by a column heading</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">${head}</tr></thead>
<tbody class="govuk-table__body">${body}</tbody></table>`;
}

/** @param {...unknown} content */
function cell(...content) { return html`<td class="govuk-table__cell">${content}</td>`; }

/** Next check due, overdue marked by text and tag, saying what to do. @param {any} r */
function nextDue(r) {
  const small = (/** @type {string} */ x) => block(x, 'govuk-body-s');
  switch (r.check_state) {
    case 'never_checked': return [tag('Never checked', 'red'), small('visit due now')];
    case 'overdue': return [tag('Overdue', 'red'), small('was due ' + day(r.next_due) + ': visit due')];
    case 'due_today': return [tag('Due today', 'amber'), small('visit today')];
    case 'ok': return r.next_due ? day(r.next_due) : 'No follow-up set';
    default: return [hidden('No check due: '), 'Not due'];
  }
}
