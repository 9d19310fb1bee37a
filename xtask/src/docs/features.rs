//! The feature matrices: the facade's (feature → service crate → what that crate pulls in)
//! and the testkit's (feature → emulator → optional dependencies it enables), from
//! `cargo metadata`.

use std::fmt::Write as _;

use serde_json::Value;

use super::HEADER;

/// The package called `name` in the metadata.
fn package<'a>(metadata: &'a Value, name: &str) -> Option<&'a Value> {
    metadata["packages"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name)
}

/// A package's features, sorted, each with what it enables.
fn features(package: &Value) -> Vec<(String, Vec<String>)> {
    let mut features: Vec<(String, Vec<String>)> = package["features"]
        .as_object()
        .map(|map| {
            map.iter()
                .map(|(name, enables)| {
                    let enables = enables
                        .as_array()
                        .map(|list| {
                            list.iter()
                                .filter_map(Value::as_str)
                                .map(|item| item.trim_start_matches("dep:").to_owned())
                                .collect()
                        })
                        .unwrap_or_default();
                    let mut enables: Vec<String> = enables;
                    enables.sort();
                    (name.clone(), enables)
                })
                .collect()
        })
        .unwrap_or_default();
    features.sort();
    features
}

/// The normal (not dev, not build), non-optional dependencies of a package, sorted.
fn pulls_in(package: &Value) -> Vec<String> {
    let mut names: Vec<String> = package["dependencies"]
        .as_array()
        .map(|deps| {
            deps.iter()
                .filter(|d| d["kind"].is_null() && d["optional"] != true)
                .filter_map(|d| d["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names.dedup();
    names
}

fn code_list(items: &[String]) -> String {
    if items.is_empty() {
        "–".to_owned()
    } else {
        items
            .iter()
            .map(|item| format!("`{item}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The whole page; `Err` when the facade or the testkit is missing from the metadata.
pub fn render(metadata: &Value) -> Result<String, String> {
    let facade = package(metadata, "omniauth").ok_or("the facade `omniauth` is not a member")?;
    let testkit =
        package(metadata, "omniauth-testkit").ok_or("`omniauth-testkit` is not a member")?;
    let mut out = String::from(HEADER);
    out.push_str(
        "# Feature matrix\n\n## `omniauth` (the facade)\n\nEach service is one feature, all on \
         by default; turn the defaults off to compile only the services you use \
         (`omniauth = { version = \"…\", default-features = false, features = \
         [\"goscrobble\"] }`), or depend on the service crate alone.\n\n",
    );
    out.push_str("| feature | default | crate | version | what the crate pulls in |\n");
    out.push_str("|---|---|---|---|---|\n");
    let all = features(facade);
    let defaults: Vec<String> = all
        .iter()
        .find(|(name, _)| name == "default")
        .map(|(_, enables)| enables.clone())
        .unwrap_or_default();
    for (name, enables) in &all {
        if name == "default" {
            continue;
        }
        for krate in enables {
            let member = package(metadata, krate);
            let version = member.and_then(|p| p["version"].as_str()).unwrap_or("–");
            let deps = member.map(pulls_in).unwrap_or_default();
            let _ = writeln!(
                out,
                "| `{name}` | {} | `{krate}` | {version} | {} |",
                if defaults.contains(name) { "yes" } else { "no" },
                code_list(&deps)
            );
        }
    }
    let _ = writeln!(
        out,
        "\nWith any feature set the facade itself depends on {}.",
        code_list(&pulls_in(facade))
    );
    out.push_str(
        "\n## The service crates' own features\n\n| crate | feature | default | enables |\n\
         |---|---|---|---|\n",
    );
    for (_, enables) in all.iter().filter(|(name, _)| name != "default") {
        for krate in enables {
            let Some(member) = package(metadata, krate) else {
                continue;
            };
            let own = features(member);
            let defaults: Vec<String> = own
                .iter()
                .find(|(name, _)| name == "default")
                .map(|(_, enables)| enables.clone())
                .unwrap_or_default();
            let rows: Vec<&(String, Vec<String>)> =
                own.iter().filter(|(name, _)| name != "default").collect();
            if rows.is_empty() {
                let _ = writeln!(out, "| `{krate}` | – | – | – |");
            }
            for (name, enables) in rows {
                let _ = writeln!(
                    out,
                    "| `{krate}` | `{name}` | {} | {} |",
                    if defaults.contains(name) { "yes" } else { "no" },
                    code_list(enables)
                );
            }
        }
    }
    out.push_str(
        "\n## `omniauth-testkit`\n\nOne emulator a feature, all on by default, so a test \
         suite compiles only the servers it needs. Always present: ",
    );
    out.push_str(&code_list(&pulls_in(testkit)));
    out.push_str(".\n\n| feature | emulator module | extra dependencies |\n|---|---|---|\n");
    for (name, enables) in features(testkit) {
        if name == "default" {
            continue;
        }
        // `server` is the binary's feature, not an emulator: its module has another name.
        let module = if name == "server" {
            "the `omniauth-emulator` binary, `omniauth_testkit::standalone`".to_owned()
        } else {
            format!("`omniauth_testkit::{name}`")
        };
        let _ = writeln!(out, "| `{name}` | {module} | {} |", code_list(&enables));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::docs::{cargo_metadata, workspace_root};

    #[test]
    fn the_facade_matrix_has_a_row_a_service() {
        let page = render(&cargo_metadata(&workspace_root()).unwrap()).unwrap();
        for (feature, krate) in [
            ("resonite", "resonite-api"),
            ("burgerauth", "burgerauth-api"),
            ("goscrobble", "goscrobble-api"),
            ("maillink", "maillink-auth"),
        ] {
            assert!(
                page.contains(&format!("| `{feature}` | yes | `{krate}` |")),
                "{feature}\n{page}"
            );
        }
    }

    #[test]
    fn a_crate_pulls_in_its_normal_non_optional_dependencies() {
        let metadata = json!({"packages": [
            {"name": "omniauth", "features": {"default": ["a"], "a": ["dep:svc"], "b": []},
             "dependencies": [{"name": "types", "kind": null}]},
            {"name": "svc", "version": "1.0.0", "features": {}, "dependencies": [
                {"name": "serde", "kind": null},
                {"name": "proptest", "kind": "dev"},
                {"name": "extra", "kind": null, "optional": true},
            ]},
            {"name": "omniauth-testkit", "features": {"x": ["dep:z", "dep:y"]}, "dependencies": []},
        ]});
        let page = render(&metadata).unwrap();
        assert!(
            page.contains("| `a` | yes | `svc` | 1.0.0 | `serde` |"),
            "{page}"
        );
        assert!(
            page.contains("| `x` | `omniauth_testkit::x` | `y`, `z` |"),
            "{page}"
        );
        assert!(render(&json!({"packages": []})).is_err());
    }
}
