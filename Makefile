# wasmq: every entry point a developer or CI needs. Each target installs
# what is missing first (scripts/setup.sh is idempotent and quick when all is there).

SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
WASM_TARGET := wasm32-unknown-unknown
PORT ?= 8080

.PHONY: setup test lint native-test wasm-test node-test browser-test package demo bench-core clean

setup:
	@bash scripts/setup.sh

## make test: formatting, lints (host and wasm32), native tests, wasm tests in
## Node and headless Chrome, the wasm package build.
test: setup lint native-test wasm-test package
	@echo "make test: all checks passed"

lint:
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --all-targets --target $(WASM_TARGET) -- -D warnings

native-test:
	cargo test

wasm-test: node-test browser-test

node-test: setup
	wasm-pack test --node -- --test node_queue

browser-test: setup
	wasm-pack test --headless --chrome --chromedriver /usr/bin/chromedriver -- --test web_queue --test web_indexeddb

## make package: the npm package (ES module + .d.ts + .wasm) in pkg/.
package: setup
	wasm-pack build --release --target web --out-dir pkg --out-name wasmq
	@ls -l pkg/wasmq_bg.wasm | awk '{print "wasm size: " $$5 " bytes"}'

## make demo: build the package and serve the demo page on 127.0.0.1.
demo: package
	node scripts/serve.mjs --port $(PORT)

## make bench-core: criterion benchmark of the core (enqueue + lease + ack).
bench-core:
	cargo bench --bench core

clean:
	cargo clean
	rm -rf pkg target
