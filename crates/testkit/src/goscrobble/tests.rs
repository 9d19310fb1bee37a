//! The emulator's own corners, over raw HTTP as any client would see them.

use std::time::Duration;

use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use super::{GoScrobble, Tier, TierRate};

struct Raw {
    server: GoScrobble,
    http: reqwest::Client,
}

impl Raw {
    async fn new(builder: super::GoScrobbleBuilder) -> Self {
        let server = builder.start().await.unwrap();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self { server, http }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    async fn post(&self, path: &str, body: &str) -> (u16, String) {
        let answer = self
            .http
            .post(self.url(path))
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        (answer.status().as_u16(), answer.text().await.unwrap())
    }

    async fn get_auth(&self, path: &str, authorization: &str) -> (u16, String) {
        let answer = self
            .http
            .get(self.url(path))
            .header("authorization", authorization)
            .send()
            .await
            .unwrap();
        (answer.status().as_u16(), answer.text().await.unwrap())
    }

    async fn login(&self, username: &str, password: &str) -> String {
        let (_, body) = self
            .post(
                "/login",
                &json!({ "username": username, "password": password }).to_string(),
            )
            .await;
        let body: Value = serde_json::from_str(&body).unwrap();
        body["token"].as_str().expect("a token").to_owned()
    }
}

async fn raw() -> Raw {
    Raw::new(GoScrobble::builder().without_rate_limits()).await
}

fn error(text: &str) -> String {
    json!({ "error": text }).to_string()
}

#[tokio::test]
async fn login_failures_in_the_server_order() {
    let raw = raw().await;
    raw.server
        .add_user("alice", "password1", "alice@example.com");
    assert_eq!(
        raw.post("/login", "{}").await,
        (200, error("A username is required"))
    );
    assert_eq!(
        raw.post("/login", r#"{"username":"alice"}"#).await,
        (200, error("A password is required"))
    );
    assert_eq!(
        raw.post("/login", r#"{"username":"alice","password":"nope"}"#)
            .await,
        (200, error("Invalid Username or Password"))
    );
    assert_eq!(
        raw.post("/login", "").await,
        (400, format!("{}\n", error("EOF")))
    );
    let (status, body) = raw.post("/login", "[1]").await;
    assert_eq!(status, 400);
    assert!(body.contains("cannot unmarshal array"), "{body}");
    // Go's decoder matches keys ignoring case; an email logs in too.
    raw.login("ALICE", "password1").await;
    raw.login("alice@example.com", "password1").await;
    let (_, body) = raw
        .post("/login", r#"{"Username":"alice","PASSWORD":"password1"}"#)
        .await;
    assert!(body.contains("token"), "{body}");
}

#[tokio::test]
async fn register_checks_in_the_server_order() {
    let raw = raw().await;
    raw.server
        .add_user("taken", "password1", "taken@example.com");
    let register = |body: Value| {
        let raw = &raw;
        async move { raw.post("/register", &body.to_string()).await.1 }
    };
    assert_eq!(
        register(json!({"username": "", "password": "short"})).await,
        error("Password must be at least 8 characters")
    );
    assert_eq!(
        register(json!({"username": "", "password": "password1"})).await,
        error("A username is required")
    );
    assert_eq!(
        register(json!({"username": "a b", "password": "password1"})).await,
        error("Username contains invalid characters")
    );
    assert_eq!(
        register(json!({"username": "x".repeat(65), "password": "password1"})).await,
        error("Username contains invalid characters")
    );
    assert_eq!(
        register(json!({"username": "ok", "password": "password1", "email": "bad@"})).await,
        error("Invalid email address")
    );
    assert_eq!(
        register(json!({"username": "Taken", "password": "password1"})).await,
        error("Username or email already exists")
    );
    assert_eq!(
        register(
            json!({"username": "other", "password": "password1", "email": "TAKEN@example.com"})
        )
        .await,
        error("Username or email already exists")
    );
    raw.server.set_registration_enabled(false);
    assert_eq!(
        register(json!({"username": "ok", "password": "password1"})).await,
        error("Registration is currently disabled")
    );
    assert_eq!(
        raw.post("/register", "garbage").await.0,
        200,
        "disabled is checked before decoding"
    );
}

#[tokio::test]
async fn jwt_checks_follow_the_server() {
    let raw = raw().await;
    let alice = raw.server.add_user("alice", "password1", "");
    let token = raw.login("alice", "password1").await;
    // A bare token works: the middleware only deletes "Bearer ".
    assert_eq!(raw.get_auth("/user", &token).await.0, 200);
    assert_eq!(
        raw.get_auth("/user", &format!("Bearer {token}")).await.0,
        200
    );
    let (status, body) = raw.get_auth("/user", "Bearer nope").await;
    assert_eq!(
        (status, body),
        (401, format!("{}\n", error("Invalid JWT Token")))
    );
    // Any HMAC algorithm with the secret passes; a future iat does not.
    let now = raw.server.now().timestamp();
    let forge = |alg, iat: i64| {
        jsonwebtoken::encode(
            &Header::new(alg),
            &json!({ "sub": alice.uuid, "iat": iat, "exp": iat + 60 }),
            &EncodingKey::from_secret(raw.server.jwt_secret()),
        )
        .unwrap()
    };
    assert_eq!(
        raw.get_auth("/user", &forge(Algorithm::HS256, now)).await.0,
        200
    );
    assert_eq!(
        raw.get_auth("/user", &forge(Algorithm::HS384, now + 600))
            .await
            .0,
        401
    );
    // Claims, alphabetical as Go marshals a map.
    let payload = token.split('.').nth(1).unwrap();
    let claims: serde_json::Map<String, Value> = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    let keys: Vec<&str> = claims.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "admin",
            "email",
            "exp",
            "iat",
            "mod",
            "refresh_exp",
            "refresh_token",
            "sub",
            "username"
        ]
    );
    assert_eq!(claims["refresh_token"].as_str().unwrap().len(), 64);
    raw.server.advance(Duration::from_secs(1801));
    assert_eq!(raw.get_auth("/user", &token).await.0, 401);
}

#[tokio::test]
async fn unset_lifetimes_give_exp_equal_to_iat() {
    let raw = Raw::new(
        GoScrobble::builder()
            .without_rate_limits()
            .unset_expiry_env(),
    )
    .await;
    raw.server.add_user("alice", "password1", "");
    let token = raw.login("alice", "password1").await;
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["exp"], claims["iat"]);
    assert_eq!(claims["refresh_exp"], claims["iat"]);
}

#[tokio::test]
async fn reset_check_answers_valid_or_an_empty_object() {
    let raw = raw().await;
    raw.server
        .add_user("alice", "password1", "alice@example.com");
    assert_eq!(
        raw.post("/sendreset", r#"{"email":""}"#).await.1,
        error("Invalid Email")
    );
    raw.post("/sendreset", r#"{"email":"alice@example.com"}"#)
        .await;
    let token = raw.server.last_reset_token("alice@example.com").unwrap();
    assert_eq!(token.len(), 16);
    let check = json!({ "token": token }).to_string();
    assert_eq!(
        raw.post("/resetpassword", &check).await.1,
        r#"{"valid":true}"#
    );
    assert_eq!(
        raw.post("/resetpassword", r#"{"token":"nope"}"#).await.1,
        "{}"
    );
    assert_eq!(
        raw.post("/resetpassword", "[]").await,
        (400, error("Invalid JSON"))
    );
    let short = json!({ "token": token, "password": "short" }).to_string();
    assert_eq!(
        raw.post("/resetpassword", &short).await.1,
        error("Password must be at least 8 characters")
    );
    let wrong = json!({ "token": "nope", "password": "password2" }).to_string();
    assert_eq!(
        raw.post("/resetpassword", &wrong).await.1,
        error("Invalid Token")
    );
}

#[tokio::test]
async fn config_values_are_formatted_go_style() {
    let raw = raw().await;
    raw.server.add_user("root", "password1", "");
    raw.server.set_admin("root", true);
    let token = raw.login("root", "password1").await;
    let answer = raw
        .http
        .post(raw.url("/config"))
        .bearer_auth(&token)
        .body(r#"{"REGISTRATION_ENABLED":1,"UNKNOWN":"x"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(
        answer.text().await.unwrap(),
        r#"{"message":"Config updated successfully"}"#
    );
    let config = raw.server.config();
    assert_eq!(config["REGISTRATION_ENABLED"], "%!s(float64=1)");
    assert!(!config.contains_key("UNKNOWN"));
    // Neither "0" nor "1": registration stays open, as the server only refuses on "0".
    let (_, body) = raw.get_auth("/serverinfo", "").await;
    assert!(body.contains("%!s(float64=1)"));
    raw.server.add_user("user", "password1", "");
    let user_token = raw.login("user", "password1").await;
    assert_eq!(
        raw.get_auth("/config", &user_token).await,
        (401, format!("{}\n", error("User is not admin")))
    );
}

#[tokio::test]
async fn jellyfin_dedupe_is_checked_before_the_media_type() {
    let raw = raw().await;
    let alice = raw.server.add_user("alice", "password1", "");
    let path = format!("/ingress/jellyfin?key={}", alice.ingress_key);
    let audio =
        json!({"name": "T", "album": "A", "artist": "R", "itemtype": "Audio", "DeviceId": "d"});
    assert_eq!(
        raw.post(&path, &audio.to_string()).await.1,
        r#"{"message":"success"}"#
    );
    let movie =
        json!({"Name": "T", "Album": "A", "Artist": "R", "ItemType": "Movie", "DeviceId": "d"});
    assert_eq!(
        raw.post(&path, &movie.to_string()).await.1,
        r#"{"message":"success"}"#,
        "a repeat"
    );
    let other =
        json!({"Name": "U", "Album": "A", "Artist": "R", "ItemType": "Movie", "DeviceId": "d"});
    assert_eq!(
        raw.post(&path, &other.to_string()).await.1,
        error("Media type not audio")
    );
    let bad = json!({"Name": "U", "Album": "A", "Artist": "R", "ItemType": "Audio", "Year": "x"});
    assert_eq!(
        raw.post(&path, &bad.to_string()).await,
        (400, error("Invalid JSON"))
    );
    for (missing, text) in [
        ("Artist", "Missing artist data"),
        ("Album", "Missing album data"),
        ("Name", "Missing track data"),
    ] {
        let mut event =
            json!({"Name": "V", "Album": "B", "Artist": "S", "ItemType": "Audio", "DeviceId": "e"});
        event.as_object_mut().unwrap().remove(missing);
        assert_eq!(raw.post(&path, &event.to_string()).await.1, error(text));
    }
    assert_eq!(raw.server.scrobbles_of("alice").len(), 1);
    assert_eq!(
        raw.post("/ingress/jellyfin?key=", "{}").await,
        (401, format!("{}\n", error("A token is required")))
    );
    assert_eq!(
        raw.post("/ingress/jellyfin?key=zzz", "{}").await,
        (401, format!("{}\n", error("Invalid Token")))
    );
}

#[tokio::test]
async fn routing_quirks() {
    let raw = raw().await;
    let answer = raw.http.get(raw.url("/stats/")).send().await.unwrap();
    assert_eq!(answer.status(), 301);
    assert_eq!(answer.headers()["location"], "/api/v1/stats");
    let answer = raw
        .http
        .get(raw.url("/artists/top/0/abc"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 404);
    let (status, body) = raw.get_auth("/serverinfo", "").await;
    assert_eq!(status, 200);
    assert_eq!(body, r#"{"registration_enabled":"1","version":"0.1.8"}"#);
    let answer = raw.http.get(raw.url("/recent")).send().await.unwrap();
    assert_eq!(
        answer.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    assert_eq!(
        answer.text().await.unwrap(),
        r#"{"items":null,"meta":{"count":0,"page":1,"total":50}}"#
    );
}

#[tokio::test]
async fn the_heavy_tier_answers_429_with_a_message() {
    let raw = Raw::new(GoScrobble::builder().tier_rate(
        Tier::Heavy,
        TierRate {
            per_second: 0.001,
            burst: 2,
        },
    ))
    .await;
    for _ in 0..2 {
        assert_eq!(raw.post("/sendreset", r#"{"email":"x@y.z"}"#).await.0, 200);
    }
    let answer = raw
        .http
        .post(raw.url("/sendreset"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 429);
    assert!(answer.headers().get("retry-after").is_none());
    assert_eq!(
        answer.text().await.unwrap(),
        r#"{"message":"Too many requests"}"#
    );
    // Other tiers have their own buckets.
    assert_eq!(raw.post("/login", "{}").await.0, 200);
}

#[tokio::test]
async fn refresh_rotates_and_the_broken_switch_refuses() {
    for broken in [false, true] {
        let raw = Raw::new(
            GoScrobble::builder()
                .without_rate_limits()
                .broken_refresh(broken),
        )
        .await;
        raw.server.add_user("alice", "password1", "");
        let token = raw.login("alice", "password1").await;
        let claims: Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(token.split('.').nth(1).unwrap())
                .unwrap(),
        )
        .unwrap();
        let body = json!({ "token": claims["refresh_token"] }).to_string();
        let (status, answer) = raw.post("/refresh", &body).await;
        assert_eq!(status, 200);
        if broken {
            assert_eq!(answer, error("Invalid refresh token"));
        } else {
            assert!(answer.starts_with(r#"{"token":""#), "{answer}");
            assert_eq!(
                raw.post("/refresh", &body).await.1,
                error("Invalid refresh token"),
                "rotated"
            );
        }
        assert_eq!(
            raw.post("/refresh", "not json").await.1,
            error("Invalid refresh token")
        );
    }
}

#[tokio::test]
async fn a_restart_forgets_the_rate_limiters_and_keeps_the_database_and_redis() {
    use std::net::SocketAddr;
    let slow = TierRate {
        per_second: 0.001,
        burst: 1,
    };
    let raw = Raw::new(GoScrobble::builder().tier_rate(Tier::Heavy, slow)).await;
    raw.server
        .add_user("alice", "password1", "alice@example.com");
    raw.server
        .set_ingress_key("alice", "aliceAliceAliceAliceAliceAliceAl");
    let jwt = raw.login("alice", "password1").await;
    // The key cache is Redis: it outlives the Go process.
    assert!(
        raw.server
            .shared
            .ingress_user("aliceAliceAliceAliceAliceAliceAl")
            .is_some()
    );
    let peer: SocketAddr = "127.0.0.1:40001".parse().unwrap();
    assert!(raw.server.shared.allow(Tier::Heavy, Some(peer)));
    assert!(!raw.server.shared.allow(Tier::Heavy, Some(peer)));

    raw.server.restart().await.unwrap();
    assert!(
        raw.server.shared.allow(Tier::Heavy, Some(peer)),
        "the same peer starts with a full bucket"
    );
    // A new client: the restart cut the old one's pooled connection.
    let answer = reqwest::Client::new()
        .get(raw.url("/user"))
        .bearer_auth(&jwt)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let user = answer.text().await.unwrap();
    assert!(
        user.contains(r#""token":"aliceAliceAliceAliceAliceAliceAl""#),
        "{user}"
    );
    assert_eq!(raw.server.refresh_token_count("alice"), 1);
    assert_eq!(raw.server.shared.lock().key_cache.len(), 1);
}

#[tokio::test]
async fn added_scrobbles_go_through_the_catalogue() {
    use super::NewScrobble;
    let raw = raw().await;
    raw.server.add_user("alice", "password1", "");
    let time = chrono::DateTime::parse_from_rfc3339("2026-11-01T10:00:00Z")
        .unwrap()
        .to_utc();
    let first = raw
        .server
        .add_scrobble(
            "ALICE",
            &NewScrobble::new("Low", "Mezzanine", "Lies", time)
                .musicbrainz("", "", "mbid-low")
                .duration_secs(281),
        )
        .unwrap();
    // Found by the artist's MusicBrainz id although the name differs; a length of 0 does
    // not replace the track's.
    let second = raw
        .server
        .add_scrobble(
            "alice",
            &NewScrobble::new("LOW", "Mezzanine", "Lies", time)
                .musicbrainz("", "", "mbid-low")
                .source("navidrome"),
        )
        .unwrap();
    assert_eq!(first.track, second.track);
    assert_eq!(second.source, "navidrome");
    let (_, track) = raw.get_auth(&format!("/tracks/{}", first.track), "").await;
    let track: Value = serde_json::from_str(&track).unwrap();
    assert_eq!(track["length"], 281);
    assert_eq!(track["artists"][0]["mbid"], "mbid-low");
    assert_eq!(raw.server.scrobbles_of("alice").len(), 2);
}
