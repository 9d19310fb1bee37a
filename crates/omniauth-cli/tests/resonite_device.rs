//! Resonite's device identity lasts: every `omniauth login resonite` of one account sends the
//! same `UID` and `secretMachineId`, after a logout too; another account gets its own.

mod common;

use omniauth_testkit::resonite::Resonite;

use common::{argv, assert_exit, omniauth, temp_store};

const PASSWORD: &str = "correct horse battery";

/// The `UID` header and `secretMachineId` of every login the emulator saw, in order.
fn devices(server: &Resonite) -> Vec<(String, String)> {
    server
        .server()
        .requests()
        .to_path("/userSessions")
        .iter()
        .filter(|r| r.method == "POST")
        .map(|r| {
            let body = r.json().unwrap();
            (
                r.header("uid").unwrap_or_default().to_owned(),
                body["secretMachineId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_login_of_an_account_sends_the_same_device() {
    let server = Resonite::start().await.unwrap();
    server.add_account("erin", "erin@example.com", PASSWORD);
    server.add_account("finn", "finn@example.com", PASSWORD);
    let (dir, store) = temp_store();
    let url = server.base_url();
    let login = |user: &'static str, account: &'static str| {
        let store = store.clone();
        async move {
            let args = argv(
                "login resonite",
                url,
                user,
                &["--password-stdin", "--account", account],
            );
            omniauth(&store, &args, PASSWORD).await
        }
    };
    assert_exit(&login("erin", "default").await, 0);
    assert_exit(&login("erin", "default").await, 0);
    assert_exit(&omniauth(&store, &["logout", "resonite"], "").await, 0);
    assert_exit(&login("erin", "default").await, 0);
    assert_exit(&login("finn", "other").await, 0);

    let seen = devices(&server);
    assert_eq!(seen.len(), 4);
    assert!(
        seen.iter()
            .all(|(uid, machine)| !uid.is_empty() && !machine.is_empty())
    );
    assert_eq!(seen[0], seen[1], "the second login reuses the device");
    assert_eq!(seen[0], seen[2], "a logout does not forget it");
    assert_ne!(seen[0].0, seen[3].0, "another account, another UID");
    assert_ne!(seen[0].1, seen[3].1, "another account, another machine id");

    // Kept beside the store, readable by its owner only.
    let file = dir.path().join("resonite-devices.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains(&seen[0].0));
}
