//! `LocalLink`: a lock and a bus inside one JavaScript realm, for runtimes
//! without Web Locks (Node, Deno, workerd). Instances opened in the same
//! realm coordinate exactly like tabs do in a browser.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use crate::oneshot;
use wasm_bindgen::JsValue;

use super::Lock;
use crate::by_name::ByName;

#[derive(Default)]
struct LockState {
    held: bool,
    waiters: VecDeque<(u64, oneshot::Sender<Lock>)>,
}

type Subscriber = (u64, Rc<dyn Fn(JsValue)>);

thread_local! {
    static LOCKS: RefCell<ByName<LockState>> = const { RefCell::new(ByName::new()) };
    static BUSES: RefCell<ByName<Vec<Subscriber>>> = const { RefCell::new(ByName::new()) };
    static NEXT_ID: Cell<u64> = const { Cell::new(1) };
}

/// Hands the lock of `name` to the next waiter still waiting, or frees it.
pub(super) fn release(name: &str) {
    loop {
        let next = LOCKS.with(|l| {
            let mut locks = l.borrow_mut();
            let state = locks.entry(name);
            let next = state.waiters.pop_front();
            if next.is_none() {
                state.held = false;
            }
            next
        });
        let Some((_, tx)) = next else { return };
        match tx.send(Lock::Local(name.to_owned())) {
            Ok(()) => return,
            // That waiter left; pass over it (forget: dropping would release recursively).
            Err(lock) => std::mem::forget(lock),
        }
    }
}

/// Lock and bus within this realm.
pub struct LocalLink {
    name: String,
    id: u64,
}

impl LocalLink {
    /// Joins the bus of `name`.
    pub fn new(name: &str, on_message: Box<dyn Fn(JsValue)>) -> LocalLink {
        let id = NEXT_ID.with(|n| {
            let id = n.get();
            n.set(id + 1);
            id
        });
        let callback: Rc<dyn Fn(JsValue)> = Rc::from(on_message);
        BUSES.with(|b| b.borrow_mut().entry(name).push((id, callback)));
        LocalLink {
            name: name.to_owned(),
            id,
        }
    }

    /// The lock if free.
    pub fn try_lock(&self) -> Option<Lock> {
        LOCKS.with(|l| {
            let mut locks = l.borrow_mut();
            let state = locks.entry(&self.name);
            if state.held {
                None
            } else {
                state.held = true;
                Some(Lock::Local(self.name.clone()))
            }
        })
    }

    /// Waits for the lock.
    pub async fn lock(&self) -> Option<Lock> {
        if let Some(lock) = self.try_lock() {
            return Some(lock);
        }
        let (tx, rx) = oneshot::channel();
        LOCKS.with(|l| {
            l.borrow_mut()
                .entry(&self.name)
                .waiters
                .push_back((self.id, tx))
        });
        rx.await.ok()
    }

    /// Delivers to the other instances on a later turn, like `postMessage`.
    pub fn post(&self, message: &JsValue) {
        let targets: Vec<Rc<dyn Fn(JsValue)>> = BUSES.with(|b| {
            b.borrow()
                .get(&self.name)
                .map(|subs| {
                    subs.iter()
                        .filter(|(id, _)| *id != self.id)
                        .map(|(_, f)| Rc::clone(f))
                        .collect()
                })
                .unwrap_or_default()
        });
        for f in targets {
            let message = message.clone();
            crate::runtime::task::spawn(Box::pin(async move { f(message) }));
        }
    }

    /// Leaves the bus and the lock queue.
    pub fn close(&self) {
        BUSES.with(|b| {
            if let Some(subs) = b.borrow_mut().get_mut(&self.name) {
                subs.retain(|(id, _)| *id != self.id);
            }
        });
        LOCKS.with(|l| {
            if let Some(state) = l.borrow_mut().get_mut(&self.name) {
                state.waiters.retain(|(id, _)| *id != self.id);
            }
        });
    }
}
