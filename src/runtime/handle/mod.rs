//! `Handle`: one `Queue` instance, and how the instances of one name share
//! the work. The instance holding the name's lock is the *leader*: it owns
//! the store and the engine, processes jobs, and serves the calls the other
//! instances (*followers*) forward to it over the bus. When the leader
//! closes or its tab dies, the lock passes to a follower, which loads the
//! store and carries on; leases of the dead leader expire and are delivered
//! again. A leader without a handler steps down when a follower has one.

mod outbox;
mod outstanding;
mod protocol;
mod serve;

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::oneshot;
use wasm_bindgen::JsValue;

use super::link::{Link, Lock};
use super::{codes, convert, now_ms, Events, QueueError, Shared};
use crate::core::{Config, EnqueueOptions, Stats};
use crate::js::f64_text;
use crate::js::object::set;
use crate::store::StoreChoice;
use outstanding::Outstanding;
use protocol::message;

/// Idempotency keys the runtime adds to forwarded enqueues start with this
/// (so a call re-sent after a leader died is stored once); users never see them.
pub const INTERNAL_KEY_PREFIX: &str = "\u{1}rq:";
/// How long such a key is remembered.
const REQUEST_KEY_WINDOW_MS: u64 = 10 * 60 * 1000;
/// Followers hear the leader's stats at most this often.
const STATS_INTERVAL_MS: u32 = 100;
/// Wait before trying to lead again after taking over failed.
const RETRY_LEAD_MS: u32 = 1_000;

enum Role {
    Follower,
    Leader { shared: Rc<Shared>, _lock: Lock },
    SteppingDown,
    Closed,
}

type Reply = oneshot::Sender<Result<JsValue, QueueError>>;

struct HandleState {
    role: Role,
    /// The handler, its concurrency and batch size (`processBatch`).
    handler: Option<(js_sys::Function, usize, Option<usize>)>,
    paused: bool,
    next_n: u64,
    outstanding: Outstanding,
    stats: Stats,
    processor_waiting: bool,
    stats_last_post: f64,
    stats_timer: Option<gloo_timers::callback::Timeout>,
    /// Messages of this turn, posted together (see `outbox.rs`).
    outbox: Vec<JsValue>,
}

/// One instance of a queue name.
pub struct Handle {
    name: String,
    id: String,
    config: Config,
    store: StoreChoice,
    events: Events,
    link: Link,
    me: std::rc::Weak<Handle>,
    state: RefCell<HandleState>,
}

fn instance_id() -> String {
    let r = js_sys::Math::random().to_bits() ^ (now_ms() << 11);
    format!("{r:x}")
}

impl Handle {
    /// Opens an instance of queue `name`: the leader if no other instance
    /// leads, else a follower that forwards to the leader.
    pub async fn open(
        name: &str,
        config: Config,
        store: StoreChoice,
    ) -> Result<Rc<Handle>, QueueError> {
        config.validate()?;
        let handle = Rc::new_cyclic(|me: &std::rc::Weak<Handle>| {
            let weak = me.clone();
            let link = Link::new(
                name,
                Box::new(move |m| {
                    if let Some(h) = weak.upgrade() {
                        h.on_message(m);
                    }
                }),
            );
            Handle {
                name: name.to_owned(),
                id: instance_id(),
                config,
                store,
                events: Events::new(),
                link,
                me: me.clone(),
                state: RefCell::new(HandleState {
                    role: Role::Follower,
                    handler: None,
                    paused: false,
                    next_n: 1,
                    outstanding: Outstanding::default(),
                    stats: Stats::default(),
                    processor_waiting: false,
                    stats_last_post: 0.0,
                    stats_timer: None,
                    outbox: Vec::new(),
                }),
            }
        });
        match handle.link.try_lock().await {
            Some(lock) => {
                if let Err(e) = handle.lead(lock).await {
                    handle.link.close();
                    return Err(e);
                }
            }
            None => {
                handle.send(message("hello", &handle.id));
                handle.wait_for_lock();
            }
        }
        Ok(handle)
    }

    /// The queue's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `"indexeddb"`, `"memory"` or `"adapter"`.
    pub fn storage(&self) -> &'static str {
        self.store.name()
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
        matches!(self.state.borrow().role, Role::Leader { .. })
    }

    /// The queue's origin (see `Engine::origin`) while this instance leads.
    pub fn origin(&self) -> Option<String> {
        let shared = self.leader().ok()??;
        shared.read(|e| e.origin().map(str::to_owned)).ok()?
    }

    /// The leader's engine when this instance leads; `None` when it follows;
    /// `QUEUE_CLOSED` once closed.
    fn leader(&self) -> Result<Option<Rc<Shared>>, QueueError> {
        match &self.state.borrow().role {
            Role::Leader { shared, .. } => Ok(Some(Rc::clone(shared))),
            Role::Closed => Err(QueueError::closed()),
            Role::Follower | Role::SteppingDown => Ok(None),
        }
    }

    /// Takes the lead: opens the store, starts processing if there is a
    /// handler, tells the others, and serves what this instance had forwarded.
    async fn lead(self: &Rc<Self>, lock: Lock) -> Result<(), QueueError> {
        let shared = Shared::open(
            &self.name,
            self.config.clone(),
            &self.store,
            self.events.clone(),
        )
        .await?;
        let weak = Rc::downgrade(self);
        self.events
            .set_relay(Some(Rc::new(move |kind: &str, detail: &JsValue| {
                if let Some(h) = weak.upgrade() {
                    h.post_event(kind, detail);
                }
            })));
        let weak = Rc::downgrade(self);
        shared.set_observer(Some(Rc::new(move || {
            if let Some(h) = weak.upgrade() {
                h.post_stats_soon();
            }
        })));
        let (handler, paused, pending, step_down) = {
            let mut st = self.state.borrow_mut();
            if matches!(st.role, Role::Closed) {
                drop(st);
                shared.terminate();
                return Ok(());
            }
            st.role = Role::Leader {
                shared: Rc::clone(&shared),
                _lock: lock,
            };
            let pending: Vec<(u64, JsValue)> = st
                .outstanding
                .requests()
                .map(|(n, m)| (n, m.clone()))
                .collect();
            (
                st.handler.clone(),
                st.paused,
                pending,
                st.handler.is_none() && st.processor_waiting,
            )
        };
        if paused {
            shared.pause()?;
        }
        if let Some((h, c, b)) = handler {
            shared.process(h, c, b)?;
        }
        self.announce();
        for (n, request) in pending {
            let me = Rc::clone(self);
            wasm_bindgen_futures::spawn_local(async move {
                let result = me.serve(&request).await;
                me.answer_own(n, result);
            });
        }
        if step_down {
            self.step_down();
        }
        Ok(())
    }

    /// Queues for the lock; takes the lead when it comes.
    fn wait_for_lock(self: &Rc<Self>) {
        let me = Rc::clone(self);
        wasm_bindgen_futures::spawn_local(async move {
            loop {
                let Some(lock) = me.link.lock().await else {
                    return;
                };
                if matches!(me.state.borrow().role, Role::Closed) {
                    return;
                }
                match me.lead(lock).await {
                    Ok(()) => return,
                    Err(e) => {
                        me.events
                            .emit_local(super::events::names::ERROR, &e.to_js());
                        gloo_timers::future::TimeoutFuture::new(RETRY_LEAD_MS).await;
                    }
                }
            }
        });
    }

    /// A leader without a handler hands the lead to an instance with one:
    /// it commits what it has, releases the lock and queues for it again.
    fn step_down(self: &Rc<Self>) {
        let role = {
            let mut st = self.state.borrow_mut();
            match st.role {
                Role::Leader { .. } if st.handler.is_none() => {
                    std::mem::replace(&mut st.role, Role::SteppingDown)
                }
                _ => return,
            }
        };
        let me = Rc::clone(self);
        wasm_bindgen_futures::spawn_local(async move {
            if let Role::Leader { shared, _lock } = role {
                let _ = shared.close().await;
                drop(_lock);
            }
            me.events.set_relay(None);
            let pending: Vec<JsValue> = {
                let mut st = me.state.borrow_mut();
                if !matches!(st.role, Role::SteppingDown) {
                    return;
                }
                st.role = Role::Follower;
                st.outstanding.requests().map(|(_, m)| m.clone()).collect()
            };
            for request in pending {
                me.send(request);
            }
            if me.events.listened() {
                me.send(message("listen", &me.id));
            }
            me.wait_for_lock();
        });
    }

    fn announce(&self) {
        let processing = {
            let st = self.state.borrow();
            st.handler.is_some() && !st.paused
        };
        let m = message("leader", &self.id);
        set(&m, "processing", &processing.into());
        self.send(m);
        self.post_stats_now();
    }

    fn post_event(&self, kind: &str, detail: &JsValue) {
        let m = message("event", &self.id);
        set(&m, "kind", &kind.into());
        set(&m, "detail", detail);
        self.send(m);
    }

    fn post_stats_now(&self) {
        let Ok(Some(shared)) = self.leader() else {
            return;
        };
        let Ok(stats) = shared.read(|e| e.stats()) else {
            return;
        };
        let m = message("stats", &self.id);
        set(&m, "stats", &convert::stats(stats));
        self.send(m);
        self.state.borrow_mut().stats_last_post = js_sys::Date::now();
    }

    /// Posts the stats now, or once at the end of the current interval.
    fn post_stats_soon(self: &Rc<Self>) {
        let wait = {
            let st = self.state.borrow();
            if st.stats_timer.is_some() {
                return;
            }
            STATS_INTERVAL_MS as f64 - (js_sys::Date::now() - st.stats_last_post)
        };
        if wait <= 0.0 {
            self.post_stats_now();
            return;
        }
        let weak = Rc::downgrade(self);
        let timer = gloo_timers::callback::Timeout::new(wait as u32, move || {
            if let Some(h) = weak.upgrade() {
                h.state.borrow_mut().stats_timer = None;
                h.post_stats_now();
            }
        });
        self.state.borrow_mut().stats_timer = Some(timer);
    }

    /// Forwards a call to the leader and waits for its answer (re-sent to
    /// each new leader until answered).
    async fn forward(&self, request: JsValue, n: u64) -> Result<JsValue, QueueError> {
        let (tx, rx) = oneshot::channel();
        self.state
            .borrow_mut()
            .outstanding
            .insert(n, request.clone(), tx);
        self.send(request);
        rx.await.unwrap_or_else(|_| Err(QueueError::closed()))
    }

    fn answer_own(&self, n: u64, result: Result<JsValue, QueueError>) {
        let reply = self.state.borrow_mut().outstanding.remove(n);
        if let Some(tx) = reply {
            let _ = tx.send(result);
        }
    }

    fn new_request(&self, op: &str) -> (JsValue, u64) {
        let n = {
            let mut st = self.state.borrow_mut();
            st.next_n += 1;
            st.next_n
        };
        (protocol::request(&self.id, n, op), n)
    }

    /// Runs `op` here when leading, else at the leader.
    async fn call(
        self: &Rc<Self>,
        op: &str,
        args: &[(&'static str, JsValue)],
    ) -> Result<JsValue, QueueError> {
        let (request, n) = self.new_request(op);
        for (k, v) in args {
            set(&request, k, v);
        }
        if self.leader()?.is_some() {
            // Boxed: `serve` covers every call, and an unboxed await would
            // reserve its whole state in every pending call's future.
            return Box::pin(self.serve(&request)).await;
        }
        self.forward(request, n).await
    }

    /// The payload as the store keeps it (encrypted payloads are stored
    /// as JSON), or a refusal now.
    fn storable(&self, payload: JsValue) -> Result<JsValue, QueueError> {
        self.store.storable(payload).map_err(|why| {
            QueueError::new(
                codes::PAYLOAD_NOT_CLONEABLE,
                format!("with encryptionKey, payloads must be JSON-serializable: {why}"),
            )
        })
    }

    /// The leader's engine, when this instance leads and stores payloads
    /// as given (no encryption): `enqueue` can then store a job at once.
    pub fn direct(&self) -> Option<Rc<Shared>> {
        match self.store.stores_payloads_as_given() {
            true => self.leader().ok().flatten(),
            false => None,
        }
    }

    /// Stores a job (`options` is the caller's object, `parsed` its reading).
    pub async fn enqueue(
        self: &Rc<Self>,
        payload: JsValue,
        options: JsValue,
        parsed: EnqueueOptions,
    ) -> Result<JsValue, QueueError> {
        let payload = self.storable(payload)?;
        if let Some(shared) = self.leader()? {
            return Ok(convert::enqueued(shared.enqueue(payload, parsed).await?));
        }
        // Boxed for the same reason: a leader's pending enqueue stays small.
        Box::pin(self.call("enqueue", &[("payload", payload), ("options", options)])).await
    }

    /// Stores jobs with the same options (`options` is the caller's
    /// object, `parsed` its reading); resolves with their ids.
    pub async fn enqueue_many(
        self: &Rc<Self>,
        payloads: Vec<JsValue>,
        options: JsValue,
        parsed: EnqueueOptions,
    ) -> Result<JsValue, QueueError> {
        let payloads = payloads
            .into_iter()
            .map(|p| self.storable(p))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(shared) = self.leader()? {
            let items = payloads.into_iter().map(|p| (p, parsed.clone())).collect();
            return Ok(convert::ids(&shared.enqueue_many(items).await?));
        }
        let list: js_sys::Array = payloads.into_iter().collect();
        Box::pin(self.call(
            "enqueueMany",
            &[("payloads", list.into()), ("options", options)],
        ))
        .await
    }

    /// Dead letters (`after`, `limit`).
    pub async fn dead_letters(
        self: &Rc<Self>,
        after: Option<u64>,
        limit: usize,
    ) -> Result<JsValue, QueueError> {
        let after = after.map_or(JsValue::UNDEFINED, |a| (a as f64).into());
        let limit = if limit == usize::MAX {
            JsValue::UNDEFINED
        } else {
            (limit as f64).into()
        };
        self.call("deadLetters", &[("after", after), ("limit", limit)])
            .await
    }

    /// Redrives one dead letter or all.
    pub async fn redrive(self: &Rc<Self>, id: JsValue) -> Result<JsValue, QueueError> {
        self.call("redrive", &[("id", id)]).await
    }

    /// Purges one dead letter or all.
    pub async fn purge(self: &Rc<Self>, id: JsValue) -> Result<JsValue, QueueError> {
        self.call("purge", &[("id", id)]).await
    }

    /// Resolves when the queue (at the leader) is drained.
    pub async fn drained(self: &Rc<Self>) -> Result<(), QueueError> {
        self.call("drained", &[]).await.map(|_| ())
    }

    /// Counts by state: the leader's own, or the last the leader told.
    pub fn stats(&self) -> Result<Stats, QueueError> {
        match self.leader()? {
            Some(shared) => shared.read(|e| e.stats()),
            None => Ok(self.state.borrow().stats),
        }
    }

    /// Starts processing here when leading, or as soon as this instance leads.
    pub fn process(
        self: &Rc<Self>,
        handler: js_sys::Function,
        concurrency: usize,
        batch: Option<usize>,
    ) -> Result<(), QueueError> {
        {
            let mut st = self.state.borrow_mut();
            if matches!(st.role, Role::Closed) {
                return Err(QueueError::closed());
            }
            if st.handler.is_some() {
                return Err(QueueError::new(
                    codes::ALREADY_PROCESSING,
                    "process() was already called on this queue",
                ));
            }
            st.handler = Some((handler.clone(), concurrency.max(1), batch));
        }
        match self.leader()? {
            Some(shared) => {
                shared.process(handler, concurrency, batch)?;
                self.announce();
            }
            None => self.send(message("want", &self.id)),
        }
        Ok(())
    }

    /// Pauses processing (here, or once this instance leads).
    pub fn pause(&self) -> Result<(), QueueError> {
        self.state.borrow_mut().paused = true;
        match self.leader()? {
            Some(shared) => shared.pause(),
            None => Ok(()),
        }
    }

    /// Resumes processing.
    pub fn resume(&self) -> Result<(), QueueError> {
        self.state.borrow_mut().paused = false;
        match self.leader()? {
            Some(shared) => shared.resume(),
            None => Ok(()),
        }
    }

    /// Panics inside the leader's engine (tests of the panic hook).
    #[cfg(feature = "test-hooks")]
    pub fn panic_for_test(&self) {
        if let Ok(Some(shared)) = self.leader() {
            shared.panic_for_test();
        }
    }

    /// Makes the leader's next commit fail with `kind` (tests only).
    #[cfg(feature = "test-hooks")]
    pub fn fail_next_commit(&self, kind: crate::store::StoreErrorKind) {
        if let Ok(Some(shared)) = self.leader() {
            shared.fail_next_commit(kind);
        }
    }

    /// Whether paused.
    pub fn is_paused(&self) -> bool {
        self.state.borrow().paused
    }

    /// Whether closed.
    pub fn is_closed(&self) -> bool {
        matches!(self.state.borrow().role, Role::Closed)
    }

    fn shut(&self) -> Role {
        let role = {
            let mut st = self.state.borrow_mut();
            st.outstanding.clear();
            st.stats_timer = None;
            std::mem::replace(&mut st.role, Role::Closed)
        };
        self.events.set_relay(None);
        role
    }

    /// Closes this instance: a leader finishes its jobs in flight, commits
    /// and hands the lead on; calls still waiting reject with `QUEUE_CLOSED`.
    pub async fn close(&self) -> Result<(), QueueError> {
        let role = self.shut();
        let result = match role {
            Role::Leader { shared, _lock } => {
                let r = shared.close().await;
                _lock.release().await;
                r
            }
            _ => Ok(()),
        };
        self.link.close();
        result
    }

    /// Stops at once, as a crashed tab would (see `Shared::terminate`).
    pub fn terminate(&self) {
        if let Role::Leader { shared, _lock } = self.shut() {
            shared.terminate();
            drop(_lock);
        }
        self.link.close();
    }
}

/// Whether an idempotency key is one the runtime added.
pub fn is_internal_key(key: &str) -> bool {
    key.starts_with(INTERNAL_KEY_PREFIX)
}

/// Marks a forwarded enqueue with its request key (see [`INTERNAL_KEY_PREFIX`]).
fn with_request_key(opts: EnqueueOptions, from: &str, n: f64) -> (EnqueueOptions, bool) {
    with_key(opts, format!("{INTERNAL_KEY_PREFIX}{from}:{}", f64_text(n)))
}

/// Marks job `i` of a forwarded `enqueueMany` with its own request key.
fn with_item_key(opts: EnqueueOptions, from: &str, n: f64, i: usize) -> EnqueueOptions {
    with_key(
        opts,
        format!("{INTERNAL_KEY_PREFIX}{from}:{}:{i}", f64_text(n)),
    )
    .0
}

fn with_key(mut opts: EnqueueOptions, key: String) -> (EnqueueOptions, bool) {
    if opts.idempotency_key.is_some() {
        return (opts, false);
    }
    opts.idempotency_key = Some(key);
    opts.idempotency_window_ms = Some(REQUEST_KEY_WINDOW_MS);
    (opts, true)
}
