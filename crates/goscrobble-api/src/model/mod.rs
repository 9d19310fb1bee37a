//! Wire types of the GoScrobble API, with the server's own field names (`ModifiedIP`
//! included) and lenient where the server is: `null` lists are empty, missing fields are
//! defaults, unreadable times are `None`, top-N objects keyed `"1".."N"` become ordered lists.

mod config;
pub(crate) mod de;
mod image;
mod ingress;
pub(crate) mod music;
mod scrobble;
mod site;
mod user;

pub use config::{ConfigUpdate, ServerConfig};
pub use image::{ImageSize, ImageStatus, image_path};
pub use ingress::{JellyfinEvent, MultiScrobble};
pub use music::{Album, Artist, Listener, TopEntry, TopListeners, Track};
pub use scrobble::{ListMeta, NamedRef, Profile, Scrobble, ScrobbleList};
pub use site::{ServerInfo, Stats};
pub use user::User;

/// Decodes a top-N object as the server sends it (`{"1": {…}, "10": {…}, "2": {…}}`, keys in
/// string order, or `null`) into a list in rank order.
///
/// ```
/// let value = serde_json::json!({"10": {"name": "ten"}, "2": {"name": "two"}, "1": {"name": "one"}});
/// let list = goscrobble_api::model::decode_top_list(&value).unwrap();
/// let names: Vec<_> = list.iter().map(|e| e.name.as_str()).collect();
/// assert_eq!(names, ["one", "two", "ten"]);
/// assert_eq!(list[2].rank, Some(10));
/// ```
///
/// # Errors
/// When the value is not an object of entries.
pub fn decode_top_list(value: &serde_json::Value) -> Result<Vec<TopEntry>, serde_json::Error> {
    de::top_list(value)
}
