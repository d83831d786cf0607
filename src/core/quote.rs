//! Strings in double quotes, escaped, in the two dialects wasmq writes:
//!
//! - [`quoted`], for error messages, as Rust's `{:?}` quotes a string
//!   (`"a\"b\n"`), without core::fmt's `str` Debug and the Unicode
//!   printability tables it pulls in (about 6 KB of wasm). Quotes,
//!   backslashes, controls, invisible spaces and format characters and the
//!   Latin combining marks are escaped exactly as Rust escapes them. Rust's
//!   tables also escape unassigned code points and the combining marks of
//!   other scripts (Devanagari vowel signs, emoji variation selectors); here
//!   those are written as themselves, which reads at least as clearly.
//! - [`push_json_string`], a JSON string literal (controls as `\u00XX`).
//!
//! Both share one escaper: quotes, backslashes, `\n`, `\r` and `\t` are
//! written alike; they differ only in what else they escape and how.

/// `s` in double quotes, escaped as Rust's `{:?}` would.
pub fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_escaped(&mut out, s, Dialect::Rust);
    out
}

/// Appends `s` as a JSON string literal.
pub fn push_json_string(out: &mut String, s: &str) {
    push_escaped(out, s, Dialect::Json);
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Rust,
    Json,
}

fn push_escaped(out: &mut String, s: &str, dialect: Dialect) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' if dialect == Dialect::Rust => out.push_str("\\0"),
            c if dialect == Dialect::Json && u32::from(c) < 0x20 => {
                out.push_str("\\u00");
                out.push(char::from(HEX[usize::from(c as u8 >> 4)]));
                out.push(char::from(HEX[usize::from(c as u8 & 15)]));
            }
            c if dialect == Dialect::Rust && hidden(c) => {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)))
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Strings as Rust's `{:?}` writes a `Vec<String>`: `["a", "b"]`.
pub fn quoted_list(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| quoted(s)).collect();
    format!("[{}]", inner.join(", "))
}

/// Characters that would not show in a message: controls, invisible
/// format characters, and combining marks (which would join the quote).
fn hidden(c: char) -> bool {
    matches!(u32::from(c),
        0x00..=0x1f | 0x7f..=0xa0 | 0xad | 0x300..=0x36f | 0x2000..=0x200f
        | 0x2028..=0x202f | 0x205f..=0x206f | 0xfeff | 0xfff9..=0xfffb)
}
