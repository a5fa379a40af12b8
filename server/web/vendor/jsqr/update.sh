#!/bin/sh
# Re-vendors jsQR, the pure-JavaScript QR decoder the field app loads when
# the browser has no BarcodeDetector for QR codes (see docs/app.md, "Scanning
# the QR code"). Needs npm (only to fetch the package; nothing here needs
# Node to run or test). Usage:
#   server/web/vendor/jsqr/update.sh 1.4.0
# The package ships one UMD build, dist/jsQR.js. It is kept byte for byte
# and wrapped as an ES module, mechanically: two lines before it give the
# UMD a CommonJS `module` to fill (so it takes its CommonJS branch and sets
# no global), one line after it exports what it filled. See README.md.
set -eu
version=${1:?version}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "jsqr@$version" >/dev/null 2>&1 && tar xzf "jsqr-$version.tgz")
grep -q '"license": "Apache-2.0"' "$tmp/package/package.json"
cp "$tmp/package/LICENSE" "$here/LICENSE"
{
  printf '// jsQR %s (npm jsqr, dist/jsQR.js unchanged; Apache-2.0, see LICENSE beside this file),\n' "$version"
  printf '// wrapped as an ES module by update.sh: the UMD fills `module`, which is exported.\n'
  printf 'const module = { exports: {} };\nconst exports = module.exports;\n'
  cat "$tmp/package/dist/jsQR.js"
  printf '\nexport default module.exports;\n'
} > "$here/jsQR.mjs"
sha=$(sha256sum "$tmp/package/dist/jsQR.js" | cut -d' ' -f1)
cat > "$here/VERSION" <<V
jsqr $version
source: npm jsqr@$version (dist/jsQR.js, sha256 $sha), fetched with npm pack
files: jsQR.mjs (dist/jsQR.js wrapped as an ES module, see update.sh), LICENSE (the package's)
V
