package cqc

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/google/uuid"
)

// namespace roots the record ids of imported providers and services, so the
// same CQC id always maps to the same record.
var namespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://continuity.example/cqc"))

// ProviderRecordID is the providers record of a CQC provider id.
func ProviderRecordID(cqcProviderID string) string {
	return uuid.NewSHA1(namespace, []byte("provider/"+cqcProviderID)).String()
}

// ServiceRecordID is the services record of a CQC location id.
func ServiceRecordID(cqcLocationID string) string {
	return uuid.NewSHA1(namespace, []byte("location/"+cqcLocationID)).String()
}

// serviceTypes maps CQC's service types onto Continuity's, most specific
// first.
var serviceTypes = []struct{ cqc, ours string }{
	{"nursing homes", "nursing"},
	{"care home service with nursing", "nursing"},
	{"residential homes", "residential"},
	{"care home service without nursing", "residential"},
	{"homecare agencies", "domiciliary"},
	{"domiciliary care service", "domiciliary"},
	{"extra care housing services", "housing_with_care"},
	{"supported living", "supported_living"},
}

// specialisms maps CQC specialisms onto registration categories.
var specialisms = map[string]string{
	"learning disabilities":          "learning_disability",
	"mental health conditions":       "mental_health",
	"physical disabilities":          "physical_disability",
	"sensory impairments":            "sensory_impairment",
	"substance misuse problems":      "substance_misuse",
	"caring for adults under 65 yrs": "younger_adults",
}

var ratingValues = map[string]string{
	RatingOutstanding: "outstanding", RatingGood: "good", RatingRequiresImprovement: "requires_improvement",
	RatingInadequate: "inadequate", RatingNotRated: "not_rated",
}

// ServiceFields maps a location onto the fields of a services record, and
// reports false when its service type is not one Continuity tracks.
func ServiceFields(loc Location) (map[string]any, bool) {
	types := map[string]bool{}
	for _, t := range loc.ServiceTypes {
		types[strings.ToLower(strings.TrimSpace(t))] = true
	}
	serviceType := ""
	for _, st := range serviceTypes {
		if types[st.cqc] {
			serviceType = st.ours
			break
		}
	}
	if serviceType == "" {
		return nil, false
	}
	dementia := false
	cats := map[string]bool{}
	for _, s := range loc.Specialisms {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "dementia" {
			dementia = true
		}
		if c, ok := specialisms[s]; ok {
			cats[c] = true
		}
	}
	if types["nursing homes"] || types["care home service with nursing"] {
		cats["nursing"] = true
		if dementia {
			cats["nursing_dementia"] = true
		}
	}
	if types["residential homes"] || types["care home service without nursing"] {
		cats["residential"] = true
		if dementia {
			cats["residential_dementia"] = true
		}
	}
	categories := make([]string, 0, len(cats))
	for c := range cats {
		categories = append(categories, c)
	}
	sort.Strings(categories)
	f := map[string]any{
		"provider_id": ProviderRecordID(loc.ProviderID), "name": loc.Name, "service_type": serviceType,
		"cqc_location_id": loc.LocationID, "regulated": true, "registration_categories": categories,
	}
	if loc.Address != "" {
		f["address"] = loc.Address
	}
	if loc.Postcode != "" {
		f["postcode"] = loc.Postcode
	}
	if loc.LocalAuthority != "" {
		f["local_authority"] = loc.LocalAuthority
	}
	if loc.Phone != "" {
		f["phone"] = loc.Phone
	}
	if loc.Beds > 0 {
		f["beds"] = loc.Beds
	}
	if r, ok := ratingValues[loc.Rating]; ok {
		f["cqc_rating"] = r
	}
	return f, true
}

// ImportReport is what an import did.
type ImportReport struct {
	// Parse is the parser's report: rows read, skipped, errors by line.
	Parse Report `json:"parse"`
	// NotTracked counts locations whose service type Continuity does not
	// track (e.g. hospitals, dentists).
	NotTracked int `json:"not_tracked"`
	// Applied, Unchanged and Rejected count provider and service changes.
	Applied   int `json:"applied"`
	Unchanged int `json:"unchanged"`
	Rejected  int `json:"rejected"`
	// Rejections are the first rejected changes with their reasons (they
	// are in the quarantine too).
	Rejections []Rejection `json:"rejections,omitempty"`
}

// Rejection is one imported change the server refused.
type Rejection struct {
	Line  int              `json:"line"`
	Error *syncproto.Error `json:"error"`
}

// Import reads a CQC care directory file and upserts its providers and
// locations as providers and services records, through the sync service, as
// principal p. Re-importing an unchanged row changes nothing (the change ids
// are derived from the content). Bad rows are reported by line, never stop
// the import.
func Import(ctx context.Context, sync *care.Sync, p care.Principal, r io.Reader) (ImportReport, error) {
	var rep ImportReport
	var batch []json.RawMessage
	var lines []int
	seenProvider := map[string]bool{}
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		resp, err := sync.Push(ctx, p, syncproto.PushRequest{Changes: batch})
		if err != nil {
			return err
		}
		for i, res := range resp.Results {
			switch res.Status {
			case syncproto.StatusApplied:
				rep.Applied++
			case syncproto.StatusDuplicate:
				rep.Unchanged++
			default:
				rep.Rejected++
				if len(rep.Rejections) < 100 {
					rep.Rejections = append(rep.Rejections, Rejection{Line: lines[i], Error: res.Error})
				}
			}
		}
		batch, lines = batch[:0], lines[:0]
		return nil
	}
	add := func(collection, recordID string, fields map[string]any, line int) error {
		b, err := json.Marshal(fields)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		raw := map[string]json.RawMessage{}
		_ = json.Unmarshal(b, &raw)
		// Stamped by the server's clock as the importing device: a change's
		// HLC node is the device that pushes it.
		hlc := sync.Clock().Now()
		hlc.Node = p.DeviceID
		c := syncproto.Change{
			ID:         uuid.NewSHA1(namespace, []byte("change/"+recordID+"/"+hex.EncodeToString(sum[:]))).String(),
			Collection: collection, RecordID: recordID, Op: syncproto.OpUpsert, Fields: raw,
			HLC: hlc, RecordedAt: sync.Now().UTC().Truncate(time.Second),
		}
		cb, err := json.Marshal(c)
		if err != nil {
			return err
		}
		batch = append(batch, cb)
		lines = append(lines, line)
		if len(batch) >= syncproto.MaxPushChanges {
			return flush()
		}
		return nil
	}
	parsed, err := Parse(ctx, r, func(loc Location) error {
		fields, ok := ServiceFields(loc)
		if !ok {
			rep.NotTracked++
			return nil
		}
		if !seenProvider[loc.ProviderID] {
			seenProvider[loc.ProviderID] = true
			if err := add("providers", ProviderRecordID(loc.ProviderID), map[string]any{
				"name": loc.ProviderName, "cqc_provider_id": loc.ProviderID, "regulated": true,
			}, loc.Line); err != nil {
				return err
			}
		}
		return add("services", ServiceRecordID(loc.LocationID), fields, loc.Line)
	})
	rep.Parse = parsed
	if err != nil {
		return rep, fmt.Errorf("import: %w", err)
	}
	if err := flush(); err != nil {
		return rep, fmt.Errorf("import: %w", err)
	}
	return rep, nil
}
