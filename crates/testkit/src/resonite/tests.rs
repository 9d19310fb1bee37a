//! The emulator as any client sees it: raw HTTP, no `resonite-api`.

use http::StatusCode;
use serde_json::{Value, json};

use super::Resonite;

async fn started() -> (Resonite, reqwest::Client, String) {
    let resonite = Resonite::builder().rate_limit(None).start().await.unwrap();
    let alice = resonite.add_account("alice", "alice@example.com", "pw");
    (resonite, reqwest::Client::new(), alice)
}

fn body(password: &str) -> Value {
    json!({
        "userName": "Alice",
        "authentication": {"$type": "password", "password": password},
        "secretMachineId": "m",
        "rememberMe": true
    })
}

#[tokio::test]
async fn login_answers_follow_the_spec() {
    let (resonite, http, alice) = started().await;
    let url = resonite.server().url("/userSessions");
    let answer = http
        .post(&url)
        .header("UID", "u")
        .json(&body("pw"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let json: Value = answer.json().await.unwrap();
    let entity = &json["entity"];
    assert_eq!(entity["userId"], alice);
    assert!(entity["token"].as_str().unwrap().ends_with('='));
    assert_eq!(entity["rowKey"], entity["token"]);
    assert_eq!(
        entity["expire"].as_str().unwrap().len(),
        "2025-05-24T20:49:29.6335177Z".len()
    );

    let answer = http
        .post(&url)
        .header("UID", "u")
        .json(&body("no"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    assert_eq!(answer.text().await.unwrap(), super::INVALID_CREDENTIALS);

    let answer = http.post(&url).json(&body("pw")).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "no UID header");

    resonite.set_totp(&alice, Some("1234"));
    let answer = http
        .post(&url)
        .header("UID", "u")
        .json(&body("pw"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    assert!(
        answer.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(answer.text().await.unwrap(), "TOTP");
    let answer = http
        .post(&url)
        .header("UID", "u")
        .header("TOTP", "1234")
        .json(&body("pw"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
}

#[tokio::test]
async fn tokens_authorize_extend_and_revoke() {
    let (resonite, http, alice) = started().await;
    let url = resonite.server().url("/userSessions");
    let json: Value = http
        .post(&url)
        .header("UID", "u")
        .json(&body("pw"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = json["entity"]["token"].as_str().unwrap().to_owned();
    let auth = format!("res {alice}:{token}");
    let patch = http
        .patch(&url)
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(patch.status(), StatusCode::NO_CONTENT);
    let bearer = http.patch(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(bearer.status(), StatusCode::FORBIDDEN, "not Bearer");
    let other = http
        .patch(&url)
        .header("Authorization", format!("res U-bob:{token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        other.status(),
        StatusCode::FORBIDDEN,
        "someone else's token"
    );
    let contacts = resonite.server().url(&format!("/users/{alice}/contacts"));
    let listed = http
        .get(&contacts)
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), StatusCode::OK);
    let delete = resonite.server().url(&format!(
        "/userSessions/{alice}/{}",
        token.replace('/', "%2F").replace('+', "%2B")
    ));
    let gone = http
        .delete(&delete)
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::OK);
    let after = http
        .get(&contacts)
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(
        after.status(),
        StatusCode::FORBIDDEN,
        "403, not 401, once revoked"
    );
    assert!(resonite.state().authorize(&http::HeaderMap::new()).is_err());
}

#[tokio::test]
async fn a_burst_gets_a_429() {
    let resonite = Resonite::builder()
        .rate_limit(Some(super::RateLimitConfig {
            max_requests: 2,
            window: std::time::Duration::from_secs(3600),
            retry_after: Some(5),
        }))
        .start()
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let url = resonite.server().url("/testing/ping");
    for _ in 0..2 {
        assert_eq!(
            http.get(&url).send().await.unwrap().status(),
            StatusCode::OK
        );
    }
    let limited = http.get(&url).send().await.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers()["retry-after"], "5");
}

#[tokio::test]
async fn input_is_read_leniently_like_aspnet() {
    let (resonite, http, alice) = started().await;
    resonite.add_session(resonite.sample_session(&alice, "S-one", "One"));
    let url = resonite.server().url("/userSessions");
    let by_owner = json!({
        "ownerID": alice,
        "Authentication": {"$type": "password", "password": "pw"},
        "secretMachineId": "m",
        "rememberMe": false
    });
    let answer = http
        .post(&url)
        .header("UID", "u")
        .json(&by_owner)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let sessions = resonite
        .server()
        .url("/sessions?MINACTIVEUSERS=1&includeended=FALSE");
    let listed: Value = http
        .get(&sessions)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let bad = resonite.server().url("/sessions?minActiveUsers=lots");
    let answer = http.get(&bad).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    assert_eq!(answer.text().await.unwrap(), super::INVALID_REQUEST);
    let missing = http
        .get(resonite.server().url("/nowhere"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}
