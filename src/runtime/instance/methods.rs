//! The calls of the JavaScript API on one instance: run on the engine when
//! this instance leads, else forwarded to the leader (`forward.rs`).
//! Processing settings (`process`, `pause`, `resume`) are the instance's
//! own (`Processing`) and reach its leader whenever it leads.

use std::rc::Rc;

use wasm_bindgen::JsValue;

use super::protocol::message;
use super::{Instance, Leader};
use crate::core::{EnqueueOptions, Stats};
use crate::runtime::options::JobsQuery;
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

    /// Stores a job (`options` is the caller's object, `parsed` its reading).
    pub async fn enqueue(
        self: &Rc<Self>,
        payload: JsValue,
        options: JsValue,
        parsed: EnqueueOptions,
    ) -> Result<JsValue, QueueError> {
        let payload = self.storable(payload)?;
        if let Some(leader) = self.leader()? {
            return Ok(convert::enqueued(leader.enqueue(payload, parsed).await?));
        }
        // Boxed for the same reason as in `call`: a pending enqueue stays small.
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
        if let Some(leader) = self.leader()? {
            let items = payloads.into_iter().map(|p| (p, parsed.clone())).collect();
            return Ok(convert::ids(&leader.enqueue_many(items).await?));
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

    /// Runs `op` (`"redrive"` or `"purge"`) on dead letter `id`, or on all
    /// of them when `id` is `undefined`; resolves with how many.
    pub async fn on_dead_letters(
        self: &Rc<Self>,
        op: &'static str,
        id: JsValue,
    ) -> Result<JsValue, QueueError> {
        self.call(op, &[("id", id)]).await
    }

    /// The jobs that wait or run, as `query` asks.
    pub async fn jobs(self: &Rc<Self>, query: &JobsQuery) -> Result<JsValue, QueueError> {
        self.call("jobs", &[("options", query.to_js())]).await
    }

    /// Cancels waiting job `id`; resolves once that is durable.
    pub async fn cancel(self: &Rc<Self>, id: JsValue) -> Result<JsValue, QueueError> {
        self.call("cancel", &[("id", id)]).await
    }

    /// Resolves when the queue (at the leader) is drained.
    pub async fn drained(self: &Rc<Self>) -> Result<(), QueueError> {
        self.call("drained", &[]).await.map(|_| ())
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
