//! Queue events (`completed`, `retrying`, `dead`, `error`) dispatched as
//! `CustomEvent`s on a plain `EventTarget`, so listeners use the DOM API
//! users already know, in browsers, workers, Node, Deno and workerd.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CustomEvent, CustomEventInit, EventTarget};

/// The names of the events a queue dispatches.
pub mod names {
    /// A job's handler succeeded.
    pub const COMPLETED: &str = "completed";
    /// A try failed and the job is scheduled again.
    pub const RETRYING: &str = "retrying";
    /// A job ran out of tries.
    pub const DEAD: &str = "dead";
    /// Something went wrong outside any one job (a failed commit, an internal panic).
    pub const ERROR: &str = "error";
}

type Relay = Rc<dyn Fn(&str, &JsValue)>;

/// The target listeners attach to. Clones share the target and the relay.
#[derive(Clone)]
pub struct Events {
    target: Option<EventTarget>,
    relay: Rc<RefCell<Option<Relay>>>,
}

impl Events {
    /// A new target; `None` inside when the runtime has no `EventTarget`
    /// (then events are silently not dispatched).
    pub fn new() -> Self {
        Events {
            target: EventTarget::new().ok(),
            relay: Rc::default(),
        }
    }

    /// The underlying `EventTarget`.
    pub fn target(&self) -> Option<&EventTarget> {
        self.target.as_ref()
    }

    /// Also hands every event emitted to `relay` (the leader sends them to
    /// the other instances of its name).
    pub fn set_relay(&self, relay: Option<Relay>) {
        *self.relay.borrow_mut() = relay;
    }

    /// Dispatches the event here and relays it.
    pub fn emit(&self, kind: &str, detail: &JsValue) {
        self.emit_local(kind, detail);
        let relay = self.relay.borrow().clone();
        if let Some(relay) = relay {
            relay(kind, detail);
        }
    }

    /// Dispatches `CustomEvent(kind, { detail })` here only. A listener
    /// that throws does not disturb the queue.
    pub fn emit_local(&self, kind: &str, detail: &JsValue) {
        let Some(target) = &self.target else { return };
        let init = CustomEventInit::new();
        init.set_detail(detail);
        if let Ok(event) = CustomEvent::new_with_event_init_dict(kind, &init) {
            let _ = target.dispatch_event(event.unchecked_ref());
        }
    }
}

impl Default for Events {
    fn default() -> Self {
        Self::new()
    }
}
