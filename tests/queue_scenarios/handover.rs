//! Every way a leader stops hands its jobs to the next one: dropped without
//! `close`, stepping down for an instance with a handler, closed, and
//! terminated (then exactly what was committed). On the memory store, which
//! keeps nothing while a leader runs, each of these is the only way the jobs
//! reach the next leader.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::JsValue;

use super::support::*;

const LATER: &str = r#"{"delayMs": 600000}"#;

async fn leads(q: &wasmq::api::Queue) -> bool {
    until(5_000, || q.is_leader()).await
}

/// A handler that counts the jobs it ran, and that count.
fn counting_handler() -> (Rc<Cell<u32>>, JsValue) {
    let runs = Rc::new(Cell::new(0));
    let count = Rc::clone(&runs);
    let counting = handler(move |_| {
        count.set(count.get() + 1);
        JsValue::UNDEFINED
    });
    (runs, counting)
}

pub async fn every_way_a_leader_stops_hands_its_jobs_on(storage: &str) {
    let name = fresh("handover", storage).await;

    // Dropped while leading, without close.
    let first = open(&name, storage, "{}").await;
    enqueue_many(&first, 3, "").await;
    drop(first);
    let second = open(&name, storage, "{}").await;
    assert!(leads(&second).await, "the next instance leads");
    assert_eq!(num(&second.stats().unwrap(), "pending"), 3.0, "dropped");

    // Stepping down for an instance with a handler.
    enqueue_many(&second, 2, "").await;
    let third = open(&name, storage, "{}").await;
    let (runs, counting) = counting_handler();
    third.process(counting, JsValue::UNDEFINED).unwrap();
    assert!(
        leads(&third).await,
        "the leader without a handler stepped down"
    );
    assert!(!second.is_leader());
    assert!(until(5_000, || runs.get() == 5).await, "every job ran");

    // Closed.
    enqueue_many(&third, 2, LATER).await;
    wait(second.close()).await.unwrap();
    wait(third.close()).await.unwrap();
    let fourth = open(&name, storage, "{}").await;
    let s = fourth.stats().unwrap();
    assert_eq!(
        (num(&s, "completed"), num(&s, "delayed")),
        (5.0, 2.0),
        "closed"
    );

    // Terminated: what was committed survives, what was not does not.
    enqueue(&fourth, js("1"), LATER).await.unwrap();
    let lost = fourth.enqueue(js("2"), js(LATER));
    fourth.terminate();
    let err = wait(lost).await.unwrap_err();
    assert_eq!(code(&err), "QUEUE_CLOSED");
    let fifth = open(&name, storage, "{}").await;
    assert!(leads(&fifth).await);
    let s = fifth.stats().unwrap();
    assert_eq!(
        (num(&s, "completed"), num(&s, "delayed"), num(&s, "pending")),
        (5.0, 3.0, 0.0),
        "terminated: the committed enqueue only"
    );
    wait(fifth.close()).await.unwrap();
}

/// Calls a follower forwards while the lead moves on: the leader (no
/// handler) hears that a third instance would process and steps down
/// before it hears the calls, so it leaves them to the next leader; the
/// follower that sent them is next in line for the lock, leads, and steps
/// down at once for the instance with the handler. Each call is answered
/// (by the leader that ran it, not with an error from one that stopped
/// leading) and each job stored and run once.
pub async fn calls_forwarded_while_the_lead_moves_are_answered(storage: &str) {
    let name = fresh("handover-calls", storage).await;
    let first = open(&name, storage, "{}").await;
    let second = open(&name, storage, "{}").await;
    let third = open(&name, storage, "{}").await;
    assert!(first.is_leader() && !second.is_leader() && !third.is_leader());
    let (runs, counting) = counting_handler();
    // In one turn: the leader hears the handler's "want" first, then the calls.
    third.process(counting, JsValue::UNDEFINED).unwrap();
    let one = second.enqueue(js("1"), JsValue::UNDEFINED);
    let many = second.enqueue_many(js("[2, 3]"), JsValue::UNDEFINED);
    let one = wait(one).await;
    let many = wait(many).await;
    let codes = [&one, &many].map(|r| r.as_ref().err().map(code));
    assert_eq!(codes, [None, None], "both calls answered");
    assert!(leads(&third).await, "the instance with the handler leads");
    assert!(until(5_000, || runs.get() == 3).await, "every job ran");
    sleep(100).await;
    let s = third.stats().unwrap();
    assert_eq!(
        (runs.get(), num(&s, "completed"), num(&s, "pending")),
        (3, 3.0, 0.0),
        "each job stored and run once"
    );
    for q in [first, second, third] {
        wait(q.close()).await.unwrap();
    }
}
