package syncproto

import "encoding/json"

// The envelope of a change as almost every device sends it, read in one
// walk that checks the JSON as it goes: the known attributes, once each,
// each a string without escapes (device_id any value), and fields an
// object. A change of any other shape, valid or not, is left to
// decodeEnvelope, so every refusal keeps encoding/json's words.

// envelope attributes, as bits of a set.
const (
	attrID = 1 << iota
	attrCollection
	attrRecordID
	attrOp
	attrHLC
	attrRecordedAt
	attrDeviceID
	attrSeen
	attrFields
)

// fastEnvelope reads raw as fastEnvelope's shape. ok is false when raw is
// not of it (it may still be a valid change); then w and fields mean
// nothing.
func fastEnvelope(raw []byte) (w wireChange, fields []byte, ok bool) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return w, nil, false
	}
	seen := 0
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return w, nil, skipSpace(raw, i+1) == len(raw)
	}
	for {
		if i >= len(raw) || raw[i] != '"' {
			return w, nil, false
		}
		k, esc, valid := scanString(raw, i)
		if !valid || esc {
			return w, nil, false
		}
		key := raw[i+1 : k-1]
		if i = skipSpace(raw, k); i >= len(raw) || raw[i] != ':' {
			return w, nil, false
		}
		i = skipSpace(raw, i+1)
		var attr int
		var dst **string
		switch string(key) {
		case "id":
			attr, dst = attrID, &w.ID
		case "collection":
			attr, dst = attrCollection, &w.Collection
		case "record_id":
			attr, dst = attrRecordID, &w.RecordID
		case "op":
			attr, dst = attrOp, &w.Op
		case "hlc":
			attr, dst = attrHLC, &w.HLC
		case "recorded_at":
			attr, dst = attrRecordedAt, &w.RecordedAt
		case "seen":
			attr, dst = attrSeen, &w.Seen
		case "device_id":
			attr = attrDeviceID
		case "fields":
			attr = attrFields
		default:
			return w, nil, false
		}
		if seen&attr != 0 {
			return w, nil, false
		}
		seen |= attr
		var end int
		switch {
		case dst != nil:
			if i >= len(raw) || raw[i] != '"' {
				return w, nil, false
			}
			end, esc, valid = scanString(raw, i)
			if !valid || esc {
				return w, nil, false
			}
			s := string(raw[i+1 : end-1])
			*dst = &s
		case attr == attrFields:
			if i >= len(raw) || raw[i] != '{' {
				return w, nil, false
			}
			if end, valid = scanObject(raw, i); !valid {
				return w, nil, false
			}
			fields = raw[i:end]
		default: // device_id: any value, ignored
			if end, valid = scanValue(raw, i); !valid {
				return w, nil, false
			}
		}
		i = skipSpace(raw, end)
		if i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
			continue
		}
		if i < len(raw) && raw[i] == '}' {
			return w, fields, skipSpace(raw, i+1) == len(raw)
		}
		return w, nil, false
	}
}

// scanString checks the JSON string starting at b[i] (a quote) and returns
// the index just after it and whether it holds an escape; valid is false
// when it is not a well-formed JSON string (as encoding/json reads one: any
// byte from 0x20 up, escapes \" \\ \/ \b \f \n \r \t \uXXXX).
func scanString(b []byte, i int) (end int, esc, valid bool) {
	for i++; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1, esc, true
		case c < 0x20:
			return 0, false, false
		case c == '\\':
			esc = true
			if i++; i >= len(b) {
				return 0, false, false
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(b) || !isHex(b[i+1]) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) {
					return 0, false, false
				}
				i += 4
			default:
				return 0, false, false
			}
		}
	}
	return 0, false, false
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// scanValue checks the JSON value starting at b[i] and returns the index
// just after it. An object or array is checked by encoding/json.
func scanValue(b []byte, i int) (end int, valid bool) {
	if i >= len(b) {
		return 0, false
	}
	switch c := b[i]; {
	case c == '"':
		end, _, valid = scanString(b, i)
		return end, valid
	case c == '{' || c == '[':
		end = skipValue(b, i)
		return end, json.Valid(b[i:end])
	case c == 't':
		return scanLiteral(b, i, "true")
	case c == 'f':
		return scanLiteral(b, i, "false")
	case c == 'n':
		return scanLiteral(b, i, "null")
	case c == '-' || '0' <= c && c <= '9':
		return scanNumber(b, i)
	}
	return 0, false
}

func scanLiteral(b []byte, i int, lit string) (int, bool) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return 0, false
	}
	return i + len(lit), true
}

// scanNumber checks the JSON number at b[i]:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func scanNumber(b []byte, i int) (int, bool) {
	digits := func(i int) int {
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		return i
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = digits(i + 1)
	default:
		return 0, false
	}
	if i < len(b) && b[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return 0, false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return 0, false
		}
		i = j
	}
	return i, true
}

// scanObject checks the JSON object starting at b[i] ('{') and returns the
// index just after it.
func scanObject(b []byte, i int) (end int, valid bool) {
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, true
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return 0, false
		}
		k, _, ok := scanString(b, i)
		if !ok {
			return 0, false
		}
		if i = skipSpace(b, k); i >= len(b) || b[i] != ':' {
			return 0, false
		}
		v, ok := scanValue(b, skipSpace(b, i+1))
		if !ok {
			return 0, false
		}
		i = skipSpace(b, v)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
			continue
		}
		if i < len(b) && b[i] == '}' {
			return i + 1, true
		}
		return 0, false
	}
}

// firstMember starts a walk over the members of the valid JSON object b
// (space around it allowed; anything else has none): i is where the first
// member starts, and more says whether there is one.
func firstMember(b []byte) (i int, more bool) {
	i = skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return 0, false
	}
	i = skipSpace(b, i+1)
	return i, i < len(b) && b[i] != '}'
}

// nextMember returns the raw key and value of the member at b[i], where
// the next member starts, and whether there is one.
func nextMember(b []byte, i int) (key, value []byte, next int, more bool) {
	k := skipString(b, i)
	key = b[i:k]
	i = skipSpace(b, skipSpace(b, k)+1) // past the colon
	v := skipValue(b, i)
	value = b[i:v]
	if i = skipSpace(b, v); i < len(b) && b[i] == ',' {
		i = skipSpace(b, i+1)
	}
	return key, value, i, i < len(b) && b[i] != '}'
}

// canonicalUUID reports whether s is a UUID in canonical form (36
// characters, lower-case hex, dashes at 8, 13, 18 and 23): what
// uuid.Parse(s).String() would return unchanged.
func canonicalUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
	}
	return true
}
