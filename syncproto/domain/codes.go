package domain

// Codes of the domain's own checks: the ones that read other records (a
// reference that must exist, a status that must be current) rather than
// judging one record against the seed, which are rules.Code… constants.
const (
	// CodeIncidentIDMismatch: an incident's incident_id is not its own id.
	CodeIncidentIDMismatch = "incident_id_mismatch"
	// CodeResidentUnknown: a record names a resident the server does not know.
	CodeResidentUnknown = "resident_unknown"
	// CodeMoveUnknown: a leg or correction names a move the server does not know.
	CodeMoveUnknown = "move_unknown"
	// CodeDestinationUnknown: a move or correction names a service the server
	// does not know.
	CodeDestinationUnknown = "destination_unknown"
	// CodeSupersedesUnknown: an assessment supersedes one the server does not know.
	CodeSupersedesUnknown = "supersedes_unknown"
	// CodePreviousStatusMismatch: a RAG change was decided on a status that is
	// no longer the provider's.
	CodePreviousStatusMismatch = "previous_status_mismatch"
	// CodeEvidenceUnknown: a checklist item's evidence names a record that does
	// not exist, of an unknown collection or of another incident.
	CodeEvidenceUnknown = "evidence_unknown"
)

// Codes returns every code the domain's checks give beyond rules.AllCodes,
// in a fixed order; docs/domain.md's codes table is tested against both.
func Codes() []string {
	return []string{
		CodeIncidentIDMismatch, CodeResidentUnknown, CodeMoveUnknown, CodeDestinationUnknown,
		CodeSupersedesUnknown, CodePreviousStatusMismatch, CodeEvidenceUnknown,
		CodeEventAppendOnly, CodeEventCorrection, CodeDischargeNeedsMove, CodeWhereaboutsDerived,
	}
}
