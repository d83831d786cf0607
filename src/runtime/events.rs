//! Queue events (`completed`, `retrying`, `dead`, `error`) dispatched as
//! `CustomEvent`s on a plain `EventTarget`, so listeners use the DOM API
//! users already know, in browsers, workers, Node, Deno and workerd.

use std::cell::{Cell, RefCell};
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
    /// A listener was ever added (never reset: removing one may leave others).
    listened: Rc<Cell<bool>>,
    /// Another instance told this one it listens (never reset either).
    remote: Rc<Cell<bool>>,
}

impl Events {
    /// A new target; `None` inside when the runtime has no `EventTarget`
    /// (then events are silently not dispatched).
    pub fn new() -> Self {
        Events {
            target: EventTarget::new().ok(),
            relay: Rc::default(),
            listened: Rc::default(),
            remote: Rc::default(),
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

    /// Whether an emitted event could reach anyone: a listener was added
    /// here, or this instance relays to the others. Callers skip building
    /// events nobody can hear.
    pub fn wanted(&self) -> bool {
        self.listened.get() || self.relayed()
    }

    /// Whether events go to the other instances: this one relays and one
    /// of them listens.
    fn relayed(&self) -> bool {
        self.remote.get() && self.relay.borrow().is_some()
    }

    /// Whether a listener was ever added to this instance.
    pub fn listened(&self) -> bool {
        self.listened.get()
    }

    /// Another instance of the name listens: relay events from now on.
    pub fn heard_remote_listener(&self) {
        self.remote.set(true);
    }

    /// Adds `listener` for `kind` to the target.
    pub fn listen(&self, kind: &str, listener: &js_sys::Function) -> Result<(), JsValue> {
        if let Some(t) = &self.target {
            t.add_event_listener_with_callback(kind, listener)?;
            self.listened.set(true);
        }
        Ok(())
    }

    /// Dispatches the event here and relays it.
    pub fn emit(&self, kind: &str, detail: &JsValue) {
        if self.listened.get() {
            self.emit_local(kind, detail);
        }
        let relay = self.relay.borrow().clone();
        match relay {
            Some(relay) if self.remote.get() => relay(kind, detail),
            _ => {}
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
