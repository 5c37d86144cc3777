#!/usr/bin/env bash
# The figures of docs/PERFORMANCE.md → "Clean build and WASM size": a clean release build of REV
# (default HEAD) in a fresh clone with an empty target/, timed, then the sizes of the WASM files
# (raw and brotli). Run it with nothing else busy on the machine.
set -euo pipefail
rev="${1:-HEAD}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git clone -q "$repo" "$work/tree"
git -C "$work/tree" checkout -q "$rev"
export PATH="$repo/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
cd "$work/tree"
start=$(date +%s)
cargo leptos build --release --precompress --split >"$work/build.log" 2>&1 || { tail -30 "$work/build.log"; exit 1; }
echo "rev $(git rev-parse --short HEAD): clean build $(( $(date +%s) - start )) s"
cd target/site/pkg
ls -l --sort=size *.wasm
main=$(ls -S nobregas-panel*.wasm | head -1)
echo "main $main: raw $(stat -c %s "$main") B, brotli $(stat -c %s "$main.br") B"
raw=0; br=0; n=0
for f in *.wasm; do raw=$((raw + $(stat -c %s "$f"))); br=$((br + $(stat -c %s "$f.br"))); n=$((n + 1)); done
echo "all $n WASM files: raw $raw B, brotli $br B"
