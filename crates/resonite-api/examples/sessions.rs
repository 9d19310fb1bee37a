//! Lists the public sessions with at least one active user (no account needed).
//!
//! ```sh
//! cargo run -p resonite-api --example sessions
//! ```

use resonite_api::{Client, SessionQuery};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base_url = std::env::var("RESONITE_BASE_URL")
        .unwrap_or_else(|_| resonite_api::DEFAULT_BASE_URL.to_owned());
    let client = Client::new(base_url)?;
    let query = SessionQuery::new()
        .min_active_users(1)
        .include_empty_headless(false);
    let mut sessions = client.sessions(&query).await?;
    sessions.sort_by_key(|s| std::cmp::Reverse(s.active_users));
    for session in sessions {
        println!(
            "{:>3}/{:<3} {} — hosted by {}",
            session.active_users,
            session.max_users,
            session.plain_name(),
            session.host_username
        );
    }
    Ok(())
}
