//! The default seed's Resonite groups, records and cloud variables, as a client sees them over
//! HTTP: a member reads the group's record, nobody else's private record, and the seeded
//! variable value.
#![cfg(feature = "server")]

use omniauth_testkit::standalone::{self, Options, Seed, ServiceName};
use serde_json::{Value, json};

#[tokio::test]
async fn seeded_groups_records_and_variables_are_served_with_their_owner_checks() {
    let emulators = standalone::start(
        &Options::new(vec![ServiceName::Resonite]),
        &Seed::default_seed(),
    )
    .await
    .unwrap();
    let base = emulators.urls()[0].1.trim_end_matches('/').to_owned();
    let http = reqwest::Client::new();
    // `friend` (no second factor) is a member of the demo group.
    let login: Value = http
        .post(format!("{base}/userSessions"))
        .header("UID", "seed-test")
        .json(&json!({
            "username": "friend",
            "authentication": {"$type": "password", "password": "a friend password"},
            "secretMachineId": "m",
            "rememberMe": false
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["entity"]["token"]
        .as_str()
        .expect("signed in")
        .to_owned();
    let auth = format!("res U-friend:{token}");
    let get = |path: &str| {
        let request = http
            .get(format!("{base}{path}"))
            .header("Authorization", &auth);
        async move {
            let answer = request.send().await.unwrap();
            let status = answer.status().as_u16();
            (status, answer.json::<Value>().await.unwrap_or(Value::Null))
        }
    };

    let (status, group) = get("/groups/G-demo-group").await;
    assert_eq!(status, 200);
    assert_eq!(group["name"], "Demo group");
    let (status, members) = get("/groups/G-demo-group/members").await;
    assert_eq!(status, 200);
    assert_eq!(
        members.as_array().map(Vec::len),
        Some(2),
        "admin and member: {members}"
    );

    let (status, record) = get("/groups/G-demo-group/records/R-group-item").await;
    assert_eq!(status, 200, "a member reads the group's record");
    assert_eq!(record["name"], "Group item");
    let (status, world) = get("/users/U-friend/records/R-demo-world").await;
    assert_eq!(status, 200);
    assert_eq!(world["recordType"], "world");
    let (status, _) = get("/users/U-demo/records/R-demo-item").await;
    assert_eq!(status, 403, "demo's private item is not friend's to read");

    let (status, variable) = get("/users/U-demo/vars/U-demo.greeting").await;
    assert_eq!(status, 200, "{variable}");
    assert_eq!(variable["value"], "hello from the seed");
}
