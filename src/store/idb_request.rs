//! IndexedDB's events as Rust callbacks and futures, and readwrite
//! transactions with a durability.
//!
//! A transaction reports its outcome once, through one of a few events.
//! [`on_transaction_done`] installs listeners for all of them; the
//! listeners keep themselves alive until the first one fires, which
//! removes them all and runs the callback exactly once. So an
//! outcome is handled even when the future that asked for it was dropped
//! (the store relies on this to keep its in-memory mirror exact), and the
//! callbacks run in the order IndexedDB fires the events. [`open_database`]
//! does the same for an open request, with `upgradeneeded` and `blocked`.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::oneshot;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Event, EventTarget, IdbDatabase, IdbFactory, IdbRequest, IdbTransaction};

use super::js_error::{dom_error, js_error, unavailable};
use super::Durability;
use super::{StoreError, StoreErrorKind};
use crate::core::quote::quoted;

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// An `IDBDatabase`, seen only for `transaction` with options.
    type Database;
    /// `db.transaction(stores, mode, options)` (web-sys has this form only
    /// behind its unstable-APIs flag).
    #[wasm_bindgen(catch, method, js_name = transaction)]
    fn transaction_with_options(
        this: &Database,
        stores: &JsValue,
        mode: &str,
        options: &JsValue,
    ) -> Result<IdbTransaction, JsValue>;
}

/// A readwrite transaction over `stores` (a name, or an array of names)
/// whose `complete` means what `durability` says. A browser that does not
/// know the option ignores it (and commits as it always does).
pub(crate) fn readwrite(
    db: &IdbDatabase,
    stores: &JsValue,
    durability: Durability,
) -> Result<IdbTransaction, JsValue> {
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"durability".into(), &durability.name().into());
    db.unchecked_ref::<Database>()
        .transaction_with_options(stores, "readwrite", &options)
}

type Listener = Closure<dyn FnMut(Event)>;
type OnEvent = Box<dyn FnOnce(&'static str, &Event)>;

/// Listens once for the first of `types` on `target`: then every listener is
/// removed and `on_event(type, event)` runs.
fn listen_once(
    target: &EventTarget,
    types: &[&'static str],
    on_event: impl FnOnce(&'static str, &Event) + 'static,
) -> Result<(), StoreError> {
    // Listeners and callback live in a slot the listeners point to (an `Rc`
    // cycle), which the first event empties: that frees them all.
    type Slot = Rc<RefCell<Option<(OnEvent, Vec<(&'static str, Listener)>)>>>;
    let slot: Slot = Rc::new(RefCell::new(None));
    let mut listeners: Vec<(&'static str, Listener)> = Vec::with_capacity(types.len());
    for &ty in types {
        let slot = Rc::clone(&slot);
        let target_in = target.clone();
        let listener = Listener::new(move |event: Event| {
            let taken = slot.borrow_mut().take();
            let Some((on_event, listeners)) = taken else {
                return;
            };
            for (ty, listener) in &listeners {
                let _ = target_in
                    .remove_event_listener_with_callback(ty, listener.as_ref().unchecked_ref());
            }
            on_event(ty, &event);
            // Frees this very closure too: wasm-bindgen defers that until it returns.
            drop(listeners);
        });
        if let Err(e) =
            target.add_event_listener_with_callback(ty, listener.as_ref().unchecked_ref())
        {
            for (ty, listener) in &listeners {
                let _ = target
                    .remove_event_listener_with_callback(ty, listener.as_ref().unchecked_ref());
            }
            return Err(js_error(&e, "cannot listen to IndexedDB events"));
        }
        listeners.push((ty, listener));
    }
    *slot.borrow_mut() = Some((Box::new(on_event), listeners));
    Ok(())
}

/// Runs `done` once when the transaction completes (`Ok`), or fails: an
/// `error` event (from one of its requests) or `abort`.
pub(crate) fn on_transaction_done(
    transaction: &IdbTransaction,
    done: impl FnOnce(Result<(), StoreError>) + 'static,
) -> Result<(), StoreError> {
    let txn = transaction.clone();
    listen_once(
        transaction,
        &["complete", "error", "abort"],
        move |ty, event| {
            let outcome = match ty {
                "complete" => Ok(()),
                "error" => {
                    // The event bubbled from the failed request, if any.
                    let from_request = event
                        .target()
                        .and_then(|t| t.dyn_into::<IdbRequest>().ok())
                        .and_then(|r| r.error().ok().flatten());
                    Err(dom_error(
                        from_request.or_else(|| txn.error()),
                        "IndexedDB transaction failed",
                    ))
                }
                _ => Err(dom_error(txn.error(), "IndexedDB transaction aborted")),
            };
            done(outcome);
        },
    )
}

/// Waits for a transaction's outcome, running `done` first (in the event
/// callback, even if this future is dropped).
pub(crate) async fn transaction_done<T: 'static>(
    transaction: &IdbTransaction,
    done: impl FnOnce(Result<(), StoreError>) -> Result<T, StoreError> + 'static,
) -> Result<T, StoreError> {
    let (tx, rx) = oneshot::channel();
    let installed = on_transaction_done(transaction, move |outcome| {
        let _ = tx.send(done(outcome));
    });
    if let Err(e) = installed {
        // Nobody would see the outcome: undo it.
        let _ = transaction.abort();
        return Err(e);
    }
    rx.await.unwrap_or_else(|_| Err(lost()))
}

fn lost() -> StoreError {
    StoreError::new(
        StoreErrorKind::Failed,
        "IndexedDB never reported the outcome",
    )
}

/// Opens database `name` at `version`, running `upgrade` on
/// `upgradeneeded`. A `blocked` open (another connection at an older
/// version does not close) fails with `Unavailable` at once; should it
/// succeed later, that connection is closed right away.
pub(crate) async fn open_database(
    factory: &IdbFactory,
    name: &str,
    version: u32,
    upgrade: impl Fn(&IdbDatabase, f64) -> Result<(), JsValue> + 'static,
) -> Result<IdbDatabase, StoreError> {
    let request = factory.open_with_u32(name, version).map_err(|e| {
        unavailable(
            &e,
            &format!("cannot open IndexedDB database {}", quoted(name)),
        )
    })?;
    let (tx, rx) = oneshot::channel::<Result<IdbDatabase, StoreError>>();
    let sender = Rc::new(RefCell::new(Some(tx)));
    let report = {
        let sender = Rc::clone(&sender);
        move |outcome: Result<IdbDatabase, StoreError>| match sender.borrow_mut().take() {
            Some(tx) => {
                if let Err(Ok(db)) = tx.send(outcome) {
                    db.close(); // the caller is gone
                }
            }
            // Already reported (`blocked`): nobody will use this connection.
            None => {
                if let Ok(db) = outcome {
                    db.close();
                }
            }
        }
    };

    // `upgradeneeded` comes before `success`/`error` and needs no answer.
    let upgrade_request = request.clone();
    let on_upgrade = Listener::new(move |event: Event| {
        let old = event
            .dyn_ref::<web_sys::IdbVersionChangeEvent>()
            .map_or(0.0, |e| e.old_version());
        let Ok(result) = upgrade_request.result() else {
            return;
        };
        let db: IdbDatabase = result.unchecked_into();
        if let Err(e) = upgrade(&db, old) {
            // Aborting the upgrade fails the open with an `error` event.
            if let Some(txn) = upgrade_request.transaction() {
                let _ = txn.abort();
            }
            web_sys::console::warn_2(&JsValue::from_str("wasmq: IndexedDB upgrade failed:"), &e);
        }
    });
    request.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));

    let blocked_name = name.to_owned();
    let on_blocked = Listener::new({
        let report = report.clone();
        move |_: Event| {
            report(Err(StoreError::new(
                StoreErrorKind::Unavailable,
                format!(
                    "opening IndexedDB database {} is blocked by another \
                     connection (close other tabs using an older version of this page)",
                    quoted(&blocked_name)
                ),
            )))
        }
    });
    request.set_onblocked(Some(on_blocked.as_ref().unchecked_ref()));

    let open_name = name.to_owned();
    let outcome_request = request.clone();
    let installed = listen_once(&request, &["success", "error"], move |ty, _| {
        outcome_request.set_onupgradeneeded(None);
        outcome_request.set_onblocked(None);
        drop((on_upgrade, on_blocked));
        let outcome = if ty == "success" {
            outcome_request
                .result()
                .map(JsCast::unchecked_into::<IdbDatabase>)
                .map_err(|e| unavailable(&e, "cannot read the opened database"))
        } else {
            let err = request_error(&outcome_request, "");
            Err(StoreError::new(
                StoreErrorKind::Unavailable,
                format!(
                    "cannot open IndexedDB database {}: {}",
                    quoted(&open_name),
                    err.message
                ),
            ))
        };
        report(outcome);
    });
    if let Err(e) = installed {
        request.set_onupgradeneeded(None);
        request.set_onblocked(None);
        return Err(e);
    }
    rx.await.unwrap_or_else(|_| Err(lost()))
}

/// The error of a finished request, as a `StoreError`.
fn request_error(request: &IdbRequest, context: &str) -> StoreError {
    match request.error() {
        Ok(err) => dom_error(err, context),
        Err(e) => js_error(&e, context),
    }
}
