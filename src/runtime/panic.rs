//! The panic hook. wasm32 aborts on panic, and the aborted call leaves its
//! queue's state borrowed; the hook logs the panic and emits an `error`
//! event (code `INTERNAL_ERROR`) on every open queue, whose later calls then
//! reject with `INTERNAL_ERROR` instead of trapping again. Other queues, and
//! queues opened afterwards, keep working: the module is not dead.

use std::cell::RefCell;
use std::rc::{Rc, Weak};
use std::sync::Once;

use super::events::names;
use super::{codes, Leader, QueueError};

thread_local! {
    static OPEN: RefCell<Vec<Weak<Leader>>> = const { RefCell::new(Vec::new()) };
}

/// Installs the hook once per module instance.
pub fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let message = format!("wasmq internal error: {info}");
            let error = QueueError::new(codes::INTERNAL_ERROR, message.clone()).to_js();
            let queues: Vec<Rc<Leader>> = OPEN
                .try_with(|open| {
                    open.try_borrow()
                        .map(|v| v.iter().filter_map(Weak::upgrade).collect())
                        .unwrap_or_default()
                })
                .unwrap_or_default();
            for q in queues {
                q.events().emit(names::ERROR, &error);
            }
            web_sys::console::error_1(&message.into());
        }));
    });
}

pub(super) fn register(queue: &Rc<Leader>) {
    install_panic_hook();
    OPEN.with(|open| {
        if let Ok(mut v) = open.try_borrow_mut() {
            v.retain(|w| w.strong_count() > 0);
            v.push(Rc::downgrade(queue));
        }
    });
}

pub(super) fn unregister(queue: &Rc<Leader>) {
    OPEN.with(|open| {
        if let Ok(mut v) = open.try_borrow_mut() {
            v.retain(|w| w.strong_count() > 0 && !std::ptr::eq(w.as_ptr(), Rc::as_ptr(queue)));
        }
    });
}
