//! The calls of the JavaScript API on one instance: run on the engine when
//! this instance leads, else forwarded to the leader (`forward.rs`). A
//! call forwarded here runs the same method (`serve.rs` only reads its
//! arguments). Each returns one boxed future, so that its body is compiled
//! once for both callers.
//! Processing settings (`process`, `pause`, `resume`) are the instance's
//! own (`Processing`) and reach its leader whenever it leads.

use std::rc::Rc;

use wasm_bindgen::JsValue;

use std::future::ready;

use super::protocol::message;
use super::request_key::{with_item_key, with_request_key, Asker};
use super::{Instance, Leader};
use crate::core::{EnqueueOptions, Enqueued, MessageId, Stats};
use crate::js::object::set;
use crate::runtime::options::{self, JobsQuery};
use crate::runtime::task::Boxed;
use crate::runtime::{codes, convert, QueueError};

impl Instance {
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

    /// The open queue, when this instance leads and its store keeps
    /// payloads as given (no encryption): `enqueue` can then store a job
    /// at once.
    pub fn direct(&self) -> Option<Rc<Leader>> {
        match self.store.stores_payloads_as_given() {
            true => self.leader().ok().flatten(),
            false => None,
        }
    }

    /// The leader to run a call on: this instance's when it leads; `None`
    /// to forward the call; `QUEUE_CLOSED` once closed, or for a call
    /// forwarded here (`served`) when this instance no longer leads, so
    /// that it is never forwarded on (its sender re-sends it to the next
    /// leader, and drops nothing).
    fn here(&self, served: bool) -> Result<Option<Rc<Leader>>, QueueError> {
        match self.leader()? {
            None if served => Err(QueueError::closed()),
            leader => Ok(leader),
        }
    }

    /// Stores a job (`options` is the caller's object, `parsed` its reading).
    pub fn enqueue(
        self: &Rc<Self>,
        payload: JsValue,
        options: JsValue,
        parsed: EnqueueOptions,
    ) -> Boxed<Result<JsValue, QueueError>> {
        match self.storable(payload) {
            Ok(payload) => self.enqueue_for(payload, options, parsed, None),
            Err(e) => Box::pin(ready(Err(e))),
        }
    }

    /// [`Instance::enqueue`] of a storable payload, for this instance's
    /// caller (`by: None`) or for a call forwarded here: that one gets its
    /// request key, so that a re-sent call stores its job once and answers
    /// with it as new. One boxed body for both.
    pub(super) fn enqueue_for(
        self: &Rc<Self>,
        payload: JsValue,
        options: JsValue,
        parsed: EnqueueOptions,
        by: Option<Asker>,
    ) -> Boxed<Result<JsValue, QueueError>> {
        let me = Rc::clone(self);
        Box::pin(async move {
            let Some(leader) = me.here(by.is_some())? else {
                return me.forward("enqueue", vec![payload, options]).await;
            };
            let (opts, internal) = match &by {
                Some(by) => with_request_key(parsed, by),
                None => (parsed, false),
            };
            let outcome = leader.enqueue(payload, opts).await?;
            // A re-sent call that was already stored is this caller's own job, not a duplicate.
            Ok(convert::enqueued(match internal {
                true => Enqueued::New(outcome.id()),
                false => outcome,
            }))
        })
    }

    /// Stores jobs with the same options (`options` is the caller's
    /// object, `parsed` its reading); resolves with their ids.
    pub fn enqueue_many(
        self: &Rc<Self>,
        payloads: Vec<JsValue>,
        options: JsValue,
        parsed: EnqueueOptions,
    ) -> Boxed<Result<JsValue, QueueError>> {
        match payloads.into_iter().map(|p| self.storable(p)).collect() {
            Ok(payloads) => self.enqueue_many_for(payloads, options, parsed, None),
            Err(e) => Box::pin(ready(Err(e))),
        }
    }

    /// [`Instance::enqueue_many`] of storable payloads, for this instance's
    /// caller or a forwarded call (each job with its own request key: a
    /// re-sent call finds its jobs, the same ids).
    pub(super) fn enqueue_many_for(
        self: &Rc<Self>,
        payloads: Vec<JsValue>,
        options: JsValue,
        parsed: EnqueueOptions,
        by: Option<Asker>,
    ) -> Boxed<Result<JsValue, QueueError>> {
        let me = Rc::clone(self);
        Box::pin(async move {
            let Some(leader) = me.here(by.is_some())? else {
                let list: js_sys::Array = payloads.into_iter().collect();
                return me.forward("enqueueMany", vec![list.into(), options]).await;
            };
            let items = payloads
                .into_iter()
                .enumerate()
                .map(|(i, p)| match &by {
                    Some(by) => (p, with_item_key(parsed.clone(), by, i)),
                    None => (p, parsed.clone()),
                })
                .collect();
            Ok(convert::ids(&leader.enqueue_many(items).await?))
        })
    }

    /// Dead letters (`after`, `limit`).
    pub fn dead_letters(
        self: &Rc<Self>,
        after: Option<u64>,
        limit: usize,
    ) -> Boxed<Result<JsValue, QueueError>> {
        self.dead_letters_for(after, limit, false)
    }

    /// [`Instance::dead_letters`]; `served`: for a call forwarded here.
    pub(super) fn dead_letters_for(
        self: &Rc<Self>,
        after: Option<u64>,
        limit: usize,
        served: bool,
    ) -> Boxed<Result<JsValue, QueueError>> {
        let me = Rc::clone(self);
        Box::pin(async move {
            let Some(leader) = me.here(served)? else {
                let page = js_sys::Object::new();
                if let Some(a) = after {
                    set(&page, "after", &(a as f64).into());
                }
                if limit != usize::MAX {
                    set(&page, "limit", &(limit as f64).into());
                }
                return me.forward("deadLetters", vec![page.into()]).await;
            };
            let list = leader.read(|e| e.dead_letters(after.map(MessageId), limit))?;
            Ok(convert::dead_letters(list))
        })
    }

    /// Runs `op` (`"redrive"` or `"purge"`) on dead letter `id`, or on all
    /// of them when `id` is `undefined`; resolves with how many.
    pub fn on_dead_letters(
        self: &Rc<Self>,
        op: &'static str,
        id: JsValue,
    ) -> Boxed<Result<JsValue, QueueError>> {
        self.on_dead_letters_for(op, id, false)
    }

    /// [`Instance::on_dead_letters`]; `served`: for a call forwarded here.
    pub(super) fn on_dead_letters_for(
        self: &Rc<Self>,
        op: &'static str,
        id: JsValue,
        served: bool,
    ) -> Boxed<Result<JsValue, QueueError>> {
        let me = Rc::clone(self);
        Box::pin(async move {
            let parsed = options::message_id(&id)?;
            let Some(leader) = me.here(served)? else {
                return me.forward(op, vec![id]).await;
            };
            let redrive = op == "redrive";
            let n = leader
                .mutate(|e, now| match (redrive, parsed) {
                    (true, Some(id)) => Ok(e.redrive(id, now).map(|_| 1)?),
                    (true, None) => Ok(e.redrive_all(now)),
                    (false, Some(id)) => Ok(e.purge(id).map(|_| 1)?),
                    (false, None) => Ok(e.purge_all()),
                })
                .await?;
            Ok((n as f64).into())
        })
    }

    /// The jobs that wait or run, as `query` asks.
    pub fn jobs(self: &Rc<Self>, query: &JobsQuery) -> Boxed<Result<JsValue, QueueError>> {
        self.jobs_for(query, false)
    }

    /// [`Instance::jobs`]; `served`: for a call forwarded here.
    pub(super) fn jobs_for(
        self: &Rc<Self>,
        query: &JobsQuery,
        served: bool,
    ) -> Boxed<Result<JsValue, QueueError>> {
        let me = Rc::clone(self);
        let q = query.clone();
        Box::pin(async move {
            let Some(leader) = me.here(served)? else {
                return me.forward("jobs", vec![q.to_js()]).await;
            };
            let after = q.after.map(MessageId);
            let list = leader.read(|e| e.jobs(q.states, q.group.as_deref(), after, q.limit))?;
            Ok(convert::jobs(list))
        })
    }

    /// Cancels waiting job `id`; resolves once that is durable.
    pub fn cancel(self: &Rc<Self>, id: JsValue) -> Boxed<Result<JsValue, QueueError>> {
        self.cancel_for(id, false)
    }

    /// [`Instance::cancel`]; `served`: for a call forwarded here.
    pub(super) fn cancel_for(
        self: &Rc<Self>,
        id: JsValue,
        served: bool,
    ) -> Boxed<Result<JsValue, QueueError>> {
        let me = Rc::clone(self);
        Box::pin(async move {
            let parsed = options::message_id(&id)?
                .ok_or_else(|| QueueError::invalid("id", "must be a message id"))?;
            let Some(leader) = me.here(served)? else {
                return me.forward("cancel", vec![id]).await;
            };
            leader.mutate(|e, now| Ok(e.cancel(parsed, now)?)).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Resolves when the queue (at the leader) is drained.
    pub fn drained(self: &Rc<Self>) -> Boxed<Result<JsValue, QueueError>> {
        self.drained_for(false)
    }

    /// [`Instance::drained`]; `served`: for a call forwarded here.
    pub(super) fn drained_for(self: &Rc<Self>, served: bool) -> Boxed<Result<JsValue, QueueError>> {
        let me = Rc::clone(self);
        Box::pin(async move {
            let Some(leader) = me.here(served)? else {
                return me.forward("drained", Vec::new()).await;
            };
            leader.drained().await.map(|()| JsValue::UNDEFINED)
        })
    }

    /// Counts by state: the leader's own, or the last the leader told.
    pub fn stats(&self) -> Result<Stats, QueueError> {
        match self.leader()? {
            Some(leader) => leader.read(|e| e.stats()),
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
        if self.is_closed() {
            return Err(QueueError::closed());
        }
        self.processing.set_handler(handler, concurrency, batch)?;
        match self.leader()? {
            Some(leader) => {
                leader.processing_changed();
                self.announce();
            }
            None => self.send(message("want", &self.id)),
        }
        Ok(())
    }

    /// Pauses processing (here, or once this instance leads).
    pub fn pause(&self) -> Result<(), QueueError> {
        self.set_paused(true)
    }

    /// Resumes processing.
    pub fn resume(&self) -> Result<(), QueueError> {
        self.set_paused(false)
    }

    fn set_paused(&self, paused: bool) -> Result<(), QueueError> {
        self.processing.set_paused(paused);
        if let Some(leader) = self.leader()? {
            // A leader left unusable by an internal panic says so.
            leader.state()?;
            leader.processing_changed();
        }
        Ok(())
    }

    /// Whether paused.
    pub fn is_paused(&self) -> bool {
        self.processing.paused()
    }

    /// Panics inside the leader's engine (tests of the panic hook).
    #[cfg(feature = "test-hooks")]
    pub fn panic_for_test(&self) {
        if let Ok(Some(leader)) = self.leader() {
            leader.panic_for_test();
        }
    }

    /// Makes the leader's next watchdog timer fire `ms` early (tests only).
    #[cfg(feature = "test-hooks")]
    pub fn fire_watchdog_early(&self, ms: u32) {
        if let Ok(Some(leader)) = self.leader() {
            leader.fire_watchdog_early(ms);
        }
    }

    /// Makes the leader's next commit fail with `kind` (tests only).
    #[cfg(feature = "test-hooks")]
    pub fn fail_next_commit(&self, kind: crate::store::StoreErrorKind) {
        if let Ok(Some(leader)) = self.leader() {
            leader.fail_next_commit(kind);
        }
    }
}
