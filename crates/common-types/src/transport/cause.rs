//! Naming why no answer came, in words a user can act on.
//!
//! `reqwest` says `error sending request` for a refused connection, a timeout and an
//! oversized header alike; the reason is deeper in its source chain. This module reads the
//! chain once, where the error is made, so every transport error says what happened.

use std::error::Error as StdError;
use std::io;
use std::time::Duration;

use crate::error::{Error, seconds};

/// How long a try could take, and why: its own timeout, or what was left of the call's
/// deadline.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TryLimit {
    pub(crate) timeout: Duration,
    /// The call's deadline, when it cut the try shorter than its timeout.
    pub(crate) deadline: Option<Duration>,
}

/// The transport error for `err`, with a message naming the cause: `timed out after 30 s`,
/// `connection refused`, `the response header is too large`.
pub(crate) fn transport_error(err: reqwest::Error, limit: TryLimit) -> Error {
    let message = describe(&err, limit);
    Error::transport(err.without_url()).with_message(message)
}

fn describe(err: &reqwest::Error, limit: TryLimit) -> String {
    if err.is_timeout() {
        let waited = seconds(limit.timeout);
        return match limit.deadline {
            Some(deadline) => format!(
                "timed out after {waited}, the rest of the call's {} deadline",
                seconds(deadline)
            ),
            None => format!("timed out after {waited}"),
        };
    }
    let mut source: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(cause) = source {
        if let Some(words) = cause
            .downcast_ref::<io::Error>()
            .and_then(|io| io_words(io.kind()))
        {
            return words.to_owned();
        }
        let text = cause.to_string();
        if let Some(words) = hyper_words(&text) {
            return words.to_owned();
        }
        source = cause.source();
    }
    chain(err)
}

fn io_words(kind: io::ErrorKind) -> Option<&'static str> {
    Some(match kind {
        io::ErrorKind::ConnectionRefused => "connection refused",
        io::ErrorKind::ConnectionReset => "the connection was reset",
        io::ErrorKind::ConnectionAborted => "the connection was aborted",
        io::ErrorKind::TimedOut => "timed out connecting",
        io::ErrorKind::UnexpectedEof => "the connection closed before the answer was complete",
        io::ErrorKind::AddrNotAvailable | io::ErrorKind::HostUnreachable => "host unreachable",
        io::ErrorKind::NetworkUnreachable => "network unreachable",
        _ => return None,
    })
}

/// hyper's errors are opaque types; their descriptions are stable words.
fn hyper_words(text: &str) -> Option<&'static str> {
    Some(match text {
        "message head is too large" => "the response header is too large",
        "connection closed before message completed" => {
            "the connection closed before the answer was complete"
        }
        "invalid HTTP status-code parsed"
        | "invalid HTTP version parsed"
        | "invalid HTTP header parsed"
        | "invalid content-length parsed"
        | "unexpected transfer-encoding parsed"
        | "invalid HTTP version parsed (found HTTP2 preface)" => "the answer is not valid HTTP",
        _ if text.starts_with("dns error") => "the host name could not be resolved",
        _ if text.contains("certificate") => "the server's TLS certificate was refused",
        _ => return None,
    })
}

/// Every cause in one line, outermost first, skipping a cause that repeats its parent.
pub(crate) fn chain(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = Some(err);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.last().is_some_and(|last| last.contains(&text)) && !text.is_empty() {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Outer(io::Error);

    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("error sending request")
        }
    }

    impl StdError for Outer {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn the_chain_is_one_line_without_repeats() {
        let err = Outer(io::Error::other("tcp connect error"));
        assert_eq!(chain(&err), "error sending request: tcp connect error");
    }

    #[test]
    fn hyper_and_io_causes_have_words() {
        assert_eq!(
            hyper_words("message head is too large"),
            Some("the response header is too large")
        );
        assert_eq!(
            hyper_words("dns error: failed to lookup"),
            Some("the host name could not be resolved")
        );
        assert_eq!(hyper_words("something else"), None);
        assert_eq!(
            io_words(io::ErrorKind::ConnectionRefused),
            Some("connection refused")
        );
        assert_eq!(io_words(io::ErrorKind::Other), None);
    }
}
