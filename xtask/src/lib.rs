//! The written guides of `docs/`, included here so that `cargo test --doc -p xtask` compiles
//! and runs every Rust example in them against the testkit's emulators: a guide whose example
//! no longer matches the crates' API fails the tests.
//!
//! The automation itself is the `xtask` binary (`src/main.rs`).

// The guides are prose for readers of `docs/` (plain Markdown), not rustdoc.
#![allow(clippy::doc_markdown)]

#[doc = include_str!("../../docs/getting-started.md")]
mod getting_started {}

#[doc = include_str!("../../docs/resonite.md")]
mod resonite {}

#[doc = include_str!("../../docs/burgerauth.md")]
mod burgerauth {}

#[doc = include_str!("../../docs/goscrobble.md")]
mod goscrobble {}

#[doc = include_str!("../../docs/maillink.md")]
mod maillink {}

#[doc = include_str!("../../docs/testing.md")]
mod testing {}

#[doc = include_str!("../../docs/sharing-sessions.md")]
mod sharing_sessions {}
