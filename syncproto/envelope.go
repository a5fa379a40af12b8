package syncproto

import (
	"bytes"
	"encoding/json"
	"math/bits"
	"strings"
	"sync"
)

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
func fastEnvelope(raw []byte) (w envelope, fields []byte, ok bool) {
	// Where each string attribute's text is in raw, by attr bit's index.
	var spans [8][2]int
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return w, nil, false
	}
	seen := 0
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return w, nil, skipSpace(raw, i+1) == len(raw)
	}
	size := 0
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
		str := true
		switch string(key) {
		case "id":
			attr = attrID
		case "collection":
			attr = attrCollection
		case "record_id":
			attr = attrRecordID
		case "op":
			attr = attrOp
		case "hlc":
			attr = attrHLC
		case "recorded_at":
			attr = attrRecordedAt
		case "seen":
			attr = attrSeen
		case "device_id":
			attr, str = attrDeviceID, false
		case "fields":
			attr, str = attrFields, false
		default:
			return w, nil, false
		}
		if seen&attr != 0 {
			return w, nil, false
		}
		seen |= attr
		var end int
		switch {
		case str:
			if i >= len(raw) || raw[i] != '"' {
				return w, nil, false
			}
			end, esc, valid = scanString(raw, i)
			if !valid || esc {
				return w, nil, false
			}
			spans[bits.TrailingZeros(uint(attr))] = [2]int{i + 1, end - 1}
			size += end - 1 - (i + 1)
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
			break
		}
		return w, nil, false
	}
	if skipSpace(raw, i+1) != len(raw) {
		return w, nil, false
	}
	// The attributes' text is copied out of raw (which may be a reused
	// buffer) into one string they share.
	attrs := [...]struct {
		bit int
		dst *string
	}{{attrID, &w.id}, {attrCollection, &w.collection}, {attrRecordID, &w.recordID},
		{attrOp, &w.op}, {attrHLC, &w.hlc}, {attrRecordedAt, &w.recordedAt}, {attrSeen, &w.seen}}
	var sb strings.Builder
	sb.Grow(size)
	w.has = seen
	for _, a := range attrs {
		if seen&a.bit != 0 {
			sp := spans[bits.TrailingZeros(uint(a.bit))]
			sb.Write(raw[sp[0]:sp[1]])
		}
	}
	all, at := sb.String(), 0
	for _, a := range attrs {
		if seen&a.bit != 0 {
			sp := spans[bits.TrailingZeros(uint(a.bit))]
			*a.dst = all[at : at+sp[1]-sp[0]]
			at += sp[1] - sp[0]
		}
	}
	return w, fields, true
}

// scanString checks the JSON string starting at b[i] (a quote) and returns
// the index just after it and whether it holds an escape; valid is false
// when it is not a well-formed JSON string (as encoding/json reads one: any
// byte from 0x20 up, escapes \" \\ \/ \b \f \n \r \t \uXXXX).
func scanString(b []byte, i int) (end int, esc, valid bool) {
	// Most strings have no escape: find the closing quote at once and
	// check what it encloses.
	if q := bytes.IndexByte(b[i+1:], '"'); q >= 0 {
		seg := b[i+1 : i+1+q]
		if bytes.IndexByte(seg, '\\') < 0 {
			for _, c := range seg {
				if c < 0x20 {
					return 0, false, false
				}
			}
			return i + 2 + q, false, true
		}
	}
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
		return end, validJSON(b[i:end])
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

// Field names a change's collection accepted, shared by every change that
// carries them, so a push of 500 records does not make 500 copies of each
// name. Only names a FieldCheck accepted are kept, and at most
// maxInterned: names a client makes up cost nothing here.
var (
	internMu sync.RWMutex
	interned = map[string]string{}
)

// maxInterned bounds interned: far more than every collection's fields.
const maxInterned = 4096

// internName decodes a raw member key (keyName), returning the shared
// copy of the name when there is one.
func internName(raw []byte) string {
	if len(raw) >= 2 && bytes.IndexByte(raw, '\\') < 0 {
		internMu.RLock()
		s, ok := interned[string(raw[1:len(raw)-1])]
		internMu.RUnlock()
		if ok {
			return s
		}
	}
	return keyName(raw)
}

// keepName shares name with later changes (internName), while there is
// room.
func keepName(name string) {
	internMu.RLock()
	_, ok := interned[name]
	full := len(interned) >= maxInterned
	internMu.RUnlock()
	if ok || full {
		return
	}
	internMu.Lock()
	if len(interned) < maxInterned {
		interned[name] = name
	}
	internMu.Unlock()
}

// maxWalkDepth is how deeply validJSON's own walk follows nested objects
// and arrays before it leaves the document to encoding/json (whose own
// limit is deeper).
const maxWalkDepth = 512

// validJSON reports whether b is one valid JSON value, space around it
// allowed: json.Valid, with a walk that costs less for what it can
// decide alone.
func validJSON(b []byte) bool {
	if end, ok := walkValue(b, skipSpace(b, 0), 0); ok && skipSpace(b, end) == len(b) {
		return true
	}
	return json.Valid(b)
}

// walkValue checks the JSON value at b[i] and returns the index just after
// it; ok is false when it is not valid or nests deeper than maxWalkDepth.
func walkValue(b []byte, i, depth int) (end int, ok bool) {
	if i >= len(b) {
		return 0, false
	}
	var close byte
	switch b[i] {
	case '{':
		close = '}'
	case '[':
		close = ']'
	default:
		return scanValue(b, i)
	}
	if depth >= maxWalkDepth {
		return 0, false
	}
	if i = skipSpace(b, i+1); i < len(b) && b[i] == close {
		return i + 1, true
	}
	for {
		if close == '}' {
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
			i = skipSpace(b, i+1)
		}
		if i, ok = walkValue(b, i, depth+1); !ok {
			return 0, false
		}
		i = skipSpace(b, i)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
			continue
		}
		if i < len(b) && b[i] == close {
			return i + 1, true
		}
		return 0, false
	}
}
