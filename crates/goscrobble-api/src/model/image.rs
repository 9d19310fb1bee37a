//! What the server's `img` fields hold, and where its images are served.
//!
//! The server (`image.go`) keeps one image per artist or album on disk, named after the
//! record's UUID: the original as `<uuid>_full.jpg`, and a 300-pixel-wide copy as
//! `<uuid>_300px.jpg` made by a background job once the record's `img` column says
//! `pending`. Both are served at the site root under `/img/`, outside the API's `/api/v1`.

use serde::{Deserialize, Deserializer};

/// The `img` of an artist or album: the state of its image, not a path.
///
/// ```
/// use goscrobble_api::model::ImageStatus;
///
/// let status: ImageStatus = serde_json::from_str(r#""complete""#).unwrap();
/// assert_eq!(status, ImageStatus::Complete);
/// assert!(status.is_ready());
/// let other: ImageStatus = serde_json::from_str(r#""https://i.scdn.co/image/ab67""#).unwrap();
/// assert_eq!(other, ImageStatus::Other("https://i.scdn.co/image/ab67".into()));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ImageStatus {
    /// No image (`""` or `null`): never imported, or its resize failed and was reset.
    #[default]
    Missing,
    /// `"pending"`: the full image is stored; the 300 px copy is not made yet.
    Pending,
    /// `"complete"`: both sizes are on disk.
    Complete,
    /// `"none"`: the Spotify lookup found no image for it.
    NotAvailable,
    /// Anything else, kept as sent: a fresh Spotify record holds the source image's URL
    /// until its import runs.
    Other(String),
}

impl ImageStatus {
    /// Whether both [`ImageSize`]s can be fetched.
    pub fn is_ready(&self) -> bool {
        matches!(self, Self::Complete)
    }

    fn from_wire(text: String) -> Self {
        match text.as_str() {
            "" => Self::Missing,
            "pending" => Self::Pending,
            "complete" => Self::Complete,
            "none" => Self::NotAvailable,
            _ => Self::Other(text),
        }
    }
}

impl<'de> Deserialize<'de> for ImageStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Lenient like the other wire types: a non-string is no status at all.
        let value = Option::<serde_json::Value>::deserialize(deserializer)?;
        Ok(match value {
            Some(serde_json::Value::String(text)) => Self::from_wire(text),
            _ => Self::Missing,
        })
    }
}

/// The sizes the server writes for each image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ImageSize {
    /// `<uuid>_full.jpg`: the file as uploaded or imported (there as soon as the status is
    /// [`ImageStatus::Pending`]).
    Full,
    /// `<uuid>_300px.jpg`: 300 pixels wide, aspect kept (there once [`ImageStatus::Complete`]).
    Px300,
}

impl ImageSize {
    /// The file name's suffix after the UUID.
    pub fn suffix(self) -> &'static str {
        match self {
            Self::Full => "_full.jpg",
            Self::Px300 => "_300px.jpg",
        }
    }
}

/// The path of an image below the site root: `/img/<uuid><suffix>`.
///
/// ```
/// use goscrobble_api::model::{ImageSize, image_path};
/// use goscrobble_api::uuid::Uuid;
///
/// let id = Uuid::parse_str("0b6f3c1e-8a5d-4c2a-9e57-2f1a8d3b4c5e").unwrap();
/// assert_eq!(image_path(id, ImageSize::Px300), "/img/0b6f3c1e-8a5d-4c2a-9e57-2f1a8d3b4c5e_300px.jpg");
/// ```
pub fn image_path(uuid: uuid::Uuid, size: ImageSize) -> String {
    format!("/img/{}{}", uuid.hyphenated(), size.suffix())
}

/// A UUID, or `None` for `""`, `null` or anything unreadable (the server sends `""` when a
/// join found nothing).
pub(crate) fn lenient_uuid<'de, D>(deserializer: D) -> Result<Option<uuid::Uuid>, D::Error>
where
    D: Deserializer<'de>,
{
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    Ok(value
        .as_ref()
        .and_then(serde_json::Value::as_str)
        .and_then(|text| uuid::Uuid::parse_str(text).ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_word_of_the_server_is_known() {
        for (wire, status) in [
            (r#""""#, ImageStatus::Missing),
            ("null", ImageStatus::Missing),
            ("7", ImageStatus::Missing),
            (r#""pending""#, ImageStatus::Pending),
            (r#""complete""#, ImageStatus::Complete),
            (r#""none""#, ImageStatus::NotAvailable),
            (r#""Complete""#, ImageStatus::Other("Complete".into())),
        ] {
            assert_eq!(
                serde_json::from_str::<ImageStatus>(wire).unwrap(),
                status,
                "{wire}"
            );
        }
    }

    #[test]
    fn both_sizes_have_their_file_names() {
        let id = uuid::Uuid::nil();
        assert!(image_path(id, ImageSize::Full).ends_with("0000_full.jpg"));
        assert!(image_path(id, ImageSize::Px300).ends_with("0000_300px.jpg"));
    }
}
