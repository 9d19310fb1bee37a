//! The hand-written GoScrobble refresh the overhead benches measure the typed call against:
//! what it sends, what it reads, and the call itself.

use std::cell::RefCell;

use base64::Engine as _;
use omniauth_testkit::goscrobble::GoScrobble;
use omniauth_types::transport::RetryPolicy;
use serde::{Deserialize, Serialize};

/// The password of every user [`emulator`] adds.
pub const PASSWORD: &str = "correct horse battery";

/// A GoScrobble emulator without rate limits, with a user of each name (`<name>@example.com`,
/// [`PASSWORD`]).
pub async fn emulator(users: &[&str]) -> GoScrobble {
    let emulator = GoScrobble::builder()
        .without_rate_limits()
        .start()
        .await
        .unwrap();
    for name in users {
        emulator.add_user(name, PASSWORD, &format!("{name}@example.com"));
    }
    emulator
}

/// A typed client of `emulator` as the benches measure it: no heavy-tier limit, no retries.
pub fn client(emulator: &GoScrobble) -> goscrobble_api::Client {
    goscrobble_api::Client::builder()
        .base_url(emulator.base_url())
        .heavy_rate_limit(None)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

/// The body of `POST /refresh`.
#[derive(Serialize)]
pub struct RefreshBody<'a> {
    /// The refresh token.
    pub token: &'a str,
}

/// What a hand-written client reads from a refresh answer: GoScrobble answers its failures with
/// HTTP 200 and an `error` member (spec §2.2), so a careful client has to look for it, as the
/// typed call's error decoder does.
#[derive(Deserialize)]
pub struct TokenAnswer {
    /// The new JWT.
    #[serde(default)]
    pub token: Option<String>,
    /// The server's refusal.
    #[serde(default)]
    pub error: Option<String>,
}

/// The claims the typed call reads into its `Session` (spec §2.3), so both sides decode the
/// same JSON.
#[derive(Deserialize)]
#[allow(dead_code)] // Decoded to measure decoding; only the refresh token is used.
struct RefreshClaims {
    sub: String,
    username: String,
    email: String,
    admin: bool,
    #[serde(rename = "mod")]
    moderator: bool,
    iat: i64,
    exp: i64,
    refresh_token: String,
    refresh_exp: i64,
}

/// What a hand-written client does with the answer: read the claims of the new JWT, and keep
/// its refresh token for the next call.
pub fn refresh_token_of(jwt: &str) -> String {
    let payload = jwt.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice::<RefreshClaims>(&bytes)
        .unwrap()
        .refresh_token
}

/// One hand-written refresh at `url`, rotating the refresh token in `slot`: bare, or with the
/// transport's settings (`same`).
pub async fn raw_refresh(raw: &reqwest::Client, url: &str, slot: &RefCell<String>, same: bool) {
    let request = raw.post(url).json(&RefreshBody {
        token: &slot.borrow(),
    });
    let request = super::with_settings(request, same);
    // The same checks as the typed call: the status, then the 200-with-`error` answer.
    let answer: TokenAnswer = super::checked_json(request).await;
    assert!(answer.error.is_none(), "{:?}", answer.error);
    *slot.borrow_mut() = refresh_token_of(&answer.token.unwrap());
}
