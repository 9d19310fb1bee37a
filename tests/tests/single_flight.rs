//! Single flight: 1,000 concurrent `SessionManager::access_token()` calls on an expired
//! GoScrobble session cause exactly one refresh request, and every caller gets the new token.
//! (The bench `single_flight` measures the latency spread of the same scenario.)

mod common;

use common::single_flight::{CALLERS, Scenario};
use common::{RecordingSleeper, retry};
use omniauth::ExposeSecret as _;
use omniauth_types::http::Method;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_callers_cause_one_refresh() {
    let sleeper = RecordingSleeper::default();
    let scenario = Scenario::start(retry(&sleeper)).await;

    let mut tokens = Vec::with_capacity(CALLERS);
    for (token, _latency) in scenario.stampede().await {
        tokens.push(token.expect("every caller gets a token"));
    }

    assert_eq!(
        scenario.refreshes(),
        1,
        "exactly one refresh request for {CALLERS} callers"
    );
    let stored = scenario.manager.stored().await.unwrap();
    let new_token = stored.access_token().expose_secret();
    assert_ne!(new_token, scenario.old_token, "the session was refreshed");
    assert!(
        tokens.iter().all(|t| t == new_token),
        "every caller got the refreshed token"
    );
    assert!(!stored.expires_within(omniauth::DEFAULT_MARGIN));
    assert_eq!(
        scenario
            .emulator
            .server()
            .requests()
            .count(&Method::POST, "/api/v1/login"),
        1,
        "no login again"
    );
}
