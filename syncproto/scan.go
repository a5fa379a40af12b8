package syncproto

import (
	"bytes"
	"encoding/json"
)

// A few steps over JSON already known to be valid (json.Valid), that find
// the members of an object and the elements of an array as sub-slices of
// the input, allocating nothing. Decoding a push this way lets a crafted
// body be refused from its shape (too many changes, too many fields, an
// unknown field name) before any of it is copied or decoded into maps.

// skipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just after the string starting at b[i].
func skipString(b []byte, i int) int {
	// Most strings have no escape: the first quote after the opening one
	// closes them.
	if q := bytes.IndexByte(b[i+1:], '"'); q >= 0 && bytes.IndexByte(b[i+1:i+1+q], '\\') < 0 {
		return i + 2 + q
	}
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// skipValue returns the index just after the value starting at b[i].
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// eachMember calls fn with the raw key (a JSON string, quotes included)
// and the raw value of each member of the object b, in order, until fn
// returns false. b must be one valid JSON object, space around it allowed.
func eachMember(b []byte, fn func(key, value []byte) bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return
	}
	for i = skipSpace(b, i+1); i < len(b) && b[i] != '}'; {
		k := skipString(b, i)
		key := b[i:k]
		i = skipSpace(b, skipSpace(b, k)+1) // past the colon
		v := skipValue(b, i)
		if !fn(key, b[i:v]) {
			return
		}
		if i = skipSpace(b, v); i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
}

// eachElement calls fn with each element of the array b, in order, until fn
// returns false. b must be one valid JSON array, space around it allowed.
func eachElement(b []byte, fn func(elem []byte) bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return
	}
	for i = skipSpace(b, i+1); i < len(b) && b[i] != ']'; {
		v := skipValue(b, i)
		if !fn(b[i:v]) {
			return
		}
		if i = skipSpace(b, v); i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
}

// keyName decodes a raw member key. Only a key with an escape in it is
// decoded by encoding/json.
func keyName(raw []byte) string {
	if len(raw) >= 2 && bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

// firstByte is the first byte of b that is not white space, or 0.
func firstByte(b []byte) byte {
	if i := skipSpace(b, 0); i < len(b) {
		return b[i]
	}
	return 0
}
