//! Reading options objects from JavaScript: own enumerable properties only
//! (a polluted `Object.prototype` cannot inject options), unknown names
//! refused, every value type- and range-checked with an error naming it.
//! An object whose properties cannot be read (a getter or `Proxy` trap that
//! throws, a revoked `Proxy`) is refused as an invalid option, not thrown through.

use wasm_bindgen::{JsCast, JsValue};

use crate::core::quote::{quoted, quoted_list};
use crate::core::{
    Backoff, Config, EnqueueOptions, JobState, JobStates, MessageId, OnDuplicate, RateLimit,
    MAX_ATTEMPTS_LIMIT, MAX_RATE_LIMIT, MAX_TIME_MS,
};
use crate::js::object::{date_ms, is_array, own_entries, type_name};
use crate::js::{error_text, f64_text};
use crate::runtime::QueueError;
use crate::store::{Durability, StorageKind, StoreChoice, StoreOptions};

/// The own properties of an options object, checked against the allowed names.
pub struct Fields {
    prefix: &'static str,
    entries: Vec<(String, JsValue)>,
}

impl Fields {
    /// `undefined` gives no fields; anything but a plain object is refused.
    pub fn read(
        value: &JsValue,
        what: &'static str,
        prefix: &'static str,
        allowed: &[&str],
    ) -> Result<Self, QueueError> {
        if value.is_undefined() {
            return Ok(Fields {
                prefix,
                entries: Vec::new(),
            });
        }
        if !value.is_object() || value.is_function() || is_array(value) {
            return Err(QueueError::invalid(
                what,
                format!("must be an object, got {}", type_name(value)),
            ));
        }
        let own = own_entries(value).map_err(|e| {
            QueueError::invalid(
                what,
                format!("its properties cannot be read: {}", error_text(&e)),
            )
        })?;
        let mut entries = Vec::new();
        for entry in own.iter() {
            let pair: js_sys::Array = entry.unchecked_into();
            let key = pair.get(0).as_string().unwrap_or_default();
            if !allowed.contains(&key.as_str()) {
                return Err(QueueError::invalid(
                    &format!("{prefix}{key}"),
                    format!("unknown option; expected one of: {}", allowed.join(", ")),
                ));
            }
            entries.push((key, pair.get(1)));
        }
        Ok(Fields { prefix, entries })
    }

    fn get(&self, name: &str) -> Option<&JsValue> {
        self.entries
            .iter()
            .find(|(k, v)| k == name && !v.is_undefined())
            .map(|(_, v)| v)
    }

    fn name(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// An integer option in `min..=max`.
    pub fn integer(&self, name: &str, min: f64, max: f64) -> Result<Option<f64>, QueueError> {
        let Some(v) = self.get(name) else {
            return Ok(None);
        };
        let n = number(&self.name(name), v)?;
        if n.fract() != 0.0 || n < min || n > max {
            return Err(QueueError::invalid(
                &self.name(name),
                format!(
                    "must be an integer from {} to {}, got {}",
                    f64_text(min),
                    f64_text(max),
                    f64_text(n)
                ),
            ));
        }
        Ok(Some(n))
    }

    /// A duration or time in ms: an integer from 0 to 2^53 - 1.
    pub fn millis(&self, name: &str) -> Result<Option<u64>, QueueError> {
        Ok(self
            .integer(name, 0.0, MAX_TIME_MS as f64)?
            .map(|n| n as u64))
    }

    /// A time given as ms since the epoch or as a `Date`.
    pub fn time(&self, name: &str) -> Result<Option<u64>, QueueError> {
        // A real Date only: an object that merely inherits from one is
        // refused as a non-number below.
        match self.get(name).and_then(date_ms) {
            Some(t) => {
                if !t.is_finite() || t < 0.0 {
                    return Err(QueueError::invalid(
                        &self.name(name),
                        "must be a valid date",
                    ));
                }
                Ok(Some(t as u64))
            }
            None => self.millis(name),
        }
    }

    /// A string (length rules are the core's).
    pub fn string(&self, name: &str) -> Result<Option<String>, QueueError> {
        let Some(v) = self.get(name) else {
            return Ok(None);
        };
        match v.as_string() {
            Some(s) => Ok(Some(s)),
            None => Err(QueueError::invalid(
                &self.name(name),
                format!("must be a string, got {}", type_name(v)),
            )),
        }
    }

    /// A boolean.
    pub fn boolean(&self, name: &str) -> Result<Option<bool>, QueueError> {
        let Some(v) = self.get(name) else {
            return Ok(None);
        };
        v.as_bool().map(Some).ok_or_else(|| {
            QueueError::invalid(
                &self.name(name),
                format!("must be a boolean, got {}", type_name(v)),
            )
        })
    }

    /// A function.
    pub fn function(&self, name: &str) -> Result<Option<js_sys::Function>, QueueError> {
        let Some(v) = self.get(name) else {
            return Ok(None);
        };
        if !v.is_function() {
            return Err(QueueError::invalid(
                &self.name(name),
                format!("must be a function, got {}", type_name(v)),
            ));
        }
        Ok(Some(v.clone().unchecked_into()))
    }

    /// A nested value, as is.
    pub fn raw(&self, name: &str) -> JsValue {
        self.get(name).cloned().unwrap_or(JsValue::UNDEFINED)
    }
}

fn number(name: &str, v: &JsValue) -> Result<f64, QueueError> {
    match v.as_f64() {
        Some(n) if n.is_finite() => Ok(n),
        Some(n) => Err(QueueError::invalid(
            name,
            format!("must be a finite number, got {}", f64_text(n)),
        )),
        None => Err(QueueError::invalid(
            name,
            format!("must be a number, got {}", type_name(v)),
        )),
    }
}

/// What `Queue.open` was asked for.
pub struct OpenOptions {
    /// Engine settings.
    pub config: Config,
    /// Which backend, with the key that seals its payloads.
    pub store: StoreChoice,
    /// Default concurrency of `process`.
    pub concurrency: usize,
    /// `validate(payload)`: `true` admits a payload, anything else refuses it.
    pub validate: Option<js_sys::Function>,
    /// Largest payload admitted, as measured by `api::payload_size`.
    pub max_payload_bytes: Option<u64>,
}

const MAX_CONCURRENCY: f64 = 10_000.0;

/// The names `Queue.open` takes.
pub const OPEN_OPTIONS: &[&str] = &[
    "concurrency",
    "maxAttempts",
    "backoff",
    "leaseMs",
    "idempotencyWindowMs",
    "storage",
    "encryptionKey",
    "validate",
    "maxPayloadBytes",
    "rateLimit",
    "groupRateLimit",
    "durability",
    "persist",
];

/// The names `enqueue` takes.
pub const ENQUEUE_OPTIONS: &[&str] = &[
    "idempotencyKey",
    "idempotencyWindowMs",
    "delayMs",
    "runAt",
    "priority",
    "group",
    "maxAttempts",
    "onDuplicate",
];

/// Parses `Queue.open`'s options.
pub fn open_options(value: &JsValue) -> Result<OpenOptions, QueueError> {
    let f = Fields::read(value, "options", "", OPEN_OPTIONS)?;
    let mut config = Config::default();
    if let Some(n) = f.integer("maxAttempts", 1.0, MAX_ATTEMPTS_LIMIT as f64)? {
        config.max_attempts = n as u32;
    }
    if let Some(ms) = f.millis("leaseMs")? {
        config.lease_ms = ms;
    }
    if let Some(ms) = f.millis("idempotencyWindowMs")? {
        config.idempotency_window_ms = ms;
    }
    backoff(&f.raw("backoff"), &mut config)?;
    config.rate_limit = rate_limit(&f.raw("rateLimit"), "rateLimit")?;
    config.group_rate_limit = rate_limit(&f.raw("groupRateLimit"), "groupRateLimit")?;
    let storage = StorageKind::from_option(&f.raw("storage"))
        .map_err(|why| QueueError::invalid("storage", why))?;
    let concurrency = f
        .integer("concurrency", 1.0, MAX_CONCURRENCY)?
        .unwrap_or(1.0) as usize;
    config.validate()?;
    let store = StoreOptions {
        key: encryption_key(&f.raw("encryptionKey"))?,
        durability: Durability::from_option(&f.raw("durability"))
            .map_err(|why| QueueError::invalid("durability", why))?,
        persist: f.boolean("persist")?.unwrap_or(false),
    };
    let validate = f.function("validate")?;
    let max_payload_bytes = f
        .integer("maxPayloadBytes", 1.0, MAX_TIME_MS as f64)?
        .map(|n| n as u64);
    Ok(OpenOptions {
        config,
        store: StoreChoice::new(storage, store)?,
        concurrency,
        validate,
        max_payload_bytes,
    })
}

/// An AES-GCM `CryptoKey` that may encrypt and decrypt.
fn encryption_key(value: &JsValue) -> Result<Option<web_sys::CryptoKey>, QueueError> {
    if value.is_undefined() {
        return Ok(None);
    }
    let Some(key) = value.dyn_ref::<web_sys::CryptoKey>() else {
        return Err(QueueError::invalid(
            "encryptionKey",
            format!(
                "must be a CryptoKey (from crypto.subtle), got {}",
                type_name(value)
            ),
        ));
    };
    let algorithm = key
        .algorithm()
        .ok()
        .and_then(|a| js_sys::Reflect::get(&a, &"name".into()).ok())
        .and_then(|n| n.as_string())
        .unwrap_or_default();
    let usages: Vec<String> = js_sys::Array::from(&key.usages())
        .iter()
        .filter_map(|u| u.as_string())
        .collect();
    if algorithm != "AES-GCM"
        || !["encrypt", "decrypt"]
            .iter()
            .all(|u| usages.iter().any(|x| x == u))
    {
        return Err(QueueError::invalid(
            "encryptionKey",
            format!(
                "must be an AES-GCM key with usages encrypt and decrypt, got {algorithm} {}",
                quoted_list(&usages)
            ),
        ));
    }
    Ok(Some(key.clone()))
}

fn backoff(value: &JsValue, config: &mut Config) -> Result<(), QueueError> {
    if value.is_undefined() {
        return Ok(());
    }
    let f = Fields::read(
        value,
        "backoff",
        "backoff.",
        &["type", "delayMs", "maxDelayMs", "jitter"],
    )?;
    let delay_ms = f.millis("delayMs")?.unwrap_or(1_000);
    config.backoff = match f.string("type")?.as_deref() {
        Some("fixed") => Backoff::Fixed { delay_ms },
        Some("exponential") | None => Backoff::Exponential {
            delay_ms,
            max_delay_ms: f.millis("maxDelayMs")?.unwrap_or(delay_ms.max(60_000)),
        },
        Some(other) => {
            return Err(QueueError::invalid(
                "backoff.type",
                format!(
                    "must be \"fixed\" or \"exponential\", got {}",
                    quoted(other)
                ),
            ))
        }
    };
    if let Some(j) = f.boolean("jitter")? {
        config.jitter = j;
    }
    Ok(())
}

/// A rate limit `{ max, intervalMs }` (both required), named `name`.
fn rate_limit(value: &JsValue, name: &'static str) -> Result<Option<RateLimit>, QueueError> {
    if value.is_undefined() {
        return Ok(None);
    }
    let prefix = match name {
        "rateLimit" => "rateLimit.",
        _ => "groupRateLimit.",
    };
    let f = Fields::read(value, name, prefix, &["max", "intervalMs"])?;
    let required = |field: &str| QueueError::invalid(&format!("{prefix}{field}"), "is required");
    let max = f
        .integer("max", 1.0, f64::from(MAX_RATE_LIMIT))?
        .ok_or_else(|| required("max"))?;
    let interval_ms = f
        .integer("intervalMs", 1.0, MAX_TIME_MS as f64)?
        .ok_or_else(|| required("intervalMs"))?;
    Ok(Some(RateLimit {
        max: max as u32,
        interval_ms: interval_ms as u64,
    }))
}

/// Parses `enqueue`'s options.
pub fn enqueue_options(value: &JsValue) -> Result<EnqueueOptions, QueueError> {
    if value.is_undefined() {
        // What reading no fields gives (and it is valid), without the reading.
        return Ok(EnqueueOptions::default());
    }
    let f = Fields::read(value, "options", "", ENQUEUE_OPTIONS)?;
    let opts = EnqueueOptions {
        idempotency_key: f.string("idempotencyKey")?,
        delay_ms: f.millis("delayMs")?,
        run_at_ms: f.time("runAt")?,
        priority: f
            .integer("priority", i32::MIN as f64, i32::MAX as f64)?
            .unwrap_or(0.0) as i32,
        group: f.string("group")?,
        max_attempts: f
            .integer("maxAttempts", 1.0, MAX_ATTEMPTS_LIMIT as f64)?
            .map(|n| n as u32),
        idempotency_window_ms: f.millis("idempotencyWindowMs")?,
        on_duplicate: match f.string("onDuplicate")?.as_deref() {
            None | Some("keep") => OnDuplicate::Keep,
            Some("replace") => OnDuplicate::Replace,
            Some(other) => {
                return Err(QueueError::invalid(
                    "onDuplicate",
                    format!("must be \"keep\" or \"replace\", got {}", quoted(other)),
                ))
            }
        },
    };
    opts.validate()?;
    Ok(opts)
}

/// Parses `enqueueMany`'s options: those of `enqueue` but `idempotencyKey`
/// (one key for every job would make all but the first duplicates).
pub fn enqueue_many_options(value: &JsValue) -> Result<EnqueueOptions, QueueError> {
    let opts = enqueue_options(value)?;
    if opts.idempotency_key.is_some() {
        return Err(QueueError::invalid(
            "idempotencyKey",
            "is not taken by enqueueMany (it would make every job after the first a duplicate); use enqueue for jobs with keys",
        ));
    }
    Ok(opts)
}

/// Most jobs `processBatch` hands its handler at once.
const MAX_BATCH_SIZE: f64 = 100_000.0;
/// `processBatch`'s batch size when none is given.
pub const DEFAULT_BATCH_SIZE: usize = 100;

/// Parses `processBatch`'s options: `(concurrency, batchSize)`.
pub fn batch_options(value: &JsValue, default: usize) -> Result<(usize, usize), QueueError> {
    let f = Fields::read(value, "options", "", &["concurrency", "batchSize"])?;
    let concurrency = f
        .integer("concurrency", 1.0, MAX_CONCURRENCY)?
        .map_or(default, |n| n as usize);
    let size = f
        .integer("batchSize", 1.0, MAX_BATCH_SIZE)?
        .map_or(DEFAULT_BATCH_SIZE, |n| n as usize);
    Ok((concurrency, size))
}

/// `process`'s and `processBatch`'s first argument: a function.
pub fn handler(value: &JsValue) -> Result<js_sys::Function, QueueError> {
    value
        .dyn_ref::<js_sys::Function>()
        .cloned()
        .ok_or_else(|| QueueError::invalid("handler", "must be a function"))
}

/// Checks `enqueueMany`'s first argument is an array.
pub fn payload_list(value: &JsValue) -> Result<(), QueueError> {
    if is_array(value) {
        return Ok(());
    }
    Err(QueueError::invalid(
        "payloads",
        format!("must be an array, got {}", type_name(value)),
    ))
}

/// Parses `process`'s options: the concurrency, or `default`.
pub fn process_concurrency(value: &JsValue, default: usize) -> Result<usize, QueueError> {
    let f = Fields::read(value, "options", "", &["concurrency"])?;
    Ok(f.integer("concurrency", 1.0, MAX_CONCURRENCY)?
        .map_or(default, |n| n as usize))
}

/// Parses `deadLetters`'s options: `(after, limit)`.
pub fn page_options(value: &JsValue) -> Result<(Option<u64>, usize), QueueError> {
    page(&Fields::read(value, "options", "", &["after", "limit"])?)
}

/// `after` and `limit` of a paged listing.
fn page(f: &Fields) -> Result<(Option<u64>, usize), QueueError> {
    let after = f.millis("after")?;
    let limit = f
        .integer("limit", 0.0, MAX_TIME_MS as f64)?
        .map_or(usize::MAX, |n| n as usize);
    Ok((after, limit))
}

/// What `jobs` asks for: which states, which FIFO group, and the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobsQuery {
    /// States to list (default all three).
    pub states: JobStates,
    /// Only this FIFO group's jobs.
    pub group: Option<String>,
    /// Jobs after this id.
    pub after: Option<u64>,
    /// At most this many.
    pub limit: usize,
}

const STATE_NAMES: [JobState; 3] = [JobState::Pending, JobState::Delayed, JobState::InFlight];

/// Parses `jobs`'s options: `{ states, group, after, limit }`, `states` an
/// array of `"pending"`, `"delayed"`, `"inFlight"`.
pub fn jobs_options(value: &JsValue) -> Result<JobsQuery, QueueError> {
    let f = Fields::read(value, "options", "", &["states", "group", "after", "limit"])?;
    let states = match f.raw("states") {
        v if v.is_undefined() => JobStates::ALL,
        v if is_array(&v) => {
            let mut set = JobStates::NONE;
            for name in js_sys::Array::from(&v).iter() {
                let state = STATE_NAMES
                    .into_iter()
                    .find(|s| name.as_string().as_deref() == Some(s.name()));
                let Some(state) = state else {
                    return Err(QueueError::invalid(
                        "states",
                        "each state must be \"pending\", \"delayed\" or \"inFlight\"",
                    ));
                };
                set = set.with(state);
            }
            set
        }
        v => {
            return Err(QueueError::invalid(
                "states",
                format!("must be an array of states, got {}", type_name(&v)),
            ))
        }
    };
    let group = f.string("group")?;
    let (after, limit) = page(&f)?;
    Ok(JobsQuery {
        states,
        group,
        after,
        limit,
    })
}

impl JobsQuery {
    /// The query as a plain options object (what a follower forwards).
    pub fn to_js(&self) -> JsValue {
        let states: js_sys::Array = STATE_NAMES
            .into_iter()
            .filter(|s| self.states.contains(*s))
            .map(|s| JsValue::from_str(s.name()))
            .collect();
        let obj = crate::js::object::object(&[("states", states.into())]);
        if let Some(g) = &self.group {
            crate::js::object::set(&obj, "group", &g.as_str().into());
        }
        if let Some(a) = self.after {
            crate::js::object::set(&obj, "after", &(a as f64).into());
        }
        if self.limit != usize::MAX {
            crate::js::object::set(&obj, "limit", &(self.limit as f64).into());
        }
        obj
    }
}

/// A message id argument (`undefined` for "all").
pub fn message_id(v: &JsValue) -> Result<Option<MessageId>, QueueError> {
    if v.is_undefined() {
        return Ok(None);
    }
    match v.as_f64() {
        Some(n)
            if n.is_finite()
                && n >= 0.0
                && n.fract() == 0.0
                && n <= crate::core::MAX_TIME_MS as f64 =>
        {
            Ok(Some(MessageId(n as u64)))
        }
        _ => Err(QueueError::invalid(
            "id",
            "must be a message id (a non-negative integer)",
        )),
    }
}
