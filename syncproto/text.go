package syncproto

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"
)

// CheckText finds the first string in the JSON document raw (a value or an
// object key) that is not Unicode text every client can decode: invalid
// UTF-8, U+0000 (escaped as \u0000) or a surrogate escape such as \ud800
// without its pair. encoding/json would silently turn such bytes into U+FFFD
// on one device and pass them through unchanged on another, so they are
// refused at the edge. It returns an invalid_value error whose field is the
// string's JSON path under prefix (fields.notes, contacts[0].name), or nil.
// A document that is not valid JSON is left to the decoder: nil.
func CheckText(raw []byte, prefix string) *Error {
	if !suspectText(raw) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	var stack []textFrame
	prev := dec.InputOffset()
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) || err != nil {
			return nil
		}
		end := dec.InputOffset()
		seg := raw[prev:end]
		prev = end
		var top *textFrame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1].obj {
				stack[len(stack)-1].wantKey = true
			}
			continue
		}
		if top != nil && top.obj && top.wantKey {
			// An object key.
			top.key, _ = tok.(string)
			top.wantKey = false
			if why := badText(seg); why != "" {
				return Errorf(CodeInvalidValue, textPath(prefix, stack), "the attribute name %s", why)
			}
			continue
		}
		// A value.
		if top != nil && !top.obj {
			top.index++
		}
		switch tok.(type) {
		case json.Delim:
			stack = append(stack, textFrame{obj: tok == json.Delim('{'), wantKey: true, index: -1})
			continue
		case string:
			if why := badText(seg); why != "" {
				return Errorf(CodeInvalidValue, textPath(prefix, stack), "this text %s; send UTF-8 without U+0000", why)
			}
		}
		if top != nil && top.obj {
			top.wantKey = true
		}
	}
}

// textFrame is one open object or array on CheckText's path.
type textFrame struct {
	obj     bool
	wantKey bool
	key     string
	index   int
}

// textPath writes the JSON path of the current position: prefix, then .key
// for each object and [i] for each array.
func textPath(prefix string, stack []textFrame) string {
	p := prefix
	for _, f := range stack {
		if f.obj {
			if p != "" {
				p += "."
			}
			p += f.key
		} else {
			p += "[" + strconv.Itoa(f.index) + "]"
		}
	}
	return p
}

// suspectText is CheckText's fast path: false when raw is valid UTF-8 with
// no NUL byte and no \u escape of U+0000 or of a surrogate. It may say true
// of a document that is fine (an escaped backslash before "u0000", a
// well-paired surrogate); the slow path then decides.
func suspectText(raw []byte) bool {
	if !utf8.Valid(raw) || bytes.IndexByte(raw, 0) >= 0 {
		return true
	}
	for i := bytes.Index(raw, []byte(`\u`)); i >= 0; {
		if r, ok := hex4(raw[i+2:]); ok && (r == 0 || r >= 0xD800 && r <= 0xDFFF) {
			return true
		}
		next := bytes.Index(raw[i+2:], []byte(`\u`))
		if next < 0 {
			break
		}
		i += 2 + next
	}
	return false
}

// badText says what is wrong with the raw bytes of one JSON string token
// (with any separators before it), or returns "".
func badText(seg []byte) string {
	if !utf8.Valid(seg) {
		return "is not valid UTF-8"
	}
	for i := 0; i < len(seg); i++ {
		if seg[i] != '\\' {
			continue
		}
		i++
		if i >= len(seg) || seg[i] != 'u' {
			continue // \" \\ \n ...: skip the escaped character
		}
		r, ok := hex4(seg[i+1:])
		if !ok {
			continue
		}
		i += 4
		switch {
		case r == 0:
			return `contains U+0000 (\u0000)`
		case r >= 0xD800 && r <= 0xDBFF:
			if i+2 < len(seg) && seg[i+1] == '\\' && seg[i+2] == 'u' {
				if lo, ok := hex4(seg[i+3:]); ok && lo >= 0xDC00 && lo <= 0xDFFF {
					i += 6
					continue
				}
			}
			return "contains half of a surrogate pair (" + string(seg[i-5:i+1]) + ")"
		case r >= 0xDC00 && r <= 0xDFFF:
			return "contains half of a surrogate pair (" + string(seg[i-5:i+1]) + ")"
		}
	}
	return ""
}

// hex4 decodes the four hex digits at the start of b.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[:4]), 16, 16)
	return rune(n), err == nil
}
