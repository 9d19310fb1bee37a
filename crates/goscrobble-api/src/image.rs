//! Where the server serves the images of artists and albums.

use omniauth_types::url::Url;

use crate::Client;
use crate::model::{ImageSize, image_path};

impl Client {
    /// The URL of an artist's or album's image: `/img/<uuid>_300px.jpg` (or `_full.jpg`) at
    /// the site root, which is the base URL without its trailing `/api/v1` (a deployment
    /// under a path prefix keeps the prefix). Sends nothing; check the record's
    /// [`ImageStatus`](crate::model::ImageStatus) first, a missing file is the web app's page.
    ///
    /// For a track use its [`Track::album_uuid`](crate::model::Track::album_uuid), for a
    /// top-list row its [`TopEntry::image_uuid`](crate::model::TopEntry::image_uuid).
    ///
    /// ```
    /// use goscrobble_api::Client;
    /// use goscrobble_api::model::ImageSize;
    /// use goscrobble_api::uuid::Uuid;
    ///
    /// let client = Client::new("https://scrobble.example.com/music/api/v1").unwrap();
    /// let id = Uuid::parse_str("0b6f3c1e-8a5d-4c2a-9e57-2f1a8d3b4c5e").unwrap();
    /// assert_eq!(
    ///     client.image_url(id, ImageSize::Px300).as_str(),
    ///     "https://scrobble.example.com/music/img/0b6f3c1e-8a5d-4c2a-9e57-2f1a8d3b4c5e_300px.jpg",
    /// );
    /// ```
    pub fn image_url(&self, uuid: uuid::Uuid, size: ImageSize) -> Url {
        let mut url = self.base_url().clone();
        let base = url.path().trim_end_matches('/');
        let root = base.strip_suffix("/api/v1").unwrap_or(base);
        let path = format!("{root}{}", image_path(uuid, size));
        url.set_path(&path);
        url.set_query(None);
        url.set_fragment(None);
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_suffix_is_left_out_and_other_paths_kept() {
        let id = uuid::Uuid::nil();
        for (base, expected) in [
            (
                "http://127.0.0.1:8080/api/v1",
                "http://127.0.0.1:8080/img/00000000-0000-0000-0000-000000000000_full.jpg",
            ),
            (
                "http://127.0.0.1:8080/api/v1/",
                "http://127.0.0.1:8080/img/00000000-0000-0000-0000-000000000000_full.jpg",
            ),
            (
                "http://127.0.0.1:8080/goscrobble",
                "http://127.0.0.1:8080/goscrobble/img/00000000-0000-0000-0000-000000000000_full.jpg",
            ),
        ] {
            let client = Client::new(base).unwrap();
            assert_eq!(
                client.image_url(id, ImageSize::Full).as_str(),
                expected,
                "{base}"
            );
        }
    }
}
