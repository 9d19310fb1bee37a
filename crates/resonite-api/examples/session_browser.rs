//! A session browser: each public session with the world record behind it (name, owner,
//! thumbnail URL) and, when a group owns that world, the group (name, admin). Lookups are
//! cached, so many sessions of one world cost one request; a world or group that cannot be
//! read (private, deleted) is shown as such instead of stopping the list.
//!
//! ```sh
//! cargo run -p resonite-api --example session_browser            # the live API, no account
//! cargo run -p resonite-api --example session_browser -- --emulator
//! ```
//!
//! With `--emulator` it starts an in-process emulator (`omniauth-testkit`) with a group
//! world, a user world, and a session whose world is private, and checks what it prints.

use std::collections::HashMap;

use omniauth_testkit::resonite::Resonite;
use omniauth_types::ErrorKind;
use resonite_api::model::{Group, GroupId, OwnerId, Record, RecordId, SessionInfo};
use resonite_api::{Client, SessionQuery};
use serde_json::json;

type AnyResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// What is known of a world or a group: found, or why not.
#[derive(Debug, Clone)]
enum Lookup<T> {
    Found(T),
    Unreadable(&'static str),
}

#[derive(Default)]
struct Browser {
    worlds: HashMap<(String, String), Lookup<Record>>,
    groups: HashMap<String, Lookup<Group>>,
}

fn why(err: omniauth_types::Error) -> AnyResult<&'static str> {
    match err.kind() {
        ErrorKind::NotFound => Ok("not found"),
        ErrorKind::Forbidden | ErrorKind::Unauthorized => Ok("private"),
        ErrorKind::InvalidInput => Ok("not a valid id"),
        _ => Err(err.into()),
    }
}

impl Browser {
    async fn world(&mut self, client: &Client, session: &SessionInfo) -> AnyResult<Lookup<Record>> {
        let Some(world) = &session.corresponding_world_id else {
            return Ok(Lookup::Unreadable("no world"));
        };
        let key = (world.owner_id.clone(), world.record_id.clone());
        if let Some(known) = self.worlds.get(&key) {
            return Ok(known.clone());
        }
        let owner = OwnerId::from(world.owner_id.as_str());
        let found = match client
            .record(None, &owner, &RecordId::new(&world.record_id))
            .await
        {
            Ok(record) => Lookup::Found(record),
            Err(err) => Lookup::Unreadable(why(err)?),
        };
        self.worlds.insert(key, found.clone());
        Ok(found)
    }

    async fn group(&mut self, client: &Client, id: &GroupId) -> AnyResult<Lookup<Group>> {
        if let Some(known) = self.groups.get(id.as_str()) {
            return Ok(known.clone());
        }
        let found = match client.group(None, id).await {
            Ok(group) => Lookup::Found(group),
            Err(err) => Lookup::Unreadable(why(err)?),
        };
        self.groups.insert(id.as_str().to_owned(), found.clone());
        Ok(found)
    }

    /// One line per session.
    async fn lines(&mut self, client: &Client) -> AnyResult<Vec<String>> {
        let query = SessionQuery::new().include_empty_headless(false);
        let mut sessions = client.sessions(&query).await?;
        sessions.sort_by_key(|s| std::cmp::Reverse(s.active_users));
        let mut lines = Vec::new();
        for session in &sessions {
            let world = match self.world(client, session).await? {
                Lookup::Found(record) => format!(
                    "world \"{}\" ({}){}",
                    record.name.as_deref().unwrap_or("?"),
                    record.id,
                    record
                        .thumbnail_url()
                        .map(|url| format!(" {url}"))
                        .unwrap_or_default()
                ),
                Lookup::Unreadable(reason) => format!("world {reason}"),
            };
            let owner = session
                .corresponding_world_id
                .as_ref()
                .map(|w| OwnerId::from(w.owner_id.as_str()));
            let group = match owner {
                Some(OwnerId::Group(id)) => match self.group(client, &id).await? {
                    Lookup::Found(group) => format!(
                        ", group \"{}\" run by {}",
                        group.name,
                        group
                            .admin_user_id
                            .map(|a| a.to_string())
                            .unwrap_or_default()
                    ),
                    Lookup::Unreadable(reason) => format!(", group {reason}"),
                },
                _ => String::new(),
            };
            lines.push(format!(
                "{:>3} {} by {}: {world}{group}",
                session.active_users,
                session.plain_name(),
                session.host_username
            ));
        }
        Ok(lines)
    }
}

/// The `--emulator` story; also run by `tests/examples.rs`.
///
/// # Errors
/// When a call fails or the story does not end as expected.
pub async fn demo() -> AnyResult<()> {
    let resonite = Resonite::builder().rate_limit(None).start().await?;
    let alice = resonite.add_account("alice", "", "pw");
    let bob = resonite.add_account("bob", "", "pw");
    resonite.add_group("G-builders", "Builders", &alice);
    for (owner, id, name, public) in [
        ("G-builders", "R-hall", "Guild hall", true),
        (bob.as_str(), "R-den", "Bob's den", true),
        (bob.as_str(), "R-attic", "Attic", false),
    ] {
        let mut world = resonite.sample_record(owner, id, name, "Inventory\\Worlds");
        world["recordType"] = json!("world");
        world["isPublic"] = json!(public);
        resonite.add_record(world);
    }
    for (host, session_id, name, owner, world, users) in [
        (&alice, "S-hall", "Hall party", "G-builders", "R-hall", 5),
        (&bob, "S-den", "Den", bob.as_str(), "R-den", 2),
        (&bob, "S-attic", "Attic jam", bob.as_str(), "R-attic", 1),
    ] {
        let mut session = resonite.sample_session(host, session_id, name);
        session["correspondingWorldId"] = json!({"recordId": world, "ownerId": owner});
        session["activeUsers"] = json!(users);
        resonite.add_session(session);
    }
    let client = Client::builder()
        .base_url(resonite.base_url())
        .no_rate_limit()
        .build()?;
    let lines = Browser::default().lines(&client).await?;
    for line in &lines {
        println!("{line}");
    }
    let expected = [
        "Hall party by alice: world \"Guild hall\" (R-hall)",
        ", group \"Builders\" run by U-alice",
        "Den by bob: world \"Bob's den\" (R-den)",
        "Attic jam by bob: world private",
    ];
    let all = lines.join("\n");
    if let Some(missing) = expected.iter().find(|e| !all.contains(*e)) {
        return Err(format!("expected {missing:?} in the list").into());
    }
    Ok(())
}

#[tokio::main]
async fn main() -> AnyResult<()> {
    if std::env::args().any(|a| a == "--emulator") {
        return demo().await;
    }
    let base_url = std::env::var("RESONITE_BASE_URL")
        .unwrap_or_else(|_| resonite_api::DEFAULT_BASE_URL.to_owned());
    let client = Client::new(base_url)?;
    for line in Browser::default().lines(&client).await? {
        println!("{line}");
    }
    Ok(())
}
