# Two entry points on a fresh Debian machine (as root or with sudo):
#   make run   — install what is missing, build, create a first account if none exists, serve
#   make test  — install what is missing, run every test (unit, integration, Playwright)
SHELL := /bin/bash
export PATH := $(CURDIR)/tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
BIN := target/release/nobregas-panel

.PHONY: run test setup-run setup-test build unit integration e2e bench check

run: setup-run build
	$(BIN) account ensure-first
	$(BIN) serve

test: setup-test unit integration build e2e

setup-run:
	scripts/setup.sh run

setup-test:
	scripts/setup.sh test

build:
	cargo leptos build --release

unit:
	cargo test -p app --features ssr
	cargo test -p server --lib --bins

integration:
	cargo test -p server --test api

e2e:
	cd end2end && npx playwright test

bench:
	cargo bench -p server --bench api

check:
	cargo check -p server
	cargo check -p frontend --target wasm32-unknown-unknown
