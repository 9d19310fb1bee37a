//! The seed file: the accounts and data each emulator starts with, as JSON.
//!
//! Unknown fields are errors (a typo must not silently seed nothing), and every error names
//! the file, the line and column, and the field, like `seed.json:4:17: resonite.accounts[0].pasword: unknown field`.

use std::fmt;
use std::path::Path;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;
use serde::de::{Deserializer, Error as _, SeqAccess, Visitor};

use crate::goscrobble::{INGRESS_KEY_LEN, SCROBBLE_SOURCES, is_valid_ingress_key};

use crate::resonite::TotpSecret;

/// The seed used without `--seed`: the accounts the `omniauth demo` uses, documented in the
/// crate README.
pub const DEFAULT_SEED: &str = include_str!("default-seed.json");

/// What every emulator starts with. Each part is optional; a service not started ignores its
/// part.
///
/// ```
/// use omniauth_testkit::standalone::Seed;
///
/// let seed = Seed::parse(r#"{"maillink": {"users": [{"username": "ann", "email": "ann@example.com"}]}}"#, "inline")?;
/// assert_eq!(seed.maillink.users[0].username, "ann");
/// assert!(Seed::parse(r#"{"maillink": {"userz": []}}"#, "inline").is_err());
/// # Ok::<(), omniauth_testkit::standalone::SeedError>(())
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct Seed {
    /// Resonite accounts, contacts, sessions and messages.
    pub resonite: ResoniteSeed,
    /// Burgerauth accounts and OAuth2 apps.
    pub burgerauth: BurgerauthSeed,
    /// GoScrobble users, their ingress keys and scrobbles.
    pub goscrobble: GoScrobbleSeed,
    /// Email-link service users.
    pub maillink: MaillinkSeed,
}

/// The Resonite part of a [`Seed`]. Users are named by username; their user id is
/// `U-<username>`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct ResoniteSeed {
    /// Accounts.
    pub accounts: Vec<ResoniteAccount>,
    /// Contact entries, one direction each.
    pub contacts: Vec<ResoniteContact>,
    /// Published sessions (worlds), hosted by an account.
    pub sessions: Vec<ResoniteSession>,
    /// Messages, put into both mailboxes.
    pub messages: Vec<ResoniteMessage>,
    /// Groups, with their admin and members.
    pub groups: Vec<ResoniteGroup>,
    /// Records (inventory items and worlds) of a user or a group.
    pub records: Vec<ResoniteRecord>,
    /// Cloud variables: a definition and, optionally, a value.
    pub variables: Vec<ResoniteVariable>,
    /// Tokens a client starts signed in with (`Authorization: res U-<username>:<token>`).
    pub tokens: Vec<ResoniteToken>,
}

/// A Resonite session token handed out without a login, so that a client starts signed in.
/// Its `Debug` hides the token.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ResoniteToken {
    /// Whose (a username).
    pub username: String,
    /// The token, sent as `Authorization: res U-<username>:<token>`: visible ASCII without
    /// spaces, as a header carries it.
    #[serde(deserialize_with = "header_token")]
    pub token: SecretString,
    /// When it stops working (RFC 3339; absent: the `rememberMe` lifetime, 30 days, from
    /// when the emulator starts). A time in the past seeds an expired token.
    #[serde(default)]
    pub expires: Option<DateTime<Utc>>,
}

impl fmt::Debug for ResoniteToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResoniteToken")
            .field("username", &self.username)
            .field("token", &"[redacted]")
            .field("expires", &self.expires)
            .finish()
    }
}

/// A token goes into a header after `U-<name>:`, so it must be one visible ASCII word.
fn header_token<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<SecretString, D::Error> {
    let token = SecretString::from(String::deserialize(deserializer)?);
    let text = token.expose_secret();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(serde::de::Error::custom(
            "a token must be non-empty visible ASCII without spaces",
        ));
    }
    Ok(token)
}

/// A Resonite group. Members are usernames; the admin is a member too.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ResoniteGroup {
    /// The group id (`G-…`).
    pub id: String,
    /// The group's name.
    pub name: String,
    /// The admin (a username).
    pub admin: String,
    /// Other members (usernames).
    #[serde(default)]
    pub members: Vec<String>,
}

/// A Resonite record, private to its owner's session unless `public`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ResoniteRecord {
    /// The owner: a username, or a group id (`G-…`).
    pub owner: String,
    /// The record id (`R-…`).
    pub id: String,
    /// Its name.
    pub name: String,
    /// The inventory folder (`Inventory\\Worlds`, …).
    pub path: String,
    /// `object` (the default), `world`, `directory`, `link`, …
    #[serde(default = "object")]
    pub record_type: String,
    /// Whether anyone may read it (default: only the owner, or the group's members).
    #[serde(default)]
    pub public: bool,
}

fn object() -> String {
    "object".to_owned()
}

/// A Resonite cloud variable: its definition under `definition_owner`, and a value of
/// `owner` when given.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ResoniteVariable {
    /// Who defines it: a username or a group id.
    pub definition_owner: String,
    /// The path under the definition owner: the variable's full path is
    /// `<definition owner id>.<subpath>` (`U-demo.greeting` for owner `demo`, subpath
    /// `greeting`).
    pub subpath: String,
    /// The variable's type (`int`, `string`, …; default `string`).
    #[serde(default = "string_type")]
    pub variable_type: String,
    /// The default value, as text.
    #[serde(default)]
    pub default_value: String,
    /// A stored value: whose (a username or group id) and what.
    #[serde(default)]
    pub value: Option<ResoniteVariableValue>,
}

fn string_type() -> String {
    "string".to_owned()
}

/// A stored value of a [`ResoniteVariable`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ResoniteVariableValue {
    /// Whose value: a username or a group id.
    pub owner: String,
    /// The value, as text.
    pub value: String,
}

/// A Resonite account.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ResoniteAccount {
    /// The username (the user id is `U-<username>`).
    pub username: String,
    /// The email (optional).
    #[serde(default)]
    pub email: String,
    /// The password.
    pub password: String,
    /// Turns 2FA on, the simple form: one fixed code the emulator accepts in the `TOTP`
    /// header whatever the time.
    #[serde(default)]
    pub totp_code: Option<String>,
    /// Turns 2FA on from a base32 secret (RFC 6238: 6 digits, 30 s, HMAC-SHA1, what
    /// authenticator apps make): the codes of the emulator's clock, one step either side,
    /// pass. With `totp_code` too, either passes.
    #[serde(default)]
    pub totp_secret: Option<TotpSecret>,
    /// Recovery codes, each replacing the TOTP code once.
    #[serde(default)]
    pub recovery_codes: Vec<String>,
}

/// A Resonite contact entry: `contact` in `owner`'s list.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ResoniteContact {
    /// Whose list (a username).
    pub owner: String,
    /// Who is in it (a username).
    pub contact: String,
    /// `Accepted` (the default), `Requested`, `Ignored`, `Blocked`, …
    #[serde(default = "accepted")]
    pub status: String,
}

fn accepted() -> String {
    "Accepted".to_owned()
}

/// A published Resonite session with the live API's fields.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ResoniteSession {
    /// The host (a username).
    pub host: String,
    /// The session id (`S-…`).
    pub id: String,
    /// The session name.
    pub name: String,
}

/// A Resonite message.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ResoniteMessage {
    /// The sender (a username).
    pub from: String,
    /// The recipient (a username).
    pub to: String,
    /// The message type (default `Text`).
    #[serde(default = "text", rename = "type")]
    pub message_type: String,
    /// The content; for non-text types a JSON document in a string, as the API sends it.
    pub content: String,
    /// When it was sent (RFC 3339; default: when the emulator starts).
    #[serde(default)]
    pub sent: Option<DateTime<Utc>>,
}

fn text() -> String {
    "Text".to_owned()
}

/// The Burgerauth part of a [`Seed`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct BurgerauthSeed {
    /// Accounts.
    pub accounts: Vec<BurgerauthAccount>,
    /// OAuth2 apps.
    pub apps: Vec<BurgerauthApp>,
}

/// A Burgerauth account. The seed gives the password; the emulator stores what a client
/// derives from it (spec §1.3): the modern Argon2id hash for a migrated 1.3 account, the
/// legacy SHA3-512 ×128 hash otherwise (and always on the 1.2 builds).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct BurgerauthAccount {
    /// The username (1–20 ASCII letters and digits on the real server).
    pub username: String,
    /// The password as the user types it.
    pub password: String,
    /// Whether the account uses the modern hash (default `true`).
    #[serde(default = "yes")]
    pub migrated: bool,
}

fn yes() -> bool {
    true
}

/// A Burgerauth OAuth2 app with a known id and client secret.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct BurgerauthApp {
    /// The owner (a username of `accounts`).
    pub owner: String,
    /// The app (client) id.
    pub app_id: String,
    /// The client secret.
    pub secret: String,
    /// The app's name.
    #[serde(default)]
    pub name: String,
    /// The redirect URI.
    pub redirect_uri: String,
    /// Scopes (`openid`, `aeskeyshare`; default `["openid"]`).
    #[serde(default = "openid")]
    pub scopes: Vec<String>,
}

fn openid() -> Vec<String> {
    vec!["openid".to_owned()]
}

/// The GoScrobble part of a [`Seed`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct GoScrobbleSeed {
    /// Users (each with its `ingress_key`, or a random one; `GET /__omniauth/users/{name}`
    /// tells it).
    pub users: Vec<GoScrobbleUser>,
    /// Scrobbles of these users, stored as the ingestion routes map them.
    pub scrobbles: Vec<GoScrobbleScrobble>,
}

/// A GoScrobble user.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct GoScrobbleUser {
    /// The username.
    pub username: String,
    /// The email.
    #[serde(default)]
    pub email: String,
    /// The password.
    pub password: String,
    /// Admin flag.
    #[serde(default)]
    pub admin: bool,
    /// Moderator flag.
    #[serde(default)]
    pub moderator: bool,
    /// The ingress key (`?key=` of the ingestion routes): 32 ASCII letters, the shape of the
    /// server's own (`generateToken(32)`). Default: a random one.
    #[serde(default, deserialize_with = "ingress_key")]
    pub ingress_key: Option<String>,
}

/// A GoScrobble scrobble: one play of a track, with the fields the server's tables hold.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct GoScrobbleScrobble {
    /// Whose (a username of `users`).
    pub username: String,
    /// The artist, or a list of them (the first is the main one).
    #[serde(deserialize_with = "artists")]
    pub artist: Vec<String>,
    /// The album.
    pub album: String,
    /// The track.
    pub track: String,
    /// When it was played (RFC 3339).
    pub time: DateTime<Utc>,
    /// `multiscrobbler` (the default), `jellyfin`, `spotify` or `navidrome`: the values the
    /// server writes.
    #[serde(default = "multiscrobbler", deserialize_with = "source")]
    pub source: String,
    /// The track's length in seconds (default `0`, unknown).
    #[serde(default)]
    pub duration: u64,
    /// The track's `MusicBrainz` id.
    #[serde(default)]
    pub mbid_track: String,
    /// The album's `MusicBrainz` id.
    #[serde(default)]
    pub mbid_album: String,
    /// The main artist's `MusicBrainz` id.
    #[serde(default)]
    pub mbid_artist: String,
}

fn multiscrobbler() -> String {
    "multiscrobbler".to_owned()
}

/// Refuses a key the server could not have generated, at its place in the file (without
/// showing it).
fn ingress_key<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let key = Option::<String>::deserialize(deserializer)?;
    match key {
        Some(key) if !is_valid_ingress_key(&key) => {
            let found = match key.chars().count() {
                INGRESS_KEY_LEN => "a character that is not one".to_owned(),
                n => format!("{n} characters"),
            };
            Err(D::Error::custom(format!(
                "an ingress key is {INGRESS_KEY_LEN} ASCII letters (a-z, A-Z), as the server \
                 generates them; this one has {found}"
            )))
        }
        key => Ok(key),
    }
}

fn source<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let source = String::deserialize(deserializer)?;
    if SCROBBLE_SOURCES.contains(&source.as_str()) {
        Ok(source)
    } else {
        Err(D::Error::invalid_value(
            serde::de::Unexpected::Str(&source),
            &"jellyfin, multiscrobbler, spotify or navidrome",
        ))
    }
}

/// One artist name, or a non-empty list of them.
fn artists<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    struct Artists;

    impl<'de> Visitor<'de> for Artists {
        type Value = Vec<String>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an artist's name or a non-empty list of names")
        }

        fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<Self::Value, E> {
            Ok(vec![name.to_owned()])
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut names = Vec::new();
            while let Some(name) = seq.next_element::<String>()? {
                names.push(name);
            }
            if names.is_empty() {
                return Err(A::Error::invalid_length(0, &self));
            }
            Ok(names)
        }
    }

    deserializer.deserialize_any(Artists)
}

/// The email-link part of a [`Seed`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct MaillinkSeed {
    /// Users.
    pub users: Vec<MaillinkUser>,
}

/// An email-link user.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct MaillinkUser {
    /// The username.
    pub username: String,
    /// The email the login links go to (none: the account cannot log in by link).
    #[serde(default)]
    pub email: Option<String>,
}

impl Seed {
    /// The default seed ([`DEFAULT_SEED`]).
    ///
    /// ```
    /// let seed = omniauth_testkit::standalone::Seed::default_seed();
    /// assert_eq!(seed.resonite.accounts[0].username, "demo");
    /// ```
    ///
    /// # Panics
    /// Never: a test parses the embedded file.
    pub fn default_seed() -> Self {
        Self::parse(DEFAULT_SEED, "default-seed.json").expect("the default seed parses")
    }

    /// Parses a seed; `source` names it in errors (the file name).
    ///
    /// # Errors
    /// A [`SeedError`] naming `source`, the line, the column and the field.
    pub fn parse(text: &str, source: &str) -> Result<Self, SeedError> {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let seed: Self = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
            let field = err.path().to_string();
            let inner = err.into_inner();
            SeedError {
                source: source.to_owned(),
                line: inner.line(),
                column: inner.column(),
                field,
                message: strip_position(&inner.to_string()),
            }
        })?;
        deserializer.end().map_err(|err| SeedError {
            source: source.to_owned(),
            line: err.line(),
            column: err.column(),
            field: ".".to_owned(),
            message: strip_position(&err.to_string()),
        })?;
        seed.check_references(source)?;
        Ok(seed)
    }

    /// Reads and parses a seed file.
    ///
    /// # Errors
    /// When the file cannot be read, or as [`Seed::parse`].
    pub fn load(path: &Path) -> Result<Self, SeedError> {
        let source = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|err| SeedError {
            source: source.clone(),
            line: 0,
            column: 0,
            field: ".".to_owned(),
            message: format!("cannot read: {err}"),
        })?;
        Self::parse(&text, &source)
    }

    /// Every name a contact, session, message or app refers to is an account of the same
    /// service, so that applying cannot half-fail.
    fn check_references(&self, source: &str) -> Result<(), SeedError> {
        let resonite: Vec<&str> = self
            .resonite
            .accounts
            .iter()
            .map(|a| a.username.as_str())
            .collect();
        let missing = |field: String, name: &str| SeedError {
            source: source.to_owned(),
            line: 0,
            column: 0,
            field,
            message: format!("no account named {name:?} in this service's accounts"),
        };
        for (i, c) in self.resonite.contacts.iter().enumerate() {
            for (key, name) in [("owner", &c.owner), ("contact", &c.contact)] {
                if !resonite.contains(&name.as_str()) {
                    return Err(missing(format!("resonite.contacts[{i}].{key}"), name));
                }
            }
        }
        for (i, s) in self.resonite.sessions.iter().enumerate() {
            if !resonite.contains(&s.host.as_str()) {
                return Err(missing(format!("resonite.sessions[{i}].host"), &s.host));
            }
        }
        for (i, m) in self.resonite.messages.iter().enumerate() {
            for (key, name) in [("from", &m.from), ("to", &m.to)] {
                if !resonite.contains(&name.as_str()) {
                    return Err(missing(format!("resonite.messages[{i}].{key}"), name));
                }
            }
        }
        for (i, t) in self.resonite.tokens.iter().enumerate() {
            if !resonite.contains(&t.username.as_str()) {
                return Err(missing(
                    format!("resonite.tokens[{i}].username"),
                    &t.username,
                ));
            }
            let token = t.token.expose_secret();
            if self.resonite.tokens[..i]
                .iter()
                .any(|other| other.token.expose_secret() == token)
            {
                return Err(SeedError {
                    source: source.to_owned(),
                    line: 0,
                    column: 0,
                    field: format!("resonite.tokens[{i}].token"),
                    message: "the same token is seeded twice".to_owned(),
                });
            }
        }
        self.check_goscrobble(source)?;
        for (i, app) in self.burgerauth.apps.iter().enumerate() {
            if !self
                .burgerauth
                .accounts
                .iter()
                .any(|a| a.username == app.owner)
            {
                return Err(missing(format!("burgerauth.apps[{i}].owner"), &app.owner));
            }
        }
        Ok(())
    }
}

impl Seed {
    /// A scrobble's user is a seeded user, and no two users share an ingress key (the
    /// server would map it to whichever row its query meets first).
    fn check_goscrobble(&self, source: &str) -> Result<(), SeedError> {
        let seed = &self.goscrobble;
        let error = |field: String, message: String| SeedError {
            source: source.to_owned(),
            line: 0,
            column: 0,
            field,
            message,
        };
        for (i, user) in seed.users.iter().enumerate() {
            let Some(key) = &user.ingress_key else {
                continue;
            };
            if let Some(first) = seed.users[..i]
                .iter()
                .position(|other| other.ingress_key.as_ref() == Some(key))
            {
                return Err(error(
                    format!("goscrobble.users[{i}].ingress_key"),
                    format!("the same ingress key as goscrobble.users[{first}]"),
                ));
            }
        }
        for (i, scrobble) in seed.scrobbles.iter().enumerate() {
            if !seed
                .users
                .iter()
                .any(|u| u.username.eq_ignore_ascii_case(&scrobble.username))
            {
                return Err(error(
                    format!("goscrobble.scrobbles[{i}].username"),
                    format!(
                        "no account named {:?} in this service's accounts",
                        scrobble.username
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// `serde_json` appends " at line L column C"; the error says it once, in front.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// A seed file that cannot be used: `FILE:LINE:COL: FIELD: message` (the line and column
/// are left out when the fault is not at one place, such as a name no account has).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedError {
    source: String,
    line: usize,
    column: usize,
    field: String,
    message: String,
}

impl SeedError {
    /// The file (or source name) the seed came from.
    pub fn source_name(&self) -> &str {
        &self.source
    }

    /// The line (1-based), `0` when the fault is not at one place.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The field, as a path (`resonite.accounts[0].password`).
    pub fn field(&self) -> &str {
        &self.field
    }
}

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}: {}", self.source, self.field, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}: {}",
                self.source, self.line, self.column, self.field, self.message
            )
        }
    }
}

impl std::error::Error for SeedError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_seed_example_parses() {
        let readme = include_str!("../../README.md");
        let start = readme.find("```json\n").expect("a JSON example") + "```json\n".len();
        let end = start + readme[start..].find("```").unwrap();
        let seed = Seed::parse(&readme[start..end], "README.md").unwrap();
        assert_eq!(seed.resonite.groups[0].members, ["bob"]);
        assert_eq!(seed.resonite.records.len(), 2);
        assert!(seed.resonite.variables[0].value.is_some());
        assert!(seed.resonite.accounts[2].totp_secret.is_some());
        assert_eq!(seed.resonite.tokens.len(), 2);
        assert!(seed.resonite.tokens[1].expires.is_some());
        assert_eq!(
            seed.goscrobble.users[0].ingress_key.as_deref(),
            Some("annAnnAnnAnnAnnAnnAnnAnnAnnAnnAn")
        );
        assert_eq!(seed.goscrobble.scrobbles[0].artist, ["Low"]);
    }

    #[test]
    fn the_default_seed_has_groups_records_and_a_variable() {
        let seed = Seed::default_seed();
        assert_eq!(seed.resonite.groups.len(), 1);
        assert_eq!(seed.resonite.records.len(), 3);
        assert_eq!(seed.resonite.variables.len(), 1);
        assert_eq!(seed.resonite.tokens[0].username, "demo");
        assert_eq!(
            seed.resonite.tokens[0].token.expose_secret(),
            "omniauth-demo-token"
        );
    }

    #[test]
    fn the_default_seed_parses_and_holds_the_demo_accounts() {
        let seed = Seed::default_seed();
        assert_eq!(seed.resonite.accounts[0].username, "demo");
        assert_eq!(seed.burgerauth.accounts[0].username, "demo");
        assert_eq!(seed.goscrobble.users[0].username, "demo");
        assert_eq!(
            seed.goscrobble.users[0].ingress_key.as_deref(),
            Some("demoDemoDemoDemoDemoDemoDemoDemo")
        );
        assert_eq!(seed.goscrobble.scrobbles.len(), 2);
        assert_eq!(seed.maillink.users[0].username, "demo");
    }

    #[test]
    fn errors_name_file_line_column_and_field() {
        let text = "{\n  \"resonite\": {\n    \"accounts\": [\n      {\"username\": \"a\", \"pasword\": \"x\"}\n    ]\n  }\n}\n";
        let err = Seed::parse(text, "seed.json").unwrap_err();
        let shown = err.to_string();
        assert!(shown.starts_with("seed.json:4:"), "{shown}");
        assert!(shown.contains("resonite.accounts[0].pasword"), "{shown}");
        assert!(shown.contains("unknown field"), "{shown}");
        assert_eq!(err.line(), 4);
    }

    #[test]
    fn a_wrong_type_names_its_field() {
        let text = "{\"goscrobble\": {\"users\": [{\"username\": \"a\", \"password\": \"p\", \"admin\": \"yes\"}]}}";
        let err = Seed::parse(text, "s.json").unwrap_err();
        assert_eq!(err.field(), "goscrobble.users[0].admin");
        assert!(err.to_string().starts_with("s.json:1:"), "{err}");
    }

    #[test]
    fn a_reference_to_no_account_is_an_error() {
        let text = r#"{"resonite": {"accounts": [{"username": "a", "password": "p"}], "contacts": [{"owner": "a", "contact": "b"}]}}"#;
        let err = Seed::parse(text, "s.json").unwrap_err();
        assert_eq!(err.field(), "resonite.contacts[0].contact");
        assert!(err.to_string().contains("\"b\""), "{err}");
    }

    const KEY: &str = "abcdefghijklmnopqrstuvwxyzABCDEF";

    fn goscrobble(users: &str, scrobbles: &str) -> Result<Seed, SeedError> {
        Seed::parse(
            &format!(r#"{{"goscrobble": {{"users": [{users}], "scrobbles": [{scrobbles}]}}}}"#),
            "s.json",
        )
    }

    #[test]
    fn goscrobble_keys_and_scrobbles_parse() {
        let seed = goscrobble(
            &format!(r#"{{"username": "a", "password": "p", "ingress_key": "{KEY}"}}"#),
            r#"{"username": "A", "artist": "x", "album": "y", "track": "z", "time": "2026-01-02T03:04:05+01:00"},
               {"username": "a", "artist": ["x", "w"], "album": "y", "track": "z", "time": "2026-01-02T03:04:05Z", "source": "spotify", "duration": 3}"#,
        )
        .unwrap();
        let [first, second] = &seed.goscrobble.scrobbles[..] else {
            panic!("two scrobbles");
        };
        assert_eq!(seed.goscrobble.users[0].ingress_key.as_deref(), Some(KEY));
        assert_eq!(first.artist, ["x"]);
        assert_eq!(first.source, "multiscrobbler");
        assert_eq!(first.time.to_rfc3339(), "2026-01-02T02:04:05+00:00");
        assert_eq!(second.artist, ["x", "w"]);
        assert_eq!((second.source.as_str(), second.duration), ("spotify", 3));
    }

    #[test]
    fn goscrobble_seed_errors_name_their_field() {
        let user =
            |key: &str| format!(r#"{{"username": "a", "password": "p", "ingress_key": "{key}"}}"#);
        let scrobble = |extra: &str| {
            format!(
                r#"{{"username": "a", "album": "y", "track": "z", "time": "2026-01-02T03:04:05Z", {extra}}}"#
            )
        };
        let cases = [
            (
                user("abcdefghijklmnopqrstuvwxyzABCDE1"),
                String::new(),
                "goscrobble.users[0].ingress_key",
                "has a character that is not one",
            ),
            (
                user("abc"),
                String::new(),
                "goscrobble.users[0].ingress_key",
                "3 characters",
            ),
            (
                format!("{}, {}", user(KEY), user(KEY)),
                String::new(),
                "goscrobble.users[1].ingress_key",
                "goscrobble.users[0]",
            ),
            (
                user(KEY),
                scrobble(r#""artist": "x", "source": "lastfm""#),
                "goscrobble.scrobbles[0].source",
                "lastfm",
            ),
            (
                user(KEY),
                scrobble(r#""artist": []"#),
                "goscrobble.scrobbles[0].artist",
                "non-empty",
            ),
            (
                user(KEY),
                scrobble(r#""artist": 3"#),
                "goscrobble.scrobbles[0].artist",
                "an artist's name",
            ),
            (
                user(KEY),
                r#"{"username": "a", "artist": "x", "album": "y", "track": "z", "time": "yesterday"}"#
                    .to_owned(),
                "goscrobble.scrobbles[0].time",
                "",
            ),
            (
                user(KEY),
                scrobble(r#""artist": "x", "username": "b""#).replacen(
                    r#""username": "a", "#,
                    "",
                    1,
                ),
                "goscrobble.scrobbles[0].username",
                "\"b\"",
            ),
        ];
        for (users, scrobbles, field, message) in cases {
            let err = goscrobble(&users, &scrobbles).unwrap_err();
            assert_eq!(err.field(), field, "{err}");
            assert!(err.to_string().contains(message), "{err}");
        }
        let err = goscrobble(&user("abc"), "").unwrap_err();
        assert!(err.to_string().starts_with("s.json:1:"), "{err}");
    }

    #[test]
    fn a_bad_totp_secret_names_its_field_and_hides_its_text() {
        let text = "{\"resonite\": {\"accounts\": [\n  {\"username\": \"a\", \"password\": \"p\", \"totp_secret\": \"not base32 at all!\"}\n]}}";
        let err = Seed::parse(text, "s.json").unwrap_err();
        assert_eq!(err.field(), "resonite.accounts[0].totp_secret");
        assert_eq!(err.line(), 2);
        assert!(err.to_string().contains("base32"), "{err}");
        assert!(!err.to_string().contains("at all"), "{err}");
    }

    #[test]
    fn seeded_tokens_are_header_words_once_each_and_never_shown() {
        let accounts = r#""accounts": [{"username": "a", "password": "p", "totp_secret": "JBSWY3DPEHPK3PXP"}]"#;
        let seed = |tokens: &str| format!(r#"{{"resonite": {{{accounts}, "tokens": {tokens}}}}}"#);
        let good = Seed::parse(
            &seed(r#"[{"username": "a", "token": "tok-1"}, {"username": "a", "token": "tok-2", "expires": "2020-01-01T00:00:00Z"}]"#),
            "s.json",
        )
        .unwrap();
        assert_eq!(good.resonite.tokens.len(), 2);
        assert!(good.resonite.tokens[0].expires.is_none());
        let shown = format!("{good:?}");
        assert!(
            !shown.contains("tok-1") && !shown.contains("JBSWY3DPEHPK3PXP"),
            "{shown}"
        );

        let err = Seed::parse(
            &seed(r#"[{"username": "a", "token": "two words"}]"#),
            "s.json",
        )
        .unwrap_err();
        assert_eq!(err.field(), "resonite.tokens[0].token");
        assert!(!err.to_string().contains("two words"), "{err}");
        let err = Seed::parse(
            &seed(r#"[{"username": "a", "token": "t"}, {"username": "a", "token": "t"}]"#),
            "s.json",
        )
        .unwrap_err();
        assert_eq!(err.field(), "resonite.tokens[1].token");
        let err = Seed::parse(
            &seed(r#"[{"username": "a", "token": "t", "expires": "soon"}]"#),
            "s.json",
        )
        .unwrap_err();
        assert_eq!(err.field(), "resonite.tokens[0].expires");
    }

    #[test]
    fn trailing_garbage_is_an_error() {
        assert!(Seed::parse("{} x", "s.json").is_err());
    }
}
