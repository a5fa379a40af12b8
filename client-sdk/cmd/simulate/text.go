package main

import "math/rand/v2"

// The words the simulated staff write: invented, in the register of the
// scenario's own records.

var socialWorkerNames = []string{
	"Priya Sandhu", "Tom Whitfield", "Grace Okafor", "Daniel Hughes", "Sophie Brennan", "Marcus Reid",
	"Aisha Rahman", "Helen Cartwright", "Joe Lambert", "Niamh Doyle", "Ravi Chauhan", "Beth Morley",
	"Sam Kowalski", "Lucy Fenwick", "Owen Pritchard", "Fatima Begum", "Chris Hollis", "Jade Simmons",
	"Mark Tennant", "Zara Ali", "Ellen Marsh", "Kwame Mensah", "Rosie Hartley", "Imran Qureshi",
}

var transportNames = []string{"Steve Marsden", "Paula Greaves", "Gareth Lowe", "Mandy Oakes"}

var backOfficeNames = []string{"Janet Pryce", "Colin Ashworth"}

var ownWords = []string{
	"I'm alright, love, just worried about where I'll go.",
	"The girls here are lovely. I don't want to leave them.",
	"I didn't sleep much, there was a lot of noise last night.",
	"Will my daughter know where I am?",
	"I feel safe, yes. The food's not what it was.",
	"I want to go somewhere near the park.",
	"Nobody tells us anything.",
	"I'm fine. When is my son coming?",
	"I don't like the new staff, I don't know them.",
	"Can I take my chair with me?",
}

var wellbeing = []string{
	"Settled and chatty; understands the home is closing.",
	"Tearful when the move was mentioned; reassured by the key worker.",
	"Content in familiar surroundings; did not follow the news of the closure.",
	"Anxious about the move; asked the same question several times.",
	"Cheerful; looking forward to being nearer family.",
	"Quiet and withdrawn today, which staff say is unusual.",
}

var physical = []string{
	"No new concerns.",
	"Small skin tear on the left forearm, dressed by the nurse.",
	"Mobilising with a frame; one fall last week, no injury.",
	"Cough for two days; GP asked to visit.",
	"Weight stable at last check.",
	"Pressure areas intact; repositioning chart up to date.",
}

var environment = []string{
	"Room clean and warm.",
	"Room cold overnight; heating fault reported to the administrators.",
	"Call bell within reach and answered promptly.",
	"Corridor cluttered with boxes from the closure; asked staff to clear it.",
	"Laundry not returned for two days.",
}

var medication = []string{
	"MAR chart up to date.",
	"Two missed doses of evening medication recorded; raised with the nurse in charge.",
	"Medication reviewed by the GP last week; no changes.",
	"PRN medication used twice this week, reasons recorded.",
	"Stock low: pharmacy delivery chased.",
}

var nutrition = []string{
	"Eating and drinking well.",
	"Fluid chart incomplete for yesterday; staff reminded.",
	"Poor appetite; fortified diet in place.",
	"Needs prompting at meals; staff supporting.",
}

var belongings = []string{
	"Belongings listed for the move.",
	"Hearing aids and glasses present and working.",
	"Own armchair and photographs to travel with them.",
	"Walking frame and pressure cushion belong to the home; replacements to be arranged.",
}

var concerns = []string{
	"Night staffing at two carers for the floor; resident waited 20 minutes for help.",
	"Unexplained bruise on the upper arm.",
	"Medication errors recorded twice this week.",
	"Resident distressed by the closure news; not eating.",
}

var concernActions = []string{
	"Raised with the nurse in charge; body map completed; family told.",
	"GP visit requested for today.",
	"Safeguarding concern raised with MASH.",
	"Daily check until the move; key worker to sit with the resident at meals.",
}

var residentNotes = []string{
	"Daughter phoned: wants to visit the shortlisted homes before a decision.",
	"Prefers a ground-floor room near the garden.",
	"Friends with the residents of the Garden Room; keep together if possible.",
	"Son holds the keys to the family home; wants the move after the weekend.",
	"Likes to attend the Sunday service; check the new home can support this.",
	"Has a budgie, which the family will take.",
	"Hearing is poor on the left side; speak on the right.",
	"Anxious in cars; ambulance transfer preferred.",
}

var decisions = []struct{ decision, rationale string }{
	{"Prioritise %s for an early move.", "Very frail and distressed by the closure; staffing at night cannot be relied on."},
	{"Keep %s with their friendship group when proposing destinations.", "Close friends in the home; separation would add to the distress of the move."},
	{"Ask the GP to review %s's medication before the move.", "Recent changes and missed doses; the receiving home needs a settled regime."},
	{"Hold %s's move until the family has visited the proposed home.", "Family are the main contacts and asked to see the home first; the move can wait a few days."},
	{"Arrange a familiar escort for %s on the day of the move.", "Known to become anxious with strangers; the key worker has agreed to travel."},
}

var capacityReasons = []string{
	"Diagnosis of dementia; recent memory very poor.",
	"Fluctuating confusion since a urinary infection.",
	"Learning disability; has not made a decision of this size before.",
	"Staff report the resident cannot recall the closure from one day to the next.",
}

var riskEntries = []string{
	"Staff leaving before residents are moved; night cover unreliable.",
	"Medication supply interrupted by unpaid pharmacy invoices.",
	"Residents' records incomplete for handover to receiving homes.",
	"Too few nursing places locally for the residents who need them.",
}

var communications = []string{
	"Confirmed the move date and time with the receiving home.",
	"Told the family the proposed home and arranged a visit.",
	"Placing authority asked for the resident's assessment and care plan.",
	"Administrators confirmed staffing cover until the end of the month.",
	"ICB confirmed NHS funding continues at the new home.",
}

var vehicles = []string{"Council minibus (wheelchair lift)", "Ambulance (patient transport)", "Taxi: Derby Cars", "Family car"}

var escorts = []string{"Key worker from Larkfield House", "Daughter and key worker", "Social worker", "Son"}

// pick returns a random element.
func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// chance is true with probability p.
func chance(rng *rand.Rand, p float64) bool { return rng.Float64() < p }
