//! The browser link in headless browsers: the leader of a name holds the
//! Web Lock `wasmq:<name>` (as the browser's lock manager reports it), a
//! follower's request waits for it, and both go on close and terminate;
//! without Web Locks or `BroadcastChannel` the instances of a name share
//! the in-realm lock and bus instead.
#![cfg(target_arch = "wasm32")]

#[allow(dead_code)]
#[path = "queue_scenarios/support.rs"]
mod support;

use support::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test as test;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const STORAGE: &str = "memory";

/// What the browser's lock manager reports for `wasmq:<name>`: (held,
/// requests waiting). Reads the manager kept before any test hid it.
async fn web_lock(name: &str) -> (bool, usize) {
    let query = eval(&format!(
        "(async () => {{
            const state = await (globalThis.__wasmqLocks ??= navigator.locks).query();
            const mine = (l) => l.name === 'wasmq:{name}';
            return [state.held.some(mine), state.pending.filter(mine).length];
        }})()"
    ));
    let state = wait(query.unchecked_into()).await.unwrap();
    let state: js_sys::Array = state.unchecked_into();
    (
        state.get(0).is_truthy(),
        state.get(1).as_f64().unwrap() as usize,
    )
}

/// Polls the lock manager until it reports `expected`, for at most 5 s.
async fn web_lock_becomes(name: &str, expected: (bool, usize)) -> bool {
    let start = js_sys::Date::now();
    while web_lock(name).await != expected {
        if js_sys::Date::now() - start > 5_000.0 {
            return false;
        }
        sleep(5).await;
    }
    true
}

#[test]
async fn the_leader_holds_the_web_lock_and_a_follower_waits_for_it_until_close() {
    let name = fresh("web-link", STORAGE).await;
    let _ = web_lock(&name).await; // the lock manager kept
    let leader = open(&name, STORAGE, "{}").await;
    let follower = open(&name, STORAGE, "{}").await;
    assert!(leader.is_leader() && !follower.is_leader());
    assert_eq!(web_lock(&name).await, (true, 1), "held; the follower waits");

    // The follower closed: its request is aborted.
    wait(follower.close()).await.unwrap();
    assert!(web_lock_becomes(&name, (true, 0)).await, "aborted on close");

    // The leader closed: released by the time close resolves.
    wait(leader.close()).await.unwrap();
    assert_eq!(web_lock(&name).await, (false, 0), "released on close");

    // Terminated (as a crashed tab), then dropped: released each time.
    let q = open(&name, STORAGE, "{}").await;
    assert!(q.is_leader() && web_lock(&name).await == (true, 0));
    q.terminate();
    assert!(web_lock_becomes(&name, (false, 0)).await, "on terminate");
    let q = open(&name, STORAGE, "{}").await;
    assert!(q.is_leader() && web_lock(&name).await == (true, 0));
    drop(q);
    assert!(web_lock_becomes(&name, (false, 0)).await, "on drop");
}

/// Two instances of a fresh name, with `hide` run before they open and
/// `restore` after they closed: (leader leads, follower follows, what the
/// follower enqueued reached the leader, the Web Lock while both were open).
async fn two_instances_with(hide: &str, restore: &str) -> (bool, bool, f64, (bool, usize)) {
    let name = fresh("web-link", STORAGE).await;
    let _ = web_lock(&name).await; // the lock manager kept
    eval(hide);
    let leader = open(&name, STORAGE, "{}").await;
    let follower = open(&name, STORAGE, "{}").await;
    let roles = (leader.is_leader(), !follower.is_leader());
    let forwarded = enqueue(&follower, js("1"), "").await.is_ok();
    let pending = match forwarded {
        true => num(&leader.stats().unwrap(), "pending"),
        false => -1.0,
    };
    let lock = web_lock(&name).await;
    let _ = wait(follower.close()).await;
    let _ = wait(leader.close()).await;
    eval(restore);
    (roles.0, roles.1, pending, lock)
}

#[test]
async fn without_web_locks_the_instances_of_a_name_share_the_in_realm_link() {
    let seen = two_instances_with(
        "Object.defineProperty(navigator, 'locks', { value: undefined, configurable: true })",
        "delete navigator.locks",
    )
    .await;
    assert!(eval("typeof navigator.locks === 'object'").is_truthy());
    assert_eq!(seen, (true, true, 1.0, (false, 0)));
}

#[test]
async fn without_broadcast_channel_the_instances_of_a_name_share_the_in_realm_link() {
    let seen = two_instances_with(
        "(globalThis.__wasmqChannel = BroadcastChannel, globalThis.BroadcastChannel = undefined)",
        "globalThis.BroadcastChannel = globalThis.__wasmqChannel",
    )
    .await;
    assert!(eval("typeof BroadcastChannel === 'function'").is_truthy());
    assert_eq!(seen, (true, true, 1.0, (false, 0)));
}

/// Requests posted on the name's channel as another tab's instance would:
/// an enqueue re-sent (the same sender and call number twice, as after a
/// leader died between its commit and its answer) is stored once and
/// answered as new both times, with one id; a request without its
/// arguments as an array (another version's) is answered `INTERNAL_ERROR`
/// and runs nothing.
#[test]
async fn a_re_sent_enqueue_is_stored_once_and_an_unknown_request_runs_nothing() {
    let name = fresh("web-link", STORAGE).await;
    let leader = open(&name, STORAGE, "{}").await;
    let answers = eval(&format!(
        "new Promise((resolve) => {{
            const ch = new BroadcastChannel('wasmq:{name}');
            const got = [];
            const done = () => {{ ch.close(); resolve(got.sort((a, b) => a.n - b.n)); }};
            setTimeout(done, 5000);
            ch.onmessage = (e) => {{
                for (const m of e.data.t === 'batch' ? e.data.list : [e.data]) {{
                    if (m.t === 'res' && m.to === 'other-tab') got.push(m);
                }}
                if (got.length === 3) done();
            }};
            const req = {{ t: 'req', from: 'other-tab', n: 7, op: 'enqueue', args: [{{ a: 1 }}, undefined] }};
            ch.postMessage(req);
            ch.postMessage({{ t: 'req', from: 'other-tab', n: 8, op: 'enqueue', payload: 2 }});
            setTimeout(() => ch.postMessage(req), 100);
        }})"
    ));
    let answers = js_sys::Array::from(&wait(answers.unchecked_into()).await.unwrap());
    assert_eq!(answers.length(), 3, "three answers");
    let (first, again) = (answers.get(0), answers.get(1));
    let ok = |m: &wasm_bindgen::JsValue| get(m, "ok");
    assert_eq!(num(&ok(&first), "id"), num(&ok(&again), "id"), "one id");
    for m in [&first, &again] {
        assert_eq!(get(&ok(m), "duplicate").as_bool(), Some(false), "new");
    }
    assert_eq!(code(&get(&answers.get(2), "err")), "INTERNAL_ERROR");
    let jobs = js_sys::Array::from(
        &wait(leader.jobs(wasm_bindgen::JsValue::UNDEFINED))
            .await
            .unwrap(),
    );
    assert_eq!(
        jobs.length(),
        1,
        "stored once, and the unknown request stored nothing"
    );
    assert_eq!(num(&get(&jobs.get(0), "payload"), "a"), 1.0);
    wait(leader.close()).await.unwrap();
}
