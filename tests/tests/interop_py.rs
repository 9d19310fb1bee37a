//! `pysignalr` (from `PyPI`, pinned in `tests/interop/py/requirements.txt`) against the Resonite hub
//! emulator, negotiating (its default, negotiate version 0): every hub function, pushed
//! events, a stream, pings past the client timeout and a stop
//! (`tests/interop/py/hub_pysignalr.py`).

mod interop;

use std::time::{Duration, Instant};

use omniauth_testkit::resonite::Resonite;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pysignalr_works_against_the_hub_emulator() {
    let dir = interop::root().join("tests/interop/py");
    let Some(python) = interop::peer_or_fail(&dir.join(".venv/bin/python"), "pysignalr's venv")
    else {
        return;
    };
    let resonite = Resonite::builder().rate_limit(None).start().await.unwrap();
    for name in ["alice", "bob", "carol", "dave"] {
        resonite.add_account(name, &format!("{name}@example.com"), "pw");
    }
    resonite.add_contact("U-alice", "U-bob", "Accepted");
    resonite.add_contact("U-alice", "U-dave", "Accepted");
    let hub = resonite.hub();
    // pysignalr pings every second (its shortest setting): 3 s stands for ASP.NET's 30 s.
    hub.set_ping_interval(Duration::from_millis(500));
    hub.set_client_timeout(Duration::from_secs(3));
    let env = interop::hub_env(&resonite).await;

    let mut peer = interop::Peer::start(&python, &["hub_pysignalr.py"], &dir, &env);
    while let Some(line) = peer.next_line(Duration::from_secs(30)).await {
        if line == "done" || line.starts_with("fail") {
            break;
        }
    }
    peer.finish_passing(
        Duration::from_secs(10),
        "pysignalr",
        &[
            "negotiate",
            "functions",
            "events",
            "stream",
            "pings",
            "stop",
        ],
    )
    .await;
    let handshakes = hub.handshakes();
    assert_eq!(
        handshakes, 1,
        "one connection, never dropped by the timeout"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while hub.connections("U-alice") > 0 {
        assert!(
            Instant::now() < deadline,
            "the stopped client's connection is gone"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
