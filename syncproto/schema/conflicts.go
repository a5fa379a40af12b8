package schema

// ConflictValue is one of the values devices wrote concurrently.
type ConflictValue struct {
	Value      any    `json:"value"`
	ChangeID   string `json:"change_id" validate:"required,uuid"`
	DeviceID   string `json:"device_id" validate:"required,max=64"`
	Subject    string `json:"subject,omitempty" validate:"max=64"`
	HLC        string `json:"hlc" validate:"required,max=100"`
	RecordedAt string `json:"recorded_at,omitempty" validate:"omitempty,rfc3339"`
	// Applied is false for a value that was not applied (an edit racing a
	// sign-off, kept in quarantine).
	Applied bool `json:"applied"`
}

// ConflictStatuses are where a conflict stands.
var ConflictStatuses = []string{"open", "resolved"}

// ConflictKinds say what raised a conflict.
var ConflictKinds = []string{"concurrent_write", "edit_racing_sign_off"}

// Conflicts are disagreements between devices that a person must settle: two
// devices wrote a field whose silent overwrite could hurt someone (a
// resident's placement, a move's destination, date or status, funding)
// without either having seen the other's write, or an edit raced a sign-off.
// The server writes them; back-office resolves them.
var Conflicts = Collection{
	Name:       "conflicts",
	Retention:  RetainCareRecord,
	Lookups:    []string{"record_id"},
	ScopeField: "incident_id",
	Doc:        "concurrent writes of a field that a person must settle",
	Fields: []Field{
		IncidentField,
		required(enum("kind", ConflictKinds, "what raised the conflict")),
		required(label("collection", 100, "the collection of the record in dispute")),
		required(ref("record_id", "the record in dispute")),
		required(label("field", 100, "the field in dispute")),
		required(list[ConflictValue]("values", 50, "the values written, with who wrote them and when")),
		text("winner_change_id", 100, "the change whose value the merge kept meanwhile"),
		required(enum("status", ConflictStatuses, "open until back-office resolves it")),
		instant("raised_at", "when the server noticed"),
		text("resolved_by", 64, "who resolved it"),
		instant("resolved_at", "when"),
		{Name: "resolution_value", Kind: Any, Doc: "the value chosen or entered"},
		text("resolution_change_id", 100, "the change that wrote the resolution"),
		text("resolution_note", 5000, "why"),
	},
}
