package care

import (
	"bytes"
	"encoding/base64"
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
	cases := []Cursor{
		{Position: 0, Initial: true, All: true},
		{Position: 42, Scopes: []string{"a", "b"}},
		{Position: 7, Backfill: []string{"c"}, AfterCollection: "residents", AfterID: "x"},
	}
	for _, c := range cases {
		s := k.Encode(c)
		got, err := k.Decode(s)
		if err != nil {
			t.Fatal(err)
		}
		if k.Encode(got) != s {
			t.Fatalf("round trip: %+v != %+v", got, c)
		}
	}
}

func TestCursorCodec_Decode(t *testing.T) {
	k := testCodec(t, testCursorKey)
	good := k.Encode(Cursor{Position: 5, Scopes: []string{"a"}})
	payload := good[len(cursorPrefix):strings.LastIndexByte(good, '.')]
	mac := good[strings.LastIndexByte(good, '.'):]
	widened := cursorPrefix + base64.RawURLEncoding.EncodeToString([]byte(`{"p":5,"a":true}`))
	cases := map[string]string{
		"empty":                   "",
		"garbage":                 "garbage",
		"prefix only":             "c2.",
		"unsigned c1":             "c1." + base64.RawURLEncoding.EncodeToString([]byte(`{"p":0,"a":true}`)),
		"no mac":                  cursorPrefix + payload,
		"mac not base64":          cursorPrefix + payload + ".!!!",
		"widened, old mac":        widened + mac,
		"widened, empty mac":      widened + ".",
		"signed by another key":   testCodec(t, bytes.Repeat([]byte{8}, CursorKeySize)).Encode(Cursor{Position: 5, All: true}),
		"too long":                good + strings.Repeat("A", MaxCursorLen),
		"mac of the empty string": cursorPrefix + "." + base64.RawURLEncoding.EncodeToString(cursorMAC(testCursorKey, cursorPrefix)),
	}
	for name, s := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := k.Decode(s); err == nil {
				t.Fatalf("%q accepted", s)
			}
		})
	}
	t.Run("rotated keys verify old cursors", func(t *testing.T) {
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
// never panics, and only the exact string the server issued is accepted
// (seeds in testdata/fuzz, signed with testCursorKey).
func FuzzCursorCodec_Decode(f *testing.F) {
	k := testCodec(f, testCursorKey)
	f.Add(k.Encode(Cursor{Position: 3, Initial: true, All: true}))
	f.Add(k.Encode(Cursor{Position: 9, Scopes: []string{"0b6f0c58-2c1a-4f7e-9d2b-1a2b3c4d5e6f"}}))
	f.Add("c1.eyJwIjowLCJhIjp0cnVlfQ")
	f.Add("c2.eyJwIjowLCJhIjp0cnVlfQ.")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := k.Decode(s)
		if err != nil {
			return
		}
		if got := k.Encode(c); got != s {
			t.Fatalf("accepted %q, which the server would issue as %q", s, got)
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
