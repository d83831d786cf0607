//! Pseudo-random JavaScript values for `tests/node_fuzz.rs`, from a seeded
//! generator (the same seed gives the same values): numbers (NaN, ±Infinity,
//! -0, 2^53 ± 1, huge, tiny, random bits), strings (empty, Unicode, lone
//! surrogates, option names, 1 MB), booleans, null, undefined, bigints,
//! symbols, functions that return odd things or throw odd things, Dates
//! (valid, invalid, huge), arrays, objects, and hostile objects (`__proto__`
//! from `JSON.parse`, `Object.create(null)`, proxies whose traps throw,
//! revoked proxies, throwing getters, cycles, Maps, Sets, binary data).
//! Options objects are mostly made of the option names the call knows, with
//! plausible values, so that the calls also get past the parser.

pub mod budget;

use wasm_bindgen::prelude::*;
use wasmq::core::SplitMix64;

/// Hostile or unusual values, built once.
const SPECIALS: &[&str] = &[
    r#"JSON.parse('{"__proto__": {"delayMs": 5}}')"#,
    r#"JSON.parse('{"__proto__": {"leaseMs": 1, "maxAttempts": 0}, "concurrency": 2}')"#,
    "Object.assign(Object.create(null), { delayMs: 5 })",
    "new Proxy({}, { ownKeys() { throw new Error('ownKeys trap') } })",
    "new Proxy({}, { get() { throw new Error('get trap') } })",
    "new Proxy({ delayMs: 1 }, { getPrototypeOf() { throw new Error('proto trap') } })",
    "(() => { const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy; })()",
    "{ get delayMs() { throw new Error('getter') } }",
    "{ get x() { throw new Error('getter') } }",
    "(() => { const o = { n: 1 }; o.self = o; o.list = [o, o]; return o; })()",
    "new Map([[1, 'a'], [{}, new Set([1, 2])]])",
    "new ArrayBuffer(64)",
    "new Uint8Array(new ArrayBuffer(256), 8, 4)",
    "new DataView(new ArrayBuffer(16))",
    "/a+b/giu",
    "new Error('an error payload')",
    "new Number(5)",
    "new String('boxed')",
    "Promise.resolve(1)",
    "{ then() { throw new Error('thenable') } }",
    "{ toString() { throw new Error('toString') }, valueOf() { throw new Error('valueOf') } }",
    "new Array(5)",
    "Object.freeze({ delayMs: 1 })",
    "globalThis",
];

/// Functions: as `validate`, handlers, or any value.
const FUNCTIONS: &[&str] = &[
    "() => true",
    "() => false",
    "() => 'refused by fuzz'",
    "() => undefined",
    "(p) => p",
    "function () { return this; }",
    "() => { throw new Error('thrown'); }",
    "() => { throw Symbol('thrown'); }",
    "() => { throw undefined; }",
    "() => { throw new Proxy({}, { get() { throw new Error('trap') } }); }",
    "() => { throw Object.create(Error.prototype, { message: { get() { throw 1; } } }); }",
    "() => new Promise(() => {})",
    "() => Promise.reject(5)",
    "() => ({ get then() { throw new Error('then getter'); } })",
    "() => ({ then() { throw new Error('then'); } })",
    "async (job) => { job.payload = 1; }",
];

/// A deterministic source of JS values.
pub struct Gen {
    rng: SplitMix64,
    specials: Vec<JsValue>,
    functions: Vec<JsValue>,
    megabyte: JsValue,
}

fn eval(expression: &str) -> JsValue {
    js_sys::eval(&format!("({expression})")).expect("fuzz expression is valid")
}

impl Gen {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Gen {
            rng: SplitMix64::new(seed),
            specials: SPECIALS.iter().map(|s| eval(s)).collect(),
            functions: FUNCTIONS.iter().map(|s| eval(s)).collect(),
            megabyte: eval("'m'.repeat(1 << 20)"),
        }
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.rng.in_range(0, n.saturating_sub(1))
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// A function from the pool.
    pub fn function(&mut self) -> JsValue {
        let i = self.below(self.functions.len() as u64) as usize;
        self.functions[i].clone()
    }

    /// A number: a special value, a small or large integer, or random bits.
    pub fn number(&mut self) -> JsValue {
        const TWO_53: f64 = 9_007_199_254_740_992.0;
        let special = [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.0,
            0.0,
            1.0,
            -1.0,
            0.5,
            TWO_53 - 1.0,
            TWO_53,
            TWO_53 + 2.0,
            1e300,
            -1e300,
            f64::MIN_POSITIVE,
            5e-324,
            i32::MAX as f64 + 1.0,
            i32::MIN as f64,
            u32::MAX as f64,
            1_000_001.0,
        ];
        let n = match self.below(4) {
            0 => *self.pick(&special),
            1 => self.below(20) as f64,
            2 => self.below(1 << 53) as f64,
            _ => f64::from_bits(self.rng.next_u64()),
        };
        n.into()
    }

    /// A string: empty, an option or enum name, short random Unicode
    /// (lone surrogates included), or 1 MB.
    pub fn string(&mut self) -> JsValue {
        match self.below(40) {
            0 => self.megabyte.clone(),
            1..=4 => "".into(),
            5..=14 => (*self.pick(&[
                "memory",
                "indexeddb",
                "fixed",
                "exponential",
                "__proto__",
                "constructor",
                "delayMs",
                "k",
                "g",
                "\u{1}rq:forged",
            ]))
            .into(),
            _ => {
                let units: Vec<u16> = (0..self.below(12))
                    .map(|_| self.below(0x1_0000) as u16)
                    .collect();
                js_sys::JsString::from_char_code(&units).into()
            }
        }
    }

    /// Any value, nesting at most `depth` levels of arrays and objects.
    pub fn value(&mut self, depth: u32) -> JsValue {
        let kinds = if depth == 0 { 10 } else { 12 };
        match self.below(kinds) {
            0 | 1 => self.number(),
            2 | 3 => self.string(),
            4 => JsValue::from(self.below(2) == 0),
            5 => self.pick(&[JsValue::NULL, JsValue::UNDEFINED]).clone(),
            6 => js_sys::BigInt::from(self.rng.next_u64()).into(),
            7 => match self.below(3) {
                0 => js_sys::Symbol::for_("fuzz").into(),
                _ => self.function(),
            },
            8 => {
                let t = *self.pick(&[0.0, f64::NAN, 8.64e15, -1.0, 1.7e12]);
                js_sys::Date::new(&t.into()).into()
            }
            9 => {
                let i = self.below(self.specials.len() as u64) as usize;
                self.specials[i].clone()
            }
            10 => (0..self.below(4))
                .map(|_| self.value(depth - 1))
                .collect::<js_sys::Array>()
                .into(),
            _ => {
                let obj = js_sys::Object::new();
                for _ in 0..self.below(4) {
                    let key = self.string();
                    let value = self.value(depth - 1);
                    let _ = js_sys::Reflect::set(&obj, &key, &value);
                }
                obj.into()
            }
        }
    }

    /// An options argument for a call that knows `names`: usually an object
    /// of some of those names with plausible values, else any value.
    pub fn options(&mut self, names: &[&str]) -> JsValue {
        if self.below(4) == 0 {
            return self.value(2);
        }
        let obj = js_sys::Object::new();
        for _ in 0..self.below(4) {
            let key: JsValue = match self.below(8) {
                0 => self.string(),
                _ => (*self.pick(names)).into(),
            };
            let value = match self.below(3) {
                0 => self.value(1),
                _ => self.plausible(&key.as_string().unwrap_or_default()),
            };
            let _ = js_sys::Reflect::set(&obj, &key, &value);
        }
        obj.into()
    }

    /// A value that option `name` might accept.
    fn plausible(&mut self, name: &str) -> JsValue {
        match name {
            "storage" => (*self.pick(&["memory", "memory", "indexeddb", "disk"])).into(),
            "type" => (*self.pick(&["fixed", "exponential", "linear"])).into(),
            "jitter" => (self.below(2) == 0).into(),
            "validate" => self.function(),
            "backoff" => self.options(&["type", "delayMs", "maxDelayMs", "jitter"]),
            "idempotencyKey" | "group" => match self.below(10) {
                0 => self.string(),
                n => format!("{name}-{}", n % 4).into(),
            },
            "runAt" if self.below(2) == 0 => {
                js_sys::Date::new(&(1.7e12 + self.below(1000) as f64).into()).into()
            }
            "maxPayloadBytes" => (*self.pick(&[1.0, 64.0, 4096.0, 1e7])).into(),
            _ => match self.below(3) {
                0 => self.number(),
                _ => (self.below(100) as f64).into(),
            },
        }
    }
}
