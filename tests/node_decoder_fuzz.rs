//! The IndexedDB record decoder under hostile input, in Node: 100,000
//! values (`make fuzz`; `make test` runs 20,000 from a new seed, see
//! `fuzz_values/budget.rs`) — arbitrary JS values, and records of the stored
//! shape with random versions, tags, numbers, strings and payloads, and the
//! schema-1 fixture's records with one number changed — are decoded as an
//! open would, after a structured clone: the decoder's domain is what
//! IndexedDB can hand back, so values that cannot be stored (functions,
//! symbols, proxies) are skipped. Every one is either read or refused with a reason; none
//! panics (a panic would trap and fail this test).
#![cfg(target_arch = "wasm32")]

#[allow(dead_code)] // the API fuzz uses the rest of the generator
mod fuzz_values;

use fuzz_values::budget::Budget;
use fuzz_values::Gen;
use js_sys::{Array, Float64Array, Object, Reflect, Uint8Array, JSON};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::{console_log, wasm_bindgen_test as test};
use wasmq::store::indexeddb::decode_stored;

const SEED: u64 = 0x00DE_C0DE;
const CASES: u32 = 100_000;
const FIXTURE_V1: &str = include_str!("fixtures/idb_layout_v1.json");

fn set(obj: &JsValue, key: &str, value: &JsValue) {
    Reflect::set(obj, &key.into(), value).unwrap();
}

/// The fixture's records as stored (`t` a Uint8Array, `n` a Float64Array).
fn fixture() -> Vec<(Vec<u8>, Vec<f64>, JsValue, JsValue)> {
    let fixture = JSON::parse(FIXTURE_V1).unwrap();
    Array::from(&Reflect::get(&fixture, &"log".into()).unwrap())
        .iter()
        .map(|r| {
            let field = |k: &str| Reflect::get(&r, &k.into()).unwrap();
            let t = Array::from(&field("t"))
                .iter()
                .map(|x| x.as_f64().unwrap() as u8)
                .collect();
            let n = Array::from(&field("n"))
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect();
            (t, n, field("s"), field("p"))
        })
        .collect()
}

fn record(v: &JsValue, t: &[u8], n: &[f64], s: &JsValue, p: &JsValue) -> JsValue {
    let r: JsValue = Object::new().into();
    set(&r, "v", v);
    set(&r, "t", &Uint8Array::from(t));
    set(&r, "n", &Float64Array::from(n));
    set(&r, "s", s);
    set(&r, "p", p);
    r
}

fn random_list(g: &mut Gen, max: u64) -> JsValue {
    let len = g.below(max);
    (0..len).map(|_| g.value(2)).collect::<Array>().into()
}

/// What IndexedDB would store and hand back: a structured clone, if any.
fn stored_form(value: &JsValue) -> Option<JsValue> {
    let clone =
        js_sys::Function::from(Reflect::get(&js_sys::global(), &"structuredClone".into()).ok()?);
    clone.call1(&JsValue::UNDEFINED, value).ok()
}

#[test]
async fn the_decoder_reads_or_refuses_every_value_and_never_panics() {
    let budget = Budget::from_env(CASES, SEED);
    let (cases, seed) = (budget.cases, budget.seed);
    console_log!(
        "decoder fuzz: {cases} values from seed {seed:#x} ({})",
        budget.replay()
    );
    let mut g = Gen::new(seed);
    let originals = fixture();
    let (mut read, mut refused, mut skipped) = (0u32, 0u32, 0u32);
    for case in 0..cases {
        let value = match case % 3 {
            // Anything at all.
            0 => g.value(3),
            // The stored shape with random contents.
            1 => {
                let v = if g.below(4) == 0 {
                    g.number()
                } else {
                    JsValue::from(1)
                };
                let t: Vec<u8> = (0..g.below(24)).map(|_| g.below(10) as u8).collect();
                let n: Vec<f64> = (0..g.below(80))
                    .map(|_| g.number().as_f64().unwrap_or(0.0))
                    .collect();
                let (s, p) = (random_list(&mut g, 6), random_list(&mut g, 6));
                record(&v, &t, &n, &s, &p)
            }
            // A real record with one number changed.
            _ => {
                let (t, n, s, p) = g.pick(&originals).clone();
                let mut n = n;
                if !n.is_empty() {
                    let i = g.below(n.len() as u64) as usize;
                    n[i] = g.number().as_f64().unwrap_or(-1.0);
                }
                record(&JsValue::from(1), &t, &n, &s, &p)
            }
        };
        let Some(value) = stored_form(&value) else {
            skipped += 1;
            continue;
        };
        let chunk = g.below(2) == 0;
        match decode_stored(&value, chunk) {
            Ok(_) => read += 1,
            Err(reason) => {
                assert!(!reason.is_empty(), "a refusal says why");
                refused += 1;
            }
        }
    }
    console_log!(
        "decoder fuzz: {cases} values, {read} read, {refused} refused, {skipped} not storable"
    );
    assert_eq!(read + refused + skipped, cases);
    assert!(skipped < cases / 4, "most values reached the decoder");
    assert!(read > 0 && refused > 0, "both outcomes were reached");
    for (t, n, s, p) in &originals {
        let r = record(&JsValue::from(1), t, n, s, p);
        assert!(decode_stored(&r, false).is_ok(), "the fixture itself reads");
    }
}
