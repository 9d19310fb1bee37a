//! Every feature combination users can pick compiles without warnings: the facade's powerset
//! of services, `omniauth-types` with and without Redis, `resonite-api` without its hub, and
//! each testkit emulator alone (and the `server` feature of the `omniauth-emulator` binary
//! alone). This is what
//! `cargo hack --feature-powerset` would do, without a tool to install in CI.

use std::process::Command;

/// A package and the feature lists to check it with (`--no-default-features` always).
struct Package {
    name: &'static str,
    features: &'static [&'static str],
    /// Every subset of `features` (true) or each one alone plus none (false).
    powerset: bool,
}

const PACKAGES: &[Package] = &[
    Package {
        name: "omniauth",
        features: &["resonite", "burgerauth", "goscrobble", "maillink"],
        powerset: true,
    },
    Package {
        name: "omniauth-types",
        features: &["redis"],
        powerset: false,
    },
    Package {
        name: "resonite-api",
        features: &["hub"],
        powerset: true,
    },
    Package {
        name: "omniauth-testkit",
        features: &["resonite", "burgerauth", "goscrobble", "maillink", "server"],
        powerset: false,
    },
];

/// The feature lists of one package, each a comma-joined `--features` value.
fn combinations(package: &Package) -> Vec<String> {
    let features = package.features;
    if package.powerset {
        (0..1_u32 << features.len())
            .map(|mask| {
                features
                    .iter()
                    .enumerate()
                    .filter(|(bit, _)| mask & (1 << bit) != 0)
                    .map(|(_, name)| *name)
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect()
    } else {
        std::iter::once(String::new())
            .chain(features.iter().map(|name| (*name).to_owned()))
            .collect()
    }
}

/// Lints each combination with clippy (`-D warnings`): a combination that leaves an import
/// unused or a function dead is as much a bug as one that does not compile.
pub fn run() -> Result<(), String> {
    let mut failed = Vec::new();
    for package in PACKAGES {
        for features in combinations(package) {
            eprintln!(
                "--> {} --no-default-features --features '{features}'",
                package.name
            );
            let status = Command::new("cargo")
                .args([
                    "clippy",
                    "--quiet",
                    "-p",
                    package.name,
                    "--no-default-features",
                ])
                .args(["--features", &features, "--", "-D", "warnings"])
                .status()
                .map_err(|err| format!("cannot run cargo: {err}"))?;
            if !status.success() {
                failed.push(format!("{} [{features}]", package.name));
            }
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("feature combinations fail: {}", failed.join("; ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_facade_is_checked_with_all_sixteen_service_sets() {
        let facade = PACKAGES
            .iter()
            .find(|p| p.name == "omniauth")
            .map(combinations)
            .unwrap();
        assert_eq!(facade.len(), 16);
        assert!(facade.contains(&String::new()));
        assert!(facade.contains(&"resonite,burgerauth,goscrobble,maillink".to_owned()));
        let testkit = PACKAGES
            .iter()
            .find(|p| p.name == "omniauth-testkit")
            .map(combinations)
            .unwrap();
        assert_eq!(
            testkit,
            [
                "",
                "resonite",
                "burgerauth",
                "goscrobble",
                "maillink",
                "server"
            ]
        );
    }
}
