//! Taking a request's own secrets back out of the server's answer.
//!
//! Servers echo requests in their error answers (a validation error quoting the body, a proxy
//! page dumping the headers). Whatever a request carried that is secret, the password, a
//! derived hash, a machine id, a code, a token, is replaced by [`REDACTED`] in the server's
//! message and in body snippets before an error is built from them.

use std::borrow::Cow;
use std::fmt;

use secrecy::{ExposeSecret as _, SecretString};

/// What a secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// The secrets of one request. The forms the server may echo them in are derived only when
/// an answer is redacted: most answers are successes that are never redacted, and deriving the
/// forms up front cost every call three encodings and five allocations.
#[derive(Default)]
pub(crate) struct Redactor {
    secrets: Vec<SecretString>,
}

impl Redactor {
    /// Notes `secret`; it is redacted as sent raw, JSON-escaped and form-encoded (the forms
    /// it took on the wire, and so the forms an echo holds).
    pub(crate) fn add(&mut self, secret: &str) {
        if !secret.is_empty() && !self.holds(secret) {
            self.secrets.push(SecretString::from(secret));
        }
    }

    /// Notes secrets already copied out (by a serializer), without copying them again.
    pub(crate) fn extend(&mut self, secrets: Vec<SecretString>) {
        // The common case, one secret in the body of a request without others: its list
        // becomes the redactor's own, one allocation fewer a call.
        if self.secrets.is_empty() && secrets.len() == 1 && !secrets[0].expose_secret().is_empty() {
            self.secrets = secrets;
            return;
        }
        for secret in secrets {
            let text = secret.expose_secret();
            if !text.is_empty() && !self.holds(text) {
                self.secrets.push(secret);
            }
        }
    }

    fn holds(&self, secret: &str) -> bool {
        self.secrets.iter().any(|s| s.expose_secret() == secret)
    }

    /// Notes a header value holding a secret: the whole value, and the credentials after an
    /// auth scheme (`Bearer x`, `res user:x`) or a cookie name (`session=x`).
    pub(crate) fn add_header(&mut self, value: &str) {
        self.add(value);
        let credentials = value.split_once(' ').map_or(value, |(_, rest)| rest.trim());
        self.add(credentials);
        if let Some((_, token)) = credentials.rsplit_once(':') {
            self.add(token);
        }
        if let Some((_, token)) = credentials.split_once('=') {
            self.add(token);
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// Every wire form of every secret, each once.
    fn needles(&self) -> Vec<SecretString> {
        let mut needles: Vec<SecretString> = Vec::with_capacity(self.secrets.len() * 3);
        for secret in &self.secrets {
            let secret = secret.expose_secret();
            let json = SecretString::from(serde_json::to_string(secret).unwrap_or_default());
            let json = json
                .expose_secret()
                .strip_prefix('"')
                .and_then(|s| s.strip_suffix('"'))
                .unwrap_or(secret);
            let form = SecretString::from(
                url::form_urlencoded::byte_serialize(secret.as_bytes()).collect::<String>(),
            );
            for form in [secret, json, form.expose_secret()] {
                if !needles.iter().any(|n| n.expose_secret() == form) {
                    needles.push(SecretString::from(form));
                }
            }
        }
        needles
    }

    /// `text` with every noted secret replaced by [`REDACTED`]. Overlapping secrets are
    /// replaced as one stretch, so no part of either survives.
    pub(crate) fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if self.secrets.is_empty() {
            return Cow::Borrowed(text);
        }
        redact_with(&self.needles(), text)
    }

    /// The start of `body` for a snippet of `limit` bytes, lossy UTF-8, redacted. Enough of
    /// the body is read that a secret crossing the limit is still found whole.
    pub(crate) fn redact_start(&self, body: &[u8], limit: usize) -> Vec<u8> {
        let needles = self.needles();
        let longest = needles
            .iter()
            .map(|n| n.expose_secret().len())
            .max()
            .unwrap_or(0);
        let start = &body[..body.len().min(limit.saturating_add(longest))];
        let text = String::from_utf8_lossy(start);
        redact_with(&needles, &text).into_owned().into_bytes()
    }
}

fn redact_with<'t>(needles: &[SecretString], text: &'t str) -> Cow<'t, str> {
    let mut spans: Vec<(usize, usize)> = needles
        .iter()
        .flat_map(|needle| {
            let needle = needle.expose_secret();
            text.match_indices(needle)
                .map(move |(at, _)| (at, at + needle.len()))
        })
        .collect();
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    spans.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut spans = spans.into_iter().peekable();
    while let Some((start, mut end)) = spans.next() {
        while let Some(&(next, next_end)) = spans.peek() {
            if next > end {
                break;
            }
            end = end.max(next_end);
            spans.next();
        }
        out.push_str(&text[copied..start]);
        out.push_str(REDACTED);
        copied = end;
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor(secrets: &[&str]) -> Redactor {
        let mut redactor = Redactor::default();
        for secret in secrets {
            redactor.add(secret);
        }
        redactor
    }

    #[test]
    fn every_wire_form_is_redacted() {
        let r = redactor(&["p\"a ss&w/rd"]);
        assert_eq!(r.redact(r#"got p"a ss&w/rd"#), "got [redacted]");
        assert_eq!(
            r.redact(r#"{"password":"p\"a ss&w/rd"}"#),
            r#"{"password":"[redacted]"}"#
        );
        assert_eq!(
            r.redact("password=p%22a+ss%26w%2Frd&x=1"),
            "password=[redacted]&x=1"
        );
        assert_eq!(r.redact("nothing here"), "nothing here");
    }

    #[test]
    fn noted_secrets_are_kept_once_and_never_empty() {
        let list = |texts: &[&str]| texts.iter().map(|t| SecretString::from(*t)).collect();
        let held = |r: &Redactor| {
            r.secrets
                .iter()
                .map(|s| s.expose_secret().to_owned())
                .collect::<Vec<_>>()
        };
        let mut r = Redactor::default();
        r.extend(list(&[""]));
        assert!(r.is_empty());
        r.extend(list(&["a"]));
        r.extend(list(&["a", "b", "", "b"]));
        assert_eq!(held(&r), ["a", "b"]);
        let mut r = Redactor::default();
        r.extend(list(&["x", "x"]));
        assert_eq!(held(&r), ["x"]);
    }

    #[test]
    fn overlapping_secrets_leave_no_part() {
        let r = redactor(&["abcdef", "defghi"]);
        assert_eq!(r.redact("xabcdefghiy"), "x[redacted]y");
        let r = redactor(&["red"]);
        assert_eq!(r.redact("red red"), "[redacted] [redacted]");
    }

    #[test]
    fn header_credentials_are_redacted_alone() {
        let mut r = Redactor::default();
        r.add_header("res U-alice:tok-123");
        r.add_header("session=cookie-key");
        assert_eq!(
            r.redact("token tok-123 for U-alice"),
            "token [redacted] for U-alice"
        );
        assert_eq!(r.redact("key cookie-key"), "key [redacted]");
        assert!(format!("{r:?}").contains("secrets"));
        assert!(!format!("{r:?}").contains("tok-123"));
    }

    #[test]
    fn snippets_find_a_secret_crossing_the_limit() {
        let r = redactor(&["SECRET"]);
        let mut body = vec![b'x'; 10];
        body.extend_from_slice(b"SECRET tail");
        let start = r.redact_start(&body, 12);
        assert_eq!(start, b"xxxxxxxxxx[redacted] tail"[..start.len()].to_vec());
        assert!(!String::from_utf8_lossy(&start).contains("SE"));
        assert!(Redactor::default().is_empty());
    }
}
