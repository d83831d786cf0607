//! Per-message options of `enqueue`, and their validation.

use super::config::{check_duration, check_max_attempts, MAX_TIME_MS};
use super::error::{Error, Result};

/// Longest idempotency key or group name, in bytes of UTF-8.
pub const MAX_KEY_BYTES: usize = 1024;

/// What an enqueue does when its idempotency key is live.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnDuplicate {
    /// Store nothing; report the first message (`Enqueued::Duplicate`). The default.
    #[default]
    Keep,
    /// Coalesce (JS `onDuplicate: "replace"`): the latest enqueue wins. A
    /// match still waiting (pending or delayed) gets this payload and
    /// options in place, keeping its id (`Enqueued::Replaced`); a match in
    /// flight, dead or completed stays as it is and this one is stored as a
    /// new job that the key then stands for (`Enqueued::New`). See
    /// `Engine::enqueue` for which options a replace takes.
    Replace,
}

/// Options of one enqueue. `Default` is "run now, priority 0, no key, no group".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnqueueOptions {
    /// A second enqueue with the same key inside the window stores nothing
    /// and returns the first message's id.
    pub idempotency_key: Option<String>,
    /// Run no earlier than this many ms from now. Exclusive with `run_at_ms`.
    pub delay_ms: Option<u64>,
    /// Run no earlier than this time. Exclusive with `delay_ms`.
    pub run_at_ms: Option<u64>,
    /// Higher runs first (default 0).
    pub priority: i32,
    /// FIFO group: at most one in flight per group, strict enqueue order inside it.
    pub group: Option<String>,
    /// Overrides the queue's `maxAttempts` for this message.
    pub max_attempts: Option<u32>,
    /// Overrides the queue's idempotency window for this message's key.
    pub idempotency_window_ms: Option<u64>,
    /// Keep the first message (default) or replace it; needs `idempotency_key`.
    pub on_duplicate: OnDuplicate,
}

impl EnqueueOptions {
    /// Checks every option; the error names the first bad one.
    pub fn validate(&self) -> Result<()> {
        if let Some(key) = &self.idempotency_key {
            check_name("idempotencyKey", key)?;
        }
        if let Some(group) = &self.group {
            check_name("group", group)?;
        }
        if self.delay_ms.is_some() && self.run_at_ms.is_some() {
            return Err(Error::invalid(
                "runAt",
                "give either delayMs or runAt, not both",
            ));
        }
        if let Some(d) = self.delay_ms {
            check_duration("delayMs", d)?;
        }
        if let Some(t) = self.run_at_ms {
            check_duration("runAt", t)?;
        }
        if let Some(n) = self.max_attempts {
            check_max_attempts("maxAttempts", n)?;
        }
        if let Some(w) = self.idempotency_window_ms {
            check_duration("idempotencyWindowMs", w)?;
        }
        if self.on_duplicate == OnDuplicate::Replace && self.idempotency_key.is_none() {
            return Err(Error::invalid(
                "onDuplicate",
                "\"replace\" needs an idempotencyKey: the key names the job to replace",
            ));
        }
        Ok(())
    }

    /// When the message becomes due, enqueued at `now_ms`.
    pub(crate) fn due_ms(&self, now_ms: u64) -> u64 {
        match (self.delay_ms, self.run_at_ms) {
            (Some(d), _) => now_ms.saturating_add(d).min(MAX_TIME_MS),
            (None, Some(t)) => t,
            (None, None) => now_ms,
        }
    }
}

fn check_name(option: &'static str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid(option, "must not be empty"));
    }
    if value.len() > MAX_KEY_BYTES {
        return Err(Error::invalid(
            option,
            format!("must be at most {MAX_KEY_BYTES} bytes, got {}", value.len()),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bad(o: EnqueueOptions) -> &'static str {
        match o.validate() {
            Err(Error::InvalidOption(e)) => e.option,
            other => panic!("expected InvalidOption, got {other:?}"),
        }
    }

    #[test]
    fn each_bad_option_is_named() {
        let d = EnqueueOptions::default;
        assert_eq!(
            bad(EnqueueOptions {
                idempotency_key: Some(String::new()),
                ..d()
            }),
            "idempotencyKey"
        );
        assert_eq!(
            bad(EnqueueOptions {
                idempotency_key: Some("k".repeat(MAX_KEY_BYTES + 1)),
                ..d()
            }),
            "idempotencyKey"
        );
        assert_eq!(
            bad(EnqueueOptions {
                group: Some(String::new()),
                ..d()
            }),
            "group"
        );
        assert_eq!(
            bad(EnqueueOptions {
                delay_ms: Some(1),
                run_at_ms: Some(1),
                ..d()
            }),
            "runAt"
        );
        assert_eq!(
            bad(EnqueueOptions {
                delay_ms: Some(MAX_TIME_MS + 1),
                ..d()
            }),
            "delayMs"
        );
        assert_eq!(
            bad(EnqueueOptions {
                run_at_ms: Some(u64::MAX),
                ..d()
            }),
            "runAt"
        );
        assert_eq!(
            bad(EnqueueOptions {
                max_attempts: Some(0),
                ..d()
            }),
            "maxAttempts"
        );
        assert_eq!(
            bad(EnqueueOptions {
                on_duplicate: OnDuplicate::Replace,
                ..d()
            }),
            "onDuplicate"
        );
        assert!(EnqueueOptions {
            idempotency_key: Some("k".repeat(MAX_KEY_BYTES)),
            ..d()
        }
        .validate()
        .is_ok());
    }

    #[test]
    fn due_time_from_delay_or_run_at() {
        let d = EnqueueOptions::default;
        assert_eq!(d().due_ms(50), 50);
        assert_eq!(
            EnqueueOptions {
                delay_ms: Some(10),
                ..d()
            }
            .due_ms(50),
            60
        );
        assert_eq!(
            EnqueueOptions {
                run_at_ms: Some(7),
                ..d()
            }
            .due_ms(50),
            7
        );
        assert_eq!(
            EnqueueOptions {
                delay_ms: Some(MAX_TIME_MS),
                ..d()
            }
            .due_ms(MAX_TIME_MS),
            MAX_TIME_MS
        );
    }
}
