//! The official ASP.NET Core SignalR client (`@microsoft/signalr`, pinned in
//! `tests/interop/js/package.json`) against the Resonite hub emulator: negotiate and
//! skip-negotiate, every hub function, pushed events, a stream and a cancelled one, pings
//! both ways, the client timeout, a server Close with and without `allowReconnect`, a
//! reconnect after an emulator restart and a clean `stop()` (`tests/interop/js/hub.mjs`).

mod interop;

use std::time::Duration;

use omniauth_testkit::resonite::Resonite;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_js_client_works_against_the_hub_emulator() {
    let dir = interop::root().join("tests/interop/js");
    let Some(_) = interop::peer_or_fail(
        &dir.join("node_modules/@microsoft/signalr/package.json"),
        "@microsoft/signalr",
    ) else {
        return;
    };
    let Some(node) = interop::peer_or_fail(&interop::which("node"), "node") else {
        return;
    };
    let resonite = Resonite::builder().rate_limit(None).start().await.unwrap();
    for name in ["alice", "bob", "carol"] {
        resonite.add_account(name, &format!("{name}@example.com"), "pw");
    }
    resonite.add_contact("U-alice", "U-bob", "Accepted");
    for n in 0..10 {
        let name = format!("friend{n}");
        resonite.add_account(&name, &format!("{name}@example.com"), "pw");
        resonite.add_contact("U-alice", &format!("U-{name}"), "Accepted");
    }
    let hub = resonite.hub();
    // ASP.NET's 15 s / 30 s scaled down, and a stream slow enough to cancel midway.
    hub.set_ping_interval(Duration::from_millis(200));
    hub.set_client_timeout(Duration::from_secs(2));
    hub.set_stream_item_delay(Duration::from_millis(30));
    let env = interop::hub_env(&resonite).await;

    let mut peer = interop::Peer::start(&node, &["hub.mjs"], &dir, &env);
    while let Some(line) = peer.next_line(Duration::from_secs(30)).await {
        match line.as_str() {
            "ask close-allow-reconnect" => {
                assert!(hub.close_connections("U-alice", Some("bye"), Some(true)) > 0);
                peer.answer("done");
            }
            "ask close-no-reconnect" => {
                assert!(hub.close_connections("U-alice", Some("bye"), Some(false)) > 0);
                peer.answer("done");
            }
            "ask restart" => {
                resonite.restart().await.unwrap();
                peer.answer("done");
            }
            "done" => break,
            other if other.starts_with("fail") => break,
            _ => {}
        }
    }
    peer.finish_passing(
        Duration::from_secs(10),
        "the JS client",
        &[
            "negotiate",
            "functions",
            "events",
            "stream",
            "pings",
            "close-allow-reconnect",
            "restart",
            "stop",
            "skip-negotiate",
            "close-no-reconnect",
            "client-timeout",
        ],
    )
    .await;
    assert!(
        hub.stream_cancels() >= 1,
        "the emulator saw the stream's cancel"
    );
}
