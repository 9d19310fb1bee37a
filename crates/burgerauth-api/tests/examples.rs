//! The `oauth_pkce` example against the emulator of each dialect, run as a test so that
//! `cargo test` keeps it working where a real server would take it.

#[path = "../examples/oauth_pkce.rs"]
#[allow(dead_code)] // Its `main` is for `cargo run`.
mod oauth_pkce;

use omniauth_testkit::burgerauth::Dialect;

#[tokio::test]
async fn the_pkce_example_runs_on_every_dialect() {
    for dialect in [Dialect::V1_3, Dialect::V1_2, Dialect::V1_2Post] {
        let name = oauth_pkce::demo(dialect).await.unwrap_or_else(|err| {
            panic!("{dialect:?}: {err}");
        });
        assert_eq!(name, "demo", "{dialect:?}");
    }
}
