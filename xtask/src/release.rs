//! `cargo xtask release-check [CRATE] [--allow-dirty] [--no-verify]`: everything that would
//! break a publish, checked crate by crate in release order, without publishing anything.
//!
//! For each crate: its manifest carries the metadata crates.io and docs.rs need, its README is
//! its crate docs and the README's examples compile (`cargo test --doc`), its `CHANGELOG.md`
//! has an entry, its internal dependencies carry versions; then `cargo package` (which builds
//! the packaged crate) for the crates together, so that workspace crates not yet on crates.io
//! resolve to each other. Tags are `<package>-v<version>`.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::docs::{cargo_metadata, workspace_root};

/// The order crates are published in: each only after everything it depends on.
pub const RELEASE_ORDER: &[&str] = &[
    "omniauth-types",
    "resonite-api",
    "burgerauth-api",
    "goscrobble-api",
    "maillink-auth",
    "omniauth-testkit",
    "omniauth",
    "omniauth-cli",
];

/// The git tag a release of `package` at `version` gets.
pub fn tag(package: &str, version: &str) -> String {
    format!("{package}-v{version}")
}

/// Runs the check for `only` (or every crate); `flags` (`--allow-dirty`, `--no-verify`) are
/// passed on to `cargo package`.
pub fn run(only: Option<&str>, flags: &[&str]) -> Result<(), String> {
    let root = workspace_root();
    let metadata = cargo_metadata(&root)?;
    let mut problems = order_problems(&metadata);
    let selected: Vec<&str> = match only {
        Some(name) if RELEASE_ORDER.contains(&name) => vec![name],
        Some(name) => return Err(format!("{name} is not a published crate of the workspace")),
        None => RELEASE_ORDER.to_vec(),
    };
    for name in &selected {
        let package = find(&metadata, name).ok_or_else(|| format!("{name} is not a member"))?;
        let version = package["version"].as_str().unwrap_or_default();
        eprintln!("==> {name} {version} (tag {})", tag(name, version));
        let dir = manifest_dir(package);
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap_or_default();
        let changelog = std::fs::read_to_string(dir.join("CHANGELOG.md")).unwrap_or_default();
        let mut found = manifest_problems(package, &manifest);
        found.extend(changelog_problems(&changelog, version));
        found.extend(internal_dependency_problems(package, &metadata));
        found.extend(readme_problems(package, &dir));
        if has_lib(package) {
            let ok = cargo(&root, &["test", "--doc", "--all-features", "-p", name])?;
            if !ok {
                found.push("its README or doc examples do not compile or fail".to_owned());
            }
        }
        for problem in &found {
            eprintln!("    problem: {problem}");
        }
        problems.extend(found.into_iter().map(|p| format!("{name}: {p}")));
    }
    // `cargo package` of several workspace crates packages them together, in dependency order,
    // each seeing the others as if already published.
    let closure = closure(&metadata, &selected);
    let mut args = vec!["package", "--all-features"];
    args.extend(flags);
    for name in &closure {
        args.extend(["-p", name]);
    }
    eprintln!("==> cargo {}", args.join(" "));
    if !cargo(&root, &args)? {
        problems.push(format!("`cargo package` failed for {}", closure.join(", ")));
    }
    if problems.is_empty() {
        eprintln!("release-check passed: {}", selected.join(", "));
        Ok(())
    } else {
        Err(format!(
            "release-check found {} problem(s):\n  {}",
            problems.len(),
            problems.join("\n  ")
        ))
    }
}

fn cargo(root: &Path, args: &[&str]) -> Result<bool, String> {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(args)
        .current_dir(root)
        .status()
        .map(|status| status.success())
        .map_err(|err| format!("cannot run cargo: {err}"))
}

fn find<'a>(metadata: &'a Value, name: &str) -> Option<&'a Value> {
    metadata["packages"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name)
}

fn manifest_dir(package: &Value) -> std::path::PathBuf {
    Path::new(package["manifest_path"].as_str().unwrap_or_default())
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn has_lib(package: &Value) -> bool {
    package["targets"].as_array().is_some_and(|targets| {
        targets.iter().any(|t| {
            t["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "lib"))
        })
    })
}

/// Every member that would be published must be in [`RELEASE_ORDER`], and only those.
pub fn order_problems(metadata: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for package in metadata["packages"].as_array().into_iter().flatten() {
        let name = package["name"].as_str().unwrap_or_default();
        let published = !package["publish"].as_array().is_some_and(Vec::is_empty);
        if published && !RELEASE_ORDER.contains(&name) {
            problems.push(format!(
                "{name} is published but missing from the release order"
            ));
        }
        if !published && RELEASE_ORDER.contains(&name) {
            problems.push(format!(
                "{name} is in the release order but has publish = false"
            ));
        }
    }
    problems
}

/// What crates.io and docs.rs need from the manifest.
pub fn manifest_problems(package: &Value, manifest: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for field in ["description", "license", "repository", "readme"] {
        if package[field].as_str().is_none_or(str::is_empty) {
            problems.push(format!("no `{field}` in Cargo.toml"));
        }
    }
    for (field, max) in [("keywords", 5), ("categories", 5)] {
        let count = package[field].as_array().map_or(0, Vec::len);
        if count == 0 {
            problems.push(format!("no `{field}` in Cargo.toml"));
        } else if count > max {
            problems.push(format!("{count} `{field}`, crates.io takes at most {max}"));
        }
    }
    if package["metadata"]["docs"]["rs"]["all-features"] != true {
        problems.push("no `[package.metadata.docs.rs] all-features = true`".to_owned());
    }
    if !manifest
        .lines()
        .any(|line| line.trim_start().starts_with("include"))
    {
        problems.push("no `include` list in Cargo.toml".to_owned());
    }
    problems
}

/// The changelog has an `Unreleased` (or this version's) section with at least one line.
pub fn changelog_problems(changelog: &str, version: &str) -> Vec<String> {
    if changelog.is_empty() {
        return vec!["no CHANGELOG.md".to_owned()];
    }
    let mut in_entry = false;
    let mut has_entry = false;
    for line in changelog.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            let heading = heading.trim().trim_start_matches('[');
            in_entry = heading.starts_with("Unreleased") || heading.starts_with(version);
        } else if in_entry && !line.trim().is_empty() {
            has_entry = true;
        }
    }
    if has_entry {
        Vec::new()
    } else {
        vec![format!(
            "CHANGELOG.md has no entry under `## Unreleased` or `## {version}`"
        )]
    }
}

/// Every internal dependency that ends up in the published manifest names a version.
pub fn internal_dependency_problems(package: &Value, metadata: &Value) -> Vec<String> {
    let members: Vec<&str> = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["name"].as_str())
        .collect();
    package["dependencies"]
        .as_array()
        .into_iter()
        .flatten()
        // Dev-dependencies without a version are dropped by `cargo package`.
        .filter(|dep| dep["kind"] != "dev")
        .filter(|dep| dep["name"].as_str().is_some_and(|n| members.contains(&n)))
        .filter(|dep| dep["req"].as_str().is_none_or(|req| req == "*"))
        .map(|dep| {
            format!(
                "internal dependency `{}` has no version",
                dep["name"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

/// A library's README is its crate docs, so that its examples are compiled.
fn readme_problems(package: &Value, dir: &Path) -> Vec<String> {
    if !dir.join("README.md").is_file() {
        return vec!["no README.md".to_owned()];
    }
    if !has_lib(package) {
        return Vec::new();
    }
    let lib = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap_or_default();
    if lib.contains("include_str!(\"../README.md\")") {
        Vec::new()
    } else {
        vec!["src/lib.rs does not include README.md as its crate docs".to_owned()]
    }
}

/// The selected crates and the internal crates they need, in release order.
pub fn closure<'a>(metadata: &Value, selected: &[&'a str]) -> Vec<&'a str> {
    let mut needed: Vec<&str> = selected.to_vec();
    // RELEASE_ORDER lists dependencies first, so one pass from the end collects them all.
    for name in RELEASE_ORDER.iter().rev() {
        if !needed.contains(name) {
            continue;
        }
        let Some(package) = find(metadata, name) else {
            continue;
        };
        for dep in package["dependencies"].as_array().into_iter().flatten() {
            if dep["kind"] == "dev" {
                continue;
            }
            if let Some(dep) = RELEASE_ORDER.iter().find(|n| dep["name"] == **n)
                && !needed.contains(dep)
            {
                needed.push(dep);
            }
        }
    }
    RELEASE_ORDER
        .iter()
        .copied()
        .filter(|name| needed.contains(name))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn metadata() -> Value {
        cargo_metadata(&workspace_root()).unwrap()
    }

    #[test]
    fn tags_name_the_package_and_the_version() {
        assert_eq!(tag("omniauth-types", "0.1.0"), "omniauth-types-v0.1.0");
    }

    #[test]
    fn the_release_order_is_every_published_member() {
        assert_eq!(order_problems(&metadata()), Vec::<String>::new());
        let extra = json!({"packages": [{"name": "newcrate", "publish": null}]});
        assert_eq!(
            order_problems(&extra),
            ["newcrate is published but missing from the release order"]
        );
    }

    #[test]
    fn the_release_order_puts_dependencies_first() {
        let metadata = metadata();
        for (position, name) in RELEASE_ORDER.iter().enumerate() {
            let needed = closure(&metadata, &[name]);
            assert_eq!(needed.last(), Some(name));
            for dep in &needed {
                let at = RELEASE_ORDER.iter().position(|n| n == dep).unwrap();
                assert!(at <= position, "{name} needs {dep}, released later");
            }
        }
    }

    #[test]
    fn a_service_crate_is_packaged_with_the_types_crate() {
        assert_eq!(
            closure(&metadata(), &["goscrobble-api"]),
            ["omniauth-types", "goscrobble-api"]
        );
        let facade = closure(&metadata(), &["omniauth"]);
        assert_eq!(facade.first(), Some(&"omniauth-types"));
        assert!(!facade.contains(&"omniauth-testkit"), "{facade:?}");
    }

    #[test]
    fn a_changelog_needs_an_entry_under_unreleased_or_the_version() {
        let ok = "# Changelog\n\n## Unreleased\n\n- First release.\n";
        assert!(changelog_problems(ok, "0.1.0").is_empty());
        let released = "# Changelog\n\n## [0.2.0] - 2026-11-01\n\n- Fixed.\n";
        assert!(changelog_problems(released, "0.2.0").is_empty());
        let empty_section = "# Changelog\n\n## Unreleased\n\n## 0.1.0\n\n- Old.\n";
        assert_eq!(changelog_problems(empty_section, "0.2.0").len(), 1);
        assert_eq!(changelog_problems("", "0.1.0"), ["no CHANGELOG.md"]);
    }

    #[test]
    fn internal_dependencies_need_a_version() {
        let metadata = json!({"packages": [{"name": "a"}, {"name": "b"}]});
        let package = json!({"dependencies": [
            {"name": "a", "req": "^0.1.0", "kind": null},
            {"name": "b", "req": "*", "kind": null},
            {"name": "b", "req": "*", "kind": "dev"},
            {"name": "serde", "req": "*", "kind": null},
        ]});
        assert_eq!(
            internal_dependency_problems(&package, &metadata),
            ["internal dependency `b` has no version"]
        );
    }

    #[test]
    fn the_manifest_needs_what_crates_io_and_docs_rs_read() {
        let complete = json!({
            "description": "d", "license": "MIT", "repository": "r", "readme": "README.md",
            "keywords": ["a"], "categories": ["c"],
            "metadata": {"docs": {"rs": {"all-features": true}}},
        });
        assert!(manifest_problems(&complete, "include = [\"src/**\"]\n").is_empty());
        let bare = json!({"keywords": ["1", "2", "3", "4", "5", "6"]});
        let problems = manifest_problems(&bare, "[package]\n");
        for needle in [
            "description",
            "readme",
            "6 `keywords`",
            "categories",
            "docs.rs",
            "include",
        ] {
            assert!(
                problems.iter().any(|p| p.contains(needle)),
                "{needle}: {problems:?}"
            );
        }
    }

    #[test]
    fn every_published_crate_passes_the_static_checks() {
        let metadata = metadata();
        for name in RELEASE_ORDER {
            let package = find(&metadata, name).unwrap();
            let dir = manifest_dir(package);
            let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
            let changelog = std::fs::read_to_string(dir.join("CHANGELOG.md")).unwrap_or_default();
            let version = package["version"].as_str().unwrap();
            let mut problems = manifest_problems(package, &manifest);
            problems.extend(changelog_problems(&changelog, version));
            problems.extend(internal_dependency_problems(package, &metadata));
            problems.extend(readme_problems(package, &dir));
            assert!(problems.is_empty(), "{name}: {problems:?}");
        }
    }
}
