#!/usr/bin/env bash
#! Build-flag variants of the package, each measured as bench/sizes.mjs measures pkg/ (gzip -9 of wasm + glue):
#! cargo profile variants (given with --config, Cargo.toml untouched) × wasm-opt pass lists, the wasm-pack pipeline
#! by hand (cargo build --lib → wasm-bindgen --target web → wasm-opt). Heavy: one cargo build per profile variant.
#! Usage (after `make setup`): bash bench/size-variants.sh [variant ...]; results in target/size-variants/sizes.tsv.
#! A variant is PROFILE:WASMOPT with PROFILE one of the names below and WASMOPT a name below, e.g. "z-lto:Oz".
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
OUT=target/size-variants
mkdir -p "$OUT"

# Cargo profile variants, as --config overrides of [profile.release] (the first is what Cargo.toml says).
declare -A PROFILE=(
  [z-lto]=""
  [s-lto]="--config profile.release.opt-level=\"s\""
  [z-fat]="--config profile.release.lto=\"fat\""
  [z-abort]="--config profile.release.panic=\"abort\""
  [z-cgu16]="--config profile.release.codegen-units=16"
  [z-thin]="--config profile.release.lto=\"thin\""
  # Per crate: the crate's own code (and the std generics it instantiates: B-trees, hash maps) at another level.
  [wasmq-3]="--config profile.release.package.wasmq.opt-level=3"
  [wasmq-2]="--config profile.release.package.wasmq.opt-level=2"
  [wasmq-s]="--config profile.release.package.wasmq.opt-level=\"s\""
  [deps-s]="--config profile.release.package.\"*\".opt-level=\"s\""
  [deps-3]="--config profile.release.package.\"*\".opt-level=3"
)
# wasm-opt pass lists (the first is Cargo.toml's [package.metadata.wasm-pack.profile.release]); "none" = wasm-bindgen's output.
declare -A WASMOPT=(
  [Os2]="-Os -Os --strip-producers"
  [Oz]="-Oz --strip-producers"
  [Oz2]="-Oz -Oz --strip-producers"
  [Os-converge]="-Os --converge --strip-producers"
  [Oz-converge]="-Oz --converge --strip-producers"
  [Os]="-Os --strip-producers"
  [none]=""
)
VARIANTS=("$@")
[ ${#VARIANTS[@]} -eq 0 ] && VARIANTS=(z-lto:Os2 z-lto:Oz z-lto:Oz2 z-lto:Os-converge z-lto:Oz-converge z-lto:Os z-lto:none s-lto:Os2 s-lto:Oz z-fat:Os2 z-abort:Os2)

# gzip level 9 by Node's zlib, exactly as bench/sizes.mjs measures pkg/.
gz() { node -e 'process.stdout.write(String(require("zlib").gzipSync(require("fs").readFileSync(process.argv[1]), { level: 9 }).length))' "$1"; }
[ -f "$OUT/sizes.tsv" ] || printf 'variant\tcargo\twasm-opt\twasm_raw\twasm_gzip\tglue_raw\tglue_gzip\ttotal_gzip\tbuild_s\topt_s\n' > "$OUT/sizes.tsv"
built=""
for v in "${VARIANTS[@]}"; do
  p=${v%%:*} o=${v#*:}
  [ -n "${PROFILE[$p]+x}" ] || { echo "unknown profile variant $p" >&2; exit 2; }
  [ -n "${WASMOPT[$o]+x}" ] || { echo "unknown wasm-opt variant $o" >&2; exit 2; }
  dir="$OUT/$p"
  build_s=0
  if [ "$built" != "$p" ]; then
    t0=$(date +%s)
    # shellcheck disable=SC2086 # the --config words are meant to split
    cargo build --lib --release --target wasm32-unknown-unknown ${PROFILE[$p]} >&2
    rm -rf "$dir/bindgen" && mkdir -p "$dir"
    cp target/wasm32-unknown-unknown/release/wasmq.wasm "$dir/cargo.wasm"
    wasm-bindgen --target web --typescript --out-dir "$dir/bindgen" --out-name wasmq "$dir/cargo.wasm"
    build_s=$(( $(date +%s) - t0 ))
  fi
  built=$p
  mkdir -p "$dir/$o"
  cp "$dir/bindgen/wasmq.js" "$dir/$o/wasmq.js"
  # The JS snippets wasmq.js imports (run by variant-speed.mjs; not counted in glue_gzip, which is wasmq.js as emitted).
  rm -rf "$dir/$o/snippets" && cp -r "$dir/bindgen/snippets" "$dir/$o/snippets"
  printf '{ "type": "module" }\n' > "$dir/$o/package.json" # lets variant-speed.mjs import it as ES module
  t0=$(date +%s)
  if [ "$o" = none ]; then cp "$dir/bindgen/wasmq_bg.wasm" "$dir/$o/wasmq_bg.wasm"
  # shellcheck disable=SC2086
  else wasm-opt "$dir/bindgen/wasmq_bg.wasm" -o "$dir/$o/wasmq_bg.wasm" ${WASMOPT[$o]}; fi
  opt_s=$(( $(date +%s) - t0 ))
  w=$dir/$o/wasmq_bg.wasm g=$dir/$o/wasmq.js
  wr=$(wc -c < "$w") wg=$(gz "$w") gr=$(wc -c < "$g") gg=$(gz "$g")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$v" "${PROFILE[$p]:-Cargo.toml}" "${WASMOPT[$o]:-none}" "$wr" "$wg" "$gr" "$gg" $((wg + gg)) "$build_s" "$opt_s" | tee -a "$OUT/sizes.tsv"
done
