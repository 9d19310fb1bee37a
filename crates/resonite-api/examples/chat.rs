//! A tiny chat bot on the hub: logs in, prints incoming messages, answers each one, and marks
//! it read. Ctrl-C stops it.
//!
//! ```sh
//! RESONITE_USERNAME=alice RESONITE_PASSWORD=… cargo run -p resonite-api --example chat
//! ```
//!
//! Without `RESONITE_USERNAME` it runs against an in-process emulator (`omniauth-testkit`),
//! where a second user says hello, gets the answer, and the bot stops: no account needed.

use std::time::Duration;

use omniauth_testkit::resonite::Resonite;
use omniauth_types::{Password, Session};
use resonite_api::hub::{HubClient, HubEvent, HubEvents};
use resonite_api::{Client, LoginIdentifier, LoginRequest};

type AnyResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

async fn login(client: &Client, username: &str, password: &str) -> AnyResult<Session> {
    let request = LoginRequest::password(LoginIdentifier::guess(username), Password::new(password));
    Ok(client.login(&request).await?.session)
}

/// Answers messages until the connection ends (or `limit` answers were sent).
async fn answer(hub: &HubClient, events: &mut HubEvents, limit: Option<usize>) -> AnyResult<()> {
    let mut answered = 0;
    while let Some(event) = events.recv().await {
        match event {
            HubEvent::ReceiveMessage(message) => {
                let text = match message.decode_content()? {
                    resonite_api::model::MessageContent::Text(text) => text,
                    other => format!("{other:?}"),
                };
                println!("{} says: {text}", message.sender_id);
                let reply = format!("you said \"{text}\"");
                hub.send_text_message(&message.sender_id, &reply).await?;
                hub.mark_messages_read(&message.sender_id, std::slice::from_ref(&message.id))
                    .await?;
                answered += 1;
                if limit.is_some_and(|limit| answered >= limit) {
                    return Ok(());
                }
            }
            HubEvent::StatusUpdate(status) => {
                println!("{:?} is now {:?}", status.user_id, status.online_status);
            }
            HubEvent::Disconnected(err) => println!("disconnected ({err}); reconnecting"),
            HubEvent::Reconnected { attempt } => println!("reconnected (attempt {attempt})"),
            HubEvent::Closed(reason) => {
                println!("closed: {reason:?}");
                return Ok(());
            }
            _ => {}
        }
    }
    Ok(())
}

/// A second user on the emulator who says hello and prints the answer.
async fn demo_peer(client: Client, session: Session) -> AnyResult<()> {
    let (hub, mut events) = HubClient::connect(&client, &session).await?;
    hub.send_text_message(&"U-bot".into(), "hello bot").await?;
    while let Some(event) = events.recv().await {
        if let HubEvent::ReceiveMessage(message) = event {
            println!("peer got: {}", message.content);
            break;
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> AnyResult<()> {
    if let Ok(username) = std::env::var("RESONITE_USERNAME") {
        let base_url = std::env::var("RESONITE_BASE_URL")
            .unwrap_or_else(|_| resonite_api::DEFAULT_BASE_URL.to_owned());
        let client = Client::new(base_url)?;
        let session = login(&client, &username, &std::env::var("RESONITE_PASSWORD")?).await?;
        let (hub, mut events) = HubClient::connect(&client, &session).await?;
        let contacts = hub.initialize_status().await?;
        println!("{} contacts; waiting for messages", contacts.len());
        tokio::select! {
            result = answer(&hub, &mut events, None) => result?,
            _ = tokio::signal::ctrl_c() => hub.close(),
        }
        return Ok(());
    }

    let resonite = Resonite::builder().rate_limit(None).start().await?;
    resonite.add_account("bot", "bot@example.com", "bot-password");
    resonite.add_account("peer", "peer@example.com", "peer-password");
    let client = Client::builder()
        .base_url(resonite.base_url())
        .no_rate_limit()
        .build()?;
    let bot = login(&client, "bot", "bot-password").await?;
    let peer = login(&client, "peer", "peer-password").await?;
    let (hub, mut events) = HubClient::connect(&client, &bot).await?;
    let peer_task = tokio::spawn(demo_peer(client.clone(), peer));
    tokio::time::timeout(Duration::from_secs(10), answer(&hub, &mut events, Some(1))).await??;
    peer_task.await??;
    hub.close();
    Ok(())
}
