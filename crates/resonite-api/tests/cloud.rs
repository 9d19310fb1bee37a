//! Groups, memberships, storage, status over REST, profile, one contact, sending over REST
//! and the stats, against the emulator: the happy path, an unknown id, a refusal, and an
//! answer of the wrong shape for each area.

mod common;

use http::StatusCode;
use omniauth_testkit::resonite::Resonite;
use omniauth_testkit::{Fault, FaultRule};
use omniauth_types::ErrorKind;
use omniauth_types::secret::ExposeSecret as _;
use resonite_api::MessageQuery;
use resonite_api::model::{
    GroupId, MachineId, MessageType, OnlineStatus, OwnerId, Profile, UserId,
};
use serde_json::json;

use common::{PASSWORD, answer_with, client, emulator, signed_in};

/// alice runs `G-club` with bob in it; carol is in nothing.
async fn world() -> Resonite {
    let resonite = emulator().await;
    let alice = resonite.add_account("alice", "alice@example.com", PASSWORD);
    let bob = resonite.add_account("bob", "", PASSWORD);
    resonite.add_account("carol", "", PASSWORD);
    resonite.add_group("G-club", "Club", &alice);
    resonite.add_group_member("G-club", &bob);
    resonite.add_group("G-other", "Other", &alice);
    resonite
}

fn kind(err: &omniauth_types::Error) -> &ErrorKind {
    err.kind()
}

#[tokio::test]
async fn groups_show_quotas_and_members_to_members_only() {
    let resonite = world().await;
    let client = client(&resonite);
    let bob = signed_in(&client, "bob").await;
    let carol = signed_in(&client, "carol").await;
    let club = GroupId::new("G-club");

    let public = client.group(None, &club).await.unwrap();
    assert_eq!(public.name, "Club");
    assert_eq!(public.admin_user_id, Some(UserId::new("U-alice")));
    assert_eq!(public.quota_bytes, None);
    let seen_by_member = client.group(Some(&bob), &club).await.unwrap();
    assert_eq!(seen_by_member.quota_bytes, Some(1_073_741_824));

    let members = client.group_members(&bob, &club).await.unwrap();
    let ids: Vec<_> = members.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["U-alice", "U-bob"]);
    assert_eq!(members[0].owner_id, Some(club.clone()));
    let one = client
        .group_member(&bob, &club, &UserId::new("U-alice"))
        .await
        .unwrap();
    assert_eq!(one.id, "U-alice");

    // Unknown ids.
    let unknown = client
        .group(None, &GroupId::new("G-nope"))
        .await
        .unwrap_err();
    assert_eq!(kind(&unknown), &ErrorKind::NotFound);
    let not_member = client
        .group_member(&bob, &club, &UserId::new("U-carol"))
        .await
        .unwrap_err();
    assert_eq!(kind(&not_member), &ErrorKind::NotFound);
    // Refused: 403 with a live session reads as Unauthorized, the status says 403.
    let refused = client.group_members(&carol, &club).await.unwrap_err();
    assert_eq!(kind(&refused), &ErrorKind::Unauthorized);
    assert_eq!(refused.status(), Some(StatusCode::FORBIDDEN));
    // Checked before sending.
    let typo = client.group(None, &GroupId::new("club")).await.unwrap_err();
    assert_eq!(kind(&typo), &ErrorKind::InvalidInput);
    // A 200 of another shape.
    answer_with(&resonite, "/groups/G-club", "[1, 2]");
    let odd = client.group(None, &club).await.unwrap_err();
    assert!(matches!(kind(&odd), ErrorKind::Decode { .. }), "{odd:?}");
    resonite.server().faults().clear();
    answer_with(&resonite, "/groups/G-club", "{\"name\": \"no id\"}");
    let no_id = client.group(None, &club).await.unwrap_err();
    assert!(
        matches!(kind(&no_id), ErrorKind::Decode { .. }),
        "{no_id:?}"
    );
}

#[tokio::test]
async fn memberships_and_storage_are_the_owners() {
    let resonite = world().await;
    let client = client(&resonite);
    let alice = signed_in(&client, "alice").await;
    let bob = signed_in(&client, "bob").await;
    let carol = signed_in(&client, "carol").await;
    resonite.add_record(resonite.sample_record("U-alice", "R-a", "Cube", "Inventory"));

    let groups = client
        .memberships(&alice, &UserId::new("U-alice"))
        .await
        .unwrap();
    let ids: Vec<_> = groups.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(ids, ["G-club", "G-other"]);
    assert_eq!(groups[0].group_name.as_deref(), Some("Club"));
    let refused = client
        .memberships(&bob, &UserId::new("U-alice"))
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(StatusCode::FORBIDDEN));

    let mine = client
        .storage(&alice, &OwnerId::from(UserId::new("U-alice")))
        .await
        .unwrap();
    assert_eq!(mine.used_bytes, Some(1024));
    assert_eq!(mine.free_bytes(), Some(1_073_741_824 - 1024));
    let group = client
        .storage(&bob, &OwnerId::Group(GroupId::new("G-club")))
        .await
        .unwrap();
    assert_eq!(group.owner_id.as_deref(), Some("G-club"));
    let refused = client
        .storage(&carol, &OwnerId::Group(GroupId::new("G-club")))
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(StatusCode::FORBIDDEN));
    let unknown = client
        .storage(&alice, &OwnerId::from(UserId::new("U-ghost")))
        .await
        .unwrap_err();
    assert_eq!(kind(&unknown), &ErrorKind::NotFound);
    answer_with(&resonite, "/users/U-alice/storage", "\"full\"");
    let odd = client
        .storage(&alice, &OwnerId::from(UserId::new("U-alice")))
        .await
        .unwrap_err();
    assert!(matches!(kind(&odd), ErrorKind::Decode { .. }), "{odd:?}");
}

#[tokio::test]
async fn status_over_rest_hides_invisible_and_covers_the_never_seen() {
    let resonite = world().await;
    let client = client(&resonite);
    let never = client.user_status(&UserId::new("U-carol")).await.unwrap();
    assert_eq!(never.online_status, Some(OnlineStatus::Offline));
    resonite.hub().set_status(
        "U-bob",
        json!({"onlineStatus": "Online", "userSessionId": "s1", "appVersion": "1", "sessions": []}),
    );
    let bob = client.user_status(&UserId::new("U-bob")).await.unwrap();
    assert_eq!(bob.online_status, Some(OnlineStatus::Online));
    resonite.hub().set_status(
        "U-bob",
        json!({"onlineStatus": "Invisible", "sessions": []}),
    );
    let hidden = client.user_status(&UserId::new("U-bob")).await.unwrap();
    assert_eq!(hidden.online_status, Some(OnlineStatus::Offline));

    let unknown = client
        .user_status(&UserId::new("U-ghost"))
        .await
        .unwrap_err();
    assert_eq!(kind(&unknown), &ErrorKind::NotFound);
    answer_with(&resonite, "/users/U-bob/status", "not json at all");
    let odd = client.user_status(&UserId::new("U-bob")).await.unwrap_err();
    assert!(matches!(kind(&odd), ErrorKind::Decode { .. }), "{odd:?}");
}

#[tokio::test]
async fn the_profile_is_replaced_by_its_owner_only() {
    let resonite = world().await;
    let client = client(&resonite);
    let alice = signed_in(&client, "alice").await;
    let mut profile = client.me(&alice).await.unwrap().profile.unwrap_or_default();
    profile.tagline = Some("hello".into());
    client.update_profile(&alice, &profile).await.unwrap();
    assert_eq!(resonite.profile("U-alice").unwrap()["tagline"], "hello");
    let seen = client.user(&UserId::new("U-alice")).await.unwrap();
    assert_eq!(seen.profile.unwrap().tagline.as_deref(), Some("hello"));

    resonite.revoke_all("U-alice");
    let dead = client
        .update_profile(&alice, &Profile::default())
        .await
        .unwrap_err();
    assert_eq!(kind(&dead), &ErrorKind::Unauthorized);
}

#[tokio::test]
async fn one_contact_by_id() {
    let resonite = world().await;
    let client = client(&resonite);
    resonite.add_contact("U-alice", "U-bob", "Accepted");
    let alice = signed_in(&client, "alice").await;
    let bob = client.contact(&alice, &UserId::new("U-bob")).await.unwrap();
    assert_eq!(bob.contact_username, "bob");
    let stranger = client
        .contact(&alice, &UserId::new("U-carol"))
        .await
        .unwrap_err();
    assert_eq!(kind(&stranger), &ErrorKind::NotFound);
    answer_with(&resonite, "/users/U-alice/contacts/U-bob", "{}");
    let odd = client
        .contact(&alice, &UserId::new("U-bob"))
        .await
        .unwrap_err();
    assert!(matches!(kind(&odd), ErrorKind::Decode { .. }), "{odd:?}");
    resonite.server().faults().clear();
    resonite.revoke_all("U-alice");
    let dead = client
        .contact(&alice, &UserId::new("U-bob"))
        .await
        .unwrap_err();
    assert_eq!(kind(&dead), &ErrorKind::Unauthorized);
}

#[tokio::test]
async fn messages_are_sent_over_rest_into_both_mailboxes() {
    let resonite = world().await;
    let client = client(&resonite);
    let alice = signed_in(&client, "alice").await;
    let bob = signed_in(&client, "bob").await;
    let sent = client
        .send_text(&alice, &UserId::new("U-bob"), "hi over REST")
        .await
        .unwrap();
    assert!(sent.id.has_expected_prefix());
    assert_eq!(sent.message_type, Some(MessageType::Text));
    assert_eq!(resonite.messages("U-bob").len(), 1);
    let inbox = client
        .messages(&bob, &MessageQuery::new().unread(true))
        .await
        .unwrap();
    assert_eq!(inbox[0].content, "hi over REST");
    assert_eq!(inbox[0].owner_id, "U-bob");

    let nobody = client
        .send_text(&alice, &UserId::new("U-ghost"), "anyone?")
        .await
        .unwrap_err();
    assert_eq!(kind(&nobody), &ErrorKind::NotFound);
    let mut forged = sent.clone();
    forged.sender_id = UserId::new("U-bob");
    let refused = client.send_message(&alice, &forged).await.unwrap_err();
    assert_eq!(kind(&refused), &ErrorKind::InvalidInput);
    answer_with(&resonite, "/users/U-bob/messages", "{\"content\": 5}");
    let odd = client
        .send_text(&alice, &UserId::new("U-bob"), "again")
        .await
        .unwrap_err();
    assert!(matches!(kind(&odd), ErrorKind::Decode { .. }), "{odd:?}");
}

#[tokio::test]
async fn rest_history_reads_unread_only_and_real_update_times() {
    let resonite = world().await;
    let client = client(&resonite);
    let bob = signed_in(&client, "bob").await;
    let sent = chrono::Utc::now() - chrono::Duration::minutes(5);
    let read = resonite.add_message("U-alice", "U-bob", "Text", "old", sent);
    resonite.mark_read("U-bob", &read);
    resonite.add_message("U-alice", "U-bob", "Text", "new", sent);
    // resonitepy's spelling (spec §0.1) filters like `unread`.
    let url = format!(
        "{}/users/U-bob/messages?unreadOnly=true",
        resonite.base_url()
    );
    let raw: serde_json::Value = omniauth_types::reqwest::Client::new()
        .get(url)
        .header(
            "Authorization",
            format!("res U-bob:{}", bob.access_token().expose_secret()),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let list = raw.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["content"], "new");
    assert_ne!(list[0]["lastUpdateTime"], "0001-01-01T00:00:00");
    let typed = client.messages(&bob, &MessageQuery::new()).await.unwrap();
    assert!(typed.iter().all(|m| m.last_update_time == m.send_time));
}

#[tokio::test]
async fn stats_have_their_real_names_and_health_checks_answer() {
    let resonite = world().await;
    let client = client(&resonite);
    signed_in(&client, "alice").await;
    let online = client.online_stats().await.unwrap();
    assert_eq!(online.registered_users, 1);
    assert!(online.capture_timestamp.is_some());
    assert_eq!(online.users_by_client_type["GraphicalClient"], 1);
    assert_eq!(online.count("usersInScreen"), Some(1));
    let cloud = client.cloud_stats().await.unwrap();
    assert_eq!(cloud.upload_jobs, Some(0));
    client.health_check().await.unwrap();
    client
        .instance_online(&MachineId::new("M-1"))
        .await
        .unwrap();
    assert_eq!(resonite.machines_online(), ["M-1"]);
    let empty = client
        .instance_online(&MachineId::new(" "))
        .await
        .unwrap_err();
    assert_eq!(kind(&empty), &ErrorKind::InvalidInput);

    answer_with(&resonite, "/stats/cloudStats", "[]");
    let odd = client.cloud_stats().await.unwrap_err();
    assert!(matches!(kind(&odd), ErrorKind::Decode { .. }), "{odd:?}");
    resonite
        .server()
        .faults()
        .inject(FaultRule::new("/testing/healthCheck", Fault::status(503)));
    assert!(matches!(
        kind(&client.health_check().await.unwrap_err()),
        ErrorKind::Api { status: 503, .. }
    ));
}
