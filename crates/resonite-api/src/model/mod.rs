//! Wire types: the API's own field names, lenient where the server is.
//!
//! Every type here accepts what the live API has been seen to send (spec §1): missing and
//! `null` fields fall back to defaults, enums keep values this crate does not know
//! ([`AccessLevel::Other`] and friends) and accept numbers as well as names, counts are
//! `u32`, timestamps may come without an offset (`0001-01-01T00:00:00`), and the odd
//! spellings (`sessionURLs`, `userID`, `2fa_login`, `PascalCase` `HasEnded`) are mapped.

#[macro_use]
mod open_enum;
mod cloud_variable;
mod contact;
mod group;
mod id;
mod message;
mod owner;
mod record;
mod rich_text;
mod session_hash;
mod session_info;
mod stats;
pub(crate) mod time;
mod user;
mod user_session;
mod user_status;

pub use cloud_variable::{
    CloudVariable, CloudVariableDefinition, CloudVariableKey, CloudVariableRead,
};
pub use contact::{Contact, ContactStatus};
pub use group::{Group, GroupMember, Membership, StorageQuota};
pub use id::{GroupId, MachineId, MessageId, RecordId, SessionId, UserId};
pub use message::{InviteRequest, Message, MessageContent, MessageType};
pub use owner::OwnerId;
pub use record::{
    ASSETS_BASE_URL, AssetManifestEntry, Record, RecordPage, RecordVersion, asset_url,
};
pub use rich_text::strip_rich_text;
pub use session_hash::session_hash;
pub use session_info::{
    AccessLevel, DataModelAssembly, OutputDevice, SessionInfo, SessionUser, WorldRef,
};
pub use stats::{CloudStats, OnlineStats};
pub use time::parse_timestamp;
pub use user::{BadgeRef, Profile, PublicBanType, TaggedObject, User};
pub use user_session::{ConfigFile, LoginType, UserSession, UserSessionResult};
pub use user_status::{OnlineStatus, RsaPublicKey, SessionType, UserStatus, UserStatusSession};
