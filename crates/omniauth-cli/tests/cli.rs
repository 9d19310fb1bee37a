//! The built `omniauth` binary against the emulators: commands, exit codes, `--json` shapes,
//! the store file, and no secret on stdout or stderr except from `token`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use omniauth_testkit::burgerauth::Burgerauth;
use omniauth_testkit::goscrobble::GoScrobble;
use omniauth_testkit::maillink::Maillink;
use omniauth_testkit::resonite::Resonite;
use omniauth_testkit::{Fault, FaultRule, RetryAfter};
use serde_json::Value;

use common::{argv, assert_exit, code, json, omniauth, stderr, stdout, temp_store};

const PASSWORD: &str = "correct horse battery";

/// Logs alice in to GoScrobble at `url`, `stdin` holding the password; `--json` when `json`.
async fn goscrobble_login(store: &Path, url: &str, json: bool, stdin: &str) -> Output {
    let words = if json {
        "--json login goscrobble"
    } else {
        "login goscrobble"
    };
    omniauth(
        store,
        &argv(words, url, "alice", &["--password-stdin"]),
        stdin,
    )
    .await
}

/// A GoScrobble emulator with alice, and a store file not yet written.
async fn goscrobble_with_alice() -> (GoScrobble, tempfile::TempDir, PathBuf) {
    let server = GoScrobble::start().await.unwrap();
    server.add_user("alice", PASSWORD, "alice@example.com");
    let (dir, store) = temp_store();
    (server, dir, store)
}

fn stored_tokens(store: &Path) -> Vec<String> {
    let file: Value = serde_json::from_slice(&std::fs::read(store).unwrap()).unwrap();
    file["sessions"]
        .as_object()
        .unwrap()
        .values()
        .map(|s| s["access_token"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn goscrobble_login_token_whoami_status_logout() {
    let (server, _dir, store) = goscrobble_with_alice().await;
    let url = server.base_url();

    let login = goscrobble_login(&store, url, true, &format!("{PASSWORD}\n")).await;
    assert_exit(&login, 0);
    let who = json(&login);
    assert_eq!(who["service"], "goscrobble");
    assert_eq!(who["account"], "default");
    assert_eq!(who["username"], "alice");
    assert!(who["user_id"].is_string() && who["expires_at"].is_string());
    let tokens = stored_tokens(&store);
    assert_eq!(tokens.len(), 1);
    for text in [stdout(&login), stderr(&login)] {
        assert!(
            !text.contains(PASSWORD) && !text.contains(&tokens[0]),
            "secret printed: {text}"
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&store).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    let token = omniauth(&store, &["token", "goscrobble"], "").await;
    assert_exit(&token, 0);
    assert_eq!(
        stdout(&token).trim(),
        tokens[0],
        "token prints the stored, still valid token"
    );
    let token_json = omniauth(&store, &["--json", "token", "goscrobble"], "").await;
    let token_json = json(&token_json);
    assert_eq!(token_json["access_token"], tokens[0].as_str());
    assert!(token_json["expires_at"].is_string());

    let whoami = omniauth(&store, &["--json", "whoami", "goscrobble"], "").await;
    assert_exit(&whoami, 0);
    assert_eq!(json(&whoami)["username"], "alice");

    let status = omniauth(&store, &["--json", "status"], "").await;
    let list = json(&status);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["service"], "goscrobble");
    let human = omniauth(&store, &["status"], "").await;
    assert!(
        stdout(&human).starts_with("goscrobble/default: alice ("),
        "{}",
        stdout(&human)
    );

    let logout = omniauth(&store, &["logout", "goscrobble"], "").await;
    assert_exit(&logout, 0);
    // GoScrobble has no server logout: the CLI must not claim one (its JWT stays valid).
    let said = stdout(&logout);
    assert!(!said.contains("logged out"), "{said}");
    assert!(
        said.contains("forgot the session on this machine only")
            && said.contains("stays valid on the server until "),
        "{said}"
    );
    assert!(stored_tokens(&store).is_empty());
    let whoami = omniauth(&store, &["--json", "whoami", "goscrobble"], "").await;
    assert_eq!(code(&whoami), 6);
    assert_eq!(json(&whoami)["error"]["kind"], "unauthorized");
    assert!(
        stderr(&whoami).starts_with("error: unauthorized: "),
        "{}",
        stderr(&whoami)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_are_kept_apart() {
    let (server, _dir, store) = goscrobble_with_alice().await;
    server.add_user("bob", PASSWORD, "bob@example.com");
    let url = server.base_url();
    for (account, user) in [("work", "alice"), ("home", "bob")] {
        let out = omniauth(
            &store,
            &argv(
                "login goscrobble",
                url,
                user,
                &["--account", account, "--password-stdin"],
            ),
            PASSWORD,
        )
        .await;
        assert_exit(&out, 0);
    }
    let whoami = omniauth(
        &store,
        &["--json", "whoami", "goscrobble", "--account", "home"],
        "",
    )
    .await;
    assert_eq!(json(&whoami)["username"], "bob");
    assert_eq!(stored_tokens(&store).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_follow_the_error_kind() {
    let (server, _dir, store) = goscrobble_with_alice().await;
    let url = server.base_url();

    let wrong = goscrobble_login(&store, url, true, "wrong password\n").await;
    assert_exit(&wrong, 3);
    assert_eq!(json(&wrong)["error"]["kind"], "invalid_credentials");
    assert!(!stderr(&wrong).contains("wrong password"));

    let no_url = omniauth(
        &store,
        &[
            "login",
            "goscrobble",
            "--username",
            "alice",
            "--password-stdin",
        ],
        PASSWORD,
    )
    .await;
    assert_exit(&no_url, 2);

    let usage = omniauth(&store, &["login", "myspace"], "").await;
    assert_eq!(code(&usage), 2);

    let not_logged_in = omniauth(&store, &["token", "goscrobble"], "").await;
    assert_eq!(code(&not_logged_in), 6);

    server.server().faults().inject(FaultRule::new(
        "/api/v1/login",
        Fault::rate_limited(RetryAfter::Seconds(3600)),
    ));
    let limited = goscrobble_login(&store, url, false, PASSWORD).await;
    assert_exit(&limited, 7);

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/api/v1", closed.local_addr().unwrap());
    drop(closed);
    let down = goscrobble_login(&store, &dead, false, PASSWORD).await;
    assert_exit(&down, 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maillink_login_waits_for_the_link_and_stops_at_the_deadline() {
    let server = Maillink::builder()
        .confirm_after_polls(1)
        .start()
        .await
        .unwrap();
    server.add_account("carol", Some("carol@example.com"));
    let (_dir, store) = temp_store();
    let url = server.base_url();
    let login = omniauth(
        &store,
        &argv(
            "--json login maillink",
            url,
            "carol",
            &["--email", "carol@example.com"],
        ),
        "",
    )
    .await;
    assert_exit(&login, 0);
    assert_eq!(json(&login)["service"], "maillink");
    assert!(
        stderr(&login).contains("carol@example.com") || stderr(&login).contains("link"),
        "{}",
        stderr(&login)
    );

    let never = Maillink::start().await.unwrap();
    never.add_account("dave", Some("dave@example.com"));
    let waited = omniauth(
        &store,
        &argv(
            "login maillink",
            never.base_url(),
            "dave",
            &[
                "--account",
                "d",
                "--email",
                "dave@example.com",
                "--wait",
                "1",
            ],
        ),
        "",
    )
    .await;
    assert_exit(&waited, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_runs_every_flow_offline() {
    let (_dir, store) = temp_store();
    let demo = omniauth(&store, &["demo"], "").await;
    assert_eq!(
        code(&demo),
        0,
        "stdout:\n{}\nstderr:\n{}",
        stdout(&demo),
        stderr(&demo)
    );
    let text = stdout(&demo);
    for service in ["resonite", "burgerauth", "goscrobble", "maillink"] {
        assert!(
            text.contains(service),
            "the demo skipped {service}:\n{text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resonite_asks_for_the_second_factor() {
    let server = Resonite::start().await.unwrap();
    let user_id = server.add_account("erin", "erin@example.com", PASSWORD);
    server.set_totp(&user_id, Some("654321"));
    let (_dir, store) = temp_store();
    let url = server.base_url();
    let base = argv("login resonite", url, "erin", &["--password-stdin"]);

    let no_code = omniauth(&store, &base, PASSWORD).await;
    assert_exit(&no_code, 4);
    assert!(stderr(&no_code).contains("--totp"), "{}", stderr(&no_code));

    let mut with_code = vec!["--json"];
    with_code.extend(&base);
    with_code.extend(["--totp", "654321"]);
    let login = omniauth(&store, &with_code, PASSWORD).await;
    assert_exit(&login, 0);
    assert_eq!(json(&login)["user_id"], user_id.as_str());
    assert!(!stdout(&login).contains("654321") && !stderr(&login).contains("654321"));

    let whoami = omniauth(&store, &["whoami", "resonite"], "").await;
    assert_exit(&whoami, 0);
    let logout = omniauth(&store, &["--json", "logout", "resonite"], "").await;
    assert_exit(&logout, 0);
    assert_eq!(json(&logout)["server_logout"], true);
    assert_eq!(json(&logout)["outcome"], "server_ended");
    assert!(
        server.user_sessions(&user_id).is_empty(),
        "the token was deleted on the server"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_on_goscrobble_then_again_is_account_exists() {
    let (_dir, store) = temp_store();
    let goscrobble = GoScrobble::start().await.unwrap();
    let url = goscrobble.base_url();
    let register = omniauth(
        &store,
        &argv(
            "--json register goscrobble",
            url,
            "frank",
            &["--email", "frank@example.com", "--password-stdin"],
        ),
        PASSWORD,
    )
    .await;
    assert_exit(&register, 0);
    let again = omniauth(
        &store,
        &argv(
            "register goscrobble",
            url,
            "frank",
            &["--email", "frank@example.com", "--password-stdin"],
        ),
        PASSWORD,
    )
    .await;
    assert_eq!(
        code(&again),
        1,
        "an existing account is no credential error: {}",
        stderr(&again)
    );
    assert!(
        stderr(&again).starts_with("error: account_exists: "),
        "{}",
        stderr(&again)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_then_login_on_burgerauth() {
    let (_dir, store) = temp_store();
    let burgerauth = Burgerauth::start().await.unwrap();
    let url = burgerauth.base_url();
    let register = omniauth(
        &store,
        &argv("register burgerauth", url, "grace", &["--password-stdin"]),
        PASSWORD,
    )
    .await;
    assert_exit(&register, 0);
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
    assert_eq!(json(&login)["username"], "grace");
    let whoami = omniauth(&store, &["whoami", "burgerauth", "--account", "g"], "").await;
    assert_exit(&whoami, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_on_maillink_signs_in_at_once() {
    let (_dir, store) = temp_store();
    let maillink = Maillink::start().await.unwrap();
    let register = omniauth(
        &store,
        &argv(
            "--json register maillink",
            maillink.base_url(),
            "heidi",
            &["--email", "heidi@example.com"],
        ),
        "",
    )
    .await;
    assert_exit(&register, 0);
    assert_eq!(json(&register)["service"], "maillink");
    let token = omniauth(&store, &["token", "maillink"], "").await;
    assert_exit(&token, 0);
    assert_eq!(
        maillink.token_owner(stdout(&token).trim()).as_deref(),
        Some("heidi")
    );
}
