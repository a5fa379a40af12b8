// @ts-check
// The three records a social worker makes on the spot: a safe-and-well
// check, a two-stage capacity assessment (Mental Capacity Act 2005 ss.2–3)
// and a best-interests decision (s.4). Every field the schema declares for
// them is here (syncproto/schema); ids, the incident and links to other
// records are filled in by the app.
import { html } from '/shared/html.js';
import * as m from '../model.js';
import { hhmm, nowInstant, ymd } from '../time.js';

/** @typedef {import('./flow.js').Flow} Flow */
/** @typedef {import('./flow.js').Problem} Problem */
/** @typedef {import('../forms.js').Spec} Spec */

/** @param {string[]} vals @param {Record<string,string>} [text] */
const opts = (vals, text = {}) => vals.map((v) => ({ value: v, text: text[v] || m.words(v) }));

/** Cached between a flow's subject() and its rules(). @type {{resident?: any, data?: m.Data}} */
const last = {};

/** @param {import('./common.js').Ctx} ctx @param {string} id */
async function residentOf(ctx, id) {
  const data = await m.load(ctx.client, /** @type {string} */ (ctx.incident));
  const r = data.residents.find((x) => x.id === id);
  last.resident = r;
  last.data = data;
  return { data, r };
}

const tomorrow = () => { const d = new Date(); d.setDate(d.getDate() + 1); return ymd(d); };

/** @type {Flow} */
export const check = {
  kind: 'check',
  collection: 'safe_and_well_checks',
  noun: 'Safe-and-well check',
  steps: [
    {
      id: 'visit', title: 'The visit', specs: [
        { name: 'visited_at', type: 'datetime', label: 'When did you visit?', hint: 'Today and now are filled in; change them if you are writing up later.' },
        { name: 'seen', type: 'yesno', label: 'Did you see the person yourself?' },
        { name: 'location', type: 'text', label: 'Where were they?', hint: 'For example, their room, the lounge, or a hospital ward' },
        { name: 'visitor_name', type: 'text', label: 'Your name', width: '20', hint: 'Filled in from your sign-in; change it if someone else made the visit.' },
        { name: 'visitor_role', type: 'text', label: 'Your role', width: '20', hint: 'For example, social worker' },
      ],
    },
    {
      id: 'person', title: 'What the person said', specs: [
        { name: 'feels_safe', type: 'radios', label: 'Does the person say they feel safe?', options: opts(['yes', 'no', 'unsure', 'unable_to_say'], { unable_to_say: 'They were not able to say' }) },
        { name: 'in_own_words', type: 'textarea', rows: 5, label: 'What did they say, in their own words?', hint: 'Write their words as they said them, in quotation marks if you can.' },
      ],
    },
    {
      id: 'observations', title: 'What you saw', specs: [
        { name: 'wellbeing', type: 'textarea', label: 'Emotional wellbeing', hint: 'Mood, anxiety about the closure, how they responded to you' },
        { name: 'physical', type: 'textarea', label: 'Physical health', hint: 'Injuries, pain, skin, mobility, continence' },
        { name: 'environment', type: 'textarea', label: 'Environment', hint: 'Warmth, cleanliness, safety of the room and building' },
        { name: 'medication', type: 'textarea', label: 'Medication and MAR chart', hint: 'Is the MAR chart up to date? Are there enough supplies?' },
        { name: 'nutrition_hydration', type: 'textarea', label: 'Eating and drinking' },
        { name: 'belongings_equipment', type: 'textarea', label: 'Belongings and equipment' },
        { name: 'observations', type: 'textarea', label: 'Anything else you saw' },
      ],
    },
    {
      id: 'outcome', title: 'Outcome and actions', specs: [
        {
          name: 'outcome', type: 'radios', label: 'What is the outcome of the check?', options: [
            { value: 'safe_and_well', text: 'Safe and well' },
            { value: 'concerns', text: 'Concerns', hint: 'Say what they are under risks, and what you did under actions.' },
            { value: 'not_seen', text: 'Not seen', hint: 'Arrange another visit.' },
          ],
        },
        { name: 'risks', type: 'textarea', label: 'Risks you found' },
        { name: 'safeguarding_raised', type: 'yesno', label: 'Did you raise a safeguarding concern?', yesReveal: [{ name: 's42_reference', type: 'text', label: 'Section 42 enquiry reference', hint: 'If you have one yet', width: '20' }] },
        { name: 'family_informed', type: 'yesno', label: 'Have you told the family about the check?' },
        { name: 'actions', type: 'textarea', label: 'Actions taken or needed' },
        {
          name: 'action_items', type: 'items', label: 'Actions with an owner', itemLabel: 'Action', hint: 'Add each action someone must take, who and by when.',
          item: [
            { name: 'action', type: 'text', label: 'Action' },
            { name: 'owner', type: 'text', label: 'Who', width: '20' },
            { name: 'due_on', type: 'date', label: 'By when' },
            { name: 'done', type: 'checkbox', label: 'Done' },
          ],
        },
        { name: 'follow_up_due', type: 'date', label: 'When is the next check due?', hint: 'Tomorrow is filled in; make it today if there are concerns.' },
      ],
    },
  ],
  async subject(ctx, id) {
    const { data, r } = await residentOf(ctx, id);
    if (!r) return undefined;
    const prev = m.latestCheck(data.checks.filter((c) => c.fields.resident_id === id));
    /** @type {Record<string, unknown>} */
    const fixed = { incident_id: ctx.incident, resident_id: id };
    if (prev) fixed.previous_check_id = prev.id;
    const now = new Date();
    return {
      caption: m.name(r), back: `#/resident/${id}`, fixed,
      defaults: { 'visited_at.date': ymd(now), 'visited_at.time': hhmm(now), follow_up_due: tomorrow(), seen: 'yes', location: r.fields.room ? `Room ${r.fields.room}` : '', visitor_name: ctx.me?.name || '' },
    };
  },
  rules(f) {
    /** @type {Problem[]} */
    const p = [];
    if (f.outcome === 'not_seen' && f.seen === true) p.push({ field: 'seen', message: 'You chose "not seen" as the outcome: answer No here, or choose another outcome' });
    if (f.outcome === 'safe_and_well' && f.seen === false) p.push({ field: 'outcome', message: 'The person was not seen, so the outcome cannot be "safe and well": choose "not seen" or "concerns"' });
    if (f.outcome === 'concerns' && !f.risks && !f.actions && !f.action_items) p.push({ field: 'risks', message: 'Say what the concerns are, or what was done about them' });
    if (f.follow_up_due && f.visited_at && f.follow_up_due < String(f.visited_at).slice(0, 10)) p.push({ field: 'follow_up_due', message: 'The next check must be due on or after the day of this visit' });
    if (f.visited_at === undefined) p.push({ field: 'visited_at', message: 'Enter the date and time of the visit' });
    return p;
  },
  after(f, _id, rid) {
    return { hash: `#/resident/${rid}`, flash: `Safe-and-well check saved on this device${navigator.onLine ? '' : '; it will be sent when there is signal'}.` };
  },
};

const functional = [
  ['can_understand', 'understand_evidence', 'Can the person understand the information relevant to the decision?', 's.3(1)(a)'],
  ['can_retain', 'retain_evidence', 'Can they retain that information long enough to make the decision?', 's.3(1)(b); s.3(3): retaining it for a short time only does not stop them deciding'],
  ['can_use_or_weigh', 'use_or_weigh_evidence', 'Can they use or weigh that information as part of deciding?', 's.3(1)(c)'],
  ['can_communicate', 'communicate_evidence', 'Can they communicate their decision, by any means?', 's.3(1)(d): talking, sign language or any other means'],
];

/** @type {Flow} */
export const capacity = {
  kind: 'capacity',
  collection: 'capacity_assessments',
  noun: 'Capacity assessment',
  steps: [
    {
      id: 'decision', title: 'The decision', specs: [
        { name: 'decision', type: 'text', label: 'What is the specific decision?', hint: 'Capacity is about one decision at a time (s.2(1)).' },
        { name: 'decision_type', type: 'radios', label: 'What kind of decision is it?', options: opts(['accommodation', 'serious_medical_treatment', 'other'], { accommodation: 'Where to live (accommodation)' }) },
        { name: 'reason_for_doubt', type: 'textarea', label: "Why is the person's capacity in doubt?", hint: 'A person must be assumed to have capacity unless it is established that they lack it (s.1(2)).' },
        { name: 'can_wait', type: 'yesno', label: 'Can the decision wait until the person may be able to make it?' },
        { name: 'can_wait_reason', type: 'textarea', label: 'Why it can or cannot wait' },
      ],
    },
    {
      id: 'information', title: 'Helping the person decide', specs: [
        { name: 'relevant_information', type: 'textarea', label: 'What information is relevant to the decision?', hint: 'The options and the reasonably foreseeable consequences of each, and of not deciding (s.3(4)).' },
        { name: 'how_information_given', type: 'textarea', label: 'How did you give the information?', hint: 'In a way right for them: simple language, visual aids or other means (s.3(2)).' },
        { name: 'practicable_steps', type: 'textarea', label: 'What did you do to help them decide?', hint: 'A person is not treated as unable to decide unless all practicable steps to help them have been taken without success (s.1(3)): venue, time of day, aids, people they trust.' },
        {
          name: 'sittings', type: 'items', label: 'When you met the person', itemLabel: 'Sitting',
          item: [
            { name: 'date', type: 'date', label: 'Date' },
            { name: 'venue', type: 'text', label: 'Where' },
            { name: 'present', type: 'text', label: 'Who else was there' },
            { name: 'notes', type: 'textarea', label: 'Notes' },
          ],
        },
      ],
    },
    {
      id: 'stage-1', title: 'Stage 1: the mind or brain', specs: [
        {
          name: 'impairment', type: 'yesno', label: 'Does the person have an impairment of, or a disturbance in the functioning of, the mind or brain?',
          hint: 'Section 2(1). It does not matter whether it is permanent or temporary, and no formal diagnosis is needed. You can answer the stages in any order.',
          yesReveal: [{ name: 'impairment_duration', type: 'radios', label: 'Is it temporary or lasting?', options: opts(['temporary', 'lasting']) }],
        },
        { name: 'impairment_evidence', type: 'textarea', rows: 4, label: 'What is your evidence?' },
      ],
    },
    {
      id: 'stage-2', title: 'Stage 2: making the decision',
      intro: html`<p class="govuk-body">A person is unable to make a decision if they cannot do one or more of these four things (s.3(1)). You can answer the stages in any order.</p>`,
      specs: functional.flatMap(([name, ev, label, hint]) => [
        /** @type {Spec} */ ({ name, type: 'yesno', label, hint }),
        /** @type {Spec} */ ({ name: ev, type: 'textarea', label: 'Evidence', rows: 3 }),
      ]),
    },
    {
      id: 'outcome', title: 'Outcome', specs: [
        { name: 'causative_nexus', type: 'yesno', label: 'Is the person unable to make the decision because of the impairment or disturbance?', hint: 'Section 2(1): the inability must be because of it.' },
        { name: 'causative_nexus_evidence', type: 'textarea', label: 'Why you think so' },
        {
          name: 'outcome', type: 'radios', label: 'What is the outcome for this decision?', options: [
            { value: 'has_capacity', text: 'The person has capacity to make this decision', hint: 'They decide, even if you think the decision unwise (s.1(4)).', reveal: [{ name: 'persons_decision', type: 'textarea', label: 'Their decision, in their own words' }] },
            { value: 'lacks_capacity', text: 'The person lacks capacity to make this decision', hint: 'A best-interests decision is made next (s.4).' },
          ],
        },
        { name: 'assessor_name', type: 'text', label: 'Assessor', width: '20' },
        { name: 'assessor_role', type: 'text', label: 'Assessor’s role', width: '20' },
        { name: 'assessor_organisation', type: 'text', label: 'Assessor’s organisation', width: '20' },
      ],
    },
  ],
  finish: {
    name: '__sign', label: 'Sign the assessment now',
    hint: 'Once signed it is a legal record: it is never changed, only replaced by a new assessment that refers to it.',
    fields: () => ({ signed_at: nowInstant() }),
  },
  async subject(ctx, id) {
    const { r } = await residentOf(ctx, id);
    if (!r) return undefined;
    return {
      caption: m.name(r), back: `#/resident/${id}`, fixed: { incident_id: ctx.incident, resident_id: id },
      defaults: { decision: 'Where to live after the care home closes', decision_type: 'accommodation', 'sittings.0.date': ymd(), 'sittings.0.venue': r.fields.room ? `Room ${r.fields.room}` : '' },
    };
  },
  rules(f) {
    /** @type {Problem[]} */
    const p = [];
    // The two-stage test itself is the server's, exported as data
    // (GET /v1/schema, capacity_assessments requirements) and applied by
    // the flow: no copy of it here.
    if (f.signed_at) {
      if (!f.assessor_name) p.push({ field: 'assessor_name', message: 'Enter the assessor’s name before signing the assessment' });
    }
    return p;
  },
  after(f, id, rid) {
    if (f.outcome === 'lacks_capacity') {
      return { hash: `#/best-interests/${id}`, flash: 'Capacity assessment saved on this device. Now record the best-interests decision.' };
    }
    return { hash: `#/resident/${rid}`, flash: 'Capacity assessment saved on this device.' };
  },
};

/** @type {Record<string,string>} */
const roleText = { unpaid_carer: 'Unpaid carer', paid_carer: 'Paid carer', imca: 'IMCA' };

/** @type {Flow} */
export const bestInterests = {
  kind: 'best-interests',
  collection: 'best_interests_decisions',
  noun: 'Best-interests decision',
  steps: [
    {
      id: 'authority', title: 'Attorney or deputy', specs: [
        {
          name: 'authority_present', type: 'yesno', label: 'Does an attorney or deputy have authority for this decision?',
          hint: 'A health and welfare attorney or deputy with authority for the decision makes it, not the council.',
          yesReveal: [
            { name: 'authority_name', type: 'text', label: 'Their name' },
            { name: 'authority_kind', type: 'radios', label: 'Their authority', options: opts(['lpa_health_welfare', 'lpa_property_affairs', 'deputy_health_welfare', 'deputy_property_affairs', 'enduring_power_of_attorney'], { lpa_health_welfare: 'Lasting power of attorney: health and welfare', lpa_property_affairs: 'Lasting power of attorney: property and financial affairs', deputy_health_welfare: 'Deputy: health and welfare', deputy_property_affairs: 'Deputy: property and affairs', enduring_power_of_attorney: 'Enduring power of attorney' }) },
          ],
        },
      ],
    },
    {
      id: 'checklist', title: 'The best-interests checklist', specs: [
        { name: 'no_assumption_from_age_or_appearance', type: 'checkbox', label: 'I have not decided on the basis of the person’s age, appearance, condition or behaviour (s.4(1))' },
        { name: 'can_wait', type: 'yesno', label: 'Is the person likely to regain capacity, so that the decision can wait? (s.4(3))' },
        { name: 'participation', type: 'textarea', label: 'How was the person helped to take part? (s.4(4))' },
        { name: 'wishes_and_feelings', type: 'textarea', label: 'Their past and present wishes and feelings (s.4(6)(a))' },
        { name: 'beliefs_and_values', type: 'textarea', label: 'Their beliefs and values (s.4(6)(b))' },
        { name: 'other_factors', type: 'textarea', label: 'Other factors they would consider (s.4(6)(c))' },
      ],
    },
    {
      id: 'consultees', title: 'Who you consulted', specs: [
        {
          name: 'consultees', type: 'items', label: 'People consulted', itemLabel: 'Person', hint: 'Family, friends, carers, attorneys (s.4(7)). Say if it was not practicable or appropriate to consult someone.',
          item: [
            { name: 'name', type: 'text', label: 'Name' },
            { name: 'role', type: 'radios', label: 'Who they are', options: opts(['family', 'friend', 'unpaid_carer', 'attorney', 'deputy', 'paid_carer', 'professional', 'imca', 'advocate'], roleText) },
            { name: 'relationship', type: 'text', label: 'Relationship', width: '20' },
            { name: 'view', type: 'textarea', label: 'Their view' },
            { name: 'consulted_on', type: 'date', label: 'When' },
            { name: 'unsuitable', type: 'checkbox', label: 'Not practicable or appropriate to consult' },
            { name: 'unsuitable_reason', type: 'text', label: 'Why not' },
          ],
        },
      ],
    },
    {
      id: 'options', title: 'Options considered', specs: [
        {
          name: 'options', type: 'items', label: 'Options', itemLabel: 'Option',
          item: [
            { name: 'option', type: 'text', label: 'Option' },
            { name: 'benefits', type: 'textarea', label: 'Benefits' },
            { name: 'risks', type: 'textarea', label: 'Risks' },
            { name: 'least_restrictive', type: 'checkbox', label: 'Least restrictive' },
            { name: 'chosen', type: 'checkbox', label: 'Chosen' },
          ],
        },
      ],
    },
    {
      id: 'decision', title: 'The decision', specs: [
        { name: 'decision_type', type: 'radios', label: 'What kind of decision is it?', options: opts(['accommodation', 'serious_medical_treatment', 'other'], { accommodation: 'Where to live (accommodation)' }) },
        { name: 'setting', type: 'radios', label: 'Where would it place the person?', options: opts(['care_home', 'hospital', 'other']) },
        { name: 'expected_stay_days', type: 'number', label: 'Expected stay, in days', width: '5', hint: 'For the IMCA test: more than 56 days in a care home or 28 in hospital is a long-term move.' },
        { name: 'decision_reached', type: 'textarea', label: 'The decision made in the person’s best interests' },
        { name: 'least_restrictive_reasoning', type: 'textarea', label: 'Why this is the least restrictive option that meets the need', hint: 'Section 1(6): regard must be had to whether the purpose can be achieved in a way less restrictive of the person’s rights and freedom.' },
        { name: 'decision_maker', type: 'radios', label: 'Who is the decision-maker?', options: opts(['council', 'nhs', 'attorney', 'deputy'], { council: 'The council', nhs: 'The NHS', attorney: 'A health and welfare attorney', deputy: 'A health and welfare deputy' }) },
        { name: 'decision_maker_name', type: 'text', label: 'Decision-maker’s name', width: '20' },
        { name: 'decision_maker_role', type: 'text', label: 'Decision-maker’s role', width: '20' },
        { name: 'decided_at', type: 'datetime', label: 'When was the decision made?' },
      ],
    },
    {
      id: 'imca', title: 'Independent Mental Capacity Advocate', specs: [
        { name: 'imca_required', type: 'yesno', label: 'Must an IMCA be instructed?', hint: 'Yes when nobody appropriate can be consulted (other than paid carers) and the decision is a long-term move or serious medical treatment.' },
        { name: 'imca_referral_date', type: 'date', label: 'When was the IMCA instructed?' },
        { name: 'imca_name', type: 'text', label: 'IMCA’s name', width: '20' },
        { name: 'imca_report_on', type: 'date', label: 'When was their report received?' },
        { name: 'imca_report', type: 'textarea', label: 'Summary of the IMCA’s report' },
      ],
    },
  ],
  async subject(ctx, assessmentId) {
    const data = await m.load(ctx.client, /** @type {string} */ (ctx.incident));
    const a = data.assessments.find((x) => x.id === assessmentId);
    if (!a) return undefined;
    const r = data.residents.find((x) => x.id === a.fields.resident_id);
    last.resident = r;
    last.data = data;
    const now = new Date();
    return {
      caption: m.name(r), back: r ? `#/resident/${r.id}` : '#/residents',
      fixed: { incident_id: ctx.incident, assessment_id: a.id, resident_id: a.fields.resident_id, decision: a.fields.decision },
      defaults: { decision_type: a.fields.decision_type || '', setting: 'care_home', decision_maker: 'council', 'decided_at.date': ymd(now), 'decided_at.time': hhmm(now) },
    };
  },
  rules(f) {
    /** @type {Problem[]} */
    const p = [];
    const lpas = (last.resident && Array.isArray(last.resident.fields.lpa) ? last.resident.fields.lpa : [])
      .filter((/** @type {any} */ a) => !String(a.restrictions || '').trim());
    const authorities = lpas.map((/** @type {any} */ a) => ({ kind: a.kind, name: a.name }));
    if (f.authority_present === true) authorities.push({ kind: f.authority_kind, name: f.authority_name || 'The attorney or deputy' });
    const lpa = authorities.find((/** @type {any} */ a) => a.kind === 'lpa_health_welfare');
    const deputy = authorities.find((/** @type {any} */ a) => a.kind === 'deputy_health_welfare');
    if (lpa && f.decision_maker !== 'attorney') p.push({ field: 'decision_maker', message: `${lpa.name} holds a lasting power of attorney for health and welfare with authority for this decision, so they decide: choose "A health and welfare attorney"` });
    else if (!lpa && deputy && f.decision_maker !== 'deputy') p.push({ field: 'decision_maker', message: `${deputy.name} is the health and welfare deputy with authority for this decision, so they decide: choose "A health and welfare deputy"` });
    else if (f.decision_maker === 'attorney' && !lpa) p.push({ field: 'decision_maker', message: 'No health and welfare attorney with authority for this decision is on record: record them under "Attorney or deputy", or choose another decision-maker' });
    else if (f.decision_maker === 'deputy' && !deputy) p.push({ field: 'decision_maker', message: 'No health and welfare deputy with authority for this decision is on record: record them under "Attorney or deputy", or choose another decision-maker' });
    const consultees = Array.isArray(f.consultees) ? f.consultees : [];
    const appropriate = consultees.some((/** @type {any} */ c) => !c.unsuitable && ['family', 'friend', 'unpaid_carer', 'attorney', 'deputy'].includes(c.role));
    const days = Number(f.expected_stay_days || 0);
    const longTerm = f.decision_type === 'serious_medical_treatment'
      || (f.decision_type === 'accommodation' && ((f.setting === 'care_home' && days > 56) || (f.setting === 'hospital' && days > 28)));
    if (!appropriate && !lpa && !deputy && longTerm && !f.imca_referral_date) {
      p.push({ field: 'imca_referral_date', message: 'Nobody appropriate can be consulted and this is a long-term move or serious medical treatment, so an IMCA must be instructed: enter the date they were instructed' });
    }
    if (f.imca_referral_date && f.imca_referral_date > ymd()) p.push({ field: 'imca_referral_date', message: 'The IMCA referral date must be today or in the past' });
    if (f.decision_reached && !f.least_restrictive_reasoning) p.push({ field: 'least_restrictive_reasoning', message: 'Say why the decision is the least restrictive option that meets the need (s.1(6))' });
    for (const [i, c] of consultees.entries()) {
      if (!c.name) p.push({ field: `consultees.${i}.name`, message: `Enter the name of person ${i + 1} consulted` });
      else if (!c.role) p.push({ field: `consultees.${i}.role`, message: `Choose who ${c.name} is` });
    }
    for (const [i, o] of (Array.isArray(f.options) ? f.options : []).entries()) {
      if (!o.option) p.push({ field: `options.${i}.option`, message: `Describe option ${i + 1}` });
    }
    return p;
  },
  after(f, _id, _aid) {
    return { hash: `#/resident/${f.resident_id}`, flash: 'Best-interests decision saved on this device.' };
  },
};
