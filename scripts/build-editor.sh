#!/usr/bin/env bash
# Bundles the Query tab's SQL editor (CodeMirror 6 from npm, editor/) into public/editor/sql-editor.js,
# which cargo-leptos copies into target/site. Runs `npm ci` first when editor/node_modules is missing
# or was installed from another package-lock.json; the bundle itself takes under a second.
set -euo pipefail
cd "$(dirname "$0")/../editor"

lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.installed-from-lock
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]; then
  # esbuild's binary comes from the npm registry as a platform package; its install script is not needed.
  npm ci --no-audit --no-fund --ignore-scripts >/dev/null
  echo "$lock_hash" >"$stamp"
fi
npm run --silent build   # esbuild, flags in package.json
