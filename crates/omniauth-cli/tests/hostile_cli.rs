//! The CLI against hostile servers and hostile server text: no escape sequence reaches the
//! terminal, an error is one line, a hanging server ends at `--timeout` in the CLI's own
//! words, and `--json` stays exact JSON.

mod common;

#[path = "../../../tests/tests/common/hostile.rs"]
#[allow(dead_code)] // The SDK's suite uses the rest.
mod hostile;

use hostile::{Hostile, HostileServer};
use omniauth_testkit::goscrobble::GoScrobble;

use common::{argv, assert_exit, json, omniauth, stderr, stdout, temp_store};

const PASSWORD: &str = "correct horse battery";

fn assert_terminal_safe(text: &str) {
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "a control character reaches the terminal: {text:?}"
    );
    assert!(
        !text.contains('\u{202e}'),
        "a bidi override reaches the terminal: {text:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escape_sequences_in_server_errors_are_shown_escaped_on_one_line() {
    let server = HostileServer::start(Hostile::Escapes).await;
    let (_dir, store) = temp_store();
    for service in ["resonite", "goscrobble", "burgerauth", "maillink"] {
        let words = format!("login {service}");
        let mut args = argv(&words, &server.base_url, "alice", &["--password-stdin"]);
        if service == "maillink" {
            args.extend(["--email", "a@example.com"]);
        }
        let login = omniauth(&store, &args, PASSWORD).await;
        assert_ne!(common::code(&login), 0);
        let said = stderr(&login);
        assert_terminal_safe(&said);
        assert_eq!(
            said.trim_end().lines().count(),
            1,
            "{service}: one line: {said}"
        );
        assert!(
            said.contains("\\u{1b}"),
            "{service}: the escape is shown, escaped: {said}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_username_with_escapes_is_escaped_for_people_and_exact_in_json() {
    let server = GoScrobble::start().await.unwrap();
    let name = "eve\u{1b}[2J\r\nroot";
    server.add_user(name, PASSWORD, "eve@example.com");
    let (_dir, store) = temp_store();
    let args = argv(
        "login goscrobble",
        server.base_url(),
        name,
        &["--password-stdin"],
    );
    let login = omniauth(&store, &args, PASSWORD).await;
    assert_exit(&login, 0);
    assert_terminal_safe(&stdout(&login));
    let status = omniauth(&store, &["status"], "").await;
    assert_terminal_safe(&stdout(&status));
    assert!(
        stdout(&status).contains("eve\\u{1b}[2J"),
        "{}",
        stdout(&status)
    );
    let exact = omniauth(&store, &["--json", "whoami", "goscrobble"], "").await;
    assert_exit(&exact, 0);
    assert_eq!(
        json(&exact)["username"],
        name,
        "--json keeps the exact text"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_server_ends_at_the_timeout_in_the_clis_words() {
    let server = HostileServer::start(Hostile::Hang).await;
    let (_dir, store) = temp_store();
    let mut args = vec!["--json", "--timeout", "2"];
    args.extend(argv(
        "login goscrobble",
        &server.base_url,
        "alice",
        &["--password-stdin"],
    ));
    let login = omniauth(&store, &args, PASSWORD).await;
    assert_exit(&login, 8);
    assert_eq!(json(&login)["error"]["kind"], "timeout");
    let said = stderr(&login);
    assert!(said.starts_with("error: timeout: "), "{said}");
    assert!(said.contains("--timeout"), "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_server_ends_the_cli_cleanly() {
    let (_dir, store) = temp_store();
    for kind in Hostile::ALL {
        let server = HostileServer::start(kind).await;
        let mut args = vec!["--timeout", "3"];
        args.extend(argv(
            "login goscrobble",
            &server.base_url,
            "alice",
            &["--password-stdin"],
        ));
        let login = omniauth(&store, &args, PASSWORD).await;
        let code = common::code(&login);
        assert!(
            (2..=8).contains(&code),
            "{kind:?}: a documented failure code, not {code}: {}",
            stderr(&login)
        );
        let said = stderr(&login);
        assert_terminal_safe(&said);
        assert_eq!(
            said.trim_end().lines().count(),
            1,
            "{kind:?}: one line: {said}"
        );
        assert!(
            stdout(&login).is_empty(),
            "{kind:?}: nothing claimed on stdout"
        );
    }
}
