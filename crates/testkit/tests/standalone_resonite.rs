//! The Resonite emulator of the `omniauth-emulator` binary, run as a child process: 2FA from
//! a TOTP secret on the emulator's clock, seeded session tokens, and the clock moved through
//! the control API until a token expires.
#![cfg(all(unix, feature = "server"))]

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{BIN, Emulator, http};
use omniauth::{Credentials, ErrorKind, LoginOutcome, Password, Service, Session, TotpCode};
use serde_json::{Value, json};

/// A secret as an authenticator app would be given it (base32 of 20 random-looking bytes).
const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// RFC 6238 with SHA-1, 6 digits, 30 s: written here from the RFC, apart from the
/// emulator's code, so that a shared mistake cannot pass. Pinned by the RFC's own vector.
fn totp(secret: &str, unix_secs: i64) -> String {
    let key = data_encoding::BASE32_NOPAD
        .decode(secret.as_bytes())
        .expect("base32");
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &key);
    let counter = u64::try_from(unix_secs / 30).unwrap();
    let mac = aws_lc_rs::hmac::sign(&key, &counter.to_be_bytes());
    let mac = mac.as_ref();
    let at = usize::from(mac[19] & 0xf);
    let value = (u32::from(mac[at] & 0x7f) << 24)
        | (u32::from(mac[at + 1]) << 16)
        | (u32::from(mac[at + 2]) << 8)
        | u32::from(mac[at + 3]);
    format!("{:06}", value % 1_000_000)
}

#[test]
fn the_test_side_totp_matches_rfc_6238() {
    // Appendix B: key "12345678901234567890", T = 59 s, 8 digits 94287082.
    assert_eq!(totp("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 59), "287082");
    assert_eq!(
        totp("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 1_111_111_109),
        "081804"
    );
}

fn write_seed(dir: &tempfile::TempDir, seed: &Value) -> PathBuf {
    let path = dir.path().join("seed.json");
    std::fs::write(&path, serde_json::to_vec_pretty(seed).unwrap()).unwrap();
    path
}

/// The emulator's clock moved by `secs` (0: read it), through the control API.
async fn advance(emulator: &Emulator, secs: i64) -> i64 {
    let answer = http()
        .post(format!("{}/__omniauth/clock", emulator.root("resonite")))
        .json(&json!({ "advance_secs": secs }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let body: Value = answer.json().await.unwrap();
    body["now"].as_i64().expect("now in unix seconds")
}

fn ann(code: Option<String>) -> Credentials {
    let credentials = Credentials::username("ann").with_password(Password::new("pw"));
    match code {
        Some(code) => credentials.with_totp(TotpCode::new(code)),
        None => credentials,
    }
}

/// A code of the step `now` is in that differs from every code the server accepts then.
fn wrong_code(now: i64) -> String {
    let accepted: Vec<String> = [-30, 0, 30].iter().map(|d| totp(SECRET, now + d)).collect();
    // Three codes are accepted, so one of four candidates is not.
    ["000000", "111111", "222222", "333333"]
        .into_iter()
        .map(str::to_owned)
        .find(|code| !accepted.contains(code))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_totp_secret_takes_the_codes_of_the_emulators_clock() {
    let dir = tempfile::tempdir().unwrap();
    let seed = write_seed(
        &dir,
        &json!({"resonite": {"accounts": [
            {"username": "ann", "password": "pw", "totp_secret": SECRET}
        ]}}),
    );
    let emulator = Emulator::start(&["resonite", "--seed", seed.to_str().unwrap()]);
    let resonite = Service::Resonite
        .authenticator(Some(&emulator.url("resonite")))
        .unwrap();
    let login = |code: Option<String>| {
        let resonite = &resonite;
        async move { resonite.login(&ann(code)).await }
    };

    assert!(matches!(
        login(None).await.unwrap(),
        LoginOutcome::SecondFactorRequired
    ));
    let now = advance(&emulator, 0).await;
    for (what, code) in [
        ("a wrong code", wrong_code(now)),
        ("a code of two steps ago", totp(SECRET, now - 60)),
    ] {
        let err = login(Some(code)).await.expect_err(what);
        assert_eq!(err.kind(), &ErrorKind::SecondFactorRequired, "{what}");
    }
    let current = totp(SECRET, now);
    let session = login(Some(current.clone()))
        .await
        .unwrap()
        .into_session()
        .expect("the current code logs in");
    assert_eq!(session.user_id(), "U-ann");

    // Five minutes on the emulator's clock: the code of before is ten steps old.
    let later = advance(&emulator, 300).await;
    assert!(later >= now + 300);
    let err = login(Some(current)).await.expect_err("an old code");
    assert_eq!(err.kind(), &ErrorKind::SecondFactorRequired);
    let session = login(Some(totp(SECRET, later)))
        .await
        .unwrap()
        .into_session()
        .expect("the code of the moved clock logs in");
    assert_eq!(session.user_id(), "U-ann");
}

/// `GET path` with `Authorization: res <user>:<token>`: the status and the body as JSON.
async fn get_as(base: &str, path: &str, user: &str, token: &str) -> (u16, Value, String) {
    let answer = http()
        .get(format!("{base}{path}"))
        .header("Authorization", format!("res {user}:{token}"))
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    let text = answer.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeded_tokens_start_a_client_signed_in_and_expired_ones_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let seed = write_seed(
        &dir,
        &json!({"resonite": {
            "accounts": [
                {"username": "demo", "email": "demo@example.com", "password": "pw"},
                {"username": "old", "password": "pw"}
            ],
            "contacts": [{"owner": "demo", "contact": "old"}],
            "tokens": [
                {"username": "demo", "token": "demo-seeded-token"},
                {"username": "old", "token": "old-seeded-token", "expires": "2020-01-01T00:00:00Z"}
            ]
        }}),
    );
    let emulator = Emulator::start(&["resonite", "--seed", seed.to_str().unwrap()]);
    let base = emulator.url("resonite");
    let base = base.trim_end_matches('/');

    // As a client in any language would: the header alone, no login.
    let (status, me, _) = get_as(base, "/users/U-demo", "U-demo", "demo-seeded-token").await;
    assert_eq!(status, 200);
    assert_eq!(me["email"], "demo@example.com", "signed in as demo: {me}");
    let (status, contacts, _) = get_as(
        base,
        "/users/U-demo/contacts",
        "U-demo",
        "demo-seeded-token",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(contacts[0]["id"], "U-old", "{contacts}");

    // The expired one: 403 with an empty body, as the real server answers an expired token.
    let (status, _, body) =
        get_as(base, "/users/U-old/contacts", "U-old", "old-seeded-token").await;
    assert_eq!(status, 403);
    assert_eq!(body, "");
    // The token is demo's, not anyone's.
    let (status, _, _) = get_as(base, "/users/U-old/contacts", "U-old", "demo-seeded-token").await;
    assert_eq!(status, 403);

    // The SDK sees the same: a session built from the seeded token works, the expired one
    // is unauthorized.
    let client = omniauth::resonite::Client::new(base).unwrap();
    let session = |user: &str, token: &str| {
        Session::new(
            "resonite",
            user,
            omniauth::AccessToken::new(token),
            omniauth::TokenScheme::UserAuthorization {
                scheme: "res".into(),
            },
        )
    };
    let contacts = client
        .contacts(&session("U-demo", "demo-seeded-token"))
        .await
        .unwrap();
    assert_eq!(contacts.len(), 1);
    let err = client
        .contacts(&session("U-old", "old-seeded-token"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);
}

#[test]
fn a_seeded_token_of_no_account_is_refused_naming_its_field() {
    let dir = tempfile::tempdir().unwrap();
    let seed = write_seed(
        &dir,
        &json!({"resonite": {
            "accounts": [{"username": "demo", "password": "pw"}],
            "tokens": [{"username": "nobody", "token": "secret-token-text"}]
        }}),
    );
    let out = Command::new(BIN)
        .args(["resonite", "--seed"])
        .arg(&seed)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("resonite.tokens[0].username"), "{stderr}");
    assert!(stderr.contains("\"nobody\""), "{stderr}");
    assert!(!stderr.contains("secret-token-text"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_token_expires_when_the_clock_passes_its_lifetime() {
    let dir = tempfile::tempdir().unwrap();
    let seed = write_seed(
        &dir,
        &json!({"resonite": {
            "accounts": [{"username": "bob", "password": "pw"}],
            "tokens": [{"username": "bob", "token": "bob-seeded-token"}]
        }}),
    );
    let emulator = Emulator::start(&["resonite", "--seed", seed.to_str().unwrap()]);
    let base = emulator.url("resonite");
    let resonite = Service::Resonite.authenticator(Some(&base)).unwrap();
    let session = resonite
        .login(&Credentials::username("bob").with_password(Password::new("pw")))
        .await
        .unwrap()
        .into_session()
        .expect("bob has no second factor");
    let client = omniauth::resonite::Client::new(&base).unwrap();

    // The login's `expire` is on the emulator's clock; stop an hour before it. Reading the
    // contacts does not extend the token (a PATCH would).
    let now = advance(&emulator, 0).await;
    let expires = session
        .expires_at()
        .expect("the login says when")
        .timestamp();
    assert!(expires > now + 3_600, "{expires} vs {now}");
    advance(&emulator, expires - now - 3_600).await;
    client.contacts(&session).await.expect("still valid");
    let (status, _, _) = get_as(
        base.trim_end_matches('/'),
        "/users/U-bob/contacts",
        "U-bob",
        "bob-seeded-token",
    )
    .await;
    assert_eq!(status, 200, "the seeded token's 30 days are not over yet");

    // Two hours on: the login's token is past its lifetime. The server answers 403, which
    // the client reports as unauthorized; validating (a PATCH) is refused the same way.
    advance(&emulator, 7_200).await;
    let err = client.contacts(&session).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);
    let err = resonite.validate(&session).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Unauthorized);

    // The seeded token lives 30 days from the start: 31 days on, it is refused too.
    advance(&emulator, 31 * 24 * 3_600).await;
    let (status, _, _) = get_as(
        base.trim_end_matches('/'),
        "/users/U-bob/contacts",
        "U-bob",
        "bob-seeded-token",
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_control_api_sets_a_totp_secret_and_hands_out_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let seed = write_seed(
        &dir,
        &json!({"resonite": {"accounts": [{"username": "ann", "password": "pw"}]}}),
    );
    let emulator = Emulator::start(&["resonite", "--seed", seed.to_str().unwrap()]);
    let root = emulator.root("resonite");
    let base = emulator.url("resonite");
    let base = base.trim_end_matches('/');
    let put_secret = |user: &str, body: Value| {
        http()
            .put(format!("{root}/__omniauth/users/{user}/totp_secret"))
            .json(&body)
            .send()
    };

    let answer = put_secret("ann", json!({"secret": "hunter2-secret!"}))
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    let text = answer.text().await.unwrap();
    assert!(
        text.contains("base32") && !text.contains("hunter2"),
        "{text}"
    );
    let answer = put_secret("nobody", json!({"secret": SECRET}))
        .await
        .unwrap();
    assert_eq!(answer.status(), 404);
    let answer = put_secret("ann", json!({"secret": SECRET})).await.unwrap();
    assert_eq!(answer.status(), 204);

    let resonite = Service::Resonite.authenticator(Some(base)).unwrap();
    assert!(matches!(
        resonite.login(&ann(None)).await.unwrap(),
        LoginOutcome::SecondFactorRequired
    ));
    let now = advance(&emulator, 0).await;
    let session = resonite
        .login(&ann(Some(totp(SECRET, now))))
        .await
        .unwrap()
        .into_session()
        .expect("the secret set through the control API is the one checked");
    assert_eq!(session.user_id(), "U-ann");
    let answer = put_secret("ann", json!({"secret": null})).await.unwrap();
    assert_eq!(answer.status(), 204);
    assert!(
        resonite
            .login(&ann(None))
            .await
            .unwrap()
            .into_session()
            .is_some(),
        "no second factor any more"
    );

    let answer = http()
        .post(format!("{root}/__omniauth/tokens"))
        .json(&json!({"username": "ann", "token": "from-the-control-api", "expires": "2100-01-01T00:00:00Z"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["user_id"], "U-ann");
    assert!(
        body["expires"]
            .as_str()
            .unwrap()
            .starts_with("2100-01-01T00:00:00")
    );
    let (status, me, _) = get_as(
        base,
        "/users/U-ann/contacts",
        "U-ann",
        "from-the-control-api",
    )
    .await;
    assert_eq!(status, 200, "{me}");
    let answer = http()
        .post(format!("{root}/__omniauth/tokens"))
        .json(&json!({"username": "nobody", "token": "t"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 404);
}
