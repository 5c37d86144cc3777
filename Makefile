# Two entry points on a fresh Debian machine (as root or with sudo):
#   make run   — install what is missing, build, create a first account if none exists, serve
#   make test  — install what is missing, run every test (unit, integration, Playwright, API fuzzing, load)
SHELL := /bin/bash
export PATH := $(CURDIR)/tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
BIN := target/release/nobregas-panel
# What cargo-leptos sets when it builds the server. Leptos reads it at compile time to name the WASM
# file the pages load; `cargo bench`/`cargo test` rebuild the same binary, and without it they would
# leave target/release/nobregas-panel pointing pages at a file that does not exist.
export LEPTOS_OUTPUT_NAME := nobregas-panel
# A failing test's message, rather than forty frames of tokio, is what survives a CI log cut short.
export RUST_BACKTRACE := 0

.PHONY: run test setup-run setup-test build unit integration integration-shared-store fuzz load scale fleet-bench tables-bench storage-bench binlog-bench pitr-bench e2e bench check

run: setup-run build
	$(BIN) account ensure-first
	$(BIN) serve

test: setup-test unit integration integration-shared-store build e2e fuzz load

setup-run:
	scripts/setup.sh run

setup-test:
	scripts/setup.sh test

# The SQL editor's bundle goes into public/ first: cargo-leptos copies public/ into target/site.
build:
	scripts/build-editor.sh
	cargo leptos build --release --precompress --split
	cargo build --release -p server --bin nobregas

unit:
	cargo test -p types --features ssr
	cargo test -p app --features ssr
	cargo test -p panel-core
	cargo test -p nobregas-client
	cargo test -p server --lib --bins

integration:
	cargo test -p server --test api

# The same tests with the panel store on MariaDB (a fresh database per test app), as several
# instances share it: every query and migration of the MySQL engine runs.
integration-shared-store:
	NOBREGAS_TEST_STORE=mysql cargo test -p server --test api

# schemathesis against /api/openapi.json on the built binary: no 5xx, every answer as documented.
fuzz:
	NOBREGAS_BIN=$(BIN) scripts/fuzz-api.sh

# GET /api/databases at concurrency 64 for 30 s, and the same queries straight to MariaDB: zero errors.
load:
	cargo bench -p server --bench load

# Issue 13's figures on a MariaDB of its own (10,000 accounts × 10 databases; two instances).
scale:
	cargo bench -p server --bench scale

# Issue 24's figures on two MariaDB servers of its own: moving a ~1 GB account, TCP+TLS vs the socket.
fleet-bench:
	cargo bench -p server --bench fleet

# Issue 25's figures: GET …/rows?limit=100 on a 1,000,000-row table, page 1 and page 10,000, vs the same SELECT straight to MariaDB.
tables-bench:
	cargo bench -p server --bench tables

# Issue 26's figure: measuring storage at 10,000 accounts × 10 databases, and a customer query's p99 meanwhile.
storage-bench:
	cargo bench -p server --bench storage

# Issue 27's archive lag: 1,000 writes/s into a logged MariaDB of its own while the panel archives it.
binlog-bench:
	cargo bench -p server --bench binlog_lag

# Issue 27: a point-in-time restore of a ~1 GB database with an hour of changes vs the full backup alone.
pitr-bench:
	cargo bench -p server --bench pitr

e2e:
	cd end2end && npx playwright test

bench:
	cargo bench -p server --bench api
	cargo bench -p server --bench queries
	cargo bench -p server --bench backups
	cargo bench -p server --bench load
	cd end2end && npx playwright test -c playwright.bench.config.ts

# Formatting, lints (warnings are errors), import circles and the WASM build; CI runs it before
# `make test`.
check:
	scripts/setup.sh check
	cargo fmt --all --check
	scripts/import-circles.py core/src
	scripts/import-circles.py server/src
	scripts/import-circles.py app/src
	cargo clippy --workspace --all-targets -- -D warnings
	cargo check -p frontend --target wasm32-unknown-unknown
