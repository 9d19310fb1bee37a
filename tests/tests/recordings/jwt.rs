//! Tokens a recorded request carried that no recorded answer gave: the recording made them
//! from the real server's tokens (a tampered signature, an edited payload) or signed them
//! with the real server's key (forged claims). Replayed, they are made the same way from the
//! emulator's tokens, or signed with the emulator's key.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::load::Exchange;
use super::values::Values;

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The JWTs in a request: the bearer token and JSON or form values that look like one.
fn tokens(exchange: &Exchange) -> Vec<String> {
    let mut out = Vec::new();
    let mut consider = |text: &str| {
        for word in
            text.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        {
            if word.starts_with("eyJ")
                && word.split('.').count() == 3
                && !out.iter().any(|t| t == word)
            {
                out.push(word.to_owned());
            }
        }
    };
    if let Some(auth) = exchange.header("authorization") {
        consider(auth);
    }
    consider(&exchange.body);
    out
}

/// Teaches `values` an emulator counterpart for every unknown token of `exchange`: an
/// edited one edited the same way; with `forged` (the recording's `forged_*` steps), one
/// with the server's header re-signed by `sign` (the emulator's key) over the same claims.
pub fn rewrite(
    exchange: &Exchange,
    values: &mut Values,
    forged: bool,
    sign: impl Fn(&serde_json::Value) -> String,
) {
    for token in tokens(exchange) {
        if values.to_emulated(&token) != token {
            continue;
        }
        // A token a few characters away from a known one was edited from it: make the same
        // bit flips in the emulator's token.
        let near = values.full_pairs().find(|(recorded, _)| {
            recorded.len() == token.len()
                && recorded
                    .bytes()
                    .zip(token.bytes())
                    .filter(|(a, b)| a != b)
                    .count()
                    <= 4
        });
        if let Some((recorded, emulated)) = near
            && emulated.len() == recorded.len()
        {
            let edited = flip_like(recorded, &token, emulated);
            values.learn(&token, &edited);
            continue;
        }
        if !forged {
            continue;
        }
        // Forged with the server's key: the same claims (their recorded values carried
        // over), signed with the emulator's key, when the header is the server's.
        let mut parts = token.split('.');
        let (Some(header), Some(payload)) = (parts.next(), parts.next()) else {
            continue;
        };
        let decode = |part: &str| -> Option<serde_json::Value> {
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()
        };
        let (Some(header), Some(claims)) = (decode(header), decode(payload)) else {
            continue;
        };
        if header["alg"] == "EdDSA" && header["kid"] == "burgerauth" {
            let claims: serde_json::Value =
                serde_json::from_str(&values.to_emulated(&claims.to_string())).unwrap_or(claims);
            values.learn(&token, &sign(&claims));
        }
    }
}

/// `emulated` with the bits flipped that turn `recorded` into `edited`, character by
/// character in the base64url alphabet (the dots stay).
fn flip_like(recorded: &str, edited: &str, emulated: &str) -> String {
    let value = |c: u8| ALPHABET.iter().position(|a| *a == c);
    recorded
        .bytes()
        .zip(edited.bytes())
        .zip(emulated.bytes())
        .map(|((r, e), m)| match (value(r), value(e), value(m)) {
            (Some(r), Some(e), Some(m)) if r != e => char::from(ALPHABET[m ^ (r ^ e)]),
            _ => char::from(m),
        })
        .collect()
}

#[test]
fn flips_carry_over() {
    // `A`→`B` flips the lowest bit; the emulator's `C` becomes `D`.
    assert_eq!(flip_like("xA", "xB", "yC"), "yD");
}
