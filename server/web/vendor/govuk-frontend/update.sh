#!/bin/sh
# Re-vendors GOV.UK Frontend's compiled files. Needs npm (only to fetch the
# package; nothing here needs Node to run or test). Usage:
#   server/web/vendor/govuk-frontend/update.sh 5.14.0
# The compiled CSS is adapted in three ways, all mechanical:
#   - /assets/ URLs become /assets/govuk/ (where the server mounts them);
#   - the @font-face rules for "GDS Transport" are removed: that typeface is
#     licensed for GOV.UK domains only, so its files are not vendored;
#   - the font stack becomes the device's own system font.
set -eu
version=${1:?version}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "govuk-frontend@$version" >/dev/null 2>&1 && tar xzf "govuk-frontend-$version.tgz")
src=$tmp/package/dist/govuk
rm -rf "$here/images"
mkdir -p "$here/images"
cp "$src/assets/images/"* "$here/images/"
cp "$src/govuk-frontend.min.js" "$here/"
sed -e 's#@font-face{[^}]*}##g' \
    -e 's#url(/assets/#url(/assets/govuk/#g' \
    -e 's#font-family:GDS Transport,arial,sans-serif#font-family:system-ui,-apple-system,"Segoe UI",Roboto,arial,sans-serif#g' \
    -e 's#font-family:GDS Transport#font-family:system-ui,-apple-system,"Segoe UI",Roboto,arial,sans-serif#g' \
    "$src/govuk-frontend.min.css" > "$here/govuk-frontend.min.css"
cat > "$here/VERSION" <<V
govuk-frontend $version
source: npm govuk-frontend@$version (dist/govuk), fetched with npm pack
files: govuk-frontend.min.css (adapted, see update.sh), govuk-frontend.min.js, images/
V
# The npm package declares "license": "MIT" but ships no licence file;
# LICENSE here is the MIT text from the alphagov/govuk-frontend repository.
grep -q '"license": "MIT"' "$tmp/package/package.json"
