//! The leader's side of the bus (serving forwarded calls) and what every
//! instance does with the messages it hears.

use std::rc::Rc;

use wasm_bindgen::JsValue;

use super::protocol::{response, result_of};
use super::request_key::{with_item_key, with_request_key};
use super::{Instance, Role};
use crate::core::quote::quoted;
use crate::core::{Enqueued, MessageId};
use crate::js::object::{get, get_str, set};
use crate::runtime::{codes, convert, options, QueueError};

impl Instance {
    /// Runs a forwarded (or local) call on the leader's engine.
    pub(super) async fn serve(self: &Rc<Self>, request: &JsValue) -> Result<JsValue, QueueError> {
        let Some(leader) = self.leader()? else {
            return Err(QueueError::new(
                codes::INTERNAL_ERROR,
                "this instance does not lead",
            ));
        };
        match get_str(request, "op").as_str() {
            "enqueue" => {
                let parsed = options::enqueue_options(&get(request, "options"))?;
                let from = get_str(request, "from");
                let n = get(request, "n").as_f64().unwrap_or(0.0);
                let (opts, internal) = with_request_key(parsed, &from, n);
                let outcome = leader.enqueue(get(request, "payload"), opts).await?;
                // A re-sent call that was already stored is this caller's own job, not a duplicate.
                let outcome = if internal {
                    Enqueued::New(outcome.id())
                } else {
                    outcome
                };
                Ok(convert::enqueued(outcome))
            }
            "enqueueMany" => {
                let parsed = options::enqueue_many_options(&get(request, "options"))?;
                let from = get_str(request, "from");
                let n = get(request, "n").as_f64().unwrap_or(0.0);
                let items = js_sys::Array::from(&get(request, "payloads"))
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (p, with_item_key(parsed.clone(), &from, n, i)))
                    .collect();
                // Re-sent calls find their own jobs by the request keys: the same ids.
                Ok(convert::ids(&leader.enqueue_many(items).await?))
            }
            "deadLetters" => {
                let (after, limit) = options::page_options(&page(request))?;
                let list = leader.read(|e| e.dead_letters(after.map(MessageId), limit))?;
                Ok(convert::dead_letters(list))
            }
            op @ ("redrive" | "purge") => {
                let id = options::message_id(&get(request, "id"))?;
                let redrive = op == "redrive";
                let n = leader
                    .mutate(|e, now| match (redrive, id) {
                        (true, Some(id)) => Ok(e.redrive(id, now).map(|_| 1)?),
                        (true, None) => Ok(e.redrive_all(now)),
                        (false, Some(id)) => Ok(e.purge(id).map(|_| 1)?),
                        (false, None) => Ok(e.purge_all()),
                    })
                    .await?;
                Ok((n as f64).into())
            }
            "jobs" => {
                let q = options::jobs_options(&get(request, "options"))?;
                let after = q.after.map(MessageId);
                let list = leader.read(|e| e.jobs(q.states, q.group.as_deref(), after, q.limit))?;
                Ok(convert::jobs(list))
            }
            "cancel" => {
                let id = options::message_id(&get(request, "id"))?
                    .ok_or_else(|| QueueError::invalid("id", "must be a message id"))?;
                leader.mutate(|e, now| Ok(e.cancel(id, now)?)).await?;
                Ok(JsValue::UNDEFINED)
            }
            "drained" => leader.drained().await.map(|_| JsValue::UNDEFINED),
            other => Err(QueueError::new(
                codes::INTERNAL_ERROR,
                format!("unknown call {}", quoted(other)),
            )),
        }
    }

    /// Handles one message from another instance.
    pub(super) fn on_message(self: &Rc<Self>, m: JsValue) {
        let from = get_str(&m, "from");
        if from == self.id {
            return;
        }
        match get_str(&m, "t").as_str() {
            "batch" => {
                for item in js_sys::Array::from(&get(&m, "list")).iter() {
                    self.on_message(item);
                }
            }
            "req" if self.is_leader() => {
                let me = Rc::clone(self);
                crate::runtime::task::spawn(Box::pin(async move {
                    let result = me.serve(&m).await;
                    if !me.is_leader()
                        && result
                            .as_ref()
                            .is_err_and(|e| e.code == codes::QUEUE_CLOSED)
                    {
                        // This instance stopped leading meanwhile: the caller re-sends to the next leader.
                        return;
                    }
                    let n = get(&m, "n").as_f64().unwrap_or(0.0);
                    me.send(response(&me.id, &from, n, &result));
                }));
            }
            "res" if get_str(&m, "to") == self.id => {
                let n = get(&m, "n").as_f64().unwrap_or(0.0) as u64;
                self.answer_own(n, result_of(&m));
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
        let (pending, want) = {
            let mut st = self.state.borrow_mut();
            if processing {
                st.processor_waiting = false;
            }
            if !matches!(st.role, Role::Follower) {
                return;
            }
            let pending: Vec<JsValue> = st.outstanding.requests().map(|(_, m)| m.clone()).collect();
            (pending, self.processing.has_handler() && !processing)
        };
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

fn page(request: &JsValue) -> JsValue {
    let obj: JsValue = js_sys::Object::new().into();
    for key in ["after", "limit"] {
        let v = get(request, key);
        if !v.is_undefined() {
            set(&obj, key, &v);
        }
    }
    obj
}
