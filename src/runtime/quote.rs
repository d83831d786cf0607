//! A string quoted for an error message as Rust's `{:?}` quotes it
//! (`"a\"b\n"`), without core::fmt's `str` Debug and the Unicode
//! printability tables it pulls in (about 6 KB of wasm). Quotes,
//! backslashes, controls, invisible spaces and format characters and the
//! Latin combining marks are escaped exactly as Rust escapes them. Rust's
//! tables also escape unassigned code points and the combining marks of
//! other scripts (Devanagari vowel signs, emoji variation selectors); here
//! those are written as themselves, which reads at least as clearly.

/// `s` in double quotes, escaped.
pub fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if hidden(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

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
