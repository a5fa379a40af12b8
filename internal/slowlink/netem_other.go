//go:build !linux

package slowlink

// openNetem: network namespaces and tc netem are Linux's.
func openNetem(string, Profile) (*Link, string, error) {
	return nil, "network namespaces and tc netem need Linux", nil
}

// openTUN: network namespaces and TUN devices are Linux's.
func openTUN(string, Profile, string) (*Link, string, error) {
	return nil, "network namespaces and TUN devices need Linux", nil
}
