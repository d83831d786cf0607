//! Validation at the door: `validate(payload)` and `maxPayloadBytes` refuse
//! a payload in the calling instance with `VALIDATION_FAILED` /
//! `PAYLOAD_TOO_LARGE`, before anything is stored or forwarded.

use js_sys::Reflect;
use wasm_bindgen::prelude::*;

use super::support::*;

/// Rejects `enqueue(payload)` and checks the error's code and message; the
/// stats are unchanged afterwards.
async fn refused(q: &wasmq::api::Queue, payload: JsValue, expected: &str, message: &str) {
    let before = stats_json(q);
    let err = wait(q.enqueue(payload, JsValue::UNDEFINED))
        .await
        .expect_err("refused");
    assert_eq!(code(&err), expected, "{err:?}");
    assert_eq!(get(&err, "name").as_string().as_deref(), Some("WasmqError"));
    let text = get(&err, "message").as_string().unwrap_or_default();
    assert!(text.contains(message), "{text:?} should say {message:?}");
    assert_eq!(stats_json(q), before, "a refusal changes nothing");
}

/// `validate` refuses by message, by `false`, by any other value and by a
/// throw (even of a value whose every property access throws); `true` admits. Each refusal stores nothing, and the validator
/// sees the payload being enqueued.
pub async fn validate_refuses_before_anything_is_stored(storage: &str) {
    let name = fresh("validate", storage).await;
    let seen = js_sys::Array::new();
    Reflect::set(&js_sys::global(), &"wasmqValidated".into(), &seen).unwrap();
    let opts = js("{}");
    let validate = eval(
        r#"function (p) {
            globalThis.wasmqValidated.push(p);
            if (p.kind === "message") return "payload needs a recipient";
            if (p.kind === "false") return false;
            if (p.kind === "throw") throw new TypeError("recipient is not an address");
            if (p.kind === "other") return 1;
            if (p.kind === "hostile") throw new Proxy({}, { get() { throw new Error("trap"); } });
            return true;
        }"#,
    );
    Reflect::set(&opts, &"validate".into(), &validate).unwrap();
    let q = open_value(&name, storage, &opts).await;
    enqueue(&q, js(r#"{"kind": "ok", "to": "a@b.c"}"#), "")
        .await
        .expect("true admits");
    assert_eq!(
        js_sys::JSON::stringify(&seen.get(0)).unwrap(),
        r#"{"kind":"ok","to":"a@b.c"}"#,
        "validate got the payload"
    );
    for (kind, message) in [
        ("message", "payload needs a recipient"),
        ("false", "validate refused the payload"),
        ("throw", "TypeError: recipient is not an address"),
        ("other", "must return true or a message, got number"),
        ("hostile", "a thrown value that cannot be shown"),
    ] {
        let payload = js(&format!(r#"{{"kind": "{kind}"}}"#));
        refused(&q, payload, "VALIDATION_FAILED", message).await;
    }
    assert_eq!(seen.length(), 6, "called once per enqueue");
    Reflect::delete_property(&js_sys::global(), &"wasmqValidated".into()).unwrap();
    let stored = pending_after_reopen(q, &name, storage).await;
    assert_eq!(stored, 1.0, "only the admitted job is stored");
}

/// `maxPayloadBytes`: strings count their UTF-8 bytes, binary data its
/// bytes, objects their property names too; a cycle is measured once.
pub async fn oversized_payload_is_refused(storage: &str) {
    let name = fresh("maxbytes", storage).await;
    let q = open(&name, storage, r#"{"maxPayloadBytes": 64}"#).await;
    let admitted = [
        eval(r#""x".repeat(64)"#),
        js(r#"{"to": "a@b.c", "n": 1}"#),
        eval("(() => { const o = { name: 'loop' }; o.self = o; return o; })()"),
        eval("new Uint8Array(40)"),
    ];
    for payload in admitted {
        enqueue(&q, payload, "").await.expect("within the limit");
    }
    for payload in [
        r#""x".repeat(65)"#,
        r#""é".repeat(40)"#,
        "new ArrayBuffer(65)",
        "new Uint8Array(new ArrayBuffer(100), 0, 1)",
        r#"{ to: "a@b.c", body: "y".repeat(60) }"#,
        r#"new Array(70).fill(true)"#,
        r#"new Map([["k", "v".repeat(64)]])"#,
    ] {
        refused(
            &q,
            eval(payload),
            "PAYLOAD_TOO_LARGE",
            "maxPayloadBytes (64)",
        )
        .await;
    }
    let stored = pending_after_reopen(q, &name, storage).await;
    assert_eq!(stored, 4.0, "only the admitted jobs are stored");
}

/// `maxPayloadBytes` measures exactly as documented: each payload here
/// measures 64 bytes (UTF-8 strings with a lone surrogate as U+FFFD, 8 per
/// number and `Date`, a bigint's digits, 1 per boolean, `null`,
/// `undefined` and object, a `RegExp`'s source and flags, property names,
/// a view's whole buffer, a cycle once), so a limit of 64 admits every one
/// and a limit of 63 refuses every one as "at least 64 bytes".
pub async fn payload_measures_are_exact(storage: &str) {
    let payloads = [
        r#""x".repeat(64)"#,
        r#""é".repeat(32)"#,
        r#""\u{1F600}".repeat(16)"#,
        r#""\uD800".repeat(21) + "x""#,
        "new ArrayBuffer(63)",
        "new Uint8Array(new ArrayBuffer(62), 0, 1)",
        r#"[1, 2, 3, 4, 5, 6, 7, "abcdef", true]"#,
        r#"{ ab: "x".repeat(61) }"#,
        r#"new Map([["k", "v".repeat(62)]])"#,
        r#"new Set(["s".repeat(63)])"#,
        r#"[new Date(0), "x".repeat(54)]"#,
        r#"[/ab/g, "x".repeat(59)]"#,
        r#"[12345678901234567890n, "x".repeat(43)]"#,
        r#"[null, undefined, false, "x".repeat(60)]"#,
        "(() => { const o = { a: 'x'.repeat(61) }; o.b = o; return o; })()",
    ];
    let name = fresh("measure-64", storage).await;
    let q = open(&name, storage, r#"{"maxPayloadBytes": 64}"#).await;
    for payload in payloads {
        enqueue(&q, eval(payload), "")
            .await
            .unwrap_or_else(|e| panic!("{payload} measures 64 bytes: {e:?}"));
    }
    wait(q.close()).await.unwrap();
    let name = fresh("measure-63", storage).await;
    let q = open(&name, storage, r#"{"maxPayloadBytes": 63}"#).await;
    for payload in payloads {
        refused(
            &q,
            eval(payload),
            "PAYLOAD_TOO_LARGE",
            "maxPayloadBytes (63): at least 64 bytes",
        )
        .await;
    }
    wait(q.close()).await.unwrap();
}

/// `validate` is not forwarded: a follower checks its own calls, the
/// leader does not check what followers forward.
pub async fn each_instance_validates_its_own_calls(storage: &str) {
    let name = fresh("validate-two", storage).await;
    let leader = open(&name, storage, "{}").await;
    let opts = js("{}");
    Reflect::set(&opts, &"validate".into(), &eval("() => 'follower says no'")).unwrap();
    let follower = open_value(&name, storage, &opts).await;
    assert!(leader.is_leader() && !follower.is_leader());
    refused(&follower, js("1"), "VALIDATION_FAILED", "follower says no").await;
    enqueue(&leader, js("2"), "")
        .await
        .expect("the leader has no validate");
    assert_eq!(num(&leader.stats().unwrap(), "pending"), 1.0);
    wait(follower.close()).await.unwrap();
    wait(leader.close()).await.unwrap();
}
