package schema

// Domain returns every collection of the care domain, the sync core's
// residents and safe-and-well checks included, in the order records are
// usually created. Each call returns fresh copies, so registries built from
// them share nothing.
func Domain() []Collection {
	cols := []Collection{
		Providers, Services, Concerns, RAGStatuses, Vacancies,
		Incidents, ChecklistItems, Residents, SafeAndWellChecks,
		CapacityAssessments, BestInterestsDecisions, Moves, MoveLegs, MoveCorrections,
		DecisionLog, MovementLog, RiskLog, CommunicationsLog, MeetingRecords,
		ResidentEvents, PostMoveReviews, FamilyContacts, PlacementDecisions,
		CrossAuthorityNotifications, TeamTasks,
		Notifications, CommunicationPlans, StaffingCover, Payments,
		ResidentResponsibilities, ResidentBelongings, Complaints, SABReferrals,
		Conflicts,
	}
	for i := range cols {
		cols[i].Fields = append([]Field(nil), cols[i].Fields...)
		cols[i].Rules = append([]Rule(nil), cols[i].Rules...)
	}
	return cols
}

// NewDomainRegistry returns a registry of the Domain collections. The
// declarations are literals checked by the tests, so it panics only on a
// programming error.
func NewDomainRegistry() *Registry { return MustRegistry(Domain()...) }

// Lookups returns every (collection, field) pair the rules find records by,
// in Domain order: the single list both stores index and SQLite's Find
// names its index from.
func Lookups() [][2]string {
	var out [][2]string
	for _, c := range Domain() {
		for _, f := range c.Lookups {
			out = append(out, [2]string{c.Name, f})
		}
	}
	return out
}
