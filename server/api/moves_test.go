package api_test

// mcaEvidence is the evidence a signed "lacks capacity" assessment records
// (MCA 2005 s.1(3), ss.2-3): the information given and how, the practicable
// steps, the evidence for each stage, the assessor and a dated sitting.
func mcaEvidence(extra map[string]any) map[string]any {
	f := map[string]any{
		"relevant_information":     "The home is closing. Options: Oakwood Grange or another home with places; what each is like.",
		"how_information_given":    "In her room, in short sentences, with photographs of the homes and her key worker present.",
		"practicable_steps":        "Morning visit when most alert; glasses and hearing aids in; information repeated and written down.",
		"impairment_evidence":      "Diagnosed dementia recorded by the GP; disorientated to time and place.",
		"understand_evidence":      "Could not say, in any words, that the home is closing after it was explained three ways.",
		"retain_evidence":          "Did not recall the photographs after five minutes.",
		"use_or_weigh_evidence":    "Could not compare the options; repeated that she would go home to her parents.",
		"communicate_evidence":     "Speaks clearly and says what she likes.",
		"causative_nexus_evidence": "The inability to understand, retain and weigh is because of the dementia.",
		"assessor_name":            "Kim Adams",
		"sittings":                 []map[string]any{{"date": "2026-11-23", "venue": "Her room"}},
	}
	for k, v := range extra {
		f[k] = v
	}
	return f
}
