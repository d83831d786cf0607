//! The idempotency keys the runtime adds to forwarded enqueues without a
//! key of their own: a call re-sent after its leader died between the
//! commit and the answer finds its own job by the key, so it is stored
//! once. Users never see these keys (`is_internal_key`).

use crate::core::EnqueueOptions;
use crate::js::f64_text;

/// Keys the runtime adds start with this.
const INTERNAL_KEY_PREFIX: &str = "\u{1}rq:";
/// How long such a key is remembered.
const REQUEST_KEY_WINDOW_MS: u64 = 10 * 60 * 1000;

/// Whether an idempotency key is one the runtime added.
pub fn is_internal_key(key: &str) -> bool {
    key.starts_with(INTERNAL_KEY_PREFIX)
}

/// Who forwarded a call: the sending instance's id and the call's number
/// there, what its request keys are made of.
pub(super) struct Asker {
    pub from: String,
    pub n: f64,
}

/// Marks a forwarded enqueue with its request key, unless the caller gave
/// a key; says whether it did.
pub(super) fn with_request_key(opts: EnqueueOptions, by: &Asker) -> (EnqueueOptions, bool) {
    let key = format!("{INTERNAL_KEY_PREFIX}{}:{}", by.from, f64_text(by.n));
    with_key(opts, key)
}

/// Marks job `i` of a forwarded `enqueueMany` with its own request key.
pub(super) fn with_item_key(opts: EnqueueOptions, by: &Asker, i: usize) -> EnqueueOptions {
    let key = format!("{INTERNAL_KEY_PREFIX}{}:{}:{i}", by.from, f64_text(by.n));
    with_key(opts, key).0
}

fn with_key(mut opts: EnqueueOptions, key: String) -> (EnqueueOptions, bool) {
    if opts.idempotency_key.is_some() {
        return (opts, false);
    }
    opts.idempotency_key = Some(key);
    opts.idempotency_window_ms = Some(REQUEST_KEY_WINDOW_MS);
    (opts, true)
}
