// @ts-check
// Contact with the person's family or representatives, and their wishes
// for the new home (003 Appendix 2, 7.2 and 7.7): an entry in the
// family_contacts log, which is append-only, so each contact is a new
// record. Every field the schema declares is here except the home offered
// for a visit, which the incident room records from the console.
import { html } from '/shared/html.js';
import * as m from '../model.js';
import { hhmm, spoken, spokenDate, ymd } from '../time.js';

/** @typedef {import('./flow.js').Flow} Flow */
/** @typedef {import('../model.js').Rec} Rec */

/** @param {string[]} vals @param {Record<string,string>} [text] */
const opts = (vals, text = {}) => vals.map((v) => ({ value: v, text: text[v] || m.words(v) }));

/** @type {Flow} */
export const family = {
  kind: 'family',
  collection: 'family_contacts',
  noun: 'Family contact',
  steps: [
    {
      id: 'contact', title: 'Who you spoke to', specs: [
        { name: 'contact_name', type: 'text', label: 'Their name', hint: 'The relative, carer or representative', autocomplete: 'off' },
        { name: 'relationship', type: 'text', label: 'Their relationship to the person', width: '20', hint: 'For example, daughter, son, friend, attorney' },
        { name: 'occurred_at', type: 'datetime', label: 'When did you speak?', hint: 'Today and now are filled in; change them if you are writing up later.' },
        { name: 'channel', type: 'radios', label: 'How?', options: opts(['phone', 'in_person', 'video_call', 'email', 'text_message', 'letter', 'meeting', 'other'], { in_person: 'In person', video_call: 'Video call', text_message: 'Text message' }) },
        { name: 'direction', type: 'radios', label: 'Who got in touch?', inline: false, options: [{ value: 'outgoing', text: 'You contacted them' }, { value: 'incoming', text: 'They contacted you' }] },
      ],
    },
    {
      id: 'wishes', title: 'What was said and their wishes', specs: [
        { name: 'summary', type: 'textarea', rows: 5, label: 'What was said', hint: 'What you told them about the closure, and what they asked or told you.' },
        { name: 'preferences', type: 'textarea', rows: 4, label: 'Their wishes for the new home', hint: 'For example, near family, a friend moving too, a garden, a faith community (7.2).' },
        {
          name: 'visit_offered', type: 'yesno', label: 'Did you offer a view or trial visit of a home? (7.7)',
          yesReveal: [{ name: 'visit_on', type: 'date', label: 'When is the visit arranged?', hint: 'For example, 27 3 2027. Leave it empty if not arranged yet.' }],
        },
      ],
    },
  ],
  async subject(ctx, id) {
    const data = await m.load(ctx.client, /** @type {string} */ (ctx.incident));
    const r = data.residents.find((x) => x.id === id);
    if (!r) return undefined;
    const now = new Date();
    /** @type {Record<string, unknown>} */
    const fixed = { incident_id: ctx.incident, resident_id: id };
    if (ctx.me && ctx.me.name) fixed.recorded_by = ctx.me.name;
    return {
      caption: m.name(r), back: `#/resident/${id}`, fixed,
      defaults: { 'occurred_at.date': ymd(now), 'occurred_at.time': hhmm(now), direction: 'outgoing' },
    };
  },
  rules() {
    // Every check on a family contact is the schema's (required fields,
    // dates not in the future), applied by the flow.
    return [];
  },
  after(_f, _id, rid) {
    return { hash: `#/resident/${rid}`, flash: `Contact with the family saved on this device${navigator.onLine ? '' : '; it will be sent when there is signal'}.` };
  },
};

/**
 * The resident's family contacts, newest first, for the resident page.
 * @param {Rec[]} contacts
 */
export function familyHistory(contacts) {
  if (!contacts.length) return html`<p class="govuk-body" id="family-none">No contact with the family recorded yet.</p>`;
  return html`<ul class="govuk-list" id="family-contacts">${contacts.map((c) => {
    const f = c.fields;
    return html`<li><strong>${spoken(f.occurred_at)}</strong>: ${f.contact_name}${f.relationship ? ` (${f.relationship})` : ''}, ${m.words(f.channel).toLowerCase()}
<br>${f.summary}${f.preferences ? html`<br><span class="app-muted">Wishes: ${f.preferences}</span>` : ''}${f.visit_offered ? html`<br>Visit offered${f.visit_on ? `, ${spokenDate(f.visit_on)}` : ''}` : ''}</li>`;
  })}</ul>`;
}
