//! Holds an emulator's answer against the recorded one: status, content type, header
//! names, JSON member names and types, fixed texts (error messages, names, short bodies).
//! Random values are learned into [`Values`] as they are met, not compared.

use serde_json::Value;

use super::load::{Answer, Exchange};
use super::values::{Values, looks_random, shortenings};

/// What the emulator answered.
#[derive(Debug)]
pub struct Got {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Got {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Headers every HTTP stack sets its own way.
const TRANSPORT_HEADERS: &[&str] = &[
    "date",
    "content-length",
    "connection",
    "keep-alive",
    "transfer-encoding",
];

/// Learns the random values of this exchange and lists every difference.
pub fn check(
    exchange: &Exchange,
    recorded: &Answer,
    got: &Got,
    values: &mut Values,
) -> Vec<String> {
    let mut diffs = Vec::new();
    learn_location(recorded, got, values);
    if recorded.status != got.status {
        diffs.push(format!(
            "status: recorded {}, emulator {}",
            recorded.status, got.status
        ));
    }
    let content_type = |v: Option<&str>| v.map(|t| t.to_ascii_lowercase().replace(' ', ""));
    if content_type(recorded.header("content-type")) != content_type(got.header("content-type")) {
        diffs.push(format!(
            "content-type: recorded {:?}, emulator {:?}",
            recorded.header("content-type"),
            got.header("content-type")
        ));
    }
    if recorded.all_headers {
        let names = |headers: &[(String, String)]| -> std::collections::BTreeSet<String> {
            headers
                .iter()
                .map(|(n, _)| n.to_ascii_lowercase())
                .filter(|n| !TRANSPORT_HEADERS.contains(&n.as_str()))
                .collect()
        };
        let (want, have) = (names(&recorded.headers), names(&got.headers));
        if want != have {
            diffs.push(format!(
                "header names: missing {:?}, extra {:?}",
                want.difference(&have).collect::<Vec<_>>(),
                have.difference(&want).collect::<Vec<_>>()
            ));
        }
    } else if recorded.header("location").is_some() != got.header("location").is_some() {
        diffs.push("location header: present on one side only".to_owned());
    }
    check_body(exchange, recorded, got, values, &mut diffs);
    diffs
}

/// The query parameters of a redirect carry the code and the state.
fn learn_location(recorded: &Answer, got: &Got, values: &mut Values) {
    let (Some(want), Some(have)) = (recorded.header("location"), got.header("location")) else {
        return;
    };
    // `split(['&', '?'])`: 1.3 appends `?code=` even to a redirect URI with a query.
    let params = |url: &str| -> Vec<(String, String)> {
        url.split_once('?')
            .map(|(_, q)| {
                q.split(['&', '?'])
                    .filter_map(|p| p.split_once('='))
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let have = params(have);
    for (name, value) in params(want) {
        if let Some((_, emulated)) = have.iter().find(|(n, _)| *n == name) {
            values.learn(&value, emulated);
        }
    }
}

fn check_body(
    exchange: &Exchange,
    recorded: &Answer,
    got: &Got,
    values: &mut Values,
    diffs: &mut Vec<String>,
) {
    let emulated_json: Option<Value> = serde_json::from_str(&got.body).ok();
    if recorded.truncated {
        // `wire.txt` cut the body: learn the shortened values by the member they sit in,
        // and compare the fixed text before the first of them.
        for (range, _, _) in shortenings(&recorded.body) {
            let member = member_before(&recorded.body[..range.start]);
            if let (Some(member), Some(json)) = (member, emulated_json.as_ref())
                && let Some(Value::String(value)) = find_member(json, &member)
            {
                values.learn(&recorded.body[range.clone()], value);
            }
        }
        let fixed = shortenings(&recorded.body)
            .first()
            .map_or(recorded.body.trim_end_matches('…'), |(r, _, _)| {
                &recorded.body[..r.start]
            });
        let fixed = fixed.trim_end_matches('…');
        if !got.body.starts_with(fixed) {
            diffs.push(format!(
                "body: recorded starts {fixed:?}, emulator {:?}",
                snippet(&got.body)
            ));
        }
        return;
    }
    match (serde_json::from_str::<Value>(&recorded.body), emulated_json) {
        (Ok(want), Some(have)) if want.is_object() || want.is_array() || want.is_null() => {
            compare_json(&want, &have, "$", values, diffs);
        }
        (Ok(want), None) if want.is_object() || want.is_array() => {
            diffs.push(format!(
                "body: recorded JSON, emulator {:?}",
                snippet(&got.body)
            ));
        }
        _ => {
            let want = recorded.body.as_str();
            let have = got.body.as_str();
            if looks_random(want.trim()) && looks_random(have.trim()) {
                // The POST-era build answers the code itself as the body.
                values.learn(want.trim(), have.trim());
            } else if want.len() <= 400 && values.to_recorded(have).trim_end() != want.trim_end() {
                // `wire.txt` cannot show a body's trailing newline.
                diffs.push(format!(
                    "body: recorded {:?}, emulator {:?}",
                    snippet(want),
                    snippet(have)
                ));
            } else if want.len() > 400 && !have.is_empty() && exchange.method == "HEAD" {
                diffs.push("body: a HEAD answer with a body".to_owned());
            }
        }
    }
}

fn compare_json(
    want: &Value,
    have: &Value,
    at: &str,
    values: &mut Values,
    diffs: &mut Vec<String>,
) {
    match (want, have) {
        (Value::Object(w), Value::Object(h)) => {
            let missing: Vec<_> = w.keys().filter(|k| !h.contains_key(*k)).collect();
            let extra: Vec<_> = h.keys().filter(|k| !w.contains_key(*k)).collect();
            if !missing.is_empty() || !extra.is_empty() {
                diffs.push(format!(
                    "{at}: members missing {missing:?}, extra {extra:?}"
                ));
            }
            for (key, value) in w {
                if let Some(other) = h.get(key) {
                    compare_json(value, other, &format!("{at}.{key}"), values, diffs);
                }
            }
        }
        (Value::Array(w), Value::Array(h)) => {
            if w.len() != h.len() {
                diffs.push(format!(
                    "{at}: {} items recorded, {} emulated",
                    w.len(),
                    h.len()
                ));
            }
            for (i, (a, b)) in w.iter().zip(h).enumerate() {
                compare_json(a, b, &format!("{at}[{i}]"), values, diffs);
            }
        }
        (Value::String(w), Value::String(h)) => compare_strings(w, h, at, values, diffs),
        (Value::Number(w), Value::Number(h)) => {
            // Row ids: a later request names the row by the recorded id.
            if at.rsplit('.').next() == Some("id")
                && let (Some(w), Some(h)) = (w.as_i64(), h.as_i64())
            {
                values.learn_id(w, h);
            }
        }
        (Value::Null, Value::Null) => {}
        (Value::Bool(w), Value::Bool(h)) if w == h => {}
        _ => diffs.push(format!(
            "{at}: recorded {}, emulator {}",
            snippet(&want.to_string()),
            snippet(&have.to_string())
        )),
    }
}

fn compare_strings(want: &str, have: &str, at: &str, values: &mut Values, diffs: &mut Vec<String>) {
    if want == have || values.to_recorded(have) == want {
        return;
    }
    let number = |s: &str| s.parse::<f64>().ok().map(|_| s.contains('.'));
    if let (Some(a), Some(b)) = (number(want), number(have)) {
        if a != b {
            diffs.push(format!(
                "{at}: recorded {want:?}, emulator {have:?} (integer vs fraction)"
            ));
        }
        return;
    }
    if looks_random(want) && !have.is_empty() && !have.contains(char::is_whitespace) {
        values.learn(want, have);
        return;
    }
    diffs.push(format!(
        "{at}: recorded {:?}, emulator {:?}",
        snippet(want),
        snippet(have)
    ));
}

/// The member name a shortened value in a cut JSON body belongs to: `"name":"` before it.
fn member_before(text: &str) -> Option<String> {
    let text = text.strip_suffix('"')?.trim_end();
    let text = text.strip_suffix(':')?.trim_end();
    let text = text.strip_suffix('"')?;
    let start = text.rfind('"')?;
    Some(text[start + 1..].to_owned())
}

fn find_member<'a>(json: &'a Value, member: &str) -> Option<&'a Value> {
    match json {
        Value::Object(map) => map
            .get(member)
            .or_else(|| map.values().find_map(|v| find_member(v, member))),
        Value::Array(items) => items.iter().find_map(|v| find_member(v, member)),
        _ => None,
    }
}

/// At most 120 characters of `text`, for messages.
pub fn snippet(text: &str) -> String {
    let mut out: String = text.chars().take(120).collect();
    if text.chars().count() > 120 {
        out.push('…');
    }
    out
}
