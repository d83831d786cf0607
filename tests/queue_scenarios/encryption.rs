//! `encryptionKey` is taken only by a store that keeps payloads at rest:
//! refused with the memory store, honoured by IndexedDB and the adapter.

use js_sys::Reflect;
use wasm_bindgen::prelude::*;

use super::support::*;

/// With the memory store a key is refused (`INVALID_OPTION`, option
/// `encryptionKey`) and nothing opens; elsewhere the queue opens with it
/// and hands handlers the payload as it was enqueued.
pub async fn encryption_key_only_where_payloads_rest(storage: &str) {
    let name = fresh("key", storage).await;
    let opts = js("{}");
    Reflect::set(&opts, &"encryptionKey".into(), &aes_key().await).unwrap();
    Reflect::set(&opts, &"storage".into(), &storage_option(storage)).unwrap();
    let opened = wasmq::api::Queue::open_with(&name, &opts).await;
    if storage == "memory" {
        let err = opened
            .err()
            .expect("a key with the memory store is refused");
        assert_eq!(
            (code(&err), get(&err, "option").as_string()),
            ("INVALID_OPTION".into(), Some("encryptionKey".into()))
        );
        return;
    }
    let q = opened.expect("the queue opens with a key");
    enqueue(&q, js(r#"{"secret": "s3"}"#), "").await.unwrap();
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let log = std::rc::Rc::clone(&seen);
    q.process(
        handler(move |job| {
            log.borrow_mut().push(
                js_sys::JSON::stringify(&get(&job, "payload"))
                    .unwrap()
                    .as_string(),
            );
            JsValue::UNDEFINED
        }),
        JsValue::UNDEFINED,
    )
    .unwrap();
    wait(q.drained()).await.unwrap();
    assert_eq!(*seen.borrow(), vec![Some(r#"{"secret":"s3"}"#.to_owned())]);
    wait(q.close()).await.unwrap();
}
