//! Where the Redis tests find their server: `REDIS_URL`, set by `.ci/setup.d/20-redis.sh`.
#![allow(dead_code)] // Each test binary uses a part.

/// The URL of the Redis server to test against. Without one, a test fails in CI (`CI` set:
/// the setup script should have started the server) and is skipped, loudly, elsewhere.
pub fn redis_url() -> Option<String> {
    if let Ok(url) = std::env::var("REDIS_URL") {
        return Some(url);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "REDIS_URL is not set: .ci/setup.d/20-redis.sh starts redis-server and sets it"
    );
    eprintln!("SKIPPED: REDIS_URL is not set (source .ci/setup.d/20-redis.sh)");
    None
}

/// A key prefix no other test run uses, so runs sharing a server never see each other.
pub fn unique_prefix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    format!("omniauth-test:{}:{nanos}:", std::process::id())
}
