//! `cargo xtask ci | features | docs [--check] | release-check [CRATE] [--allow-dirty]
//! [--no-verify]`: what CI runs, the feature-combination check, the generated docs, and the
//! pre-publish check.

mod ci;
mod docs;
mod features;
mod release;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <ci | features | docs [--check] | release-check [CRATE] [--allow-dirty] [--no-verify]>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["ci"] => ci::run(),
        ["features"] => features::run(),
        ["docs"] => docs::run(docs::Mode::Write),
        ["docs", "--check"] => docs::run(docs::Mode::Check),
        ["release-check", rest @ ..] => release_check(rest),
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn release_check(args: &[&str]) -> Result<(), String> {
    const FLAGS: [&str; 2] = ["--allow-dirty", "--no-verify"];
    let flags: Vec<&str> = args
        .iter()
        .copied()
        .filter(|arg| FLAGS.contains(arg))
        .collect();
    let crates: Vec<&str> = args
        .iter()
        .copied()
        .filter(|arg| !FLAGS.contains(arg))
        .collect();
    match crates.as_slice() {
        [] => release::run(None, &flags),
        [name] if !name.starts_with('-') => release::run(Some(name), &flags),
        _ => Err(USAGE.to_owned()),
    }
}
