//! Records (by folder, by id, the paged search) and cloud variables (read, write, many,
//! definitions) against the emulator: who may see what, unknown ids, refusals, odd answers.

mod common;

use http::StatusCode;
use omniauth_testkit::resonite::Resonite;
use omniauth_types::ErrorKind;
use resonite_api::RecordSearch;
use resonite_api::model::{CloudVariableKey, GroupId, OwnerId, RecordId, UserId};
use serde_json::json;

use common::{PASSWORD, answer_with, client, emulator, signed_in};

fn alice() -> OwnerId {
    OwnerId::User(UserId::new("U-alice"))
}

fn club() -> OwnerId {
    OwnerId::Group(GroupId::new("G-club"))
}

fn public(mut record: serde_json::Value, listed: bool) -> serde_json::Value {
    record["isPublic"] = json!(true);
    record["isListed"] = json!(listed);
    record
}

/// alice owns a private and a public item and runs `G-club` (bob is in it) with one
/// private group record; three public worlds are listed.
async fn world() -> Resonite {
    let resonite = emulator().await;
    let alice = resonite.add_account("alice", "", PASSWORD);
    let bob = resonite.add_account("bob", "", PASSWORD);
    resonite.add_account("carol", "", PASSWORD);
    resonite.add_group("G-club", "Club", &alice);
    resonite.add_group_member("G-club", &bob);
    resonite.add_record(resonite.sample_record(&alice, "R-secret", "Secret", "Inventory"));
    resonite.add_record(public(
        resonite.sample_record(&alice, "R-cube", "Cube", "Inventory"),
        false,
    ));
    resonite.add_record(resonite.sample_record("G-club", "R-plans", "Plans", "Inventory\\Club"));
    for (n, visits) in [(1, 5), (2, 50), (3, 500)] {
        let mut world = public(
            resonite.sample_record(
                &alice,
                &format!("R-world{n}"),
                &format!("World {n}"),
                "Inventory\\Worlds",
            ),
            true,
        );
        world["recordType"] = json!("world");
        world["tags"] = json!(["social"]);
        world["visits"] = json!(visits);
        resonite.add_record(world);
    }
    resonite
}

#[tokio::test]
async fn folders_show_private_records_to_their_owner_only() {
    let resonite = world().await;
    let client = client(&resonite);
    let owner = signed_in(&client, "alice").await;
    let carol = signed_in(&client, "carol").await;
    let names = |records: Vec<resonite_api::model::Record>| {
        let mut names: Vec<_> = records.into_iter().filter_map(|r| r.name).collect();
        names.sort();
        names
    };
    let all = client
        .records(Some(&owner), &alice(), "Inventory")
        .await
        .unwrap();
    assert_eq!(names(all), ["Cube", "Secret"]);
    let anonymous = client.records(None, &alice(), "inventory").await.unwrap();
    assert_eq!(names(anonymous), ["Cube"]);
    let stranger = client
        .records(Some(&carol), &alice(), "Inventory")
        .await
        .unwrap();
    assert_eq!(names(stranger), ["Cube"]);
    let bob = signed_in(&client, "bob").await;
    let group = client
        .records(Some(&bob), &club(), "Inventory/Club")
        .await
        .unwrap();
    assert_eq!(names(group), ["Plans"]);

    let ghost = OwnerId::User(UserId::new("U-ghost"));
    let unknown = client.records(None, &ghost, "Inventory").await.unwrap_err();
    assert_eq!(unknown.kind(), &ErrorKind::NotFound);
    let empty = client.records(None, &alice(), " ").await.unwrap_err();
    assert_eq!(empty.kind(), &ErrorKind::InvalidInput);
    answer_with(&resonite, "/users/U-alice/records", "{\"records\": []}");
    let odd = client
        .records(None, &alice(), "Inventory")
        .await
        .unwrap_err();
    assert!(matches!(odd.kind(), ErrorKind::Decode { .. }), "{odd:?}");
}

#[tokio::test]
async fn one_record_by_id_with_its_asset_urls() {
    let resonite = world().await;
    let client = client(&resonite);
    let owner = signed_in(&client, "alice").await;
    let carol = signed_in(&client, "carol").await;
    let cube = client
        .record(None, &alice(), &RecordId::new("R-cube"))
        .await
        .unwrap();
    assert!(cube.is_public);
    assert!(
        cube.asset_url()
            .unwrap()
            .starts_with("https://assets.resonite.com/")
    );
    assert!(cube.thumbnail_url().is_some());
    assert_eq!(cube.version().global_version, Some(1));
    assert!(cube.extra.contains_key("randomOrder"));
    let secret = client
        .record(Some(&owner), &alice(), &RecordId::new("R-secret"))
        .await
        .unwrap();
    assert_eq!(secret.name.as_deref(), Some("Secret"));

    let refused = client
        .record(Some(&carol), &alice(), &RecordId::new("R-secret"))
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(StatusCode::FORBIDDEN));
    let anonymous = client
        .record(None, &alice(), &RecordId::new("R-secret"))
        .await
        .unwrap_err();
    assert_eq!(anonymous.kind(), &ErrorKind::Forbidden);
    let group_refused = client
        .record(Some(&carol), &club(), &RecordId::new("R-plans"))
        .await
        .unwrap_err();
    assert_eq!(group_refused.status(), Some(StatusCode::FORBIDDEN));
    let unknown = client
        .record(None, &alice(), &RecordId::new("R-none"))
        .await
        .unwrap_err();
    assert_eq!(unknown.kind(), &ErrorKind::NotFound);
    let typo = client
        .record(None, &alice(), &RecordId::new("cube"))
        .await
        .unwrap_err();
    assert_eq!(typo.kind(), &ErrorKind::InvalidInput);
    answer_with(
        &resonite,
        "/users/U-alice/records/R-cube",
        "{\"name\": \"no id\"}",
    );
    let odd = client
        .record(None, &alice(), &RecordId::new("R-cube"))
        .await
        .unwrap_err();
    assert!(matches!(odd.kind(), ErrorKind::Decode { .. }), "{odd:?}");
}

#[tokio::test]
async fn the_search_pages_through_public_listed_records() {
    let resonite = world().await;
    let client = client(&resonite);
    let search = RecordSearch::new()
        .record_type("world")
        .required_tag("social")
        .sort("TotalVisits", true)
        .count(2);
    let first = client.search_records(None, &search).await.unwrap();
    let names: Vec<_> = first
        .records
        .iter()
        .filter_map(|r| r.name.as_deref())
        .collect();
    assert_eq!(names, ["World 3", "World 2"]);
    assert!(first.has_more_results);
    let second = client
        .search_records(None, &search.next_page())
        .await
        .unwrap();
    assert_eq!(second.records.len(), 1);
    assert!(!second.has_more_results);
    let none = client
        .search_records(None, &RecordSearch::new().required_tag("nothing"))
        .await
        .unwrap();
    assert!(none.records.is_empty());
    let zero = client
        .search_records(None, &RecordSearch::new().count(0))
        .await
        .unwrap_err();
    assert_eq!(zero.kind(), &ErrorKind::InvalidInput);
    answer_with(&resonite, "/records/pagedSearch", "[]");
    let odd = client.search_records(None, &search).await.unwrap_err();
    assert!(matches!(odd.kind(), ErrorKind::Decode { .. }), "{odd:?}");
}

/// `U-alice.score` (anyone reads, the owner writes) and `G-club.secret` (members read and
/// write, `definition_owner`).
fn define(resonite: &Resonite) -> (String, String) {
    let score = resonite
        .define_variable(resonite.sample_variable_definition("U-alice", "score", "int", "0"));
    let mut secret = resonite.sample_variable_definition("G-club", "secret", "string", "");
    secret["readPermissions"] = json!(["definition_owner"]);
    secret["writePermissions"] = json!(["definition_owner"]);
    let secret = resonite.define_variable(secret);
    (score, secret)
}

#[tokio::test]
async fn variables_are_read_and_written_as_their_definition_allows() {
    let resonite = world().await;
    let (score, secret) = define(&resonite);
    let client = client(&resonite);
    let owner = signed_in(&client, "alice").await;
    let bob = signed_in(&client, "bob").await;
    let carol = signed_in(&client, "carol").await;

    let default = client.variable(None, &alice(), &score).await.unwrap();
    assert_eq!(default.value.as_deref(), Some("0"));
    client
        .write_variable(&owner, &alice(), &score, "42")
        .await
        .unwrap();
    assert_eq!(resonite.variable("U-alice", &score).as_deref(), Some("42"));
    let read = client
        .variable(Some(&carol), &alice(), &score)
        .await
        .unwrap();
    assert_eq!(read.value.as_deref(), Some("42"));
    assert_eq!(read.path, score);

    // Someone else's value: refused.
    let refused = client
        .write_variable(&carol, &alice(), &score, "1")
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(StatusCode::FORBIDDEN));
    // Members only.
    client
        .write_variable(&bob, &club(), &secret, "hush")
        .await
        .unwrap();
    let member = client.variable(Some(&bob), &club(), &secret).await.unwrap();
    assert_eq!(member.value.as_deref(), Some("hush"));
    let outsider = client
        .variable(Some(&carol), &club(), &secret)
        .await
        .unwrap_err();
    assert_eq!(outsider.status(), Some(StatusCode::FORBIDDEN));
    let anonymous = client.variable(None, &club(), &secret).await.unwrap_err();
    assert_eq!(anonymous.kind(), &ErrorKind::Forbidden);

    let undefined = client
        .variable(None, &alice(), "U-alice.nothing")
        .await
        .unwrap_err();
    assert_eq!(undefined.kind(), &ErrorKind::NotFound);
    let slash = client.variable(None, &alice(), "a/b").await.unwrap_err();
    assert_eq!(slash.kind(), &ErrorKind::InvalidInput);
    answer_with(
        &resonite,
        &format!("/users/U-alice/vars/{score}"),
        "[\"42\"]",
    );
    let odd = client.variable(None, &alice(), &score).await.unwrap_err();
    assert!(matches!(odd.kind(), ErrorKind::Decode { .. }), "{odd:?}");
}

#[tokio::test]
async fn many_variables_and_definitions_through_readvars() {
    let resonite = world().await;
    let (score, secret) = define(&resonite);
    resonite.set_variable("U-alice", &score, "7");
    let client = client(&resonite);
    let bob = signed_in(&client, "bob").await;
    let carol = signed_in(&client, "carol").await;
    let keys = [
        CloudVariableKey::new("U-alice", &score),
        CloudVariableKey::new("G-club", &secret),
        CloudVariableKey::new("U-alice", "U-alice.nothing"),
    ];
    let member = client.read_variables(Some(&bob), &keys).await.unwrap();
    assert_eq!(member.len(), 2);
    assert_eq!(
        member[0].variable.as_ref().unwrap().value.as_deref(),
        Some("7")
    );
    let outsider = client.read_variables(Some(&carol), &keys).await.unwrap();
    assert_eq!(outsider.len(), 1);

    let definition = client
        .variable_definition(None, &alice(), &score)
        .await
        .unwrap();
    assert_eq!(definition.variable_type.as_deref(), Some("int"));
    assert_eq!(definition.read_permissions, ["anyone"]);
    let hidden = client
        .variable_definition(Some(&carol), &club(), &secret)
        .await
        .unwrap_err();
    assert_eq!(hidden.kind(), &ErrorKind::NotFound);
    let none = client.read_variables(None, &[]).await.unwrap_err();
    assert_eq!(none.kind(), &ErrorKind::InvalidInput);
    answer_with(&resonite, "/readvars", "{\"variable\": null}");
    let odd = client.read_variables(None, &keys).await.unwrap_err();
    assert!(matches!(odd.kind(), ErrorKind::Decode { .. }), "{odd:?}");
}
