//! The keys the adapter store (`kv.rs`) writes under `wasmq:{name}/`:
//! `c/{seq}` for a commit's marker and `d/{seq}/{part}` for its parts, with
//! `seq` in 16 digits so that keys sort as their numbers do. Parsing is
//! strict: a key of another shape (another queue whose name extends this
//! one's, or the application's own) is not the store's and is left alone.

/// What a key under the prefix names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// The marker of commit `seq`.
    Marker(u64),
    /// Part `.1` of commit `.0`.
    Part(u64, u32),
}

/// The prefix of every key of queue `name`.
pub fn prefix(name: &str) -> String {
    format!("wasmq:{name}/")
}

/// The key of commit `seq`'s marker.
pub fn marker_key(prefix: &str, seq: u64) -> String {
    format!("{prefix}c/{seq:016}")
}

/// The key of part `part` of commit `seq`.
pub fn part_key(prefix: &str, seq: u64, part: u32) -> String {
    format!("{prefix}d/{seq:016}/{part:06}")
}

/// What `rest` (a key with the prefix taken off) names, if it is the store's.
pub fn parse(rest: &str) -> Option<Key> {
    if let Some(seq) = rest.strip_prefix("c/") {
        return digits(seq, Some(16)).map(Key::Marker);
    }
    let (seq, part) = rest.strip_prefix("d/")?.split_once('/')?;
    let part = u32::try_from(digits(part, None)?).ok()?;
    Some(Key::Part(digits(seq, Some(16))?, part))
}

/// `s` as a number if it is only ASCII digits (exactly `len` of them, if given).
fn digits(s: &str, len: Option<usize>) -> Option<u64> {
    let ok = !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_digit())
        && len.map_or(true, |l| s.len() == l);
    if ok {
        s.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_keys_parse_back() {
        let p = prefix("jobs");
        for (seq, part) in [
            (0, 0),
            (7, 3),
            (9_999_999_999_999_999, 999_999),
            (1, 1_000_000),
        ] {
            let m = marker_key(&p, seq);
            assert_eq!(parse(&m[p.len()..]), Some(Key::Marker(seq)), "{m}");
            let d = part_key(&p, seq, part);
            assert_eq!(parse(&d[p.len()..]), Some(Key::Part(seq, part)), "{d}");
        }
    }

    #[test]
    fn keys_sort_as_their_numbers() {
        let p = prefix("q");
        let keys: Vec<String> = [1, 9, 10, 11, 100]
            .iter()
            .map(|&s| marker_key(&p, s))
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
    }

    #[test]
    fn other_shapes_are_not_the_stores() {
        for rest in [
            "c/7",
            "c/000000000000007",
            "c/00000000000000070",
            "c/c/0000000000000007",
            "c/000000000000000x",
            "d/0000000000000007/",
            "d/0000000000000007",
            "d/7/000001",
            "d/0000000000000007/1x",
            "d/0000000000000007/99999999999",
            "x/0000000000000007",
            "",
        ] {
            assert_eq!(parse(rest), None, "{rest:?}");
        }
    }

    #[test]
    fn another_queue_whose_name_extends_this_one_is_not_read() {
        // Queue "a" lists prefix "wasmq:a/"; queue "a/c" writes under "wasmq:a/c/".
        let mine = prefix("a");
        let theirs = prefix("a/c");
        for key in [marker_key(&theirs, 5), part_key(&theirs, 5, 0)] {
            assert!(key.starts_with(&mine));
            assert_eq!(parse(&key[mine.len()..]), None, "{key}");
        }
    }
}
