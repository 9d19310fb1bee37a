//! The `omniauth-emulator` binary's GoScrobble and maillink parts, as a test in another
//! language would use them: seeded ingress keys and scrobbles served by the real routes, a
//! GoScrobble restart (rate limits gone, sessions kept), and the maillink restart and clock
//! through the control API, seen by the SDK.
#![cfg(all(unix, feature = "server"))]

mod common;

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::{BIN, Emulator, demo, get_json, http};
use omniauth::maillink::{Clock, SessionPlatform, WaitOptions};
use omniauth::{ErrorKind, PollStatus, Service};
use serde_json::{Value, json};

const ALICE_KEY: &str = "aliceAliceAliceAliceAliceAliceAl";

const SEED: &str = r#"{
  "goscrobble": {
    "users": [
      {"username": "alice", "email": "alice@example.com", "password": "alice password", "ingress_key": "aliceAliceAliceAliceAliceAliceAl"},
      {"username": "bob", "password": "bob password"}
    ],
    "scrobbles": [
      {"username": "alice", "artist": "Low", "album": "Things We Lost in the Fire", "track": "Sunflower", "time": "2026-11-01T10:00:00Z", "duration": 285},
      {"username": "alice", "artist": "Low", "album": "Things We Lost in the Fire", "track": "Sunflower", "time": "2026-11-02T10:00:00Z"},
      {"username": "alice", "artist": ["Massive Attack", "Elizabeth Fraser"], "album": "Mezzanine", "track": "Teardrop", "time": "2026-11-03T10:00:00Z", "source": "jellyfin"},
      {"username": "bob", "artist": "Low", "album": "Double Negative", "track": "Quorum", "time": "2026-11-04T10:00:00+13:00"}
    ]
  }
}"#;

/// Starts the binary with `seed` written to a file.
fn start_seeded(services: &[&str], seed: &str) -> (Emulator, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seed.json");
    std::fs::write(&path, seed).unwrap();
    let mut args: Vec<&str> = services.to_vec();
    args.push("--seed");
    args.push(path.to_str().unwrap());
    (Emulator::start(&args), dir)
}

/// Sends `request` and reads its answer as JSON.
async fn answer(request: reqwest::RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}

async fn post_json(url: String, body: &Value) -> Value {
    answer(http().post(url).json(body)).await
}

async fn login(base: &str, username: &str, password: &str) -> String {
    let answer = post_json(
        format!("{base}/login"),
        &json!({"username": username, "password": password}),
    )
    .await;
    answer["token"].as_str().expect("logged in").to_owned()
}

async fn get_authed(url: String, jwt: &str) -> Value {
    answer(http().get(url).bearer_auth(jwt)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeded_scrobbles_are_served_and_a_seeded_ingress_key_is_accepted() {
    let (emulator, _dir) = start_seeded(&["goscrobble"], SEED);
    let base = emulator.url("goscrobble");
    let control = emulator.root("goscrobble");
    let alice: Value = get_json(format!("{control}/__omniauth/users/alice")).await;
    assert_eq!(alice["ingress_key"], ALICE_KEY);
    let bob: Value = get_json(format!("{control}/__omniauth/users/bob")).await;
    let bob_key = bob["ingress_key"].as_str().unwrap();
    assert!(
        bob_key.len() == 32 && bob_key.bytes().all(|b| b.is_ascii_alphabetic()),
        "a random key of the server's shape: {bob_key}"
    );
    let alice_uuid = alice["uuid"].as_str().unwrap().to_owned();

    // `/recent`: everyone's, newest first, with the user; its `total` is the server's fixed 50.
    let recent: Value = get_json(format!("{base}/recent")).await;
    assert_eq!(recent["meta"]["count"], 4, "{recent}");
    assert_eq!(recent["meta"]["total"], 50, "{recent}");
    let items = recent["items"].as_array().unwrap();
    let tracks: Vec<&str> = items
        .iter()
        .map(|i| i["track"]["name"].as_str().unwrap())
        .collect();
    // Bob's play at 10:00 +13:00 is 21:00 UTC the day before, the newest of all.
    assert_eq!(tracks, ["Quorum", "Teardrop", "Sunflower", "Sunflower"]);
    assert_eq!(items[0]["user"]["name"], "bob");
    assert_eq!(items[0]["time"], "2026-11-03T21:00:00Z");
    assert_eq!(items[1]["user"]["name"], "alice");
    assert_eq!(items[1]["source"], "jellyfin");
    assert_eq!(items[1]["artist"]["name"], "Massive Attack");
    assert_eq!(items[2]["source"], "multiscrobbler");
    // The two Sunflower plays are one track, made once by the catalogue.
    assert_eq!(items[2]["track"]["uuid"], items[3]["track"]["uuid"]);
    assert_ne!(items[0]["artist"]["uuid"], "");
    assert_eq!(
        items[0]["artist"]["uuid"], items[2]["artist"]["uuid"],
        "one artist Low for both albums"
    );

    // A user's scrobbles: `total` counts all of theirs.
    let jwt = login(&base, "alice", "alice password").await;
    let own = get_authed(format!("{base}/user/{alice_uuid}/scrobbles"), &jwt).await;
    assert_eq!(own["meta"]["total"], 3, "{own}");
    assert_eq!(own["meta"]["count"], 3, "{own}");

    // Top lists: plays per track and per artist, `img` as the server fills it.
    let top: Value = get_json(format!("{base}/tracks/top/{alice_uuid}")).await;
    assert_eq!(top["tracks"]["1"]["name"], "Sunflower", "{top}");
    assert_eq!(top["tracks"]["1"]["plays"], 2);
    assert_eq!(top["tracks"]["2"]["name"], "Teardrop");
    let sunflower = top["tracks"]["1"]["uuid"].as_str().unwrap();
    let track: Value = get_json(format!("{base}/tracks/{sunflower}")).await;
    assert_eq!(track["length"], 285, "{track}");
    assert_eq!(track["albums"][0]["name"], "Things We Lost in the Fire");
    assert_eq!(top["tracks"]["1"]["img"], track["albums"][0]["uuid"]);
    let artists: Value = get_json(format!("{base}/artists/top/{alice_uuid}")).await;
    assert_eq!(artists["artists"]["1"]["name"], "Low", "{artists}");
    assert_eq!(artists["artists"]["1"]["plays"], 2);
    assert_eq!(
        artists["artists"]
            .as_object()
            .unwrap()
            .values()
            .filter(|a| a["plays"] == 1)
            .count(),
        2,
        "both artists of Teardrop: {artists}"
    );
    let listeners: Value = get_json(format!(
        "{base}/artists/{}/top",
        artists["artists"]["1"]["uuid"].as_str().unwrap()
    ))
    .await;
    assert_eq!(
        listeners["meta"]["total"], 3,
        "all plays of Low: {listeners}"
    );

    // The seeded key is accepted by both ingestion routes.
    let ingested = post_json(
        format!("{base}/ingress/multiscrobbler?key={ALICE_KEY}"),
        &json!({"artists": ["Low"], "album": "Ones and Sixes", "track": "No Comprende",
                "playDate": "2026-12-01T09:00:00Z", "duration": 300}),
    )
    .await;
    assert_eq!(ingested, json!({"message": "success"}));
    let jellyfin = post_json(
        format!("{base}/ingress/jellyfin?key={ALICE_KEY}"),
        &json!({"Name": "Lies", "Album": "Double Negative", "Artist": "Low",
                "ItemType": "Audio", "RunTime": "00:04:41", "DeviceId": "d1"}),
    )
    .await;
    assert_eq!(jellyfin, json!({"message": "success"}));
    let own = get_authed(format!("{base}/user/{alice_uuid}/scrobbles"), &jwt).await;
    assert_eq!(own["meta"]["total"], 5, "{own}");
    // A key of the right shape nobody has is refused.
    let refused = http()
        .post(format!(
            "{base}/ingress/multiscrobbler?key=zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
        ))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
}

#[test]
fn a_seeded_ingress_key_of_the_wrong_shape_is_refused_at_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("keys.json");
    std::fs::write(
        &seed,
        "{\"goscrobble\": {\"users\": [\n  {\"username\": \"a\", \"password\": \"p\",\n   \"ingress_key\": \"0123456789\"}\n]}}\n",
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["goscrobble", "--seed"])
        .arg(&seed)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:3:", seed.display())),
        "{stderr}"
    );
    assert!(
        stderr.contains("goscrobble.users[0].ingress_key"),
        "{stderr}"
    );
    assert!(stderr.contains("32 ASCII letters"), "{stderr}");
    assert!(
        !stderr.contains("0123456789"),
        "the key is not echoed: {stderr}"
    );
}

/// Sends `POST /sendreset` (the heavy tier: bursts of 2) on `client`; the status and body.
async fn send_reset(client: &reqwest::Client, base: &str) -> Result<(u16, String), reqwest::Error> {
    let answer = client
        .post(format!("{base}/sendreset"))
        .json(&json!({"email": "demo@example.com"}))
        .send()
        .await?;
    let status = answer.status().as_u16();
    Ok((status, answer.text().await?))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_goscrobble_restart_resets_the_rate_limits_and_keeps_sessions_and_refresh_tokens() {
    let emulator = Emulator::start(&["goscrobble"]);
    let base = emulator.url("goscrobble");
    let goscrobble = Service::GoScrobble.authenticator(Some(&base)).unwrap();
    let session = goscrobble
        .login(&demo())
        .await
        .unwrap()
        .into_session()
        .unwrap();

    // One connection: its heavy bucket holds two requests.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .unwrap();
    for _ in 0..2 {
        assert_eq!(send_reset(&client, &base).await.unwrap().0, 200);
    }
    let limited = send_reset(&client, &base).await.unwrap();
    assert_eq!(
        limited,
        (429, r#"{"message":"Too many requests"}"#.to_owned())
    );

    let restarted = http()
        .post(format!(
            "{}/__omniauth/restart",
            emulator.root("goscrobble")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(restarted.status(), 202);
    // The connection is cut 0.1 s after the answer; then the server serves again.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let after = loop {
        match send_reset(&client, &base).await {
            Ok(answer) => break answer,
            Err(err) => assert!(Instant::now() < deadline, "not back: {err}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(after.0, 200, "full buckets after the restart: {after:?}");
    assert!(after.1.contains("Password reset email sent"), "{after:?}");

    // The JWT secret and the database survive: the session works and its refresh token too.
    goscrobble.validate(&session).await.unwrap();
    let refreshed = goscrobble.refresh(&session).await.unwrap();
    goscrobble.validate(&refreshed).await.unwrap();
    assert_eq!(refreshed.username(), Some("demo"));
}

/// A monotonic clock the test moves on, as time passing would.
#[derive(Clone, Default)]
struct MovedClock(Arc<AtomicU64>);

impl MovedClock {
    fn advance(&self, secs: u64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for MovedClock {
    fn now(&self) -> Instant {
        Instant::now() + Duration::from_secs(self.0.load(Ordering::SeqCst))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_maillink_login_expires_when_the_server_clock_passes_its_lifetime() {
    let emulator = Emulator::start(&["maillink"]);
    let control = emulator.root("maillink");
    let client = omniauth::maillink::Client::new(emulator.url("maillink")).unwrap();
    let clock = MovedClock::default();
    let pending = client
        .start_login("demo", "demo@example.com", &SessionPlatform::CLI)
        .await
        .unwrap()
        .with_wait_options(WaitOptions::new().clock(clock.clone()));
    assert!(matches!(
        pending.poll_once().await.unwrap(),
        PollStatus::Pending
    ));
    let outbox: Value = get_json(format!("{control}/__omniauth/outbox")).await;
    let auth_id = outbox[0]["auth_id"].as_str().unwrap().to_owned();

    // Ten minutes and a second later, on the server and for the client alike.
    let moved: Value = post_json(
        format!("{control}/__omniauth/clock"),
        &json!({"advance_secs": 601}),
    )
    .await;
    let server_now = chrono::DateTime::parse_from_rfc3339(moved["now"].as_str().unwrap()).unwrap();
    assert!(
        server_now.timestamp() >= pending.expires_at().timestamp(),
        "{moved}"
    );
    clock.advance(601);

    let state: Value = get_json(format!("{control}/__omniauth/logins/{auth_id}")).await;
    assert_eq!(state["state"], "expired");
    let late = http()
        .post(format!("{control}/__omniauth/logins/{auth_id}/confirm"))
        .send()
        .await
        .unwrap();
    assert_eq!(late.status(), 409, "too late to follow the link");
    let err = pending.poll_once().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Expired, "{err:?}");

    // A login started now gets its lifetime on the moved clock.
    let next = client
        .start_login("demo", "demo@example.com", &SessionPlatform::CLI)
        .await
        .unwrap();
    assert!(
        next.expires_at().timestamp() >= server_now.timestamp() + 599,
        "{} vs {server_now}",
        next.expires_at()
    );
    // And back: a negative step is allowed.
    let back: Value = post_json(
        format!("{control}/__omniauth/clock"),
        &json!({"advance_secs": -601}),
    )
    .await;
    let back = chrono::DateTime::parse_from_rfc3339(back["now"].as_str().unwrap()).unwrap();
    assert!(back < server_now, "{back} {server_now}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_maillink_restart_drops_pending_logins_and_keeps_the_accounts() {
    let emulator = Emulator::start(&["maillink"]);
    let control = emulator.root("maillink");
    let client = omniauth::maillink::Client::new(emulator.url("maillink")).unwrap();
    let before = client
        .start_login("demo", "demo@example.com", &SessionPlatform::CLI)
        .await
        .unwrap();
    let outbox: Value = get_json(format!("{control}/__omniauth/outbox")).await;
    let auth_id = outbox[0]["auth_id"].as_str().unwrap().to_owned();

    let restarted = http()
        .post(format!("{control}/__omniauth/restart"))
        .send()
        .await
        .unwrap();
    assert_eq!(restarted.status(), 202);
    // The state is reset before the answer; the connections are cut just after it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        match http()
            .get(format!("{control}/__omniauth/logins/{auth_id}"))
            .send()
            .await
        {
            Ok(answer) => break answer.status().as_u16(),
            Err(err) => assert!(Instant::now() < deadline, "not back: {err}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(status, 404, "the pending login is gone");
    let confirm = http()
        .post(format!("{control}/__omniauth/logins/{auth_id}/confirm"))
        .send()
        .await
        .unwrap();
    assert_eq!(confirm.status(), 409);
    assert!(
        matches!(before.poll_once().await.unwrap(), PollStatus::Pending),
        "the documented 400, as for any unknown id, until the client's deadline"
    );

    // The account survived: a new login is confirmed and gets a session.
    let after = client
        .start_login("demo", "demo@example.com", &SessionPlatform::CLI)
        .await
        .unwrap();
    let confirmed = http()
        .post(format!("{control}/__omniauth/logins/last/confirm"))
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), 204);
    let session = after
        .wait(WaitOptions::new().first_wait(Duration::ZERO))
        .await
        .unwrap();
    assert!(!session.user_id().is_empty());
}
