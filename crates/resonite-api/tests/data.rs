//! Sessions, users, contacts, messages, stats and the ping, against the emulator.

mod common;

use chrono::{Duration, Utc};
use omniauth_testkit::resonite::{Resonite, invite_content};
use omniauth_types::{ErrorKind, Session};
use resonite_api::model::{
    AccessLevel, ContactStatus, MessageContent, MessageType, SessionId, UserId,
};
use resonite_api::{Client, MessageQuery, SessionQuery};
use serde_json::json;

use common::{PASSWORD, client, emulator, signed_in};

fn with(mut session: serde_json::Value, changes: &serde_json::Value) -> serde_json::Value {
    for (key, value) in changes.as_object().unwrap() {
        session[key] = value.clone();
    }
    session
}

async fn world() -> Resonite {
    let resonite = emulator().await;
    let alice = resonite.add_account("alice", "alice@example.com", PASSWORD);
    let bob = resonite.add_account("bob", "", PASSWORD);
    let club = resonite.sample_session(&alice, "S-club", "<color=red>Club</color> night");
    resonite.add_session(club.clone());
    resonite.add_session(with(
        resonite.sample_session(&bob, "S-quiet", "Quiet room"),
        &json!({"activeUsers": 0, "joinedUsers": 0, "headlessHost": true, "universeId": "UNI-1"}),
    ));
    resonite.add_session(with(
        resonite.sample_session(&bob, "S-old", "Old build"),
        &json!({"compatibilityHash": "old==", "activeUsers": 5}),
    ));
    resonite.add_session(with(
        resonite.sample_session(&alice, "S-ended", "Ended party"),
        &json!({"hasEnded": true}),
    ));
    resonite.add_session(with(
        resonite.sample_session(&alice, "S-secret", "Secret"),
        &json!({"accessLevel": "Private"}),
    ));
    resonite
}

async fn listed(client: &Client, query: SessionQuery) -> Vec<String> {
    let mut ids: Vec<_> = client
        .sessions(&query)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.session_id.into_string())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn sessions_are_listed_with_every_filter() {
    let resonite = world().await;
    let client = client(&resonite);
    let hash = "Ze9Bb1zGvNjjvK0VWXw8HQ==";
    assert_eq!(
        listed(&client, SessionQuery::new()).await,
        ["S-club", "S-old", "S-quiet"]
    );
    assert_eq!(
        listed(&client, SessionQuery::new().name("CLUB")).await,
        ["S-club"]
    );
    assert_eq!(
        listed(&client, SessionQuery::new().host("bob")).await,
        ["S-old", "S-quiet"]
    );
    assert_eq!(
        listed(
            &client,
            SessionQuery::new().host_id(&UserId::new("U-alice"))
        )
        .await,
        ["S-club"]
    );
    assert_eq!(
        listed(&client, SessionQuery::new().universe_id("UNI-1")).await,
        ["S-quiet"]
    );
    assert_eq!(
        listed(&client, SessionQuery::new().min_active_users(2)).await,
        ["S-old"]
    );
    assert_eq!(
        listed(&client, SessionQuery::new().include_empty_headless(false)).await,
        ["S-club", "S-old"]
    );
    assert_eq!(
        listed(&client, SessionQuery::new().include_ended(true)).await,
        ["S-club", "S-ended", "S-old", "S-quiet"]
    );
    assert_eq!(
        listed(&client, SessionQuery::new().compatibility_hash(hash)).await,
        ["S-club", "S-quiet"]
    );
    assert_eq!(
        listed(
            &client,
            SessionQuery::new()
                .compatibility_hash(hash)
                .include_incompatible(true)
        )
        .await,
        ["S-club", "S-old", "S-quiet"]
    );
    let sent = resonite.server().requests().to_path("/sessions");
    assert_eq!(
        sent.last().unwrap().query.as_deref(),
        Some("compatibilityHash=Ze9Bb1zGvNjjvK0VWXw8HQ%3D%3D&includeIncompatible=true")
    );
    assert_eq!(sent[0].query, None);
    assert!(
        sent.iter().all(|r| r.header("authorization").is_none()),
        "no auth needed"
    );
}

#[tokio::test]
async fn one_session_by_id_with_its_odd_fields() {
    let resonite = world().await;
    let client = client(&resonite);
    let session = client.session(&SessionId::new("S-club")).await.unwrap();
    assert_eq!(session.plain_name(), "Club night");
    assert_eq!(session.name, "<color=red>Club</color> night");
    assert_eq!(session.session_urls.len(), 2);
    assert_eq!(
        session.session_users[0].user_id.as_ref().unwrap(),
        "U-alice"
    );
    assert_eq!(session.access_level, Some(AccessLevel::Anyone));
    assert_eq!(session.has_ended, Some(false));
    for missing in ["S-nope", "S-secret"] {
        let err = client.session(&SessionId::new(missing)).await.unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::NotFound, "{missing}");
    }
    let err = client.session(&SessionId::new("club")).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidInput);
}

#[tokio::test]
async fn users_by_id_by_name_and_search_with_encoding() {
    let resonite = emulator().await;
    resonite.add_account("alice", "alice@example.com", PASSWORD);
    resonite.add_account("Al & Co", "", PASSWORD);
    let client = client(&resonite);
    let alice = client.user(&UserId::new("U-alice")).await.unwrap();
    assert_eq!(alice.username, "alice");
    assert!(!alice.two_factor_login);
    assert_eq!(alice.email, None, "not one's own: no email");
    let session = signed_in(&client, "alice").await;
    let me = client.me(&session).await.unwrap();
    assert_eq!(me.email.as_deref(), Some("alice@example.com"));
    assert_eq!(alice.entitlements[0].kind.as_deref(), Some("storageSpace"));
    let by_name = client.user_by_username("Al & Co").await.unwrap();
    assert_eq!(by_name.id, "U-Al & Co");
    let found = client.search_users("al & c").await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].username, "Al & Co");
    assert_eq!(client.search_users("al").await.unwrap().len(), 2);
    let sent = resonite.server().requests().all();
    assert_eq!(
        sent[2]
            .header("authorization")
            .map(|a| a.starts_with("res ")),
        Some(true)
    );
    assert_eq!(sent[3].path, "/users/Al%20&%20Co");
    assert_eq!(sent[3].query.as_deref(), Some("byUsername=true"));
    assert_eq!(
        sent[4].query.as_deref(),
        Some("name=al+%26+c"),
        "encoded, unlike resonite_rs"
    );

    let err = client.user(&UserId::new("U-nobody")).await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::NotFound);
    assert_eq!(
        client.user_by_username("nobody").await.unwrap_err().kind(),
        &ErrorKind::NotFound
    );
    assert_eq!(
        client.user(&UserId::new("alice")).await.unwrap_err().kind(),
        &ErrorKind::InvalidInput
    );
    assert_eq!(
        client.search_users(" ").await.unwrap_err().kind(),
        &ErrorKind::InvalidInput
    );
}

#[tokio::test]
async fn contacts_of_the_signed_in_user() {
    let resonite = world().await;
    resonite.add_account("carol", "", PASSWORD);
    resonite.add_contact("U-alice", "U-bob", "Accepted");
    resonite.add_contact("U-alice", "U-carol", "Requested");
    resonite.set_contact_changed("U-alice", "U-carol", Utc::now() - Duration::days(3));
    let client = client(&resonite);
    let session = signed_in(&client, "alice").await;
    let contacts = client.contacts(&session).await.unwrap();
    assert_eq!(contacts.len(), 2);
    assert_eq!(contacts[0].contact_status, Some(ContactStatus::Accepted));
    assert_eq!(contacts[0].owner_id, "U-alice");
    let never = contacts[0].latest_message_time.unwrap();
    assert_eq!(
        never.format("%Y").to_string(),
        "0001",
        "offset-less .NET MinValue"
    );
    let recent = client
        .contacts_changed_since(&session, Utc::now() - Duration::days(1))
        .await
        .unwrap();
    assert_eq!(recent.len(), 1);
    assert_eq!(recent[0].contact_username, "bob");
    let sent = resonite
        .server()
        .requests()
        .to_path("/users/U-alice/contacts");
    assert!(
        sent[1]
            .query
            .as_deref()
            .unwrap()
            .starts_with("lastStatusUpdate=")
    );
    assert!(
        sent[0]
            .header("authorization")
            .unwrap()
            .starts_with("res U-alice:")
    );
}

async fn mailbox() -> (Resonite, Client, Session, chrono::DateTime<Utc>) {
    let resonite = world().await;
    let now = Utc::now();
    let invite = invite_content(&resonite.sample_session("U-bob", "S-inv", "<b>Party</b>"));
    resonite.add_message(
        "U-bob",
        "U-alice",
        "Text",
        "oldest",
        now - Duration::hours(3),
    );
    let invite_id = resonite.add_message(
        "U-bob",
        "U-alice",
        "SessionInvite",
        &invite,
        now - Duration::hours(2),
    );
    resonite.add_message(
        "U-alice",
        "U-bob",
        "Text",
        "newest",
        now - Duration::hours(1),
    );
    resonite.add_account("carol", "", PASSWORD);
    resonite.add_message(
        "U-carol",
        "U-alice",
        "Text",
        "from carol",
        now - Duration::minutes(90),
    );
    resonite.mark_read("U-alice", &invite_id);
    let client = client(&resonite);
    let session = signed_in(&client, "alice").await;

    (resonite, client, session, now)
}

#[tokio::test]
async fn message_history_newest_first_with_decoded_content() {
    let (_resonite, client, session, _now) = mailbox().await;
    let all = client
        .messages(&session, &MessageQuery::new())
        .await
        .unwrap();
    let contents: Vec<_> = all.iter().map(|m| m.message_type.clone()).collect();
    assert_eq!(all.len(), 4);
    assert_eq!(all[0].content, "newest", "newest first");
    assert_eq!(contents[2], Some(MessageType::SessionInvite));
    let MessageContent::SessionInvite(session_info) = all[2].decode_content().unwrap() else {
        panic!("an invite");
    };
    assert_eq!(session_info.plain_name(), "Party");
    assert_eq!(
        session_info.has_ended,
        Some(false),
        "read from PascalCase HasEnded"
    );
    assert!(
        all[0].last_update_time.is_some(),
        "0001-01-01T00:00:00 reads"
    );
}

#[tokio::test]
async fn message_history_filters() {
    let (resonite, client, session, now) = mailbox().await;
    let two = client
        .messages(&session, &MessageQuery::new().max_items(2))
        .await
        .unwrap();
    assert_eq!(two.len(), 2);
    let unread = client
        .messages(&session, &MessageQuery::new().unread(true))
        .await
        .unwrap();
    assert_eq!(unread.len(), 3);
    let from_bob = client
        .messages(
            &session,
            &MessageQuery::new().with_user(UserId::new("U-bob")),
        )
        .await
        .unwrap();
    assert_eq!(from_bob.len(), 3);
    let recent = client
        .messages(
            &session,
            &MessageQuery::new().from_time(now - Duration::minutes(100)),
        )
        .await
        .unwrap();
    assert_eq!(recent.len(), 2);
    let query = resonite
        .server()
        .requests()
        .all()
        .pop()
        .unwrap()
        .query
        .unwrap();
    assert!(
        query.starts_with("fromTime=") && query.ends_with('Z'),
        "RFC 3339: {query}"
    );
    assert_eq!(
        client
            .messages(&session, &MessageQuery::new().max_items(0))
            .await
            .unwrap_err()
            .kind(),
        &ErrorKind::InvalidInput
    );
}

#[tokio::test]
async fn stats_and_ping() {
    let resonite = world().await;
    let client = client(&resonite);
    client.ping().await.unwrap();
    let stats = client.online_stats().await.unwrap();
    assert_eq!(stats.count("registeredUsers"), Some(0));
    assert!(stats.fields.contains_key("captureTimestamp"));
    assert!(stats.capture_timestamp.is_some());
    resonite
        .server()
        .faults()
        .inject(omniauth_testkit::FaultRule::new(
            "/testing/ping",
            omniauth_testkit::Fault::status(500),
        ));
    assert!(matches!(
        client.ping().await.unwrap_err().kind(),
        ErrorKind::Api { status: 500, .. }
    ));
}
