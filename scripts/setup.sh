#!/usr/bin/env bash
# Installs what `make test` / `make demo` need, and only what is missing:
# the wasm32 target, wasm-bindgen-cli at the exact version in Cargo.lock,
# wasm-pack, geckodriver (pinned), the npm packages (binaryen for a working
# wasm-opt), and Debian's chromium + chromium-driver, firefox-esr,
# webkit2gtk-driver (WebKitWebDriver + MiniBrowser), xvfb and nats-server.
# Idempotent: quick when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*"; }
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export PATH="$HOME/.cargo/bin:$PATH"

# 1. Rust target for the browser build.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# 2. wasm-bindgen-cli must match the wasm-bindgen in Cargo.lock exactly.
[ -f Cargo.lock ] || cargo generate-lockfile
WB_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have_wb=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have_wb" != "$WB_VERSION" ]; then
  say "installing wasm-bindgen-cli $WB_VERSION (found: ${have_wb:-none}); takes a few minutes"
  cargo install wasm-bindgen-cli --version "$WB_VERSION" --force
fi

# 3. wasm-pack.
WASM_PACK_VERSION=0.15.1
if [ "$(wasm-pack --version 2>/dev/null | awk '{print $2}')" != "$WASM_PACK_VERSION" ]; then
  say "installing wasm-pack $WASM_PACK_VERSION; takes a few minutes"
  cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked \
    || cargo install wasm-pack --version "$WASM_PACK_VERSION"
fi

# 4. geckodriver, for the Firefox runs (wasm tests and the demo end to end).
GECKODRIVER_VERSION=0.37.1
if [ "$(geckodriver --version 2>/dev/null | awk 'NR == 1 {print $2}')" != "$GECKODRIVER_VERSION" ]; then
  say "installing geckodriver $GECKODRIVER_VERSION; takes a few minutes"
  cargo install geckodriver --version "$GECKODRIVER_VERSION" --locked \
    || cargo install geckodriver --version "$GECKODRIVER_VERSION"
fi

# 5. npm packages (binaryen's wasm-opt, playwright-core, ...).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund
fi

# 6. The browsers and their drivers (Chromium, Firefox ESR, WebKitGTK's MiniBrowser + driver, and
#    Xvfb for MiniBrowser, which has no headless mode); nats-server for the relay tests.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v firefox-esr >/dev/null 2>&1 || missing+=(firefox-esr)
[ -x /usr/bin/WebKitWebDriver ] && [ -x /usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser ] || missing+=(webkit2gtk-driver)
command -v Xvfb >/dev/null 2>&1 || missing+=(xvfb)
[ -x /usr/sbin/nats-server ] || command -v nats-server >/dev/null 2>&1 || missing+=(nats-server)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} from Debian"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
say "ready: $(wasm-bindgen --version), $(wasm-pack --version), $(geckodriver --version 2>/dev/null | awk 'NR == 1'), $(chromium --version 2>/dev/null | head -1), $(firefox-esr --version 2>/dev/null), WebKitGTK $(dpkg-query -W -f '${Version}' libwebkit2gtk-4.1-0 2>/dev/null)"
