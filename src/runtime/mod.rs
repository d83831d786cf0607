//! The event-loop driver (wasm32 only): group commit of the engine's
//! mutations, the processing loop with leases and handler timeouts, one
//! timer for the next wake-up (no polling), pause/resume, drained, close,
//! and events.
//!
//! Two types carry a queue. An [`Instance`] is one `Queue` object of the
//! JavaScript API (`instance/`): a leader or a follower of its name, which
//! forwards its calls to the leader. A [`Leader`] is the open queue that the
//! holder of the name's lock owns: the engine, the store, the commit loop
//! and the processing loop. An instance opens a `Leader` each time it takes
//! the lead and closes it when it steps down. A `Leader`'s mutable state
//! sits in one `RefCell` that is never borrowed across an `.await`.

mod batch_promise;
mod calls;
mod clock;
mod commit;
pub mod convert;
pub mod error;
pub mod events;
mod failure;
mod hot;
mod instance;
mod job;
mod lifecycle;
mod link;
pub mod options;
mod origin;
mod panic;
mod process;
mod processing;
mod start_gate;
pub mod task;

use std::cell::{RefCell, RefMut};
use std::rc::Rc;

use crate::oneshot;
use gloo_timers::callback::Timeout;
use wasm_bindgen::JsValue;

use crate::core::{Config, Engine, EnqueueOptions, Enqueued};
use crate::store::{AnyStore, Store, StoreChoice, StoreError};

pub use crate::store::drop_memory_store;
pub use clock::now_ms;
pub use error::{codes, QueueError};
pub use events::Events;
pub use instance::{is_internal_key, Instance};
pub use panic::install_panic_hook;
pub(crate) use processing::Processing;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Open,
    Closing,
    Closed,
}

/// The error text of a job whose instance stopped while it ran.
const TAKEN_OVER: &str = "the instance running it stopped";

pub(crate) struct State {
    engine: Engine<JsValue>,
    phase: Phase,
    /// Jobs leased and not yet settled.
    running: usize,
    /// Handler calls not yet settled (each holds one job, or one batch).
    calls: usize,
    /// Callers waiting for the batch now accumulating in the engine's journal.
    waiters: Vec<oneshot::Sender<Result<(), StoreError>>>,
    /// The promise `enqueue` callers of the accumulating batch derive theirs from.
    batch_promise: Option<js_sys::Promise>,
    /// A commit loop is running.
    flushing: bool,
    /// Leases taken since the accumulating batch began: their handler calls
    /// start once that batch is durable (see `process.rs`).
    to_start: Vec<process::Round>,
    drained: Vec<oneshot::Sender<()>>,
    idle: Vec<oneshot::Sender<()>>,
    timer: Option<(u64, Timeout)>,
    /// The rate limits at handler start (see `start_gate.rs`).
    gate: start_gate::StartGate,
}

/// The open queue of the instance that holds its name's lock.
pub struct Leader {
    store: AnyStore,
    events: Events,
    /// The handler and pause flag, owned by the instance that leads.
    processing: Rc<Processing>,
    /// `rateLimit` and `groupRateLimit` (fixed at open), for the start gate.
    limits: start_gate::Limits,
    observer: RefCell<Option<Rc<dyn Fn()>>>,
    #[cfg(feature = "test-hooks")]
    faults: RefCell<std::collections::VecDeque<StoreError>>,
    state: RefCell<State>,
    /// Handler calls waiting on a promise (never borrowed while JS runs).
    calls: RefCell<calls::Calls>,
    /// `(resolved, rejected)`, the callbacks of every call's promise, made
    /// on first use (see `calls.rs`).
    callbacks: std::cell::OnceCell<(js_sys::Function, js_sys::Function)>,
}

impl Leader {
    /// Opens queue `name` in the store `choice` names and rebuilds its
    /// engine from what is stored; `processing` is the instance's handler.
    pub(crate) async fn open(
        name: &str,
        config: Config,
        choice: &StoreChoice,
        events: Events,
        processing: Rc<Processing>,
    ) -> Result<Rc<Leader>, QueueError> {
        config.validate()?;
        let store = crate::store::open(choice, name).await?;
        let limits = (config.rate_limit, config.group_rate_limit);
        let now = now_ms();
        let records = store.load(now).await?;
        let mut engine = Engine::from_records(config, records, now)?;
        if !store.needs_journal() {
            engine.skip_journal();
        }
        // Leases found stored are an earlier leader's, which is gone (this
        // instance holds the lock): each counts as a failed try at once.
        let recovered = engine.recover_leases(now);
        // A new database gets its origin now, so that it never changes once seen.
        engine.ensure_origin(origin::new_origin);
        let changed = engine.has_mutations();
        let made = engine.take_mutations();
        if changed {
            store.commit_folding(made, None).await?;
        }
        engine.committed();
        let leader = Rc::new(Leader {
            store,
            events,
            processing,
            limits,
            observer: RefCell::new(None),
            #[cfg(feature = "test-hooks")]
            faults: RefCell::default(),
            state: RefCell::new(State {
                engine,
                phase: Phase::Open,
                running: 0,
                calls: 0,
                waiters: Vec::new(),
                batch_promise: None,
                flushing: false,
                to_start: Vec::new(),
                drained: Vec::new(),
                idle: Vec::new(),
                timer: None,
                gate: Default::default(),
            }),
            calls: RefCell::default(),
            callbacks: Default::default(),
        });
        panic::register(&leader);
        if !recovered.is_empty() {
            // On the next turn, so that listeners added right after
            // `await Queue.open(...)` hear of the tries taken over.
            let weak = Rc::downgrade(&leader);
            task::timeout(
                0,
                Box::new(move || {
                    if let Some(leader) = weak.upgrade() {
                        leader.report_expired(&recovered, TAKEN_OVER);
                    }
                }),
            )
            .forget();
        }
        Ok(leader)
    }

    /// The event target.
    pub fn events(&self) -> &Events {
        &self.events
    }

    /// Calls `observer` after every committed change (the leader tells the
    /// other instances its stats).
    pub fn set_observer(&self, observer: Option<Rc<dyn Fn()>>) {
        *self.observer.borrow_mut() = observer;
    }

    /// Borrows the state, or reports that an internal panic left it borrowed.
    pub(crate) fn state(&self) -> Result<RefMut<'_, State>, QueueError> {
        self.state.try_borrow_mut().map_err(|_| {
            QueueError::new(
                codes::INTERNAL_ERROR,
                "the queue's state is unusable after an internal error; close and reopen it",
            )
        })
    }

    /// Borrows the state of an open queue.
    fn open_state(&self) -> Result<RefMut<'_, State>, QueueError> {
        let st = self.state()?;
        if st.phase != Phase::Open {
            return Err(QueueError::closed());
        }
        Ok(st)
    }

    /// Stores a message; resolves once its batch is durable.
    pub async fn enqueue(
        self: &Rc<Self>,
        payload: JsValue,
        options: EnqueueOptions,
    ) -> Result<Enqueued, QueueError> {
        self.mutate(|engine, now| Ok(engine.enqueue(payload, options, now)?))
            .await
    }

    /// Stores messages with the same options in one batch; resolves with
    /// their ids once it is durable.
    pub async fn enqueue_many(
        self: &Rc<Self>,
        items: Vec<(JsValue, EnqueueOptions)>,
    ) -> Result<Vec<Enqueued>, QueueError> {
        // Checked before the first is stored, so a refusal stores none of them.
        for (_, options) in &items {
            options.validate()?;
        }
        self.mutate(|engine, now| {
            let mut out = Vec::with_capacity(items.len());
            for (payload, options) in items {
                out.push(engine.enqueue(payload, options, now)?);
            }
            Ok(out)
        })
        .await
    }

    /// Runs `f` on the engine of an open queue and commits what it changed.
    pub async fn mutate<T>(
        self: &Rc<Self>,
        f: impl FnOnce(&mut Engine<JsValue>, u64) -> Result<T, QueueError>,
    ) -> Result<T, QueueError> {
        let now = now_ms();
        let value = {
            let mut st = self.open_state()?;
            f(&mut st.engine, now)?
        };
        let committed = self.flush();
        self.pump_at(now);
        committed.await?;
        Ok(value)
    }

    /// Reads the engine (of an open or closed queue) after advancing its clock.
    pub fn read<T>(
        self: &Rc<Self>,
        f: impl FnOnce(&Engine<JsValue>) -> T,
    ) -> Result<T, QueueError> {
        let (value, dirty) = {
            let mut st = self.state()?;
            if st.phase == Phase::Open {
                st.engine.tick(now_ms());
            }
            (
                f(&st.engine),
                st.engine.has_mutations() && st.phase == Phase::Open,
            )
        };
        if dirty {
            // Forgotten idempotency keys: commit the housekeeping in the background.
            drop(self.flush());
        }
        Ok(value)
    }
}
