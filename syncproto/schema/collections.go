package schema

// Field-set building blocks shared by the collection declarations.

// IncidentField is the uuid field that scopes a record to its incident.
var IncidentField = Field{Name: "incident_id", Kind: String, Tag: "uuid", Required: true, Doc: "the incident (provider failure case) the record belongs to"}

// Residents is the residents (customers) collection.
var Residents = Collection{
	Name:       "residents",
	ScopeField: "incident_id",
	Doc:        "a person living in (or served by) the failing service",
	Fields: []Field{
		IncidentField,
		{Name: "given_name", Kind: String, Tag: "min=1,max=200", Required: true},
		{Name: "family_name", Kind: String, Tag: "min=1,max=200", Required: true},
		{Name: "date_of_birth", Kind: String, Tag: "date", Doc: "YYYY-MM-DD"},
		{Name: "nhs_number", Kind: String, Tag: "nhs_number"},
		{Name: "current_service_id", Kind: String, Tag: "uuid", Policy: Flag, Doc: "where the person lives now"},
		{Name: "notes", Kind: String, Tag: "max=20000"},
	},
}

// SafeAndWellChecks is the safe-and-well checks collection.
var SafeAndWellChecks = Collection{
	Name:       "safe_and_well_checks",
	ScopeField: "incident_id",
	Doc:        "a visit to check a resident is safe and well",
	Fields: []Field{
		IncidentField,
		{Name: "resident_id", Kind: String, Tag: "uuid", Required: true},
		{Name: "visited_at", Kind: String, Tag: "rfc3339", Required: true},
		{Name: "outcome", Kind: String, Tag: "oneof=safe_and_well concerns not_seen", Required: true},
		{Name: "observations", Kind: String, Tag: "max=20000"},
		{Name: "actions", Kind: String, Tag: "max=20000"},
	},
}

// Core returns the collections of the sync core.
func Core() []Collection { return []Collection{Residents, SafeAndWellChecks} }
