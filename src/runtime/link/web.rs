//! `WebLink`: the Web Locks API and a `BroadcastChannel`, shared by the
//! tabs and workers of an origin.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::oneshot;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortController, BroadcastChannel, MessageEvent};

#[wasm_bindgen]
extern "C" {
    /// `navigator.locks` (bound here: web-sys has it only behind its unstable-API flag).
    type LockManager;
    #[wasm_bindgen(method, js_name = request)]
    fn request(
        this: &LockManager,
        name: &str,
        options: &JsValue,
        callback: &JsValue,
    ) -> js_sys::Promise;
}

use super::Lock;

type Waiter = Rc<RefCell<Option<oneshot::Sender<Option<Lock>>>>>;

/// Lock and bus through the browser.
pub struct WebLink {
    lock_name: String,
    locks: LockManager,
    channel: BroadcastChannel,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    abort: Option<AbortController>,
    waiters: RefCell<Vec<Waiter>>,
}

fn lock_manager() -> Option<LockManager> {
    let navigator = js_sys::Reflect::get(&js_sys::global(), &"navigator".into()).ok()?;
    let locks = js_sys::Reflect::get(&navigator, &"locks".into()).ok()?;
    if locks.is_object() {
        Some(locks.unchecked_into())
    } else {
        None
    }
}

impl WebLink {
    /// Whether this global scope has `navigator.locks` and `BroadcastChannel`.
    pub fn available() -> bool {
        let has_channel = js_sys::Reflect::get(&js_sys::global(), &"BroadcastChannel".into())
            .map(|c| c.is_function())
            .unwrap_or(false);
        has_channel && lock_manager().is_some()
    }

    /// Joins; gives `on_message` back when the browser refuses.
    pub fn new(
        name: &str,
        on_message: Box<dyn Fn(JsValue)>,
    ) -> Result<WebLink, Box<dyn Fn(JsValue)>> {
        let Some(locks) = lock_manager() else {
            return Err(on_message);
        };
        let Ok(channel) = BroadcastChannel::new(&format!("wasmq:{name}")) else {
            return Err(on_message);
        };
        let handler =
            Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| on_message(e.data()));
        channel.set_onmessage(Some(handler.as_ref().unchecked_ref()));
        Ok(WebLink {
            lock_name: format!("wasmq:{name}"),
            locks,
            channel,
            _on_message: handler,
            abort: AbortController::new().ok(),
            waiters: RefCell::new(Vec::new()),
        })
    }

    /// Requests the lock; with `if_available` answers at once.
    pub async fn lock(&self, if_available: bool) -> Option<Lock> {
        let (tx, rx) = oneshot::channel();
        let waiter: Waiter = Rc::new(RefCell::new(Some(tx)));
        let inside = Rc::clone(&waiter);
        let callback = Closure::once_into_js(move |lock: JsValue| -> JsValue {
            let Some(tx) = inside.borrow_mut().take() else {
                return JsValue::UNDEFINED;
            };
            if lock.is_null() || lock.is_undefined() {
                let _ = tx.send(None);
                return JsValue::UNDEFINED;
            }
            let mut release = None;
            let held = js_sys::Promise::new(&mut |resolve, _| release = Some(resolve));
            match release {
                Some(r) => {
                    // If nobody waits any more, the unsent lock is dropped: released at once.
                    let _ = tx.send(Some(Lock::Web {
                        release: r,
                        done: None,
                    }));
                    held.into()
                }
                None => JsValue::UNDEFINED,
            }
        });
        let options: JsValue = js_sys::Object::new().into();
        let _ = js_sys::Reflect::set(&options, &"ifAvailable".into(), &if_available.into());
        if let Some(a) = &self.abort {
            if !if_available {
                let _ = js_sys::Reflect::set(&options, &"signal".into(), &a.signal());
            }
        }
        let request = self.locks.request(&self.lock_name, &options, &callback);
        // An aborted request rejects; that is expected on close.
        let ignore = Closure::<dyn FnMut(JsValue)>::new(|_reason: JsValue| {});
        let settled = request.catch(&ignore);
        ignore.forget(); // a few bytes per lock request: one at open, one per takeover

        self.waiters.borrow_mut().push(Rc::clone(&waiter));
        let mut lock = rx.await.ok().flatten();
        if let Some(Lock::Web { done, .. }) = &mut lock {
            *done = Some(settled);
        }
        self.waiters
            .borrow_mut()
            .retain(|w| !Rc::ptr_eq(w, &waiter));
        lock
    }

    /// Posts to the other instances.
    pub fn post(&self, message: &JsValue) {
        let _ = self.channel.post_message(message);
    }

    /// Leaves the channel and aborts a waiting lock request.
    pub fn close(&self) {
        self.channel.set_onmessage(None);
        self.channel.close();
        if let Some(a) = &self.abort {
            a.abort();
        }
        for w in self.waiters.borrow_mut().drain(..) {
            if let Some(tx) = w.borrow_mut().take() {
                let _ = tx.send(None);
            }
        }
    }
}
