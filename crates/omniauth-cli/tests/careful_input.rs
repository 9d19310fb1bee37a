//! The CLI as a careless user or a script drives it: second factors kept off argv, a bounded
//! `--password-stdin`, `whoami` on an expired token, usage errors under `--json`, and
//! GoScrobble's site root as the base URL.

mod common;

use std::time::Duration;

use omniauth_testkit::goscrobble::GoScrobble;
use omniauth_testkit::resonite::Resonite;

use common::{argv, assert_exit, json, omniauth, omniauth_env, stderr, stdout, temp_store};

const PASSWORD: &str = "correct horse battery";
const CODE: &str = "654321";

async fn resonite_with_second_factor() -> (Resonite, String) {
    let server = Resonite::start().await.unwrap();
    let user_id = server.add_account("erin", "erin@example.com", PASSWORD);
    server.set_totp(&user_id, Some(CODE));
    (server, user_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_second_factor_comes_from_stdin_or_the_environment_not_argv() {
    let (server, user_id) = resonite_with_second_factor().await;
    let (_dir, store) = temp_store();
    let url = server.base_url();

    // The line after the password.
    let mut args = vec!["--json"];
    args.extend(argv(
        "login resonite",
        url,
        "erin",
        &["--password-stdin", "--totp-stdin"],
    ));
    let login = omniauth(&store, &args, &format!("{PASSWORD}\n{CODE}\n")).await;
    assert_exit(&login, 0);
    assert_eq!(json(&login)["user_id"], user_id.as_str());

    // OMNIAUTH_TOTP.
    let args = argv(
        "login resonite",
        url,
        "erin",
        &["--password-stdin", "--account", "env"],
    );
    let login = omniauth_env(&store, &args, PASSWORD, &[("OMNIAUTH_TOTP", CODE)]).await;
    assert_exit(&login, 0);
    assert!(!stderr(&login).contains("warning"), "{}", stderr(&login));

    // Still on argv, but with a warning that others can read it there.
    let args = argv(
        "login resonite",
        url,
        "erin",
        &["--password-stdin", "--account", "argv", "--totp", CODE],
    );
    let login = omniauth(&store, &args, PASSWORD).await;
    assert_exit(&login, 0);
    let said = stderr(&login);
    assert!(
        said.contains("warning: --totp") && said.contains("--totp-stdin"),
        "{said}"
    );
    assert!(!said.contains(CODE), "{said}");

    // --totp-stdin with nothing after the password.
    let args = argv(
        "login resonite",
        url,
        "erin",
        &["--password-stdin", "--totp-stdin"],
    );
    let login = omniauth(&store, &args, &format!("{PASSWORD}\n")).await;
    assert_exit(&login, 2);
    assert!(stderr(&login).contains("no code"), "{}", stderr(&login));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_stdin_reads_one_bounded_line() {
    let server = GoScrobble::start().await.unwrap();
    server.add_user("alice", PASSWORD, "alice@example.com");
    let (_dir, store) = temp_store();
    let args = argv(
        "login goscrobble",
        server.base_url(),
        "alice",
        &["--password-stdin"],
    );
    let endless = "x".repeat(64 * 1024);
    let login = omniauth(&store, &args, &endless).await;
    assert_exit(&login, 2);
    assert!(stderr(&login).contains("4096 bytes"), "{}", stderr(&login));
    assert!(
        server
            .server()
            .requests()
            .to_path("/api/v1/login")
            .is_empty(),
        "nothing was sent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whoami_refreshes_an_expired_token_first_as_token_does() {
    let server = GoScrobble::builder()
        .jwt_expiry(Duration::from_secs(2))
        .start()
        .await
        .unwrap();
    server.add_user("alice", PASSWORD, "alice@example.com");
    let (_dir, store) = temp_store();
    let args = argv(
        "login goscrobble",
        server.base_url(),
        "alice",
        &["--password-stdin"],
    );
    assert_exit(&omniauth(&store, &args, PASSWORD).await, 0);
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let whoami = omniauth(&store, &["--json", "whoami", "goscrobble"], "").await;
    assert_exit(&whoami, 0);
    assert_eq!(json(&whoami)["username"], "alice");
    assert_eq!(
        server.server().requests().to_path("/api/v1/refresh").len(),
        1,
        "refreshed once, before asking"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_honour_json() {
    let (_dir, store) = temp_store();
    let wrong = omniauth(&store, &["--json", "login", "nosuchservice"], "").await;
    assert_exit(&wrong, 2);
    let answer = json(&wrong);
    assert_eq!(answer["error"]["kind"], "usage");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nosuchservice")
    );
    assert!(stderr(&wrong).contains("error:"), "{}", stderr(&wrong));
    // Without --json, clap's own text and no JSON.
    let plain = omniauth(&store, &["login", "nosuchservice"], "").await;
    assert_exit(&plain, 2);
    assert!(stdout(&plain).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn goscrobble_takes_the_site_root_or_the_api_root() {
    let server = GoScrobble::start().await.unwrap();
    server.add_user("alice", PASSWORD, "alice@example.com");
    let api_root = server.base_url().to_owned();
    let site_root = api_root
        .strip_suffix("/api/v1")
        .expect("the emulator serves under /api/v1")
        .to_owned();
    for (account, url) in [("site", site_root.as_str()), ("api", api_root.as_str())] {
        let (_dir, store) = temp_store();
        let args = argv(
            "--json login goscrobble",
            url,
            "alice",
            &["--password-stdin", "--account", account],
        );
        let login = omniauth(&store, &args, PASSWORD).await;
        assert_exit(&login, 0);
        let whoami = omniauth(
            &store,
            &["--json", "whoami", "goscrobble", "--account", account],
            "",
        )
        .await;
        assert_exit(&whoami, 0);
        assert_eq!(json(&whoami)["username"], "alice", "{url}");
    }
}
