//go:build !linux

package slowlink

// openNetem: network namespaces and tc netem are Linux's.
func openNetem(string, Profile) (*Link, string, error) {
	return nil, "network namespaces and tc netem need Linux", nil
}
