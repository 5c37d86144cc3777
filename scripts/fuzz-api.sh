#!/usr/bin/env bash
# Fuzzes the REST API with schemathesis against its own OpenAPI document (`make fuzz`).
#
# Starts the built server on a free loopback port with a throw-away panel store, creates an account
# with a random prefix and an API key through the CLI, and runs every schemathesis check (examples,
# coverage, fuzzing and stateful phases) with that key. The run is bounded (FUZZ_MAX_EXAMPLES per
# operation, FUZZ_MAX_TIME seconds) so it fits CI on 2 cores. Afterwards — whatever happened — it stops
# the server and drops every MySQL database and user under the prefix. The exit code is schemathesis's.
#
#   NOBREGAS_BIN        server binary (default target/release/nobregas-panel, built by `make build`)
#   NOBREGAS_MYSQL_URL  managed server (default mysql://root@127.0.0.1:3306)
#   FUZZ_MAX_EXAMPLES   test cases per operation and phase (default 40)
#   FUZZ_MAX_TIME       time budget of the whole schemathesis run in seconds (default 180); fuzzing and
#                       stateful testing repeat until it is spent
#   FUZZ_WORKERS        concurrent requests (default 1)
#   FUZZ_SEED           fixed seed to reproduce a run (printed at the end of every run)
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${NOBREGAS_BIN:-target/release/nobregas-panel}
schemathesis=tools/schemathesis/bin/schemathesis
mysql_url=${NOBREGAS_MYSQL_URL:-mysql://root@127.0.0.1:3306}
[ -x "$bin" ] || { echo "No server binary at $bin: run \`make build\` (or set NOBREGAS_BIN)." >&2; exit 2; }
[ -x "$schemathesis" ] || { echo "schemathesis is missing: run \`scripts/setup.sh test\`." >&2; exit 2; }

# The cleanup talks to MariaDB with the mariadb client, as the tests do: root on the URL's host and port.
hostport=${mysql_url#*://}; hostport=${hostport#*@}; hostport=${hostport%%/*}
mysql_host=${hostport%%:*}; mysql_port=${hostport##*:}; [ "$mysql_port" != "$hostport" ] || mysql_port=3306
mariadb_root() { mariadb -uroot -h"$mysql_host" -P"$mysql_port" --batch --skip-column-names "$@"; }

# `head` closes the pipe early: tr's SIGPIPE is expected, not an error.
random_chars() { LC_ALL=C tr -dc "$1" </dev/urandom | head -c "$2" || true; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
data_dir=$(mktemp -d "${TMPDIR:-/tmp}/nobregas-fuzz.XXXXXX")
prefix="fz$(random_chars 'a-z0-9' 8)"
email="$prefix@fuzz.test"
export NOBREGAS_DATA_DIR=$data_dir NOBREGAS_MYSQL_URL=$mysql_url NOBREGAS_LISTEN=127.0.0.1:$port
server_pid=

cleanup() {
  [ -z "$server_pid" ] || { kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true; }
  # `_` is a LIKE wildcard: escape it so only `<prefix>_…` names match.
  local pattern="${prefix}\\\\_%"
  local statements
  statements=$(mariadb_root -e "
    SELECT CONCAT('DROP DATABASE IF EXISTS \`', SCHEMA_NAME, '\`;') FROM information_schema.SCHEMATA
      WHERE SCHEMA_NAME LIKE '$pattern';
    SELECT CONCAT('DROP USER IF EXISTS ', QUOTE(User), '@', QUOTE(Host), ';') FROM mysql.user
      WHERE User LIKE '$pattern' OR User = '$prefix-panel';") || statements=
  # On stdin: a run that restored into many new databases makes a list too long for one argument.
  [ -z "$statements" ] || mariadb_root <<<"$statements" || echo "Cleanup of $prefix in MySQL failed." >&2
  rm -rf "$data_dir"
}
trap cleanup EXIT

account_password=$(random_chars 'A-Za-z0-9' 24)
printf '%s\n' "$account_password" | "$bin" account create --email "$email" --prefix "$prefix" --password-stdin >/dev/null
key=$("$bin" key regenerate --email "$email")

# At the default 600/min many answers would be 429 — declared, so no failure, but they would test nothing.
NOBREGAS_API_RATE_LIMIT=1000000 NOBREGAS_IP_RATE_LIMIT=1000000 RUST_LOG=${RUST_LOG:-warn} "$bin" serve >"$data_dir/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$data_dir/server.log" >&2; exit 2; }
  sleep 0.1
done

# The document spells a customer's prefix as a pattern, and a name with another account's prefix is
# (rightly) 422: the fuzzer gets the document as it reads for this account, its prefix written in.
curl -fsS "http://127.0.0.1:$port/api/openapi.json" | PREFIX=$prefix python3 -c '
import json, os, sys
doc = sys.stdin.read()
generic = json.dumps("[a-z][a-z0-9]{1,15}_")[1:-1]   # PREFIX_PATTERN in server/src/api/openapi.rs
assert generic in doc, "the document no longer spells the prefix as " + generic
json.dump(json.loads(doc.replace(generic, os.environ["PREFIX"] + "_")), sys.stdout, indent=1)
' >"$data_dir/openapi.json"

args=(
  run "$data_dir/openapi.json" --url "http://127.0.0.1:$port"
  -H "Authorization: Bearer $key"
  --checks all
  --phases examples,coverage,fuzzing,stateful
  --max-examples "${FUZZ_MAX_EXAMPLES:-40}" --max-time "${FUZZ_MAX_TIME:-180}"
  --workers "${FUZZ_WORKERS:-1}" --request-timeout 20 --generation-database none --no-color
)
[ -z "${FUZZ_SEED:-}" ] || args+=(--seed "$FUZZ_SEED")
echo "==> schemathesis $("$schemathesis" --version | awk '{print $NF}') against 127.0.0.1:$port as prefix $prefix"
status=0
# From the temp dir: schemathesis keeps a crash cache in ./.schemathesis that must not leak between runs.
(cd "$data_dir" && "$OLDPWD/$schemathesis" --config-file "$OLDPWD/scripts/schemathesis.toml" "${args[@]}") || status=$?
if [ "$status" != 0 ]; then
  echo "==> server log (last lines)"; tail -n 40 "$data_dir/server.log"
fi
exit "$status"
