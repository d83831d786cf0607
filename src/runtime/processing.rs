//! `Processing`: what processes a queue's jobs — the handler, its
//! concurrency and batch size — and whether processing is paused. One
//! owner for both: the `Instance` that `process()` and `pause()` were
//! called on holds it for its whole life, and shares it with the `Leader`
//! it opens each time it takes the lead, which reads it on every pump.

use std::cell::{Cell, OnceCell};

use super::{codes, QueueError};

/// A handler and how to call it.
#[derive(Clone)]
pub(crate) struct Handler {
    /// `handler(job)`, or `handler(jobs)` for a batch handler.
    pub function: js_sys::Function,
    /// Calls at once (at least 1).
    pub concurrency: usize,
    /// Jobs per call: `Some` for a batch handler (`processBatch`).
    pub batch: Option<usize>,
}

/// The handler (once given) and the pause flag of one instance.
#[derive(Default)]
pub(crate) struct Processing {
    /// Set once: every call borrows it, with no clone of the function.
    handler: OnceCell<Handler>,
    paused: Cell<bool>,
}

impl Processing {
    /// Sets the handler; `ALREADY_PROCESSING` if one was set before.
    pub(crate) fn set_handler(
        &self,
        function: js_sys::Function,
        concurrency: usize,
        batch: Option<usize>,
    ) -> Result<(), QueueError> {
        let handler = Handler {
            function,
            concurrency: concurrency.max(1),
            batch: batch.map(|b| b.max(1)),
        };
        self.handler.set(handler).map_err(|_| {
            QueueError::new(
                codes::ALREADY_PROCESSING,
                "process() was already called on this queue",
            )
        })
    }

    /// The handler, if `process` was called.
    pub(crate) fn handler(&self) -> Option<&Handler> {
        self.handler.get()
    }

    /// The handler's `(concurrency, batch)`, if `process` was called —
    /// what the pump needs, without cloning the JS function.
    pub(crate) fn shape(&self) -> Option<(usize, Option<usize>)> {
        self.handler.get().map(|h| (h.concurrency, h.batch))
    }

    /// Whether there is a handler.
    pub(crate) fn has_handler(&self) -> bool {
        self.handler.get().is_some()
    }

    /// Whether processing is paused.
    pub(crate) fn paused(&self) -> bool {
        self.paused.get()
    }

    /// Pauses (`true`) or resumes processing.
    pub(crate) fn set_paused(&self, paused: bool) {
        self.paused.set(paused);
    }

    /// Whether jobs would be started now: a handler and not paused.
    pub(crate) fn active(&self) -> bool {
        self.has_handler() && !self.paused()
    }
}
