// Package jssdk embeds Continuity's JavaScript SDK (ES modules served as
// they are, no build step) so the server can serve it under /sdk/.
package jssdk

//go:generate go test -run TestVectors -update .

import "embed"

// FS holds the SDK's modules (continuity.js is the entry) and its vendored
// idb wrapper under vendor/idb/. Tests and the unit-test page are not
// included.
//
//go:embed *.js vendor
var FS embed.FS
