//! Exactly what CI runs, in order, stopping at the first failure.

use std::process::Command;

/// One step: a description and the command line.
struct Step {
    name: &'static str,
    args: Vec<&'static str>,
    env: Vec<(&'static str, &'static str)>,
}

fn step(name: &'static str, args: &[&'static str]) -> Step {
    Step {
        name,
        args: args.to_vec(),
        env: Vec::new(),
    }
}

pub fn run() -> Result<(), String> {
    let nextest = Command::new("cargo")
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|out| out.status.success());
    let mut steps = vec![
        step("format", &["fmt", "--all", "--check"]),
        step(
            "clippy",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--all-features",
                "--",
                "-D",
                "warnings",
            ],
        ),
        step(
            "feature combinations",
            &["run", "--quiet", "-p", "xtask", "--", "features"],
        ),
        Step {
            name: "docs build",
            args: vec!["doc", "--no-deps", "--workspace", "--all-features"],
            env: vec![("RUSTDOCFLAGS", "-Dwarnings")],
        },
        step(
            "generated docs are fresh",
            &["run", "--quiet", "-p", "xtask", "--", "docs", "--check"],
        ),
    ];
    if nextest {
        steps.push(step(
            "tests (nextest)",
            &[
                "nextest",
                "run",
                "--workspace",
                "--all-features",
                "--no-fail-fast",
            ],
        ));
    } else {
        steps.push(step(
            "tests (cargo test)",
            &[
                "test",
                "--workspace",
                "--all-features",
                "--lib",
                "--bins",
                "--tests",
            ],
        ));
    }
    steps.push(step(
        "doctests",
        &["test", "--doc", "--workspace", "--all-features"],
    ));

    for step in steps {
        eprintln!("==> {}: cargo {}", step.name, step.args.join(" "));
        let status = Command::new("cargo")
            .args(&step.args)
            .envs(step.env.iter().copied())
            .status()
            .map_err(|err| format!("cannot run cargo: {err}"))?;
        if !status.success() {
            return Err(format!("step '{}' failed ({status})", step.name));
        }
    }
    Ok(())
}
