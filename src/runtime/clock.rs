//! The wall clock, read here (or in `hot.js`, passed in and taken by
//! [`ms`]): the core gets time as an argument.

/// Milliseconds since the Unix epoch, from `Date.now()`.
pub fn now_ms() -> u64 {
    ms(js_sys::Date::now())
}

/// A `Date.now()` read in JavaScript (and passed in) as ms since the epoch.
pub fn ms(now: f64) -> u64 {
    if now.is_finite() && now > 0.0 {
        now as u64
    } else {
        0
    }
}
