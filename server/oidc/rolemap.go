package oidc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/continuity-care/continuity/server/care"
)

// RoleMapping maps one value of the role claim (a group, an app role) to a
// Continuity role.
type RoleMapping struct {
	Value string `json:"value"`
	Role  string `json:"role"`
}

// RoleMap maps role-claim values to roles. When a person's claim holds
// values for several roles, the first mapping in the file wins.
type RoleMap struct {
	mappings []RoleMapping
}

// LoadRoleMap reads a role map file (--oidc-role-map).
func LoadRoleMap(path string) (*RoleMap, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("role map: %w", err)
	}
	m, err := ParseRoleMap(b)
	if err != nil {
		return nil, fmt.Errorf("role map %s: %w", path, err)
	}
	return m, nil
}

// ParseRoleMap parses a JSON object from claim value to role name, such as
// {"cont-back-office": "back_office"}, keeping the order of its keys.
func ParseRoleMap(b []byte) (*RoleMap, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("must be a JSON object from a claim value to a role name, like {\"cont-back-office\": \"back_office\"}")
	}
	m := &RoleMap{}
	seen := map[string]bool{}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("read key: %w", err)
		}
		key, _ := kt.(string)
		var role string
		if err := dec.Decode(&role); err != nil {
			return nil, fmt.Errorf("value of %q must be a role name: %w", key, err)
		}
		if key == "" {
			return nil, fmt.Errorf("a claim value must not be empty")
		}
		if seen[key] {
			return nil, fmt.Errorf("claim value %q is mapped twice", key)
		}
		if !care.ValidRole(role) {
			return nil, fmt.Errorf("claim value %q maps to %q, which is not a role; roles are %s", key, role, strings.Join(care.Roles, ", "))
		}
		seen[key] = true
		m.mappings = append(m.mappings, RoleMapping{Value: key, Role: role})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("read end: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("has data after the object")
	}
	if len(m.mappings) == 0 {
		return nil, fmt.Errorf("maps no claim value to a role: nobody could sign in")
	}
	return m, nil
}

// Mappings returns the mappings in file order.
func (m *RoleMap) Mappings() []RoleMapping { return append([]RoleMapping(nil), m.mappings...) }

// RoleFor returns the role of the first mapping whose value is among
// values, and that value; "" when none is.
func (m *RoleMap) RoleFor(values []string) (role, value string) {
	have := make(map[string]bool, len(values))
	for _, v := range values {
		have[v] = true
	}
	for _, mp := range m.mappings {
		if have[mp.Value] {
			return mp.Role, mp.Value
		}
	}
	return "", ""
}

// claimValues reads a claim that is a string or a list of strings.
func claimValues(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
