//! Readers for the three formats of `../shared/recordings/` (see its README): the 1.3 JSON
//! lines, the 1.2 HEAD `wire.txt` (long secrets shortened to `prefix…[N]`), and the raw relay
//! log of the 1.2 POST-era build.

use std::path::{Path, PathBuf};

/// One recorded request and what the real server answered.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The step the recording names (a `/__step/` marker, a `#####` heading, or a guess).
    pub step: String,
    /// Position in the recording, for messages.
    pub seq: usize,
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// `None` when the server dropped the connection instead of answering.
    pub answer: Option<Answer>,
}

/// A recorded answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The recording kept every header (JSON lines, relay log), not a chosen few (`wire.txt`).
    pub all_headers: bool,
    /// The recording cut the body (`wire.txt` ends such bodies with `…`).
    pub truncated: bool,
}

impl Exchange {
    /// The first request header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, name)
    }
}

impl Answer {
    /// The first answer header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, name)
    }
}

fn find<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// `../shared/recordings` beside the workspace (CI clones next to `shared/`).
pub fn dir() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = root.join("../shared/recordings");
    assert!(
        dir.is_dir(),
        "the recordings are missing: expected {} (the workspace's sibling `shared/`)",
        dir.display()
    );
    dir
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The JSON-lines format of `burgerauth-1.3-*/wire.jsonl`. A `GET /__step/<name>` marker
/// names the step of the exchanges after it and is not itself replayed.
pub fn jsonl(path: &Path) -> Vec<Exchange> {
    let mut step = "before the first step".to_owned();
    let mut out = Vec::new();
    for (i, line) in read(path).lines().enumerate() {
        let value: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), i + 1));
        let req = &value["req"];
        let path_text = req["path"].as_str().unwrap_or_default().to_owned();
        if let Some(name) = path_text.strip_prefix("/__step/") {
            name.clone_into(&mut step);
            continue;
        }
        let headers = |v: &serde_json::Value| -> Vec<(String, String)> {
            v.as_object()
                .map(|map| {
                    map.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                        .collect()
                })
                .unwrap_or_default()
        };
        let resp = &value["resp"];
        let answer = resp.is_object().then(|| Answer {
            status: u16::try_from(resp["status"].as_u64().unwrap_or(0)).unwrap_or(0),
            headers: headers(&resp["headers"]),
            body: resp["body"].as_str().unwrap_or_default().to_owned(),
            all_headers: true,
            truncated: false,
        });
        out.push(Exchange {
            step: step.clone(),
            seq: usize::try_from(value["seq"].as_u64().unwrap_or(0)).unwrap_or(i),
            method: req["method"].as_str().unwrap_or_default().to_owned(),
            path: path_text,
            headers: headers(&req["headers"]),
            body: req["body"].as_str().unwrap_or_default().to_owned(),
            answer,
        });
    }
    out
}

/// The text format of `burgerauth-1.2-python/wire.txt`: `##### NNN step`, then
/// `--> [conn] METHOD PATH HTTP/1.1` and `<-- HTTP/1.1 STATUS`, each followed by indented
/// `name: value` headers and a `body:` that runs to the next marker.
pub fn wire_txt(path: &Path) -> Vec<Exchange> {
    enum Part {
        None,
        Request,
        Answer,
    }
    let mut out: Vec<Exchange> = Vec::new();
    let mut step = String::new();
    let mut part = Part::None;
    let mut in_body = false;
    for line in read(path).lines() {
        if let Some(heading) = line.strip_prefix("##### ") {
            heading.clone_into(&mut step);
            part = Part::None;
            in_body = false;
        } else if let Some(rest) = line.strip_prefix("--> ") {
            let mut words = rest.split_whitespace().skip(1);
            let method = words.next().unwrap_or_default().to_owned();
            let target = words.next().unwrap_or_default().to_owned();
            out.push(Exchange {
                step: step.clone(),
                seq: out.len() + 1,
                method,
                path: target,
                headers: Vec::new(),
                body: String::new(),
                answer: None,
            });
            part = Part::Request;
            in_body = false;
        } else if let Some(rest) = line.strip_prefix("<-- ") {
            let status = rest
                .split_whitespace()
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            if let Some(last) = out.last_mut() {
                last.answer = Some(Answer {
                    status,
                    headers: Vec::new(),
                    body: String::new(),
                    all_headers: false,
                    truncated: false,
                });
            }
            part = Part::Answer;
            in_body = false;
        } else if let Some(last) = out.last_mut() {
            let (headers, body) = match part {
                Part::None => continue,
                Part::Request => (&mut last.headers, &mut last.body),
                Part::Answer => match last.answer.as_mut() {
                    Some(a) => (&mut a.headers, &mut a.body),
                    None => continue,
                },
            };
            if in_body {
                body.push('\n');
                body.push_str(line);
            } else if let Some(text) = line.strip_prefix("    body: ") {
                body.push_str(text);
                in_body = true;
            } else if let Some((name, value)) = line.trim_start().split_once(": ") {
                headers.push((name.to_owned(), value.to_owned()));
            }
        }
    }
    for exchange in &mut out {
        exchange.body = exchange.body.trim_end_matches('\n').to_owned();
        if let Some(answer) = exchange.answer.as_mut() {
            answer.body = answer.body.trim_end_matches('\n').to_owned();
            if answer.body.ends_with('…') {
                answer.truncated = true;
            }
        }
    }
    out
}

/// The raw relay log of the POST-era build: `=== conn N C>S|S>C …` blocks, one per read;
/// the bytes of each direction are joined and cut into HTTP/1.1 messages by
/// `Content-Length`. `steps` (`NNN<TAB>name<TAB>start<TAB>end<TAB>result`) names each
/// request by the byte range of the log its first block falls in.
pub fn relay_log(path: &Path, steps: &Path) -> Vec<Exchange> {
    use std::collections::BTreeMap;
    let ranges: Vec<(usize, usize, String)> = read(steps)
        .lines()
        .filter_map(|line| {
            let mut f = line.split('\t');
            let number = f.next()?;
            let name = f.next()?;
            let start = f.next()?.parse().ok()?;
            let end = f.next()?.parse().ok()?;
            Some((start, end, format!("{number} {name}")))
        })
        .collect();
    // conn → (client bytes, where each client block began: (stream position, file offset)),
    // server bytes
    let mut client: BTreeMap<usize, (String, Vec<(usize, usize)>)> = BTreeMap::new();
    let mut server: BTreeMap<usize, String> = BTreeMap::new();
    let mut order: Vec<usize> = Vec::new();
    let mut current: Option<(usize, bool)> = None;
    let text = read(path);
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let here = offset;
        offset += line.len();
        if let Some(rest) = line.strip_prefix("=== conn ") {
            let mut words = rest.split_whitespace();
            let conn: usize = words.next().and_then(|w| w.parse().ok()).unwrap_or(0);
            current = match words.next() {
                Some("C>S") => Some((conn, true)),
                Some("S>C") => Some((conn, false)),
                _ => None,
            };
            if let Some((conn, true)) = current {
                let entry = client.entry(conn).or_default();
                entry.1.push((entry.0.len(), here));
            }
            if !order.contains(&conn) {
                order.push(conn);
            }
            continue;
        }
        match current {
            Some((conn, true)) => client.entry(conn).or_default().0.push_str(line),
            Some((conn, false)) => server.entry(conn).or_default().push_str(line),
            None => {}
        }
    }
    let mut out = Vec::new();
    for conn in order {
        let Some((stream, blocks)) = client.get(&conn) else {
            continue;
        };
        let answers = server.get(&conn).map(|s| messages(s)).unwrap_or_default();
        for (i, (at, head, body)) in messages(stream).into_iter().enumerate() {
            let file_offset = blocks
                .iter()
                .rev()
                .find(|(pos, _)| *pos <= at)
                .map_or(0, |(_, off)| *off);
            let step = ranges
                .iter()
                .find(|(start, end, _)| (*start..*end).contains(&file_offset))
                .map_or_else(|| format!("conn {conn} #{i}"), |(_, _, name)| name.clone());
            let mut lines = head.lines();
            let mut words = lines.next().unwrap_or_default().split_whitespace();
            let method = words.next().unwrap_or_default().to_owned();
            let target = words.next().unwrap_or_default().to_owned();
            let headers = header_lines(lines);
            let answer = answers.get(i).map(|(_, head, body)| {
                let mut lines = head.lines();
                let status = lines
                    .next()
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                Answer {
                    status,
                    headers: header_lines(lines),
                    body: body.clone(),
                    all_headers: true,
                    truncated: false,
                }
            });
            out.push(Exchange {
                step,
                seq: file_offset,
                method,
                path: target,
                headers,
                body,
                answer,
            });
        }
    }
    out.sort_by_key(|e| e.seq);
    out
}

fn header_lines<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<(String, String)> {
    lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// Cuts a logged byte stream into `(position, head, body)` HTTP messages. The logger wrote each read
/// followed by one newline of its own, so separators may carry a stray `\n`.
fn messages(stream: &str) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    let mut rest = stream.trim_start_matches(['\r', '\n']);
    while !rest.is_empty() {
        let Some(end) = rest
            .find("\r\n\r\n")
            .map(|i| (i, 4))
            .or_else(|| rest.find("\n\n").map(|i| (i, 2)))
        else {
            break;
        };
        let head = rest[..end.0].replace('\r', "");
        let after = &rest[end.0 + end.1..];
        let length: usize = head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(n, _)| n.trim().eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse().ok())
            .unwrap_or(0);
        let after = after.trim_start_matches('\n');
        let cut = floor_char_boundary(after, length);
        out.push((stream.len() - rest.len(), head, after[..cut].to_owned()));
        rest = after[cut..].trim_start_matches(['\r', '\n']);
    }
    out
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}
