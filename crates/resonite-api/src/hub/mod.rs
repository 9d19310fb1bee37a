//! The real-time SignalR hub (`wss://<api>/hub`, spec §2): messages, presence, contacts and
//! session updates, over our own small client of the SignalR JSON protocol (no Rust SignalR
//! crate can send Resonite's `res` authorization on the upgrade).
//!
//! - **Connecting** straight to `wss://<api>/hub` (`ws://` only for loopback), with
//!   `Authorization: res <userId>:<token>` and `UID` on the upgrade, then the
//!   `{"protocol":"json","version":1}` handshake. Records end in `0x1E` and are buffered
//!   across frames ([`FrameDecoder`]); frames are sent as text.
//! - **Calls**: each typed function sends an invocation id and waits for its completion
//!   (results and errors typed); [`HubClient::send_raw`] is fire-and-forget.
//!   `BroadcastSession`/`BroadcastSessionEnded` are raw invocations: **unverified**, their
//!   arguments are documented nowhere.
//! - **Keep-alive**: a ping every 15 s; 30 s without a record from the server and the
//!   connection is declared dead ([`HubBuilder::ping_interval`], [`HubBuilder::server_timeout`]).
//! - **Events** ([`HubEvent`]) arrive on a bounded channel that is also a `Stream`; targets
//!   are matched ignoring case, unknown ones kept raw. `ReceiveSessionUpdate`, a flood of
//!   tens of KB/s, is dropped on its target before its payload is read, unless
//!   [`HubBuilder::session_updates`] asks for it.
//! - **Reconnect**: after any drop, with backoff ([`ReconnectPolicy`]), then the handshake
//!   again and a replay of every subscription (`InitializeStatus`, `RequestStatus`,
//!   `ListenOnContact`, `ListenOnKey`). A call made while disconnected waits for the
//!   reconnect up to [`HubBuilder::reconnect_wait`], then fails with a `Transport` error:
//!   it is never dropped silently. A close with `allowReconnect: false`, or a refused
//!   token, stops the client ([`HubEvent::Closed`]).
//! - **Catch-up** (on by default, [`CatchUpPolicy`]): the hub pushes messages only to live
//!   connections, so after each reconnect one REST request
//!   (`GET /users/{me}/messages?fromTime=…`) fetches what was sent meanwhile; the missed
//!   messages arrive as [`HubEvent::ReceiveMessage`], oldest first and before the live
//!   ones, and no message id is delivered twice.
//!
//! | function | method |
//! |---|---|
//! | `InitializeStatus` | [`HubClient::initialize_status`] |
//! | `RequestStatus` | [`HubClient::request_status`] |
//! | `BroadcastStatus` | [`HubClient::broadcast_status`] |
//! | `ListenOnContact` | [`HubClient::listen_on_contact`] |
//! | `ListenOnKey` | [`HubClient::listen_on_key`] |
//! | `SendMessage` | [`HubClient::send_message`], [`HubClient::send_text_message`] |
//! | `MarkMessagesRead` | [`HubClient::mark_messages_read`] |
//! | `UpdateContact` | [`HubClient::update_contact`] |
//! | `BroadcastSession`, `BroadcastSessionEnded` | [`HubClient::broadcast_session`], [`HubClient::broadcast_session_ended`] (unverified) |
//! | anything else | [`HubClient::invoke_raw`], [`HubClient::send_raw`] |

mod catch_up;
mod client;
mod config;
mod connection;
mod driver;
mod error;
mod events;
mod framing;
mod functions;
pub mod protocol;
mod subscriptions;

pub use client::{HubBuilder, HubClient, HubEvents, HubStats};
pub use config::{CatchUpPolicy, ReconnectPolicy};
pub use connection::hub_url;
pub use driver::ConnectionState;
pub use error::map_hub_error;
pub use events::{HubEvent, MessagesRead, decode_event, target};
pub use framing::{FrameDecoder, FrameRecords, MAX_RECORD_BYTES, RECORD_SEPARATOR, encode_record};
pub use functions::BroadcastTarget;
pub use subscriptions::Subscriptions;
