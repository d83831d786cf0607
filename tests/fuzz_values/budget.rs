//! How much a fuzz test runs and from which seed: the test's own defaults
//! (what `make fuzz` runs), or `WASMQ_FUZZ_CASES` / `WASMQ_FUZZ_SEED` from
//! the environment of the Node process that runs the test (wasm-pack →
//! cargo → wasm-bindgen-test-runner → node all pass their environment on,
//! and the test reads it at run time through `process.env`, so a new seed
//! needs no rebuild). `make test` uses this for its smaller pass with a new
//! seed each run; the seed is printed and named in every failure, so
//! `WASMQ_FUZZ_SEED=<seed> WASMQ_FUZZ_CASES=<cases> make fuzz-quick`
//! replays it.

use js_sys::Reflect;
use wasm_bindgen::JsValue;

/// The number of cases and the seed of one fuzz run.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    pub cases: u32,
    pub seed: u64,
}

/// `process.env[name]` in Node, if set and not empty.
fn env(name: &str) -> Option<String> {
    let process = Reflect::get(&js_sys::global(), &"process".into()).ok()?;
    let vars = Reflect::get(&process, &"env".into()).ok()?;
    if vars.is_undefined() || vars.is_null() {
        return None;
    }
    let value = Reflect::get(&vars, &JsValue::from_str(name)).ok()?;
    value.as_string().filter(|v| !v.trim().is_empty())
}

/// A seed written in decimal, or in hex with `0x`.
fn parse_seed(text: &str) -> Option<u64> {
    let text = text.trim();
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(&hex.replace('_', ""), 16).ok(),
        None => text.parse().ok(),
    }
}

impl Budget {
    /// The environment's budget where set, else `cases` from `seed`. A value
    /// that does not parse fails the test: a typo must not run the default
    /// silently.
    pub fn from_env(cases: u32, seed: u64) -> Budget {
        let cases = env("WASMQ_FUZZ_CASES").map_or(cases, |v| {
            v.trim()
                .parse()
                .unwrap_or_else(|_| panic!("WASMQ_FUZZ_CASES={v:?} is not a count"))
        });
        let seed = env("WASMQ_FUZZ_SEED").map_or(seed, |v| {
            parse_seed(&v).unwrap_or_else(|| panic!("WASMQ_FUZZ_SEED={v:?} is not a u64"))
        });
        assert!(cases > 0, "WASMQ_FUZZ_CASES must be at least 1");
        Budget { cases, seed }
    }

    /// The command that replays this run, for messages.
    pub fn replay(&self) -> String {
        format!(
            "replay: WASMQ_FUZZ_SEED={:#x} WASMQ_FUZZ_CASES={} make fuzz-quick",
            self.seed, self.cases
        )
    }
}
