//! Footprint: a user who needs only GoScrobble compiles no websocket, no axum and no HTTP
//! server. Checked on the dependency graph cargo resolves for `goscrobble-api` alone
//! (normal and build dependencies; dev-dependencies such as the testkit do not count).

use std::path::Path;
use std::process::Command;

fn cargo_tree(args: &[&str]) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let output = Command::new(env!("CARGO"))
        .current_dir(root)
        .args(["tree", "--offline", "-p", "goscrobble-api", "-e"])
        .args(args)
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn goscrobble_api_pulls_in_no_websocket_axum_or_server() {
    let crates = cargo_tree(&["normal,build", "--prefix", "none"]);
    assert!(crates.contains("reqwest"), "the graph was read: {crates}");
    let forbidden = [
        "tungstenite",
        "websocket",
        "axum",
        "matchit",
        "actix",
        "warp",
        "hyper-server",
    ];
    for line in crates.lines() {
        let name = line.split_whitespace().next().unwrap_or("");
        assert!(
            !forbidden.iter().any(|f| name.contains(f)),
            "goscrobble-api depends on {line}"
        );
    }
    // hyper is there for reqwest, as a client only.
    let hyper = cargo_tree(&["normal,build,features", "-i", "hyper", "--prefix", "none"]);
    assert!(hyper.contains("hyper feature \"client\""), "{hyper}");
    assert!(
        !hyper.contains("hyper feature \"server\""),
        "hyper's server is compiled in:\n{hyper}"
    );
}
