# wasmq: every entry point a developer or CI needs. Each target installs
# what is missing first (scripts/setup.sh is idempotent and quick when all is there).

SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
WASM_TARGET := wasm32-unknown-unknown
PORT ?= 8080

.PHONY: setup test lint native-test wasm-test node-test browser-test firefox-test webkit-test package js-test test-relay e2e e2e-chromium e2e-firefox e2e-webkit test-workers test-workers-firefox demo bench-core bench fuzz fuzz-quick clean

setup:
	@bash scripts/setup.sh

## make test: formatting, lints (host and wasm32), native tests, wasm tests in
## Node and in Chromium, Firefox and WebKit, a small hostile-input fuzz pass, the
## wasm package build, the package in Node / esbuild / Deno / workerd, the demo
## page end to end in Chromium, Firefox and WebKit, and the queue in a dedicated
## worker and a service worker.
test: setup lint native-test wasm-test fuzz-quick package js-test test-relay e2e test-workers test-workers-firefox
	@echo "make test: all checks passed"

lint:
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --all-targets --target $(WASM_TARGET) -- -D warnings
	cargo clippy --all-targets --all-features --target $(WASM_TARGET) -- -D warnings

native-test:
	cargo test

wasm-test: node-test browser-test firefox-test webkit-test

node-test: setup
	wasm-pack test --node -- --features test-hooks --test node_queue --test node_adapter

## The same browser test files in each browser. wasm-bindgen-test-runner reads the
## capabilities in webdriver.json (Chromium's flags; the Firefox binary and the prefs that
## answer its storage-permission prompt, which nobody can click in headless Firefox).
## WebKit: WebKitWebDriver is driven as the runner's "safaridriver", on a virtual X display
## (MiniBrowser has no headless mode) and behind tests/browsers/webkit-run.mjs, which adds
## the MiniBrowser capabilities the runner does not send for Safari.
WEB_TESTS := --features test-hooks --test web_queue --test web_indexeddb --test web_encryption --test web_stored_data --test web_durability --test web_link
# A whole test file's run in one page, not one test: the runner's default is 20 s.
BROWSER_TIMEOUT := WASM_BINDGEN_TEST_TIMEOUT=300

browser-test: setup
	$(BROWSER_TIMEOUT) wasm-pack test --headless --chrome --chromedriver /usr/bin/chromedriver -- $(WEB_TESTS)

firefox-test: setup
	$(BROWSER_TIMEOUT) wasm-pack test --headless --firefox --geckodriver $(HOME)/.cargo/bin/geckodriver -- $(WEB_TESTS)

webkit-test: setup
	$(BROWSER_TIMEOUT) node tests/browsers/webkit-run.mjs wasm-pack test --headless --safari --safaridriver /usr/bin/WebKitWebDriver -- $(WEB_TESTS)

## make package: the npm package (ES module + .d.ts + .wasm) in pkg/, ready for `npm pack`.
package: setup
	wasm-pack build --release --target web --out-dir pkg --out-name wasmq
	node scripts/package.mjs

## make js-test: the packed tarball bundled with esbuild, and the package in Node, Deno and workerd.
js-test: package
	node --test tests/js/*.test.mjs

## make test-relay: the relays (wasmq/jetstream, wasmq/http) against a real nats-server
## (Debian's, started and stopped by the tests on loopback with temporary stores) and a
## local HTTP server, and examples/consumer (native, async-nats) reading what they stored.
CONSUMER := examples/consumer/Cargo.toml
test-relay: package
	cargo fmt --manifest-path $(CONSUMER) -- --check
	cargo clippy --manifest-path $(CONSUMER) -- -D warnings
	cargo build --manifest-path $(CONSUMER)
	node --experimental-websocket --test tests/relay/*.test.mjs

## make e2e: the demo page in headless Chromium (playwright-core; with the quota test),
## then in Firefox and WebKit over WebDriver (tests/e2e/webdriver-browser.mjs);
## screenshots in target/e2e/demo.png, demo-firefox.png, demo-webkit.png.
e2e: e2e-chromium e2e-firefox e2e-webkit

e2e-chromium: package
	node --test tests/e2e/*.e2e.mjs

e2e-firefox: package
	E2E_BROWSER=firefox node --test tests/e2e/demo.e2e.mjs

e2e-webkit: package
	E2E_BROWSER=webkit node --test tests/e2e/demo.e2e.mjs

## make test-workers: the queue in a dedicated worker, in a service worker beside a page (one
## leads, the other forwards), and a service worker stopped mid-job through the DevTools protocol,
## in headless Chromium (playwright-core); pages and worker scripts in tests/workers/www.
test-workers: package
	node --test tests/workers/chromium.e2e.mjs

## make test-workers-firefox: the same tests in headless Firefox (Debian's firefox-esr,
## npm puppeteer-core over WebDriver BiDi, both installed by setup; no browser download);
## there the browser stops the idle service worker itself (its profile sets a 1 s idle timeout).
test-workers-firefox: package
	node --test tests/workers/firefox.e2e.mjs

## make demo: build the package and serve the demo page on 127.0.0.1.
demo: package
	node scripts/serve.mjs --port $(PORT)

## make fuzz (not part of make test; a few minutes): 100,000 proptest cases over
## the engine's operations and 100,000 over option validation (release build),
## then 100,000 pseudo-random JS values fed to the API in Node (tests/node_fuzz.rs).
fuzz: setup
	PROPTEST_CASES=100000 cargo test --release --test engine_model --test options_model
	wasm-pack test --node -- --test node_fuzz --test node_decoder_fuzz

## make fuzz-quick (part of make test): the same two Node fuzz tests with 20,000 cases
## each from a new seed every run. The tests read WASMQ_FUZZ_SEED / WASMQ_FUZZ_CASES
## from their Node process's environment (tests/fuzz_values/budget.rs); the seed is
## printed here and by the tests, and `WASMQ_FUZZ_SEED=<seed> make fuzz-quick` replays it.
WASMQ_FUZZ_CASES ?= 20000
ifeq ($(origin WASMQ_FUZZ_SEED),undefined)
WASMQ_FUZZ_SEED := 0x$(shell od -An -N8 -tx8 /dev/urandom | tr -d ' \n')
endif
fuzz-quick: setup
	@echo "fuzz-quick: $(WASMQ_FUZZ_CASES) cases each from seed $(WASMQ_FUZZ_SEED) (replay: WASMQ_FUZZ_SEED=$(WASMQ_FUZZ_SEED) make fuzz-quick)"
	WASMQ_FUZZ_SEED=$(WASMQ_FUZZ_SEED) WASMQ_FUZZ_CASES=$(WASMQ_FUZZ_CASES) wasm-pack test --node -- --test node_fuzz --test node_decoder_fuzz \
	  || { echo "fuzz-quick FAILED with seed $(WASMQ_FUZZ_SEED): replay with WASMQ_FUZZ_SEED=$(WASMQ_FUZZ_SEED) WASMQ_FUZZ_CASES=$(WASMQ_FUZZ_CASES) make fuzz-quick"; exit 1; }

## make bench-core: criterion benchmark of the core (enqueue + lease + ack).
bench-core:
	cargo bench --bench core

## make bench: wasmq beside the IndexedDB ceiling, Workbox, p-queue and fastq in one run (headless
## Chromium + Node); prints a table, writes target/bench/results.{json,md} and chart.png. Measures, never asserts.
bench: package
	node bench/run.mjs

clean:
	cargo clean
	rm -rf pkg target
