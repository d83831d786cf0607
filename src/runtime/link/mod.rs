//! How the instances of one queue name find each other: an exclusive lock
//! (who leads: owns the store, processes, serves the others) and a message
//! bus (requests, replies, events). In browsers and workers these are the
//! Web Locks API and a `BroadcastChannel`, so tabs and workers of an origin
//! coordinate; elsewhere (Node, Deno, workerd) an in-realm lock and bus.

mod local;
mod web;

use wasm_bindgen::JsValue;

pub use local::LocalLink;
pub use web::WebLink;

/// A held lock; released on drop (a crashed tab releases its locks too).
pub enum Lock {
    /// A Web Lock, as `web.js` holds it (released by `web::release`).
    Web(JsValue),
    /// An in-realm lock on this name.
    Local(String),
}

impl Lock {
    /// Releases the lock and resolves once another request can take it
    /// (a Web Lock is let go a few tasks after its promise resolves), so
    /// that a queue closed and opened again leads at once.
    pub async fn release(self) {
        let done = match &self {
            Lock::Web(held) => Some(web::release(held)),
            Lock::Local(_) => None,
        };
        drop(self);
        if let Some(done) = done {
            let _ = wasm_bindgen_futures::JsFuture::from(done).await;
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        match self {
            Lock::Web(held) => {
                let _ = web::release(held);
            }
            Lock::Local(name) => local::release(name),
        }
    }
}

/// The lock and bus of one instance.
pub enum Link {
    /// Web Locks + BroadcastChannel.
    Web(WebLink),
    /// In-realm lock + bus.
    Local(LocalLink),
}

impl Link {
    /// Joins the lock and bus of queue `name`; `on_message` receives what the others post.
    pub fn new(name: &str, on_message: Box<dyn Fn(JsValue)>) -> Link {
        match WebLink::new(name, on_message) {
            Ok(link) => Link::Web(link),
            Err(on_message) => Link::Local(LocalLink::new(name, on_message)),
        }
    }

    /// The lock if no one holds it, else `None` at once.
    pub async fn try_lock(&self) -> Option<Lock> {
        match self {
            Link::Web(l) => l.lock(true).await,
            Link::Local(l) => l.try_lock(),
        }
    }

    /// Waits for the lock; `None` once the link is closed.
    pub async fn lock(&self) -> Option<Lock> {
        match self {
            Link::Web(l) => l.lock(false).await,
            Link::Local(l) => l.lock().await,
        }
    }

    /// Sends a message to every other instance of the name.
    pub fn post(&self, message: &JsValue) {
        match self {
            Link::Web(l) => l.post(message),
            Link::Local(l) => l.post(message),
        }
    }

    /// Leaves the bus and gives up waiting for the lock.
    pub fn close(&self) {
        match self {
            Link::Web(l) => l.close(),
            Link::Local(l) => l.close(),
        }
    }
}
