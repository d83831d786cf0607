//! Queue-wide settings (`Config`) and the retry schedule (`Backoff`), with
//! validation that names the offending option.

use super::error::{Error, Result};
use super::rng::SplitMix64;

/// Largest time or duration the queue accepts, in milliseconds: 2^53 - 1,
/// the largest integer a JavaScript number holds exactly.
pub const MAX_TIME_MS: u64 = (1 << 53) - 1;
/// Largest `maxAttempts` accepted.
pub const MAX_ATTEMPTS_LIMIT: u32 = 1_000_000;

/// When a failed job is tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backoff {
    /// Always `delay_ms` after the failure.
    Fixed {
        /// The delay.
        delay_ms: u64,
    },
    /// `delay_ms * 2^(attempt - 1)`, capped at `max_delay_ms`.
    Exponential {
        /// The delay after the first failure.
        delay_ms: u64,
        /// The cap.
        max_delay_ms: u64,
    },
}

impl Backoff {
    /// The delay before the next try after `attempts` failed tries (`attempts >= 1`),
    /// without jitter.
    pub fn delay(&self, attempts: u32) -> u64 {
        match *self {
            Backoff::Fixed { delay_ms } => delay_ms,
            Backoff::Exponential {
                delay_ms,
                max_delay_ms,
            } => {
                let shift = attempts.saturating_sub(1).min(63);
                let factor = 1u64 << shift;
                delay_ms.saturating_mul(factor).min(max_delay_ms)
            }
        }
    }

    fn validate(&self) -> Result<()> {
        match *self {
            Backoff::Fixed { delay_ms } => check_duration("backoff.delayMs", delay_ms),
            Backoff::Exponential {
                delay_ms,
                max_delay_ms,
            } => {
                check_duration("backoff.delayMs", delay_ms)?;
                check_duration("backoff.maxDelayMs", max_delay_ms)?;
                if max_delay_ms < delay_ms {
                    return Err(Error::invalid(
                        "backoff.maxDelayMs",
                        format!(
                            "must be at least backoff.delayMs ({delay_ms}), got {max_delay_ms}"
                        ),
                    ));
                }
                Ok(())
            }
        }
    }
}

/// At most `max` lease starts in any `interval_ms` (a sliding window: for
/// every time `t`, the starts in `(t - interval_ms, t]` number at most `max`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Starts allowed per window (1 ..= [`MAX_RATE_LIMIT`]).
    pub max: u32,
    /// The window, in ms (1 ..= [`MAX_TIME_MS`]).
    pub interval_ms: u64,
}

/// Largest `rateLimit.max` accepted (the engine keeps up to this many start
/// times per limited queue or group).
pub const MAX_RATE_LIMIT: u32 = 1_000_000;

impl RateLimit {
    fn validate(&self, max: &'static str, interval: &'static str) -> Result<()> {
        if self.max == 0 || self.max > MAX_RATE_LIMIT {
            return Err(Error::invalid(
                max,
                format!("must be between 1 and {MAX_RATE_LIMIT}, got {}", self.max),
            ));
        }
        check_duration(interval, self.interval_ms)?;
        if self.interval_ms == 0 {
            return Err(Error::invalid(interval, "must be greater than 0"));
        }
        Ok(())
    }
}

/// Settings of one queue. Per-message options override `max_attempts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Tries before a job goes to the dead letters (>= 1). Default 5.
    pub max_attempts: u32,
    /// Retry schedule. Default exponential, 1 s doubling up to 60 s.
    pub backoff: Backoff,
    /// Spread each retry delay uniformly over `[delay/2, delay]` so that
    /// failures at the same moment do not retry in lockstep. Default true.
    pub jitter: bool,
    /// How long a lease lasts before the job is given to another try (> 0). Default 30 s.
    pub lease_ms: u64,
    /// How long an idempotency key is remembered after its enqueue. Default 24 h.
    pub idempotency_window_ms: u64,
    /// Seed of the jitter generator.
    pub seed: u64,
    /// Pace of the whole queue: at most `max` lease starts per interval
    /// (JS `rateLimit: { max, intervalMs }`). Start times are not stored, so
    /// after a reopen or takeover nothing starts for one interval. Default none.
    pub rate_limit: Option<RateLimit>,
    /// Pace of each FIFO group on its own: at most `max` starts of that
    /// group's jobs per interval (JS `groupRateLimit: { max, intervalMs }`).
    /// Ungrouped jobs are paced by `rate_limit` only. Default none.
    pub group_rate_limit: Option<RateLimit>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_attempts: 5,
            backoff: Backoff::Exponential {
                delay_ms: 1_000,
                max_delay_ms: 60_000,
            },
            jitter: true,
            lease_ms: 30_000,
            idempotency_window_ms: 24 * 60 * 60 * 1_000,
            seed: 0x5EED,
            rate_limit: None,
            group_rate_limit: None,
        }
    }
}

impl Config {
    /// Checks every setting; the error names the first bad one.
    pub fn validate(&self) -> Result<()> {
        check_max_attempts("maxAttempts", self.max_attempts)?;
        self.backoff.validate()?;
        check_duration("leaseMs", self.lease_ms)?;
        if self.lease_ms == 0 {
            return Err(Error::invalid("leaseMs", "must be greater than 0"));
        }
        check_duration("idempotencyWindowMs", self.idempotency_window_ms)?;
        if let Some(r) = &self.rate_limit {
            r.validate("rateLimit.max", "rateLimit.intervalMs")?;
        }
        if let Some(r) = &self.group_rate_limit {
            r.validate("groupRateLimit.max", "groupRateLimit.intervalMs")?;
        }
        Ok(())
    }

    /// The retry delay after `attempts` failed tries, with jitter when enabled.
    pub(crate) fn retry_delay(&self, attempts: u32, rng: &mut SplitMix64) -> u64 {
        let full = self.backoff.delay(attempts);
        if self.jitter {
            rng.in_range(full / 2, full)
        } else {
            full
        }
    }
}

pub(crate) fn check_duration(option: &'static str, ms: u64) -> Result<()> {
    if ms > MAX_TIME_MS {
        return Err(Error::invalid(
            option,
            format!("must be at most {MAX_TIME_MS} ms, got {ms}"),
        ));
    }
    Ok(())
}

pub(crate) fn check_max_attempts(option: &'static str, n: u32) -> Result<()> {
    if n == 0 || n > MAX_ATTEMPTS_LIMIT {
        return Err(Error::invalid(
            option,
            format!("must be between 1 and {MAX_ATTEMPTS_LIMIT}, got {n}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_doubles_and_caps() {
        let b = Backoff::Exponential {
            delay_ms: 100,
            max_delay_ms: 1_000,
        };
        let delays: Vec<u64> = (1..=6).map(|a| b.delay(a)).collect();
        assert_eq!(delays, vec![100, 200, 400, 800, 1_000, 1_000]);
        assert_eq!(
            b.delay(200),
            1_000,
            "huge attempt counts saturate, no overflow"
        );
    }

    #[test]
    fn fixed_is_constant() {
        let b = Backoff::Fixed { delay_ms: 250 };
        assert_eq!((1..5).map(|a| b.delay(a)).collect::<Vec<_>>(), vec![250; 4]);
    }

    #[test]
    fn jitter_stays_within_half_to_full() {
        let cfg = Config {
            backoff: Backoff::Fixed { delay_ms: 1_000 },
            ..Config::default()
        };
        let mut rng = SplitMix64::new(1);
        let draws: Vec<u64> = (0..200).map(|_| cfg.retry_delay(1, &mut rng)).collect();
        assert!(draws.iter().all(|d| (500..=1_000).contains(d)));
        assert!(draws.iter().any(|d| *d != draws[0]), "jitter varies");
        let exact = Config {
            jitter: false,
            ..cfg
        };
        assert_eq!(exact.retry_delay(1, &mut rng), 1_000);
    }

    #[test]
    fn validation_names_the_option() {
        let bad = |c: Config| match c.validate() {
            Err(Error::InvalidOption(e)) => e.option,
            other => panic!("expected InvalidOption, got {other:?}"),
        };
        let d = Config::default;
        assert_eq!(
            bad(Config {
                max_attempts: 0,
                ..d()
            }),
            "maxAttempts"
        );
        assert_eq!(bad(Config { lease_ms: 0, ..d() }), "leaseMs");
        assert_eq!(
            bad(Config {
                lease_ms: MAX_TIME_MS + 1,
                ..d()
            }),
            "leaseMs"
        );
        assert_eq!(
            bad(Config {
                idempotency_window_ms: u64::MAX,
                ..d()
            }),
            "idempotencyWindowMs"
        );
        assert_eq!(
            bad(Config {
                backoff: Backoff::Exponential {
                    delay_ms: 10,
                    max_delay_ms: 5
                },
                ..d()
            }),
            "backoff.maxDelayMs"
        );
        assert_eq!(
            bad(Config {
                backoff: Backoff::Fixed { delay_ms: u64::MAX },
                ..d()
            }),
            "backoff.delayMs"
        );
        let rate = |max, interval_ms| Some(RateLimit { max, interval_ms });
        for (name, r) in [
            ("rateLimit.max", rate(0, 10)),
            ("rateLimit.max", rate(MAX_RATE_LIMIT + 1, 10)),
            ("rateLimit.intervalMs", rate(1, 0)),
            ("rateLimit.intervalMs", rate(1, MAX_TIME_MS + 1)),
        ] {
            assert_eq!(
                bad(Config {
                    rate_limit: r,
                    ..d()
                }),
                name
            );
            let group_name = name.replace("rateLimit", "groupRateLimit");
            assert_eq!(
                bad(Config {
                    group_rate_limit: r,
                    ..d()
                }),
                group_name
            );
        }
        assert!(Config {
            rate_limit: rate(MAX_RATE_LIMIT, MAX_TIME_MS),
            group_rate_limit: rate(1, 1),
            ..d()
        }
        .validate()
        .is_ok());
        assert!(d().validate().is_ok());
    }
}
