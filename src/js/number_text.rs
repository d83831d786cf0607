//! An `f64` written exactly as Rust's `{}` writes it (`1.5`, `-0`, `inf`,
//! `0.00000015`, `1000000000000000000000`), without core::fmt's float
//! machinery, which costs about 16 KB of wasm. JavaScript's
//! `Number.prototype.toString` gives the same shortest round-trip digits
//! except on an exact tie, where JS picks the even last digit and Rust the
//! upper one; that and the notation (JS switches to an exponent) are undone here.

/// Rust's `format!("{x}")` of an `f64`.
pub fn f64_text(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x.is_infinite() {
        return format!("{sign}inf");
    }
    let js: String = js_sys::Number::from(x.abs())
        .to_string_with_radix(10)
        .map(String::from)
        .unwrap_or_default();
    let (mantissa, exponent) = match js.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (js.as_str(), 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits = format!("{int}{frac}");
    // Where the decimal point falls in `digits`.
    let mut point = int.len() as i32 + exponent;
    if let Ok(d) = digits.parse::<u64>() {
        if is_half_above(x.abs(), d, point - digits.len() as i32) {
            let up = (d + 1).to_string();
            point += up.len() as i32 - digits.len() as i32;
            digits = up;
        }
    }
    let digits = digits.trim_end_matches('0');
    let mut out = String::from(sign);
    if point <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat('0').take(point.unsigned_abs() as usize));
        out.push_str(digits);
    } else if point as usize >= digits.len() {
        out.push_str(digits);
        out.extend(std::iter::repeat('0').take(point as usize - digits.len()));
    } else {
        // ASCII digits; by char, not `split_at`, whose panic path would
        // bring back core::fmt's `char` Debug and Unicode tables.
        for (i, c) in digits.chars().enumerate() {
            if i == point as usize {
                out.push('.');
            }
            out.push(c);
        }
    }
    out
}

/// Whether `x` (finite, non-negative) is exactly `(d + 1/2) * 10^p`, i.e.
/// `x * 2^1 == (2d + 1) * 5^p * 2^p`, in exact integer arithmetic. Where a
/// side overflows `u128` the two cannot be equal (a tie needs a short exact
/// decimal expansion), so overflow answers false.
fn is_half_above(x: f64, d: u64, p: i32) -> bool {
    let bits = x.to_bits();
    let (m, e) = match (bits >> 52) as i32 {
        0 => (bits & ((1 << 52) - 1), -1074),
        biased => ((bits & ((1 << 52) - 1)) | (1 << 52), biased - 1075),
    };
    let pow5 = |n: i32| 5u128.checked_pow(n.unsigned_abs());
    // m * 2^(e+1) * [5^-p * 2^-p if p < 0] == (2d+1) * [5^p * 2^p if p >= 0]
    let (left, right) = if p < 0 {
        (
            pow5(p).and_then(|f| f.checked_mul(u128::from(m))),
            Some(2 * u128::from(d) + 1),
        )
    } else {
        (
            Some(u128::from(m)),
            pow5(p).and_then(|f| f.checked_mul(2 * u128::from(d) + 1)),
        )
    };
    let (Some(left), Some(right)) = (left, right) else {
        return false;
    };
    // left * 2^a == right * 2^b
    let a = e + 1 + (-p).max(0);
    let b = p.max(0);
    let shifted = |v: u128, s: i32| {
        let s = s.unsigned_abs();
        (s < 128 && v.leading_zeros() >= s).then(|| v << s)
    };
    if a >= b {
        shifted(left, a - b) == Some(right)
    } else {
        shifted(right, b - a) == Some(left)
    }
}
