#!/usr/bin/env bash
# Installs what the panel (`run`), the test suite (`test`) or `make check` (`check`) needs on a
# Debian machine, once:
# every step checks first and does nothing when the tool is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}

CARGO_LEPTOS_VERSION=0.3.10   # 0.3.11 needs a newer rustc than 1.95
WASM_BINDGEN_VERSION=0.2.130  # must equal the wasm-bindgen crate pinned in Cargo.toml
BINARYEN_VERSION=132.0.0      # npm's wasm-opt; Debian's binaryen breaks hydration
SCHEMATHESIS_VERSION=4.32.5   # the API fuzzer of `make fuzz` (PyPI), in a venv under tools/
S3S_FS_VERSION=0.14.1         # the S3 server the off-site tests upload to (0.15+ needs a newer rustc)

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=
apt_install() {
  [ -n "$apt_updated" ] || { as_root apt-get update -qq; apt_updated=1; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

export PATH="$HOME/.cargo/bin:$PWD/tools/node_modules/.bin:$PATH"

if ! command -v cargo >/dev/null; then
  say "Installing Rust 1.95 (rustup)"
  command -v curl >/dev/null || apt_install curl ca-certificates
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --default-toolchain 1.95.0
fi
command -v cc >/dev/null || apt_install build-essential
command -v npm >/dev/null || apt_install nodejs npm

rustup target list --installed | grep -qx wasm32-unknown-unknown || { say "Adding the wasm32 target"; rustup target add wasm32-unknown-unknown; }
# `make check`: formatting and lints (a minimal rustup profile has neither).
for component in rustfmt clippy; do
  rustup component list --installed | grep -q "^$component" || { say "Adding $component"; rustup component add "$component"; }
done
# `make check` needs only the toolchain.
[ "$mode" = check ] && { say "Setup complete (check)"; exit 0; }

if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
  say "Installing cargo-leptos $CARGO_LEPTOS_VERSION (about 15 minutes, once per machine)"
  cargo install cargo-leptos --locked --version "$CARGO_LEPTOS_VERSION"
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  say "Installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 6 minutes, once per machine)"
  # Not --locked: its lockfile names a crate version the registry no longer serves.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi
if [ ! -x tools/node_modules/.bin/wasm-opt ]; then
  say "Installing wasm-opt (npm binaryen $BINARYEN_VERSION) into tools/"
  npm --prefix tools install --no-audit --no-fund "binaryen@$BINARYEN_VERSION" >/dev/null
fi

# The managed MySQL/MariaDB server: install and start a local one only when none answers.
mysql_url=${NOBREGAS_MYSQL_URL:-mysql://root@127.0.0.1:3306}
hostport=${mysql_url#*://}; hostport=${hostport#*@}; hostport=${hostport%%/*}
host=${hostport%%:*}; port=${hostport##*:}; [ "$port" != "$hostport" ] || port=3306
mysql_answers() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }
if ! mysql_answers; then
  case "$host" in
    127.0.0.1|localhost)
      if [ ! -x /usr/sbin/mariadbd ]; then say "Installing mariadb-server"; apt_install mariadb-server mariadb-client; fi
      say "Starting MariaDB"
      as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
      for _ in $(seq 1 30); do mysql_answers && break; sleep 1; done
      mysql_answers || { echo "MariaDB did not start on $host:$port" >&2; exit 1; } ;;
    *) echo "No MySQL server answers at $host:$port (NOBREGAS_MYSQL_URL); start it and retry." >&2; exit 1 ;;
  esac
fi

# Backups run MariaDB's mariadb-dump on the panel's machine (imports are run by the panel itself);
# the tests also use the mariadb client for their own set-up.
if ! command -v mariadb-dump >/dev/null && ! command -v mysqldump >/dev/null || ! command -v mariadb >/dev/null; then
  say "Installing the MariaDB clients (backups use mariadb-dump)"
  apt_install mariadb-client
fi

if [ "$mode" = test ]; then
  [ -x /usr/bin/chromium ] || { say "Installing Chromium"; apt_install chromium; }
  if [ "$(s3s-fs --version 2>/dev/null | awk '{print $2}')" != "$S3S_FS_VERSION" ]; then
    say "Installing s3s-fs $S3S_FS_VERSION, an S3-compatible server for the off-site tests (about 4 minutes, once)"
    cargo install s3s-fs --locked --version "$S3S_FS_VERSION" --features binary
  fi
  if [ "$(tools/schemathesis/bin/schemathesis --version 2>/dev/null | awk '{print $NF}')" != "$SCHEMATHESIS_VERSION" ]; then
    say "Installing schemathesis $SCHEMATHESIS_VERSION into tools/schemathesis"
    command -v curl >/dev/null || apt_install curl
    python3 -m venv --help >/dev/null 2>&1 || apt_install python3 python3-venv
    rm -rf tools/schemathesis
    python3 -m venv tools/schemathesis
    tools/schemathesis/bin/pip install -q "schemathesis==$SCHEMATHESIS_VERSION"
  fi
  say "Installing the Playwright test runner (npm ci)"
  (cd end2end && npm ci --no-audit --no-fund >/dev/null)
fi
say "Bundling the SQL editor (npm ci in editor/ when needed, then esbuild)"
scripts/build-editor.sh

say "Setup complete ($mode)"
