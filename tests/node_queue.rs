//! The runtime's scenarios in Node, on the memory store (`wasm-pack test --node`).
#![cfg(target_arch = "wasm32")]

mod queue_scenarios;

use js_sys::Reflect;
use queue_scenarios::support::{aes_key, code, get, js, wait};
use queue_scenarios::*;
use wasm_bindgen_test::wasm_bindgen_test as test;
use wasmq::api::Queue;
use wasmq::store::MemoryStore;

// The memory store refuses no batch: the refused-commit cases are not for it.
#[allow(dead_code)]
mod store_contract;

/// The `Store` contract on the memory store: a reopen of a name gets the
/// same records (as the runtime's registry does), in a new handle.
struct Memory;

thread_local! {
    static MEMORY: std::cell::RefCell<Vec<(String, MemoryStore<wasm_bindgen::JsValue>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

impl store_contract::Backend for Memory {
    type S = MemoryStore<wasm_bindgen::JsValue>;
    async fn open(&self, name: &str) -> Self::S {
        MEMORY.with(|all| {
            let mut all = all.borrow_mut();
            if let Some((_, s)) = all.iter().find(|(n, _)| n == name) {
                return s.clone();
            }
            all.push((name.to_owned(), MemoryStore::new()));
            all[all.len() - 1].1.clone()
        })
    }
}

store_contract::store_contract_tests!(Memory);

const STORAGE: &str = "memory";

/// Without IndexedDB the default is memory, and asking for IndexedDB is a clear error.
#[test]
async fn node_has_no_indexeddb() {
    let q = Queue::open_with("node-default", &js("{}")).await.unwrap();
    assert_eq!(q.storage(), "memory");
    wait(q.close()).await.unwrap();
    let err = wait(Queue::open(
        "node-idb".into(),
        js(r#"{"storage": "indexeddb"}"#),
    ))
    .await
    .unwrap_err();
    assert_eq!(code(&err), "STORAGE_UNAVAILABLE");
}

/// A key with the memory store — asked for, or the default here, where there
/// is no IndexedDB — is refused: nothing would be encrypted, and a user who
/// passed a key would believe something is protected.
#[test]
async fn encryption_key_with_the_memory_store_is_refused() {
    for (storage, why) in [
        ("{}", "no IndexedDB"),
        (r#"{"storage": "memory"}"#, "keeps nothing at rest"),
    ] {
        let opts = js(storage);
        Reflect::set(&opts, &"encryptionKey".into(), &aes_key().await).unwrap();
        let err = wait(Queue::open("node-key".into(), opts))
            .await
            .unwrap_err();
        assert_eq!(
            (code(&err), get(&err, "option").as_string()),
            ("INVALID_OPTION".into(), Some("encryptionKey".into())),
            "{storage}"
        );
        let message = get(&err, "message").as_string().unwrap();
        assert!(message.contains(why), "{storage}: {message}");
    }
    // Durability and persistence are IndexedDB's: refused where it is absent.
    for (opts, option) in [
        (r#"{"durability": "relaxed"}"#, "durability"),
        (r#"{"persist": true}"#, "persist"),
    ] {
        let err = wait(Queue::open("node-key".into(), js(opts)))
            .await
            .unwrap_err();
        assert_eq!(
            get(&err, "option").as_string().as_deref(),
            Some(option),
            "{opts}"
        );
        assert_eq!(code(&err), "INVALID_OPTION");
    }
    // Nothing was opened: the name is free and empty.
    let q = Queue::open_with("node-key", &js("{}")).await.unwrap();
    assert!(q.is_leader());
    assert_eq!(get(&q.stats().unwrap(), "pending").as_f64(), Some(0.0));
    wait(q.close()).await.unwrap();
}

scenario_tests!(STORAGE);

/// Numbers in error messages read exactly as Rust's `{}` writes them, though
/// the package builds them from JavaScript's digits (no float formatting code).
#[test]
fn numbers_read_as_rust_writes_them() {
    use wasmq::js::f64_text;
    let mut cases = vec![
        0.0,
        -0.0,
        1.0,
        -1.5,
        0.1,
        1e-7,
        1.5e-7,
        123.456,
        1e21,
        1.2345e25,
        -1e300,
        f64::MAX,
        f64::MIN_POSITIVE,
        5e-324,
        9007199254740991.0,
        2f64.powi(63),
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::from_bits(0x4312_9879_088f_f039), // 1308548795726862.25, a tie
        0.125,
        2.5,
        1.5,
    ];
    // Every exponent and sign, with pseudo-random mantissas (SplitMix64).
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    for _ in 0..20_000 {
        seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        cases.push(f64::from_bits(z ^ (z >> 31)));
        cases.push((z % 10_000_000) as f64 / 1000.0);
        // Exact ties between two shortest spellings: halves and eighths.
        cases.push((z >> 11) as f64 / 4.0);
        cases.push((z >> 40) as f64 / 8.0);
    }
    for x in cases {
        assert_eq!(f64_text(x), format!("{x}"), "bits {:#x}", x.to_bits());
    }
}

/// Strings in error messages are quoted as Rust's `{:?}` quotes them,
/// though the package has no `str` Debug code: ordinary text, quotes,
/// backslashes, controls, invisible format characters and combining marks.
#[test]
fn strings_are_quoted_as_rust_quotes_them() {
    use wasmq::core::quote::{quoted, quoted_list};
    let mut cases: Vec<String> = [
        "",
        "memory",
        "indexed db",
        "a\"b\\c",
        "line\nbreak\r\ttab\0nul",
        "é ü ß 東京 🚀 Ωmega",
        "\u{1}rq:x",
        "zero\u{200b}width\u{feff}bom\u{2028}ls",
        "e\u{301}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // Every code point of the ranges it escapes as Rust does (the module
    // comment says where it knowingly differs).
    let singles = (0u32..0x378)
        .chain(0x2000..0x2070)
        .chain(0xfeff..0xfeff + 1)
        .chain(0xfff9..0xfffc)
        .filter_map(char::from_u32);
    cases.extend(singles.map(|c| format!("x{c}")));
    for s in &cases {
        assert_eq!(
            quoted(s),
            format!("{s:?}"),
            "{:?}",
            s.chars().map(u32::from).collect::<Vec<_>>()
        );
    }
    let usages = vec!["encrypt".to_string(), "sign\"".to_string()];
    assert_eq!(quoted_list(&usages), format!("{usages:?}"));
    assert_eq!(quoted_list(&[]), "[]");
}

/// Keys and groups reach handlers through a JSON text the runtime writes:
/// every string — controls, quotes, backslashes, non-ASCII — parses back
/// as itself.
#[test]
fn json_strings_parse_back_as_themselves() {
    use wasmq::core::quote::push_json_string;
    let mut cases: Vec<String> = [
        "",
        "plain",
        "a\"b\\c",
        "line\nbreak\r\ttab\0nul\u{1f}",
        "é 東京 🚀",
        "\u{2028}\u{7f}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    cases.extend(
        (0u32..0x80)
            .filter_map(char::from_u32)
            .map(|c| format!("x{c}y")),
    );
    for s in &cases {
        let mut text = String::new();
        push_json_string(&mut text, s);
        let parsed = js_sys::JSON::parse(&text).map(|v| v.as_string());
        assert_eq!(parsed.ok().flatten().as_deref(), Some(s.as_str()), "{text}");
    }
}

/// The record and the load's entry as the wasm holds them (by value, in the
/// engine's and the load's message maps): 96 and 104 bytes with the rare
/// strings inline, before they went behind one box.
#[test]
fn a_message_record_is_64_bytes_and_a_stored_message_72_on_wasm32() {
    use wasmq::core::{MessageRecord, StoredMessage};
    assert_eq!(std::mem::size_of::<MessageRecord>(), 64);
    assert_eq!(
        std::mem::size_of::<StoredMessage<wasm_bindgen::JsValue>>(),
        72
    );
}
