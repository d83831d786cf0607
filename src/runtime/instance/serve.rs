//! The leader's side of the bus (serving forwarded calls: each runs the
//! method its sender's caller called, `methods.rs`) and what every
//! instance does with the messages it hears.

use std::rc::Rc;

use wasm_bindgen::{JsCast, JsValue};

use super::forward::answered;
use super::protocol::response;
use super::request_key::Asker;
use super::{Instance, Role};
use crate::core::quote::quoted;
use crate::js::object::{get, get_str};
use crate::runtime::task::Boxed;
use crate::runtime::{codes, options, QueueError};

impl Instance {
    /// A forwarded call (or one of this instance's own, forwarded before it
    /// led): the same method its sender's caller called, with the
    /// arguments read from the request by the same parsers.
    fn serve(self: &Rc<Self>, request: &JsValue) -> Boxed<Result<JsValue, QueueError>> {
        let by = Asker {
            from: get_str(request, "from"),
            n: get(request, "n").as_f64().unwrap_or(0.0),
        };
        // A request without its arguments as an array (another version's) is not run.
        let op = get_str(request, "op");
        let Some(args) = array(&get(request, "args")) else {
            return refused(&op);
        };
        let arg = |i| args.get(i);
        let call = match op.as_str() {
            "enqueue" => options::enqueue_options(&arg(1))
                .map(|o| self.enqueue_for(arg(0), JsValue::UNDEFINED, o, Some(by))),
            "enqueueMany" => match array(&arg(0)) {
                Some(list) => options::enqueue_many_options(&arg(1)).map(|o| {
                    self.enqueue_many_for(list.iter().collect(), JsValue::UNDEFINED, o, Some(by))
                }),
                None => return refused(&op),
            },
            "deadLetters" => options::page_options(&arg(0))
                .map(|(after, limit)| self.dead_letters_for(after, limit, true)),
            "redrive" => Ok(self.on_dead_letters_for("redrive", arg(0), true)),
            "purge" => Ok(self.on_dead_letters_for("purge", arg(0), true)),
            "jobs" => options::jobs_options(&arg(0)).map(|q| self.jobs_for(&q, true)),
            "cancel" => Ok(self.cancel_for(arg(0), true)),
            "drained" => Ok(self.drained_for(true)),
            other => return refused(other),
        };
        call.unwrap_or_else(|e| Box::pin(std::future::ready(Err(e))))
    }

    /// Serves forwarded request `m` and answers it; but a call that found
    /// the queue closed because this instance stopped leading meanwhile is
    /// not answered: its sender re-sends it to the next leader.
    pub(super) fn answer(self: &Rc<Self>, m: JsValue) {
        let call = self.serve(&m);
        let me = Rc::clone(self);
        crate::runtime::task::spawn(Box::pin(async move {
            let result = call.await;
            if !me.is_leader()
                && result
                    .as_ref()
                    .is_err_and(|e| e.code == codes::QUEUE_CLOSED)
            {
                return;
            }
            let from = get_str(&m, "from");
            let res = response(&me.id, &from, get(&m, "n").as_f64().unwrap_or(0.0), &result);
            match from == me.id {
                true => answered(&me.calls, &res),
                false => me.send(res),
            }
        }));
    }

    /// Handles one message from another instance.
    pub(super) fn on_message(self: &Rc<Self>, m: JsValue) {
        let from = get_str(&m, "from");
        if from == self.id {
            return;
        }
        match get_str(&m, "t").as_str() {
            "batch" => {
                let list = array(&get(&m, "list")).unwrap_or_default();
                for item in list.iter() {
                    self.on_message(item);
                }
            }
            "req" if self.is_leader() => self.answer(m),
            "res" if get_str(&m, "to") == self.id => {
                answered(&self.calls, &m);
            }
            "leader" => self.on_new_leader(get(&m, "processing").as_bool().unwrap_or(false)),
            "want" => {
                self.state.borrow_mut().processor_waiting = true;
                self.step_down();
            }
            "hello" if self.is_leader() => self.announce(),
            "listen" => self.events.heard_remote_listener(),
            "event" if !self.is_leader() => {
                self.events
                    .emit_local(&get_str(&m, "kind"), &get(&m, "detail"));
            }
            "stats" if !self.is_leader() => {
                let s = get(&m, "stats");
                let n = |k: &str| get(&s, k).as_f64().unwrap_or(0.0);
                let mut st = self.state.borrow_mut();
                st.stats.pending = n("pending") as usize;
                st.stats.delayed = n("delayed") as usize;
                st.stats.in_flight = n("inFlight") as usize;
                st.stats.completed = n("completed") as u64;
                st.stats.retried = n("retried") as u64;
                st.stats.dead = n("dead") as usize;
                drop(st);
                self.stats_known();
            }
            _ => {}
        }
    }

    /// Another instance leads now: re-send what it has not answered, and
    /// ask for the lead if it does not process but this instance would.
    fn on_new_leader(self: &Rc<Self>, processing: bool) {
        let want = {
            let mut st = self.state.borrow_mut();
            if processing {
                st.processor_waiting = false;
            }
            if !matches!(st.role, Role::Follower) {
                return;
            }
            self.processing.has_handler() && !processing
        };
        let pending = self.unanswered();
        for request in pending {
            self.send(request);
        }
        if self.events.listened() {
            self.send(super::protocol::message("listen", &self.id));
        }
        if want {
            self.send(super::protocol::message("want", &self.id));
        }
    }
}

/// `value` if it is an array (read without a call that could throw).
fn array(value: &JsValue) -> Option<js_sys::Array> {
    js_sys::Array::is_array(value).then(|| value.clone().unchecked_into())
}

/// The answer to a call this version does not know.
fn refused(op: &str) -> Boxed<Result<JsValue, QueueError>> {
    let e = QueueError::new(
        codes::INTERNAL_ERROR,
        format!("unknown call {}", quoted(op)),
    );
    Box::pin(std::future::ready(Err(e)))
}
