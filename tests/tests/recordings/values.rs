//! The random values of a recording (keys, codes, tokens, app ids) and the emulator's
//! values that took their place, so a later request that carried a recorded value carries
//! the emulator's instead.
//!
//! Two forms: full values (JSON lines, relay log), learned by walking a recorded answer
//! beside the emulator's; and the `prefix…[N]` shortening of `wire.txt`, learned by the
//! member or query parameter the shortened value sat in. A shortened value never seen in an
//! answer is one the client made (a password hash): it becomes a fixed stand-in of length
//! `N`, the same for every use.

use std::collections::HashMap;

/// Rewrites between recorded and emulated values.
#[derive(Debug, Default)]
pub struct Values {
    /// recorded → emulated, for full values.
    full: Vec<(String, String)>,
    /// prefix of a shortened recorded value → emulated value.
    short: HashMap<String, String>,
    /// recorded row id → emulated row id (sessions).
    ids: HashMap<i64, i64>,
}

/// Where a `prefix…[N]` shortening sits in a text: byte range, prefix, N.
pub fn shortenings(text: &str) -> Vec<(std::ops::Range<usize>, String, usize)> {
    const MARK: &str = "…[";
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = text[from..].find(MARK) {
        let mark = from + found;
        let digits_start = mark + MARK.len();
        let digits: String = text[digits_start..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let close = digits_start + digits.len();
        from = close.max(mark + MARK.len());
        if digits.is_empty() || !text[close..].starts_with(']') {
            continue;
        }
        let start = text[..mark]
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .last()
            .map_or(mark, |(i, _)| i);
        if start == mark {
            continue;
        }
        out.push((
            start..close + 1,
            text[start..mark].to_owned(),
            digits.parse().unwrap_or(0),
        ));
    }
    out
}

/// Whether a recorded string is one of the server's random values rather than a fixed text:
/// long, and made only of the characters keys, codes and tokens use.
pub fn looks_random(text: &str) -> bool {
    text.len() >= 20
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '='))
}

impl Values {
    /// Learns `recorded` → `emulated` (both full values).
    pub fn learn(&mut self, recorded: &str, emulated: &str) {
        if recorded == emulated || recorded.is_empty() {
            return;
        }
        if let Some((_, prefix, _)) = shortenings(recorded).into_iter().next() {
            self.short.insert(prefix, emulated.to_owned());
            return;
        }
        if let Some(entry) = self.full.iter_mut().find(|(r, _)| r == recorded) {
            emulated.clone_into(&mut entry.1);
        } else {
            self.full.push((recorded.to_owned(), emulated.to_owned()));
            // Longest first, so a value that contains another is replaced whole.
            self.full.sort_by_key(|(r, _)| std::cmp::Reverse(r.len()));
        }
    }

    /// The full values learned so far: (recorded, emulated).
    pub fn full_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.full.iter().map(|(r, e)| (r.as_str(), e.as_str()))
    }

    /// Learns that the row the recording numbered `recorded` is `emulated` here.
    pub fn learn_id(&mut self, recorded: i64, emulated: i64) {
        self.ids.insert(recorded, emulated);
    }

    /// `text` (a recorded request part) with every known recorded value replaced.
    pub fn to_emulated(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for (range, prefix, length) in shortenings(text) {
            out.push_str(&text[last..range.start]);
            match self.short.get(&prefix) {
                Some(value) => out.push_str(value),
                None => out.push_str(&stand_in(&prefix, length)),
            }
            last = range.end;
        }
        out.push_str(&text[last..]);
        for (recorded, emulated) in &self.full {
            if out.contains(recorded.as_str()) {
                out = out.replace(recorded.as_str(), emulated);
            }
        }
        self.session_ids(&out)
    }

    /// `"sessionId":N` with the recorded row id replaced.
    fn session_ids(&self, text: &str) -> String {
        const KEY: &str = "\"sessionId\":";
        let Some(at) = text.find(KEY) else {
            return text.to_owned();
        };
        let start = at + KEY.len();
        let digits: String = text[start..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        match digits.parse::<i64>().ok().and_then(|id| self.ids.get(&id)) {
            Some(id) => format!("{}{id}{}", &text[..start], &text[start + digits.len()..]),
            None => text.to_owned(),
        }
    }

    /// `text` (an emulated answer part) with every known emulated value replaced by the
    /// recorded one, so fixed texts around random values can be compared.
    pub fn to_recorded(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (recorded, emulated) in &self.full {
            if emulated.len() >= 8 && out.contains(emulated.as_str()) {
                out = out.replace(emulated.as_str(), recorded);
            }
        }
        out
    }
}

/// A fixed stand-in of `length` characters for a value the client made and `wire.txt`
/// shortened: the prefix, then hex digits drawn from it (hashes are hex; so is every such
/// value in the recording).
fn stand_in(prefix: &str, length: usize) -> String {
    let mut state: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in prefix.bytes() {
        state = (state ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    let mut out = prefix.to_owned();
    while out.len() < length {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let digit = u32::try_from(state >> 60).unwrap_or(0);
        out.push(char::from_digit(digit, 16).unwrap_or('0'));
    }
    out.truncate(length);
    out
}

#[test]
fn shortened_values_are_found_and_stood_in_for() {
    let body = r#"{"username":"a","password":"084b9acfe6…[128]"}"#;
    let found = shortenings(body);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].1, "084b9acfe6");
    assert_eq!(found[0].2, 128);
    let values = Values::default();
    let sent = values.to_emulated(body);
    assert_eq!(
        sent,
        values.to_emulated(body),
        "the same stand-in every time"
    );
    let value: serde_json::Value = serde_json::from_str(&sent).unwrap();
    assert_eq!(value["password"].as_str().unwrap().len(), 128);
}
