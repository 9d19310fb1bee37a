//! A chat bot that answers over the hub and falls back to REST while the hub is down: it
//! reads unread messages from the REST history (`GET /users/{me}/messages`) and answers with
//! `POST /users/{recipient}/messages` until the hub is back. Every message is answered once,
//! whichever way it arrived.
//!
//! ```sh
//! RESONITE_USERNAME=bot RESONITE_PASSWORD=… cargo run -p resonite-api --example chat_bot
//! cargo run -p resonite-api --example chat_bot -- --emulator
//! ```
//!
//! With `--emulator` it starts an in-process emulator (`omniauth-testkit`): a peer says hello
//! (answered over the hub), the hub then goes down for the bot, the peer writes again (the
//! bot finds it over REST and answers over REST), and the bot stops.

use std::collections::HashSet;
use std::time::Duration;

use omniauth_testkit::resonite::Resonite;
use omniauth_types::{Password, Session};
use resonite_api::hub::{ConnectionState, HubClient, HubEvent, HubEvents};
use resonite_api::model::{Message, MessageContent, MessageId};
use resonite_api::{Client, LoginIdentifier, LoginRequest, MessageQuery};

type AnyResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// How often the REST history is read while the hub is down.
const POLL_EVERY: Duration = Duration::from_millis(200);

async fn login(client: &Client, username: &str, password: &str) -> AnyResult<Session> {
    let request = LoginRequest::password(LoginIdentifier::guess(username), Password::new(password));
    Ok(client.login(&request).await?.session)
}

/// Which way an answer went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Hub,
    Rest,
}

struct Bot {
    client: Client,
    session: Session,
    hub: HubClient,
    // Both ways can bring the same message (the hub's catch-up after a reconnect reads the
    // same history): answer each id once.
    answered: HashSet<MessageId>,
}

impl Bot {
    async fn answer(&mut self, message: &Message) -> AnyResult<Option<Route>> {
        let mine = message.sender_id.as_str() == self.session.user_id();
        if mine || !self.answered.insert(message.id.clone()) {
            return Ok(None);
        }
        let text = match message.decode_content()? {
            MessageContent::Text(text) => text,
            other => format!("{other:?}"),
        };
        println!("{} says: {text}", message.sender_id);
        let reply = format!("you said \"{text}\"");
        if self.hub.state() == ConnectionState::Connected
            && self
                .hub
                .send_text_message(&message.sender_id, &reply)
                .await
                .is_ok()
        {
            return Ok(Some(Route::Hub));
        }
        self.client
            .send_text(&self.session, &message.sender_id, &reply)
            .await?;
        Ok(Some(Route::Rest))
    }

    /// While the hub is down: the unread messages from the REST history.
    async fn poll(&mut self) -> AnyResult<Vec<Route>> {
        let query = MessageQuery::new().unread(true).max_items(50);
        let mut inbox = self.client.messages(&self.session, &query).await?;
        inbox.reverse(); // oldest first
        let mut routes = Vec::new();
        for message in inbox {
            routes.extend(self.answer(&message).await?);
        }
        Ok(routes)
    }

    /// Answers until the hub closes for good, or `limit` answers went out; prints how each
    /// went.
    async fn run(&mut self, events: &mut HubEvents, limit: Option<usize>) -> AnyResult<Vec<Route>> {
        let mut routes = Vec::new();
        let mut tick = tokio::time::interval(POLL_EVERY);
        while limit.is_none_or(|limit| routes.len() < limit) {
            tokio::select! {
                event = events.recv() => match event {
                    Some(HubEvent::ReceiveMessage(message)) => {
                        routes.extend(self.answer(&message).await?);
                    }
                    Some(HubEvent::Disconnected(err)) => {
                        println!("hub down ({err}): answering over REST");
                    }
                    Some(HubEvent::Reconnected { .. }) => println!("hub back"),
                    Some(HubEvent::Closed(_)) | None => break,
                    Some(_) => {}
                },
                _ = tick.tick() => {
                    if self.hub.state() != ConnectionState::Connected {
                        routes.extend(self.poll().await?);
                    }
                }
            }
        }
        for route in &routes {
            println!("answered over {route:?}");
        }
        Ok(routes)
    }
}

/// The `--emulator` story; also run by `tests/examples.rs`.
///
/// # Errors
/// When a call fails or the story does not end as expected.
pub async fn demo() -> AnyResult<()> {
    let resonite = Resonite::builder().rate_limit(None).start().await?;
    let bot_id = resonite.add_account("bot", "", "bot-password");
    let peer_id = resonite.add_account("peer", "", "peer-password");
    let client = Client::builder()
        .base_url(resonite.base_url())
        .no_rate_limit()
        .build()?;
    let session = login(&client, "bot", "bot-password").await?;
    let peer = login(&client, "peer", "peer-password").await?;
    let (hub, mut events) = HubClient::connect(&client, &session).await?;
    let mut bot = Bot {
        client: client.clone(),
        session,
        hub,
        answered: HashSet::new(),
    };
    let bot_user = bot_id.as_str().into();
    client
        .send_text(&peer, &bot_user, "hello over the hub")
        .await?;
    let first =
        tokio::time::timeout(Duration::from_secs(10), bot.run(&mut events, Some(1))).await??;

    // The hub goes away for the bot (and refuses it back) while the peer writes again.
    resonite.hub().set_upgrades_refused(&bot_id, true);
    resonite.hub().drop_connections(&bot_id);
    client.send_text(&peer, &bot_user, "are you there?").await?;
    let second =
        tokio::time::timeout(Duration::from_secs(10), bot.run(&mut events, Some(1))).await??;
    bot.hub.close();

    let answers: Vec<String> = resonite
        .messages(&peer_id)
        .iter()
        .filter(|m| m["senderId"] == bot_id.as_str())
        .filter_map(|m| m["content"].as_str().map(str::to_owned))
        .collect();
    println!(
        "peer's mailbox holds {} answers: {answers:?}",
        answers.len()
    );
    if first != [Route::Hub] || second != [Route::Rest] || answers.len() != 2 {
        return Err(format!(
            "expected one answer over the hub and one over REST, got {first:?} {second:?}"
        )
        .into());
    }
    Ok(())
}

#[tokio::main]
async fn main() -> AnyResult<()> {
    if std::env::args().any(|a| a == "--emulator") {
        return demo().await;
    }
    let username = std::env::var("RESONITE_USERNAME")
        .map_err(|_| "set RESONITE_USERNAME and RESONITE_PASSWORD, or pass --emulator")?;
    let base_url = std::env::var("RESONITE_BASE_URL")
        .unwrap_or_else(|_| resonite_api::DEFAULT_BASE_URL.to_owned());
    let client = Client::new(base_url)?;
    let session = login(&client, &username, &std::env::var("RESONITE_PASSWORD")?).await?;
    let (hub, mut events) = HubClient::connect(&client, &session).await?;
    let mut bot = Bot {
        client,
        session,
        hub,
        answered: HashSet::new(),
    };
    tokio::select! {
        result = bot.run(&mut events, None) => { result?; }
        _ = tokio::signal::ctrl_c() => bot.hub.close(),
    }
    Ok(())
}
