//! The binary against each real Burgerauth build (1.3, 1.2 HEAD, the POST-era 1.2), with the
//! dialect detected (`--dialect auto`, the default) and stored with the session: register,
//! login, whoami, token, status and a logout that says what the server did.

mod common;

use std::path::Path;

use common::{argv, assert_exit, code, json, omniauth, stdout, temp_store};
use omniauth::burgerauth::{Client, Dialect};
use omniauth::{SecretKey, TokenScheme};
use omniauth_testkit::burgerauth::{Burgerauth, Dialect as Build};

const PASSWORD: &str = "correct horse battery";

/// Whether the server still takes `key`, asked with the dialect the build speaks.
async fn key_is_live(server: &Burgerauth, dialect: Dialect, key: &str) -> bool {
    let client = Client::builder()
        .base_url(server.base_url())
        .dialect(dialect)
        .build()
        .unwrap();
    let session = client.session_for_key(&SecretKey::new(key));
    assert_eq!(session.scheme(), &TokenScheme::InRequest);
    client.is_logged_in(&session).await.unwrap()
}

async fn token(store: &Path, account: &str) -> String {
    let output = omniauth(store, &["token", "burgerauth", "--account", account], "").await;
    assert_exit(&output, 0);
    stdout(&output).trim().to_owned()
}

/// Every command on one build, the dialect left to detection.
async fn every_command_on(build: Build, speaks: Dialect) {
    let server = Burgerauth::builder().dialect(build).start().await.unwrap();
    let url = server.base_url();
    let (_dir, store) = temp_store();

    // Mixed case: 1.3 would bind a key typed so to user id 0 (spec §0); the name is lowercased.
    let register = omniauth(
        &store,
        &argv(
            "--json register burgerauth",
            url,
            "Grace",
            &["--password-stdin"],
        ),
        PASSWORD,
    )
    .await;
    assert_exit(&register, 0);
    let registered = json(&register)["username"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if speaks == Dialect::V1_3 {
        assert_eq!(registered, "grace", "lowercased for 1.3");
    } else {
        // 1.2 keeps the case and compares names case-insensitively.
        assert!(registered.eq_ignore_ascii_case("grace"), "{registered}");
    }

    let login = omniauth(
        &store,
        &argv(
            "--json login burgerauth",
            url,
            "grace",
            &["--account", "g", "--password-stdin"],
        ),
        PASSWORD,
    )
    .await;
    assert_exit(&login, 0);
    assert_eq!(json(&login)["username"], registered.as_str());
    assert_eq!(
        json(&login)["dialect"],
        speaks.as_str(),
        "detected and stored"
    );

    let whoami = omniauth(
        &store,
        &["--json", "whoami", "burgerauth", "--account", "g"],
        "",
    )
    .await;
    assert_exit(&whoami, 0);
    assert_eq!(json(&whoami)["username"], registered.as_str());

    let key = token(&store, "g").await;
    assert!(
        key_is_live(&server, speaks, &key).await,
        "{build:?}: the stored key works"
    );

    let status = omniauth(&store, &["--json", "status"], "").await;
    assert_exit(&status, 0);
    let rows = json(&status);
    assert_eq!(rows.as_array().map(Vec::len), Some(2), "{rows}");
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .all(|row| row["dialect"] == speaks.as_str())
    );

    logout_says_what_the_server_did(&server, &store, speaks, &key).await;
}

/// `logout` on the `g` account (JSON) and the default one (text): on 1.2 the server ends the
/// session; on 1.3, which cannot, the CLI says so and the key indeed still works.
async fn logout_says_what_the_server_did(
    server: &Burgerauth,
    store: &Path,
    speaks: Dialect,
    key: &str,
) {
    let logout = omniauth(
        store,
        &["--json", "logout", "burgerauth", "--account", "g"],
        "",
    )
    .await;
    assert_exit(&logout, 0);
    let said = json(&logout);
    let live = key_is_live(server, speaks, key).await;
    if speaks == Dialect::V1_2 {
        assert_eq!(said["outcome"], "server_ended", "{said}");
        assert_eq!(said["server_logout"], true);
        assert!(!live, "the server no longer takes the key");
    } else {
        assert_eq!(said["outcome"], "local_only", "{said}");
        assert_eq!(said["server_logout"], false);
        assert_eq!(said["logged_out"], false);
        assert!(said["still_valid_until"].is_null(), "keys do not expire");
        assert!(live, "the CLI told the truth: the key is still valid");
    }
    let again = omniauth(store, &["whoami", "burgerauth", "--account", "g"], "").await;
    assert_eq!(code(&again), 6, "forgotten locally");

    let logout = omniauth(store, &["logout", "burgerauth"], "").await;
    assert_exit(&logout, 0);
    let text = stdout(&logout);
    if speaks == Dialect::V1_2 {
        assert!(
            text.contains("logged out (the server ended the session)"),
            "{text}"
        );
    } else {
        assert!(!text.contains("logged out"), "{text}");
        assert!(text.contains("offers no server logout"), "{text}");
        assert!(text.contains("stays valid on the server"), "{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_on_1_3() {
    every_command_on(Build::V1_3, Dialect::V1_3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_on_1_2_head() {
    every_command_on(Build::V1_2, Dialect::V1_2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_on_the_post_era_1_2_build() {
    every_command_on(Build::V1_2Post, Dialect::V1_2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fixed_dialect_is_used_and_refused_for_other_services() {
    let server = Burgerauth::builder()
        .dialect(Build::V1_2)
        .start()
        .await
        .unwrap();
    let (_dir, store) = temp_store();
    let register = omniauth(
        &store,
        &argv(
            "--json register burgerauth",
            server.base_url(),
            "ivan",
            &["--dialect", "1.2", "--password-stdin"],
        ),
        PASSWORD,
    )
    .await;
    assert_exit(&register, 0);
    assert_eq!(json(&register)["dialect"], "1.2");
    // A 1.3 login on a 1.2 server fails instead of storing a session that cannot work.
    let wrong = omniauth(
        &store,
        &argv(
            "login burgerauth",
            server.base_url(),
            "ivan",
            &["--account", "w", "--dialect", "1.3", "--password-stdin"],
        ),
        PASSWORD,
    )
    .await;
    assert_ne!(code(&wrong), 0);
    let other = omniauth(
        &store,
        &argv(
            "login goscrobble",
            "http://127.0.0.1:9",
            "ivan",
            &["--dialect", "1.2", "--password-stdin"],
        ),
        PASSWORD,
    )
    .await;
    assert_eq!(code(&other), 2, "invalid input");
}
