package care

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// testCursorKey is a fixed key, so the fuzz seeds in testdata stay valid.
var testCursorKey = bytes.Repeat([]byte{7}, CursorKeySize)

func testCodec(t testing.TB, keys ...[]byte) *CursorCodec {
	t.Helper()
	k, err := NewCursorCodec(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestCursorCodec_Encode(t *testing.T) {
	k := testCodec(t, testCursorKey)
	epoch := NewEpoch()
	cases := []Cursor{
		{Position: 0, Initial: true, All: true},
		{Epoch: epoch, Position: 42, Scopes: []string{"a", "b"}},
		{Epoch: epoch, Position: 7, Backfill: []string{"c"}, AfterCollection: "residents", AfterID: "x"},
		{Epoch: epoch, Position: 1 << 50, BackfillAll: true},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.Position), func(t *testing.T) {
			s := k.Encode(c)
			got, err := k.Decode(s)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c) {
				t.Fatalf("round trip: %+v != %+v", got, c)
			}
		})
	}
	t.Run("opaque: the position changes neither the length nor any readable byte", func(t *testing.T) {
		lengths := map[int]bool{}
		for _, pos := range []int64{0, 9, 12, 19, 1000, 1 << 40} {
			s := k.Encode(Cursor{Epoch: epoch, Position: pos, Scopes: []string{"a"}})
			lengths[len(s)] = true
			raw, err := base64.RawURLEncoding.DecodeString(s[len(cursorPrefix):])
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(raw, []byte(epoch)) || bytes.Contains(raw, []byte(`"s"`)) {
				t.Fatalf("cursor %q carries readable content", s)
			}
		}
		if len(lengths) != 1 {
			t.Fatalf("cursor lengths vary with the position: %v", lengths)
		}
	})
	t.Run("each cursor is sealed afresh", func(t *testing.T) {
		c := Cursor{Epoch: epoch, Position: 12, All: true}
		if first, second := k.Encode(c), k.Encode(c); first == second {
			t.Fatal("two encodings of one cursor are equal: a device could compare positions")
		}
	})
}

func TestCursorCodec_Decode(t *testing.T) {
	k := testCodec(t, testCursorKey)
	good := k.Encode(Cursor{Position: 5, Scopes: []string{"a"}})
	raw, _ := base64.RawURLEncoding.DecodeString(good[len(cursorPrefix):])
	flipped := bytes.Clone(raw)
	flipped[len(flipped)-20] ^= 1
	truncated := raw[:len(raw)-1]
	cases := map[string]string{
		"empty":                 "",
		"garbage":               "garbage",
		"prefix only":           cursorPrefix,
		"unsigned c1":           "c1." + base64.RawURLEncoding.EncodeToString([]byte(`{"p":0,"a":true}`)),
		"readable c2":           "c2." + base64.RawURLEncoding.EncodeToString([]byte(`{"p":5,"a":true}`)) + ".AAAA",
		"plain json under c3":   cursorPrefix + base64.RawURLEncoding.EncodeToString([]byte(`{"p":5,"a":true}`)),
		"one bit flipped":       cursorPrefix + base64.RawURLEncoding.EncodeToString(flipped),
		"truncated":             cursorPrefix + base64.RawURLEncoding.EncodeToString(truncated),
		"padded base64":         good + "==",
		"sealed by another key": testCodec(t, bytes.Repeat([]byte{8}, CursorKeySize)).Encode(Cursor{Position: 5, All: true}),
		"too long":              good + strings.Repeat("A", MaxCursorLen),
	}
	for name, s := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := k.Decode(s); err == nil {
				t.Fatalf("%q accepted", s)
			}
		})
	}
	t.Run("rotated keys open old cursors", func(t *testing.T) {
		rotated := testCodec(t, bytes.Repeat([]byte{9}, CursorKeySize), testCursorKey)
		if _, err := rotated.Decode(good); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("negative position", func(t *testing.T) {
		if _, err := k.Decode(k.Encode(Cursor{Position: -1})); err == nil {
			t.Fatal("negative position accepted")
		}
	})
}

func TestNewCursorCodec(t *testing.T) {
	for _, keys := range [][][]byte{nil, {[]byte("short")}, {testCursorKey, make([]byte, 31)}} {
		if _, err := NewCursorCodec(keys...); err == nil {
			t.Fatalf("%d keys accepted", len(keys))
		}
	}
}

// FuzzCursorCodec_Decode: whatever a client sends as a cursor, decoding
// never panics, and what it accepts seals and opens again to the same
// cursor (seeds in testdata/fuzz; the sealed ones with testCursorKey).
func FuzzCursorCodec_Decode(f *testing.F) {
	k := testCodec(f, testCursorKey)
	f.Add(k.Encode(Cursor{Position: 3, Initial: true, All: true}))
	f.Add(k.Encode(Cursor{Position: 9, Scopes: []string{"0b6f0c58-2c1a-4f7e-9d2b-1a2b3c4d5e6f"}}))
	f.Add("c1.eyJwIjowLCJhIjp0cnVlfQ")
	f.Add("c2.eyJwIjowLCJhIjp0cnVlfQ.")
	f.Add("c3.eyJwIjowLCJhIjp0cnVlfQ")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := k.Decode(s)
		if err != nil {
			return
		}
		if again, err := k.Decode(k.Encode(c)); err != nil || !reflect.DeepEqual(again, c) {
			t.Fatalf("accepted %q as %+v, which does not survive sealing again (%+v, %v)", s, c, again, err)
		}
		if c.Position < 0 {
			t.Fatalf("negative position accepted: %q", s)
		}
	})
}

func TestIncidentScopes(t *testing.T) {
	cases := []struct {
		name   string
		p      Principal
		all    bool
		scopes int
	}{
		{"no grants sees nothing", Principal{Role: RoleBackOffice}, false, 0},
		{"one grant", Principal{Role: RoleSocialWorker, Scopes: []string{"incident:a"}}, false, 1},
		{"star sees all", Principal{Role: RoleBackOffice, Scopes: []string{"incident:*"}}, true, 0},
		{"system sees all", SystemPrincipal, true, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := IncidentScopes(tc.p)
			if (got == nil) != tc.all || (!tc.all && len(got) != tc.scopes) {
				t.Fatalf("IncidentScopes = %v", got)
			}
		})
	}
}
