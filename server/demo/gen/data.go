package main

// The scenario's invented people and places. No real people: names are
// made-up combinations, telephone numbers are in Ofcom's ranges reserved for
// drama (07700 900xxx, 01632 960xxx), email addresses are @example.org, NHS
// numbers are in the 999 range reserved for test data, and CQC ids are made
// up. Towns and local authorities are real places, as a Derby team would see
// them; the homes in them are not.

// provRow is a provider.
type provRow struct {
	key, name, owner, orgType string
	hoAddress, hoPostcode     string
	areas                     []string
}

// vacRow is a service's spare places in one category.
type vacRow struct {
	cat    string
	places int
	fee    float64
}

// svcRow is a service (a care home).
type svcRow struct {
	key, provider, name string
	address, town, pc   string
	la, area, manager   string
	serviceType, rating string
	ratedOn             string
	cats                []string
	beds                int
	vac                 []vacRow
}

const (
	derby      = "Derby City Council"
	derbyshire = "Derbyshire County Council"
)

var providers = []provRow{
	{key: "larkfield", name: "Larkfield Care Ltd", owner: "Larkfield Care Holdings Ltd", orgType: "company",
		hoAddress: "Suite 3, 18 Friar Gate Court, Derby", hoPostcode: "DE1 2FS", areas: []string{derby}},
	{key: "oakwood", name: "Oakwood Care Ltd", owner: "Oakwood Care Ltd", orgType: "company",
		hoAddress: "Oakwood Grange, 4 Cornhill Lane, Derby", hoPostcode: "DE21 4SX", areas: []string{derby, derbyshire}},
	{key: "trentside", name: "Trentside Healthcare Ltd", owner: "Trentside Healthcare Group plc", orgType: "company",
		hoAddress: "Unit 7, Riverside Business Park, Nottingham", hoPostcode: "NG2 3DG", areas: []string{derby, derbyshire, "Nottinghamshire County Council"}},
	{key: "chestergreen", name: "Chester Green Lodge Partnership", owner: "R and M Osei", orgType: "partnership",
		hoAddress: "Chester Green Lodge, 9 Mansfield Walk, Derby", hoPostcode: "DE1 3SA", areas: []string{derby}},
	{key: "allestree", name: "Allestree Park Care Trust", owner: "Allestree Park Care Trust (registered charity)", orgType: "charity",
		hoAddress: "Allestree Park House, 2 Kedleston Rise, Derby", hoPostcode: "DE22 2EN", areas: []string{derby}},
	{key: "mickleover", name: "Mickleover Manor Care Centre Ltd", owner: "Manor Care Centres Ltd", orgType: "company",
		hoAddress: "Mickleover Manor, 30 Etwall Way, Derby", hoPostcode: "DE3 0DN", areas: []string{derby, derbyshire}},
	{key: "alvaston", name: "Meadows Dementia Care Ltd", owner: "Meadows Dementia Care Ltd", orgType: "company",
		hoAddress: "Alvaston Meadows, 61 Harvey Lane, Derby", hoPostcode: "DE24 0AF", areas: []string{derby}},
	{key: "belper", name: "Derwent Valley Homes Ltd", owner: "Derwent Valley Homes Ltd", orgType: "company",
		hoAddress: "Riverside House, 5 Bridge Foot, Belper", hoPostcode: "DE56 1BA", areas: []string{derbyshire}},
	{key: "erewash", name: "Erewash Willows Care Ltd", owner: "Erewash Willows Care Ltd", orgType: "company",
		hoAddress: "The Willows, 22 Station Road, Ilkeston", hoPostcode: "DE7 5RL", areas: []string{derbyshire, "Nottinghamshire County Council"}},
	{key: "swadlincote", name: "Lakeside Living Ltd", owner: "Lakeside Living Ltd", orgType: "company",
		hoAddress: "Lakeside, 14 Civic Way, Swadlincote", hoPostcode: "DE11 9AA", areas: []string{derbyshire}},
}

var services = []svcRow{
	{key: "larkfield-house", provider: "larkfield", name: "Larkfield House", address: "41 Kedleston Road", town: "Derby", pc: "DE22 3LZ",
		la: derby, area: "Derby West", manager: "Carol Whitmore", serviceType: "residential", rating: "inadequate", ratedOn: "2026-11-05",
		cats: []string{"residential", "residential_dementia", "nursing", "mental_health"}, beds: 42},
	{key: "oakwood-grange", provider: "oakwood", name: "Oakwood Grange", address: "4 Cornhill Lane", town: "Derby", pc: "DE21 4SX",
		la: derby, area: "Derby North East", manager: "Paul Okafor", serviceType: "residential", rating: "good", ratedOn: "2025-07-14",
		cats: []string{"residential", "residential_dementia"}, beds: 60,
		vac: []vacRow{{"residential", 4, 780}, {"residential_dementia", 3, 845}}},
	{key: "spondon-rise", provider: "oakwood", name: "Spondon Rise", address: "17 Moor Street", town: "Derby", pc: "DE21 7LQ",
		la: derby, area: "Derby East", manager: "Lorraine Pike", serviceType: "residential", rating: "good", ratedOn: "2024-10-02",
		cats: []string{"residential"}, beds: 30,
		vac: []vacRow{{"residential", 2, 765}}},
	{key: "littleover-court", provider: "trentside", name: "Littleover Court Nursing Home", address: "88 Burton Row", town: "Derby", pc: "DE23 6GX",
		la: derby, area: "Derby South West", manager: "Grace Mensah", serviceType: "nursing", rating: "good", ratedOn: "2025-03-19",
		cats: []string{"nursing", "nursing_dementia"}, beds: 70,
		vac: []vacRow{{"nursing", 3, 1085}, {"nursing_dementia", 2, 1140}}},
	{key: "duffield-court", provider: "trentside", name: "Duffield Court", address: "3 Holly Bank", town: "Duffield", pc: "DE56 4EH",
		la: derbyshire, area: "Amber Valley", manager: "Ian Sharrock", serviceType: "nursing", rating: "good", ratedOn: "2025-09-08",
		cats: []string{"nursing"}, beds: 45,
		vac: []vacRow{{"nursing", 2, 1060}}},
	{key: "chester-green-lodge", provider: "chestergreen", name: "Chester Green Lodge", address: "9 Mansfield Walk", town: "Derby", pc: "DE1 3SA",
		la: derby, area: "Derby City Centre", manager: "Rebecca Osei", serviceType: "residential", rating: "requires_improvement", ratedOn: "2026-02-11",
		cats: []string{"residential", "residential_dementia"}, beds: 35,
		vac: []vacRow{{"residential", 2, 750}, {"residential_dementia", 1, 820}}},
	{key: "allestree-park-house", provider: "allestree", name: "Allestree Park House", address: "2 Kedleston Rise", town: "Derby", pc: "DE22 2EN",
		la: derby, area: "Derby West", manager: "Neil Armitage", serviceType: "residential", rating: "outstanding", ratedOn: "2025-05-27",
		cats: []string{"residential", "residential_dementia"}, beds: 48,
		vac: []vacRow{{"residential", 3, 810}, {"residential_dementia", 3, 870}}},
	{key: "mickleover-manor", provider: "mickleover", name: "Mickleover Manor Care Centre", address: "30 Etwall Way", town: "Derby", pc: "DE3 0DN",
		la: derby, area: "Derby South West", manager: "Aisha Rahman", serviceType: "nursing", rating: "good", ratedOn: "2025-11-30",
		cats: []string{"residential", "nursing"}, beds: 80,
		vac: []vacRow{{"residential", 2, 790}, {"nursing", 2, 1075}}},
	{key: "alvaston-meadows", provider: "alvaston", name: "Alvaston Meadows", address: "61 Harvey Lane", town: "Derby", pc: "DE24 0AF",
		la: derby, area: "Derby South East", manager: "Simon Frith", serviceType: "nursing", rating: "good", ratedOn: "2024-12-04",
		cats: []string{"residential_dementia", "nursing_dementia"}, beds: 55,
		vac: []vacRow{{"residential_dementia", 2, 860}, {"nursing_dementia", 1, 1150}}},
	{key: "belper-riverside", provider: "belper", name: "Belper Riverside House", address: "5 Bridge Foot", town: "Belper", pc: "DE56 1BA",
		la: derbyshire, area: "Amber Valley", manager: "Joanne Bradbury", serviceType: "residential", rating: "good", ratedOn: "2025-06-23",
		cats: []string{"residential", "residential_dementia"}, beds: 40,
		vac: []vacRow{{"residential", 2, 770}, {"residential_dementia", 1, 830}}},
	{key: "ilkeston-willows", provider: "erewash", name: "Ilkeston Willows", address: "22 Station Road", town: "Ilkeston", pc: "DE7 5RL",
		la: derbyshire, area: "Erewash", manager: "Martin Hollis", serviceType: "residential", rating: "good", ratedOn: "2025-01-15",
		cats: []string{"residential", "mental_health"}, beds: 38,
		vac: []vacRow{{"residential", 2, 760}, {"mental_health", 1, 990}}},
	{key: "swadlincote-lakeside", provider: "swadlincote", name: "Swadlincote Lakeside", address: "14 Civic Way", town: "Swadlincote", pc: "DE11 9AA",
		la: derbyshire, area: "South Derbyshire", manager: "Kerry Dale", serviceType: "residential", rating: "good", ratedOn: "2025-08-12",
		cats: []string{"residential", "residential_dementia"}, beds: 44,
		vac: []vacRow{{"residential", 3, 755}, {"residential_dementia", 2, 815}}},
	{key: "ripley-hilltop", provider: "mickleover", name: "Ripley Hilltop Care Home", address: "7 Church Street", town: "Ripley", pc: "DE5 3HE",
		la: derbyshire, area: "Amber Valley", manager: "Deborah Nunn", serviceType: "nursing", rating: "requires_improvement", ratedOn: "2025-10-20",
		cats: []string{"residential", "nursing"}, beds: 52,
		vac: []vacRow{{"residential", 1, 760}, {"nursing", 1, 1050}}},
}

// kin is a carer or significant other.
type kin struct {
	name, rel, pc string
	away          bool
	needs         string
}

// lpaRow is a power of attorney or deputyship.
type lpaRow struct {
	kind, name, rel, on string
}

// resRow is a resident of Larkfield House.
type resRow struct {
	given, family, preferred string
	dob                      string
	cat, funding, placing    string
	group                    string
	dols                     bool
	frail, eol, early        bool
	movesEarly, advocacy     bool
	kin                      []kin
	lpa                      []lpaRow
	// mca is the capacity assessment about the move: "", "lacks", "has",
	// or "delirium" (lacks while delirious, then reassessed as having it).
	mca string
}

// Friendship groups.
const (
	garden   = "Garden Room"
	dominoes = "Dominoes Club"
	chapel   = "Chapel Friends"
)

const (
	hw  = "lpa_health_welfare"
	pa  = "lpa_property_affairs"
	dpa = "deputy_property_affairs"
	epa = "enduring_power_of_attorney"
)

var residents = []resRow{
	{given: "Edith", family: "Marsh", preferred: "Edie", dob: "1936-03-14", cat: "residential_dementia", funding: "la_funded", group: garden, dols: true,
		kin: []kin{{name: "Julie Marsh", rel: "daughter", pc: "DE22 1GH"}},
		lpa: []lpaRow{{hw, "Julie Marsh", "daughter", "2019-06-03"}, {pa, "Julie Marsh", "daughter", "2019-06-03"}}, mca: "lacks"},
	{given: "Harold", family: "Pickering", preferred: "Harry", dob: "1939-07-02", cat: "residential", funding: "la_funded", group: garden,
		kin: []kin{{name: "Mark Pickering", rel: "son", pc: "DE21 6QR"}}, mca: "has"},
	{given: "Dorothy", family: "Ashworth", preferred: "Dot", dob: "1941-11-20", cat: "residential", funding: "self_funder", group: garden,
		kin: []kin{{name: "David Ashworth", rel: "son", pc: "DE3 9JB"}},
		lpa: []lpaRow{{pa, "David Ashworth", "son", "2021-02-17"}}, mca: "has"},
	{given: "Wilfred", family: "Mellor", preferred: "Wilf", dob: "1934-01-09", cat: "residential_dementia", funding: "la_funded", group: garden,
		kin: []kin{{name: "Claire Mellor", rel: "niece", pc: "DE56 2LT"}},
		lpa: []lpaRow{{hw, "Claire Mellor", "niece", "2020-09-30"}}, mca: "lacks"},
	{given: "Margaret", family: "Beeston", preferred: "Peggy", dob: "1938-05-27", cat: "residential", funding: "la_funded", group: dominoes,
		kin: []kin{{name: "Susan Hale", rel: "daughter", pc: "DE23 8NW"}}},
	{given: "Arthur", family: "Kirkland", dob: "1935-09-15", cat: "residential", funding: "la_funded", group: dominoes,
		kin: []kin{{name: "Peter Kirkland", rel: "son", pc: "DE24 9HU"}}},
	{given: "Frank", family: "Oldroyd", dob: "1940-12-03", cat: "residential", funding: "self_funder", group: dominoes,
		kin: []kin{{name: "Helen Oldroyd", rel: "daughter", pc: "S10 2TN", away: true}}},
	{given: "Irene", family: "Castleton", dob: "1937-02-18", cat: "residential", funding: "la_funded", group: chapel,
		kin: []kin{{name: "Graham Castleton", rel: "son", pc: "DE22 4DS"}}},
	{given: "Joan", family: "Whitworth", dob: "1933-08-30", cat: "residential_dementia", funding: "la_funded", group: chapel, dols: true,
		kin: []kin{{name: "Linda Crane", rel: "daughter", pc: "DE21 5BW"}},
		lpa: []lpaRow{{hw, "Linda Crane", "daughter", "2018-11-12"}}, mca: "lacks"},
	{given: "Nora", family: "Fairbairn", dob: "1944-04-11", cat: "residential", funding: "self_funder", group: chapel,
		kin: []kin{{name: "Ruth Fairbairn", rel: "sister", pc: "DE22 3NQ"}}},
	{given: "Stanley", family: "Royce", preferred: "Stan", dob: "1942-06-06", cat: "nursing", funding: "fnc",
		kin: []kin{{name: "Maureen Royce", rel: "wife", pc: "DE23 3AE", needs: "Maureen is 82, has limited mobility and does not drive; she visits daily by bus"}}},
	{given: "Brenda", family: "Halliwell", dob: "1939-10-22", cat: "nursing", funding: "fnc",
		kin: []kin{{name: "Tony Halliwell", rel: "son", pc: "DE65 5GR"}}},
	{given: "Cyril", family: "Naylor", dob: "1931-03-03", cat: "nursing", funding: "fnc", frail: true, eol: true,
		kin: []kin{{name: "Janet Naylor", rel: "daughter-in-law", pc: "DE3 0TT"}}},
	{given: "Patricia", family: "Dunmore", preferred: "Pat", dob: "1945-01-30", cat: "nursing", funding: "fnc",
		kin: []kin{{name: "Alan Dunmore", rel: "husband", pc: "DE22 1PF"}}},
	{given: "Leonard", family: "Foxley", preferred: "Len", dob: "1936-08-08", cat: "nursing", funding: "nhs_chc", dols: true,
		kin: []kin{{name: "Andrew Foxley", rel: "son", pc: "DE23 1QX"}}, mca: "lacks"},
	{given: "Vera", family: "Goodall", dob: "1932-12-12", cat: "nursing", funding: "nhs_chc", frail: true, eol: true,
		kin: []kin{{name: "Christine Goodall", rel: "daughter", pc: "DE21 2JL"}}},
	{given: "Ronald", family: "Thackeray", preferred: "Ron", dob: "1947-05-19", cat: "nursing", funding: "nhs_chc",
		kin: []kin{{name: "Sheila Thackeray", rel: "wife", pc: "DE24 8SP"}}},
	{given: "Gladys", family: "Ormerod", dob: "1930-02-25", cat: "residential", funding: "dwp_preserved_rights", frail: true},
	{given: "Derek", family: "Lomas", dob: "1958-09-14", cat: "mental_health", funding: "s117", placing: derby, early: true, advocacy: true},
	{given: "Eileen", family: "Pargeter", dob: "1940-07-07", cat: "residential", funding: "out_of_area", placing: "Nottinghamshire County Council", movesEarly: true,
		kin: []kin{{name: "Karen Bell", rel: "daughter", pc: "NG10 4PR", away: true}}, mca: "has"},
	{given: "Thomas", family: "Ackroyd", preferred: "Tom", dob: "1943-03-21", cat: "residential_dementia", funding: "out_of_area", placing: "Staffordshire County Council",
		kin: []kin{{name: "Richard Ackroyd", rel: "son", pc: "DE14 2SE", away: true}}},
	{given: "Alice", family: "Brindley", dob: "1937-06-16", cat: "residential", funding: "self_funder", movesEarly: true,
		kin: []kin{{name: "Sarah Cope", rel: "daughter", pc: "DE56 0HP"}}, mca: "has"},
	{given: "Walter", family: "Greaves", preferred: "Wally", dob: "1935-11-11", cat: "residential_dementia", funding: "la_funded", dols: true, mca: "lacks"},
	{given: "Mabel", family: "Sutcliffe", dob: "1934-04-04", cat: "residential_dementia", funding: "la_funded", dols: true,
		kin: []kin{{name: "Paul Sutcliffe", rel: "son", pc: "DE22 2BQ"}},
		lpa: []lpaRow{{hw, "Paul Sutcliffe", "son", "2017-03-22"}}, mca: "lacks"},
	{given: "Kenneth", family: "Holroyd", preferred: "Ken", dob: "1938-01-27", cat: "residential_dementia", funding: "self_funder",
		kin: []kin{{name: "Karen Holroyd", rel: "daughter", pc: "DE3 9FX"}},
		lpa: []lpaRow{{pa, "Karen Holroyd", "daughter", "2020-01-08"}}},
	{given: "Hilda", family: "Crowther", dob: "1936-09-09", cat: "residential_dementia", funding: "la_funded",
		kin: []kin{{name: "Michael Crowther", rel: "son", pc: "DE21 4HG"}},
		lpa: []lpaRow{{epa, "Michael Crowther", "son", "2006-05-15"}}},
	{given: "George", family: "Bamford", dob: "1941-02-14", cat: "residential", funding: "la_funded",
		kin: []kin{{name: "Pauline Bamford", rel: "wife", pc: "DE23 6LD"}}},
	{given: "Lilian", family: "Entwistle", preferred: "Lily", dob: "1939-08-19", cat: "residential", funding: "la_funded",
		kin: []kin{{name: "Brian Entwistle", rel: "nephew", pc: "LE11 3QF", away: true}},
		lpa: []lpaRow{{dpa, "Derby City Council Client Finance Team", "appointed deputy", "2022-04-06"}}},
	{given: "Albert", family: "Woolley", preferred: "Bert", dob: "1933-05-05", cat: "residential", funding: "la_funded", frail: true,
		kin: []kin{{name: "Jean Woolley", rel: "daughter", pc: "DE24 0QS"}}},
	{given: "Ethel", family: "Barraclough", dob: "1935-03-29", cat: "residential_dementia", funding: "la_funded",
		kin: []kin{{name: "Gillian Barraclough", rel: "daughter", pc: "DE21 7DP"}}},
	{given: "Norman", family: "Hepworth", dob: "1940-10-10", cat: "residential", funding: "la_funded", early: true,
		kin: []kin{{name: "Carol Hepworth", rel: "daughter", pc: "DE1 1RT"}}},
	{given: "Phyllis", family: "Kenworthy", dob: "1937-12-01", cat: "residential", funding: "self_funder",
		kin: []kin{{name: "Stephen Kenworthy", rel: "nephew", pc: "DE22 4LJ"}},
		lpa: []lpaRow{{pa, "Stephen Kenworthy", "nephew", "2016-10-19"}}},
	{given: "Sidney", family: "Marchbank", preferred: "Sid", dob: "1942-07-23", cat: "residential", funding: "la_funded",
		kin: []kin{{name: "Denise Marchbank", rel: "daughter", pc: "DE73 5SN"}}},
	{given: "Doris", family: "Applegarth", dob: "1936-06-28", cat: "residential_dementia", funding: "la_funded",
		kin: []kin{{name: "Martin Applegarth", rel: "son", pc: "DE24 3AR"}}},
	{given: "Clifford", family: "Rushworth", preferred: "Cliff", dob: "1944-11-05", cat: "residential", funding: "la_funded"},
	{given: "Winifred", family: "Tattersall", preferred: "Win", dob: "1932-09-17", cat: "residential", funding: "self_funder",
		kin: []kin{{name: "Elaine Tattersall", rel: "daughter", pc: "DE22 2HE"}},
		lpa: []lpaRow{{hw, "Elaine Tattersall", "daughter", "2015-07-01"}, {pa, "Elaine Tattersall", "daughter", "2015-07-01"}}},
	{given: "Eric", family: "Cawthorne", dob: "1939-04-13", cat: "residential", funding: "la_funded",
		kin: []kin{{name: "Lesley Cawthorne", rel: "daughter", pc: "DE21 6AN"}}},
	{given: "Marjorie", family: "Hinchliffe", dob: "1941-01-08", cat: "residential_dementia", funding: "la_funded",
		kin: []kin{{name: "Roy Hinchliffe", rel: "husband", pc: "DE23 4BB", needs: "Roy has his own carer's assessment pending; heart condition"}}},
	{given: "Ernest", family: "Lumb", preferred: "Ernie", dob: "1937-10-31", cat: "residential", funding: "la_funded",
		kin: []kin{{name: "Valerie Lumb", rel: "daughter", pc: "DE24 8DE"}}},
	{given: "Olive", family: "Stansfield", dob: "1943-08-26", cat: "residential", funding: "self_funder",
		kin: []kin{{name: "Brenda Cole", rel: "sister", pc: "DE22 3QS"}}, mca: "delirium"},
	{given: "Bernard", family: "Illingworth", dob: "1934-02-02", cat: "residential_dementia", funding: "la_funded",
		kin: []kin{{name: "Angela Illingworth", rel: "daughter", pc: "DE21 2RH"}}},
	{given: "Muriel", family: "Sowerby", dob: "1938-12-24", cat: "residential", funding: "self_funder",
		kin: []kin{{name: "Graham Sowerby", rel: "son", pc: "NG9 2QA", away: true}}},
}

// Residents referred to by the scenario's story, by index into residents.
const (
	rEdith   = 0
	rHarold  = 1
	rDorothy = 2
	rWilfred = 3
	rFrank   = 6
	rJoan    = 8
	rCyril   = 12
	rLeonard = 14
	rVera    = 15
	rEileen  = 19
	rAlice   = 21
	rWalter  = 22
	rMabel   = 23
	rAlbert  = 28
	rOlive   = 39
)

// Staff and officers (invented).
const (
	director       = "Martin Coles"
	headCommission = "Helen Radcliffe"
	seniorQMO      = "Gary Whitlock"
	qmo            = "Nadia Hussain"
	headSafeguard  = "Fiona Brennan"
	chcLead        = "Dr Anjali Mehta"
	cqcManager     = "Tom Ridley"
	commsLead      = "Sarah Kaye"
	adminLead      = "Lee Chambers"
	transportCoord = "Dean Foster"
	imcaName       = "Priya Sandhu"
	imcaOrg        = "Derwent Advocacy (invented)"
)

// socialWorkers assess and visit residents in turn.
var socialWorkers = []struct{ name, initials string }{
	{"Kim Ashdown", "KA"}, {"Joe Baptiste", "JB"}, {"Ruth Mwangi", "RM"}, {"Owen Price", "OP"},
}

var gps = []string{
	"Mill Lane Surgery, Derby (01632 960101)",
	"Brookside Health Centre, Derby (01632 960102)",
	"Kedleston View Practice, Derby (01632 960103)",
}

var needsByCategory = map[string][]string{
	"residential": {
		"Needs help with washing, dressing and medication; walks with a frame; enjoys company in the lounge.",
		"Independent with eating; needs prompting with personal care and support at night; uses a wheelchair outdoors.",
		"Needs one carer for personal care; at risk of falls; likes routine and a quiet room.",
	},
	"residential_dementia": {
		"Alzheimer's disease; disorientated to time and place; needs support with all personal care; may walk with purpose at night.",
		"Vascular dementia; needs prompting and reassurance; can become distressed by change and unfamiliar staff.",
		"Mixed dementia; needs help with eating and drinking; responds well to music and familiar faces.",
	},
	"nursing": {
		"Needs two carers and a hoist for transfers; PEG-fed; pressure areas checked two-hourly.",
		"Parkinson's disease; time-critical medication; at high risk of pressure ulcers; nursing oversight of diabetes.",
		"After a stroke, right-sided weakness; needs nursing care for catheter and skin integrity.",
	},
	"mental_health": {
		"Long-standing schizophrenia, stable on depot medication; s117 after-care; anxious with change and needs advocacy.",
	},
}

var medicationByCategory = map[string]string{
	"residential":          "Regular: amlodipine, paracetamol, laxatives. Blister packs from community pharmacy.",
	"residential_dementia": "Regular: donepezil or memantine, analgesia; PRN lorazepam reviewed by GP.",
	"nursing":              "Regular nursing-administered medication incl. time-critical doses; MAR held by nursing staff.",
	"mental_health":        "Depot antipsychotic every two weeks (community mental health team); oral medication daily.",
}

var feesByFunding = map[string]float64{
	"la_funded": 745, "self_funder": 925, "fnc": 1050, "nhs_chc": 1295, "out_of_area": 760, "s117": 980, "dwp_preserved_rights": 700,
}
