//! The examples' `--emulator` stories, run as tests so that `cargo test` keeps them working:
//! each starts its own emulator and fails when what it shows is not what it expects.

#![cfg(feature = "hub")]

#[path = "../examples/chat_bot.rs"]
#[allow(dead_code)] // Its `main` is for `cargo run`.
mod chat_bot;

#[path = "../examples/session_browser.rs"]
#[allow(dead_code)]
mod session_browser;

#[tokio::test]
async fn the_chat_bot_answers_over_the_hub_then_over_rest() {
    chat_bot::demo().await.unwrap();
}

#[tokio::test]
async fn the_session_browser_shows_worlds_and_groups() {
    session_browser::demo().await.unwrap();
}
