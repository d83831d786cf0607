//! `Instance`: one `Queue` object of the JavaScript API, and how the
//! instances of one name share the work.
//!
//! The instance that holds the name's lock *leads*: it opens a [`Leader`]
//! (the engine and the store), processes jobs, and serves the calls the
//! other instances — *followers* — forward to it over the bus. When the
//! leader closes or its tab dies, the lock passes to a follower, which
//! opens the store and carries on. The lifecycle (`leadership.rs`) is
//! drawn there; the rest of this folder, one job a file:
//!
//! - `methods.rs`: the calls of the API, run here when leading, else forwarded;
//! - `forward.rs`: forwarding a call and waiting for its answer;
//! - `serve.rs`: the leader serving forwarded calls, and what every
//!   instance does with what it hears;
//! - `broadcast.rs`: what the leader tells the others (itself, events, stats);
//! - `request_key.rs`: the keys that make a re-sent enqueue store once;
//! - `protocol.rs`, `outbox.rs`: the messages on the bus, sent in batches.

mod broadcast;
mod forward;
mod leadership;
mod methods;
mod outbox;
mod protocol;
mod request_key;
mod serve;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::oneshot;
use futures::future::Either;
use wasm_bindgen::JsValue;

use super::link::{Link, Lock};
use super::{now_ms, Events, Leader, Processing, QueueError};
use crate::core::{Config, Stats};
use crate::store::StoreChoice;
use protocol::message;

pub use request_key::is_internal_key;

/// Where an instance stands among the instances of its name.
enum Role {
    Follower,
    Leading { leader: Rc<Leader>, _lock: Lock },
    SteppingDown,
    Closed,
}

/// How long `open` waits for the browser's answer to `persist: true`.
const PERSIST_WAIT_MS: u32 = 1_000;
/// How long a follower's `open` waits to hear the leader's stats.
const FIRST_STATS_WAIT_MS: u32 = 1_000;

struct InstanceState {
    role: Role,
    /// The stats the leader last told (what a follower's `stats()` shows).
    stats: Stats,
    /// A follower with a handler asked for the lead.
    processor_waiting: bool,
    stats_last_post: f64,
    stats_timer: Option<gloo_timers::callback::Timeout>,
    /// Messages of this turn, posted together (see `outbox.rs`).
    outbox: Vec<JsValue>,
    /// Waiting to hear the leader's stats (a follower's `open`).
    hearing: Vec<oneshot::Sender<()>>,
}

/// One instance of a queue name.
pub struct Instance {
    name: String,
    id: String,
    config: Config,
    store: StoreChoice,
    events: Events,
    /// The handler and pause flag, shared with the `Leader` while leading.
    processing: Rc<Processing>,
    /// What the browser answered to `persist: true` (`None`: not asked).
    persisted: Cell<Option<bool>>,
    link: Link,
    /// The calls this instance forwarded and still awaits (a table in JS: `forward.rs`).
    calls: JsValue,
    me: std::rc::Weak<Instance>,
    state: RefCell<InstanceState>,
}

fn instance_id() -> String {
    let r = js_sys::Math::random().to_bits() ^ (now_ms() << 11);
    format!("{r:x}")
}

impl Instance {
    /// Opens an instance of queue `name`: the leader if no other instance
    /// leads, else a follower that forwards to the leader.
    pub async fn open(
        name: &str,
        config: Config,
        store: StoreChoice,
    ) -> Result<Rc<Instance>, QueueError> {
        config.validate()?;
        let instance = Rc::new_cyclic(|me: &std::rc::Weak<Instance>| {
            let weak = me.clone();
            let link = Link::new(
                name,
                Box::new(move |m| {
                    if let Some(h) = weak.upgrade() {
                        h.on_message(m);
                    }
                }),
            );
            let id = instance_id();
            Instance {
                calls: forward::calls(&id),
                name: name.to_owned(),
                id,
                config,
                store,
                events: Events::new(),
                processing: Rc::default(),
                persisted: Cell::new(None),
                link,
                me: me.clone(),
                state: RefCell::new(InstanceState {
                    role: Role::Follower,
                    stats: Stats::default(),
                    processor_waiting: false,
                    stats_last_post: 0.0,
                    stats_timer: None,
                    outbox: Vec::new(),
                    hearing: Vec::new(),
                }),
            }
        });
        if instance.store.wants_persistence() {
            instance.ask_persistence().await;
        }
        match instance.link.try_lock().await {
            Some(lock) => {
                if let Err(e) = instance.lead(lock).await {
                    instance.link.close();
                    return Err(e);
                }
            }
            None => {
                let (told, heard) = oneshot::channel();
                instance.state.borrow_mut().hearing.push(told);
                instance.send(message("hello", &instance.id));
                instance.wait_for_lock();
                // A follower's `stats()` is the leader's from the start, not
                // zeros; a leader that does not answer soon is not waited for.
                let answer_or_timeout = futures::future::select(
                    heard,
                    gloo_timers::future::TimeoutFuture::new(FIRST_STATS_WAIT_MS),
                );
                answer_or_timeout.await;
            }
        }
        Ok(instance)
    }

    /// Asks the browser for persistent storage, waiting at most
    /// [`PERSIST_WAIT_MS`] for its answer: a browser that asks its user
    /// (Firefox) may not answer for long, and `open` must not hang on it.
    /// Until an answer comes, `persisted` is `false` (not granted yet).
    async fn ask_persistence(self: &Rc<Self>) {
        let answer = Box::pin(crate::store::request_persistence());
        let timeout = gloo_timers::future::TimeoutFuture::new(PERSIST_WAIT_MS);
        match futures::future::select(answer, timeout).await {
            Either::Left((granted, _)) => self.persisted.set(Some(granted)),
            Either::Right(((), answer)) => {
                self.persisted.set(Some(false));
                let weak = Rc::downgrade(self);
                crate::runtime::task::spawn(Box::pin(async move {
                    let granted = answer.await;
                    if let Some(me) = weak.upgrade() {
                        me.persisted.set(Some(granted));
                    }
                }));
            }
        }
    }

    /// The leader's stats are known here (heard, or this instance leads).
    fn stats_known(&self) {
        let hearing = std::mem::take(&mut self.state.borrow_mut().hearing);
        for told in hearing {
            let _ = told.send(());
        }
    }

    /// The queue's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `"indexeddb"`, `"memory"` or `"adapter"`.
    pub fn storage(&self) -> &'static str {
        self.store.name()
    }

    /// Whether the browser granted persistent storage to `persist: true`
    /// (`None` when it was not asked for).
    pub fn persisted(&self) -> Option<bool> {
        self.persisted.get()
    }

    /// Where listeners attach.
    pub fn events(&self) -> &Events {
        &self.events
    }

    /// Adds an event listener here, and tells the leader, which relays
    /// events to the other instances only once one of them listens.
    pub fn listen(&self, kind: &str, listener: &js_sys::Function) -> Result<(), JsValue> {
        self.events.listen(kind, listener)?;
        self.send(message("listen", &self.id));
        Ok(())
    }

    /// Whether this instance leads (processes and owns the store).
    pub fn is_leader(&self) -> bool {
        matches!(self.state.borrow().role, Role::Leading { .. })
    }

    /// Whether closed.
    pub fn is_closed(&self) -> bool {
        matches!(self.state.borrow().role, Role::Closed)
    }

    /// The queue's origin (see `Engine::origin`) while this instance leads.
    pub fn origin(&self) -> Option<String> {
        let leader = self.leader().ok()??;
        leader.read(|e| e.origin().map(str::to_owned)).ok()?
    }

    /// The open queue when this instance leads; `None` when it follows;
    /// `QUEUE_CLOSED` once closed.
    fn leader(&self) -> Result<Option<Rc<Leader>>, QueueError> {
        match &self.state.borrow().role {
            Role::Leading { leader, .. } => Ok(Some(Rc::clone(leader))),
            Role::Closed => Err(QueueError::closed()),
            Role::Follower | Role::SteppingDown => Ok(None),
        }
    }
}
