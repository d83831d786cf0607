//! Every call of the API from a follower, forwarded to the leader: the
//! same answers as the leader's own calls (values, `duplicate`, errors with
//! their `code` and `option`), and a call still waiting when the follower
//! closes rejected with `QUEUE_CLOSED`.

use js_sys::Array;
use wasm_bindgen::JsValue;

use super::support::*;

fn err_parts(err: &JsValue) -> (String, Option<String>) {
    (code(err), get(err, "option").as_string())
}

pub async fn every_call_of_a_follower_is_answered_as_the_leaders(storage: &str) {
    let name = fresh("forwarded", storage).await;
    let opts = r#"{"maxAttempts": 1, "leaseMs": 600000}"#;
    let leader = open(&name, storage, opts).await;
    let follower = open(&name, storage, opts).await;
    assert!(leader.is_leader() && !follower.is_leader());

    // enqueue: new, then a duplicate of the caller's own key.
    let first = enqueue(&follower, js("1"), r#"{"idempotencyKey": "k"}"#)
        .await
        .unwrap();
    let again = enqueue(&follower, js("2"), r#"{"idempotencyKey": "k"}"#)
        .await
        .unwrap();
    assert_eq!(get(&first, "duplicate").as_bool(), Some(false));
    assert_eq!(get(&again, "duplicate").as_bool(), Some(true));
    assert_eq!(num(&first, "id"), num(&again, "id"));
    let plain = enqueue(&follower, js("3"), r#"{"delayMs": 600000}"#)
        .await
        .unwrap();
    assert_eq!(get(&plain, "duplicate").as_bool(), Some(false));
    let many = wait(follower.enqueue_many(js("[4, 5]"), js(r#"{"delayMs": 600000}"#)))
        .await
        .unwrap();
    assert_eq!(Array::from(&many).length(), 2);

    // jobs, cancel (and its NOT_FOUND), as the leader sees them.
    let listed = wait(follower.jobs(js(r#"{"states": ["delayed"]}"#)))
        .await
        .unwrap();
    assert_eq!(Array::from(&listed).length(), 3, "the delayed three");
    wait(follower.cancel(num(&plain, "id").into()))
        .await
        .unwrap();
    let err = wait(follower.cancel(num(&plain, "id").into()))
        .await
        .unwrap_err();
    assert_eq!(err_parts(&err), ("NOT_FOUND".into(), None));
    assert_eq!(num(&leader.stats().unwrap(), "delayed"), 2.0);

    // Dead letters, redrive and purge.
    leader
        .process(
            handler(|_| js_sys::Promise::reject(&"no".into()).into()),
            JsValue::UNDEFINED,
        )
        .unwrap();
    assert!(until(5_000, || num(&leader.stats().unwrap(), "dead") == 1.0).await);
    leader.pause().unwrap();
    let dead = wait(follower.dead_letters(js(r#"{"limit": 5}"#)))
        .await
        .unwrap();
    let dead = Array::from(&dead);
    assert_eq!(dead.length(), 1);
    let id = num(&dead.get(0), "id");
    assert_eq!(num(&dead.get(0), "id"), num(&first, "id"));
    let n = wait(follower.redrive(id_arg(id.into()))).await.unwrap();
    assert_eq!(n.as_f64(), Some(1.0));
    let err = wait(follower.purge(id_arg(id.into()))).await.unwrap_err();
    assert_eq!(err_parts(&err), ("NOT_FOUND".into(), None), "redriven");
    let err = wait(follower.jobs(js(r#"{"states": ["dead"]}"#)))
        .await
        .unwrap_err();
    assert_eq!(
        code(&err),
        "INVALID_OPTION",
        "refused by the follower itself"
    );

    // A call still waiting when the follower closes.
    let drained = follower.drained();
    sleep(20).await;
    wait(follower.close()).await.unwrap();
    let err = wait(drained).await.unwrap_err();
    assert_eq!(code(&err), "QUEUE_CLOSED");
    wait(leader.close()).await.unwrap();
}
