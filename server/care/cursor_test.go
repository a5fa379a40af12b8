package care

import "testing"

func TestCursor_Encode(t *testing.T) {
	cases := []Cursor{
		{Position: 0, Initial: true, All: true},
		{Position: 42, Scopes: []string{"a", "b"}},
		{Position: 7, Backfill: []string{"c"}, AfterCollection: "residents", AfterID: "x"},
	}
	for _, c := range cases {
		got, err := ParseCursor(c.Encode())
		if err != nil {
			t.Fatal(err)
		}
		if got.Encode() != c.Encode() {
			t.Fatalf("round trip: %+v != %+v", got, c)
		}
	}
}

func TestParseCursor_Rejects(t *testing.T) {
	for _, s := range []string{"", "garbage", "c1.", "c1.!!!", "c1.bm90IGpzb24", "c1.eyJwIjotMX0"} {
		t.Run(s, func(t *testing.T) {
			if _, err := ParseCursor(s); err == nil {
				t.Fatalf("%q accepted", s)
			}
		})
	}
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
