//! Which backend a queue opens, decided here and nowhere else: what the
//! `storage` option asks for, what this runtime has (IndexedDB where the
//! global scope has `indexedDB`, else memory, when nothing is asked), and
//! whether an `encryptionKey` makes sense with it (only a store that keeps
//! payloads at rest has anything to encrypt), and whether `durability` and
//! `persist` do (they are IndexedDB's: another store's durability is its
//! own). [`open`] then opens it.
//!
//! The choice is made when the options are read, before any instance or
//! lock exists, so a refusal changes nothing anywhere.

use js_sys::JSON;
use wasm_bindgen::{JsCast, JsValue};

use super::any::AnyStore;
use super::indexeddb::IndexedDbStore;
use super::kv::KvStore;
use super::kv_adapter::KvAdapter;
use super::memory_registry::memory_store;
use super::StoreError;
use crate::core::quote::quoted;

/// What the `storage` option asked for.
#[derive(Debug, Clone)]
pub enum StorageKind {
    /// Nothing: IndexedDB where available, else memory.
    Default,
    /// `"indexeddb"`: an error where it is absent.
    IndexedDb,
    /// `"memory"`.
    Memory,
    /// A key-value object the application gave (`storage: adapter`).
    Adapter(KvAdapter),
}

impl StorageKind {
    /// Reads the `storage` option: `undefined`, `"indexeddb"`, `"memory"`,
    /// or an object with `put`, `delete` and `list`; else why not.
    pub fn from_option(value: &JsValue) -> Result<StorageKind, String> {
        const EXPECTED: &str =
            "must be \"indexeddb\", \"memory\" or an object with put, delete and list methods";
        if value.is_undefined() {
            return Ok(StorageKind::Default);
        }
        match value.as_string().as_deref() {
            Some("indexeddb") => Ok(StorageKind::IndexedDb),
            Some("memory") => Ok(StorageKind::Memory),
            Some(other) => Err(format!("{EXPECTED}, got {}", quoted(other))),
            None => KvAdapter::new(value)
                .map(StorageKind::Adapter)
                .map_err(|why| format!("{EXPECTED}; this object {why}")),
        }
    }
}

/// When an IndexedDB commit counts as done: `Strict`, once the browser has
/// flushed it to disk (it survives a power cut); `Relaxed`, once it is
/// handed to the operating system (it survives a crash of the browser, not
/// of the machine). Passed to every readwrite transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// `"strict"`.
    Strict,
    /// `"relaxed"`.
    Relaxed,
}

impl Durability {
    /// The default: see README, "Durability" (chosen by measuring both).
    pub const DEFAULT: Durability = Durability::Strict;

    /// Reads the `durability` option: `undefined` (the default), `"strict"`
    /// or `"relaxed"`; else why not.
    pub fn from_option(value: &JsValue) -> Result<Option<Durability>, String> {
        if value.is_undefined() {
            return Ok(None);
        }
        match value.as_string().as_deref() {
            Some("strict") => Ok(Some(Durability::Strict)),
            Some("relaxed") => Ok(Some(Durability::Relaxed)),
            _ => Err("must be \"strict\" or \"relaxed\"".into()),
        }
    }

    /// The name IndexedDB takes.
    pub fn name(self) -> &'static str {
        match self {
            Durability::Strict => "strict",
            Durability::Relaxed => "relaxed",
        }
    }
}

/// What `Queue.open` asked of the store, beyond which one.
#[derive(Debug, Clone, Default)]
pub struct StoreOptions {
    /// `encryptionKey`.
    pub key: Option<web_sys::CryptoKey>,
    /// `durability` (IndexedDB only).
    pub durability: Option<Durability>,
    /// `persist: true`: ask the browser not to evict the queue (IndexedDB only).
    pub persist: bool,
}

/// Why a choice was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChoiceError {
    /// An option does not fit the backend (`option` names it).
    Invalid {
        /// The option at fault.
        option: &'static str,
        /// Why, for humans.
        reason: String,
    },
    /// The backend asked for does not exist in this runtime.
    Unavailable(String),
}

#[derive(Debug, Clone)]
enum Backend {
    Memory,
    IndexedDb,
    Adapter(KvAdapter),
}

/// A backend this runtime has, with the key that seals its payloads.
#[derive(Debug, Clone)]
pub struct StoreChoice {
    backend: Backend,
    key: Option<web_sys::CryptoKey>,
    durability: Durability,
    persist: bool,
}

impl StoreChoice {
    /// Resolves `kind` in this runtime and checks the options against it: a
    /// key with the memory store (asked for, or the default where IndexedDB
    /// is absent) is refused, since nothing is kept at rest to encrypt;
    /// `durability` and `persist` with any store but IndexedDB are refused,
    /// since they would promise what that store does not do.
    pub fn new(kind: StorageKind, options: StoreOptions) -> Result<Self, ChoiceError> {
        let StoreOptions {
            key,
            durability,
            persist,
        } = options;
        let asked_memory = matches!(kind, StorageKind::Memory);
        let backend = match kind {
            StorageKind::Memory => Backend::Memory,
            StorageKind::Adapter(adapter) => Backend::Adapter(adapter),
            StorageKind::IndexedDb if IndexedDbStore::is_available() => Backend::IndexedDb,
            StorageKind::IndexedDb => {
                return Err(ChoiceError::Unavailable(
                    "storage \"indexeddb\" was asked for, but this runtime has no IndexedDB; use \"memory\" or a storage adapter".into(),
                ))
            }
            StorageKind::Default if IndexedDbStore::is_available() => Backend::IndexedDb,
            StorageKind::Default => Backend::Memory,
        };
        if key.is_some() && matches!(backend, Backend::Memory) {
            let why = if asked_memory {
                "the memory store keeps nothing at rest, so there is nothing to encrypt"
            } else {
                "this runtime has no IndexedDB, so the queue would be kept in memory, where nothing is at rest to encrypt; give `storage` a storage adapter to keep (and encrypt) it"
            };
            return Err(ChoiceError::Invalid {
                option: "encryptionKey",
                reason: why.into(),
            });
        }
        if !matches!(backend, Backend::IndexedDb) {
            let what = if matches!(backend, Backend::Memory) {
                "the memory store keeps nothing on disk"
            } else {
                "a storage adapter's durability and eviction are the adapter's own"
            };
            for (option, asked) in [("durability", durability.is_some()), ("persist", persist)] {
                if asked {
                    return Err(ChoiceError::Invalid {
                        option,
                        reason: format!("applies to IndexedDB only: {what}"),
                    });
                }
            }
        }
        Ok(StoreChoice {
            backend,
            key,
            durability: durability.unwrap_or(Durability::DEFAULT),
            persist,
        })
    }

    /// Whether `persist: true` was asked (and the store is IndexedDB).
    pub fn wants_persistence(&self) -> bool {
        self.persist
    }

    /// `"indexeddb"`, `"memory"` or `"adapter"`.
    pub fn name(&self) -> &'static str {
        match self.backend {
            Backend::Memory => "memory",
            Backend::IndexedDb => "indexeddb",
            Backend::Adapter(_) => "adapter",
        }
    }

    /// Whether payloads are stored as given (no key): then a leader can
    /// store a job the moment it is enqueued.
    pub fn stores_payloads_as_given(&self) -> bool {
        self.key.is_none()
    }

    /// The payload as it will be stored: as given, or with a key its JSON
    /// form (a browser cannot turn a structured clone into bytes to
    /// encrypt), or why it has none.
    pub fn storable(&self, payload: JsValue) -> Result<JsValue, String> {
        match self.key {
            None => Ok(payload),
            Some(_) => json_copy(&payload),
        }
    }
}

/// Opens the store of queue `name` that `choice` names.
pub async fn open(choice: &StoreChoice, name: &str) -> Result<AnyStore, StoreError> {
    let key = choice.key.clone();
    Ok(match &choice.backend {
        Backend::Memory => AnyStore::Memory(memory_store(name)),
        Backend::IndexedDb => {
            AnyStore::IndexedDb(IndexedDbStore::open(name, key, choice.durability).await?)
        }
        Backend::Adapter(adapter) => AnyStore::Kv(KvStore::new(adapter.clone(), name, key)?),
    })
}

/// A JSON-compatible copy of `payload`, or why it has none.
fn json_copy(payload: &JsValue) -> Result<JsValue, String> {
    const NO_JSON: &str = "it has no JSON form (undefined, a function or a symbol)";
    let text = JSON::stringify(payload).map_err(|e| {
        e.dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .unwrap_or_else(|| NO_JSON.to_owned())
    })?;
    let Some(text) = JsValue::from(text).as_string() else {
        return Err(NO_JSON.to_owned());
    };
    JSON::parse(&text).map_err(|_| NO_JSON.to_owned())
}
