//! The crate table, from `cargo metadata`.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use super::{HEADER, cell};

/// The crate table: name, version, folder, whether it is published, and its features.
pub fn render(metadata: &Value, root: &Path) -> String {
    let mut packages: Vec<&Value> = metadata["packages"]
        .as_array()
        .map(|p| p.iter().collect())
        .unwrap_or_default();
    packages.sort_by_key(|p| p["name"].as_str().unwrap_or_default().to_owned());
    let mut out = String::from(HEADER);
    out.push_str("# Crates of the workspace\n\n");
    out.push_str("| crate | version | folder | published | features | what it is |\n");
    out.push_str("|---|---|---|---|---|---|\n");
    for package in packages {
        let name = package["name"].as_str().unwrap_or_default();
        let version = package["version"].as_str().unwrap_or_default();
        let manifest = Path::new(package["manifest_path"].as_str().unwrap_or_default());
        let folder = manifest
            .parent()
            .and_then(|dir| dir.strip_prefix(root).ok())
            .map(|dir| dir.display().to_string())
            .unwrap_or_default();
        // `publish: []` is how cargo metadata spells `publish = false`.
        let published = if package["publish"].as_array().is_some_and(Vec::is_empty) {
            "no"
        } else {
            "yes"
        };
        let mut features: Vec<&str> = package["features"]
            .as_object()
            .map(|f| f.keys().map(String::as_str).collect())
            .unwrap_or_default();
        features.sort_unstable();
        let features = if features.is_empty() {
            "–".to_owned()
        } else {
            features.join(", ")
        };
        let description = cell(package["description"].as_str().unwrap_or(""));
        let _ = writeln!(
            out,
            "| `{name}` | {version} | `{folder}` | {published} | {features} | {description} |"
        );
    }
    out
}
