//! `WebLink`: the Web Locks API and a `BroadcastChannel`, shared by the
//! tabs and workers of an origin, through the bindings of `web.js` (the
//! browser calls written in JavaScript, shipped beside the glue as a
//! wasm-bindgen snippet).

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::Lock;

#[wasm_bindgen(module = "/src/runtime/link/web.js")]
extern "C" {
    /// The link of lock and channel `wasmq:<name>`, `null` without Web
    /// Locks or `BroadcastChannel`.
    fn join(name: &str) -> JsValue;
    /// Calls `on_message` with each message the others post.
    fn listen(link: &JsValue, on_message: &JsValue);
    /// The held lock, or `null` (not available, or closed).
    fn lock(link: &JsValue, if_available: bool) -> Promise;
    /// Nobody awaits `granted` any more: a lock it gets is released.
    fn abandon(link: &JsValue, granted: &Promise);
    /// Releases a held lock: settles once another request can take it.
    pub(super) fn release(held: &JsValue) -> Promise;
    /// Posts to the others.
    fn post(link: &JsValue, message: &JsValue);
    /// Leaves the channel; every lock request waiting gets `null`.
    fn close(link: &JsValue);
}

/// Lock and bus through the browser.
pub struct WebLink {
    link: JsValue,
    _on_message: Closure<dyn Fn(JsValue)>,
}

/// A lock request the future of [`WebLink::lock`] still waits for: given
/// up on drop, so that a lock granted once nobody waits is released.
struct Waiting<'a>(&'a JsValue, &'a Promise);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        abandon(self.0, self.1);
    }
}

impl WebLink {
    /// Joins; gives `on_message` back when this global scope has no Web
    /// Locks or `BroadcastChannel`, or the browser refuses.
    pub fn new(
        name: &str,
        on_message: Box<dyn Fn(JsValue)>,
    ) -> Result<WebLink, Box<dyn Fn(JsValue)>> {
        let link = join(name);
        if link.is_null() {
            return Err(on_message);
        }
        let handler = Closure::<dyn Fn(JsValue)>::wrap(on_message);
        listen(&link, handler.as_ref());
        Ok(WebLink {
            link,
            _on_message: handler,
        })
    }

    /// Requests the lock; with `if_available` answers at once.
    pub async fn lock(&self, if_available: bool) -> Option<Lock> {
        let granted = lock(&self.link, if_available);
        let waiting = Waiting(&self.link, &granted);
        let held = JsFuture::from(granted.clone()).await;
        std::mem::forget(waiting);
        match held {
            Ok(held) if !held.is_null() => Some(Lock::Web(held)),
            _ => None,
        }
    }

    /// Posts to the other instances.
    pub fn post(&self, message: &JsValue) {
        post(&self.link, message);
    }

    /// Leaves the channel and aborts a waiting lock request.
    pub fn close(&self) {
        close(&self.link);
    }
}
