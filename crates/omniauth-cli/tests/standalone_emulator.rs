//! The CLI against the standalone emulators (`omniauth_testkit::standalone`, what the
//! `omniauth-emulator` binary serves) with the default seed: it logs in to each of the four
//! services with the seeded demo accounts, and the maillink login is confirmed through the
//! control API.

mod common;

use omniauth_testkit::standalone::{self, Options, Seed, ServiceName};

use common::{argv, assert_exit, json, omniauth, omniauth_env, temp_store};

/// The default seed's demo password (`default-seed.json`).
const PASSWORD: &str = "a demo password";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_cli_logs_in_to_every_seeded_service() {
    let services = vec![
        ServiceName::Resonite,
        ServiceName::Burgerauth,
        ServiceName::GoScrobble,
        ServiceName::Maillink,
    ];
    let emulators = standalone::start(&Options::new(services), &Seed::default_seed())
        .await
        .unwrap();
    let url = |name: ServiceName| {
        emulators
            .urls()
            .into_iter()
            .find(|(service, _)| *service == name)
            .map(|(_, url)| url)
            .unwrap()
    };
    let (_dir, store) = temp_store();

    for (service, name) in [
        ("goscrobble", ServiceName::GoScrobble),
        ("burgerauth", ServiceName::Burgerauth),
    ] {
        let words = format!("--json login {service}");
        let base = url(name);
        let args = argv(&words, &base, "demo", &["--password-stdin"]);
        let login = omniauth(&store, &args, PASSWORD).await;
        assert_exit(&login, 0);
        assert_eq!(json(&login)["username"], "demo", "{service}");
    }

    // The seeded Resonite demo account has a second factor (code 123456).
    let resonite = url(ServiceName::Resonite);
    let args = argv(
        "--json login resonite",
        &resonite,
        "demo",
        &["--password-stdin"],
    );
    let login = omniauth_env(&store, &args, PASSWORD, &[("OMNIAUTH_TOTP", "123456")]).await;
    assert_exit(&login, 0);

    // The email-link login waits for a click; the control API gives it.
    let maillink = url(ServiceName::Maillink);
    let args = argv(
        "--json login maillink",
        &maillink,
        "demo",
        &["--email", "demo@example.com", "--wait", "20"],
    );
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let waiting_store = store.clone();
    let waiting = tokio::spawn(async move {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        omniauth(&waiting_store, &args, "").await
    });
    let http = reqwest::Client::new();
    let root = maillink.trim_end_matches('/');
    let mut confirmed = false;
    for _ in 0..200 {
        let answer = http
            .post(format!("{root}/__omniauth/logins/last/confirm"))
            .send()
            .await
            .unwrap();
        if answer.status().is_success() {
            confirmed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(confirmed, "the control API confirmed the pending login");
    let login = waiting.await.unwrap();
    assert_exit(&login, 0);

    let status = omniauth(&store, &["--json", "status"], "").await;
    assert_eq!(json(&status).as_array().unwrap().len(), 4);
}
