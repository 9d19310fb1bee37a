//! The images of artists and albums: where the server serves them, and the moderators'
//! uploads (`POST /artists|albums/{uuid}/upload`, multipart).

use omniauth_types::url::Url;
use omniauth_types::{Error, Result, Session};

use crate::auth::MessageAnswer;
use crate::model::{ImageSize, image_path};
use crate::{Client, SERVICE};

/// The largest image [`Client::upload_artist_image`] sends: the 10 MiB the server's handler
/// names as its maximum (`ParseMultipartForm(10 << 20)`; beyond it Go spools to disk rather
/// than refusing, so the check is the client's, made before anything is sent).
pub const MAX_IMAGE_BYTES: usize = 10 << 20;

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

impl Client {
    /// `POST /artists/{uuid}/upload` (moderators and admins): stores `image` as the artist's
    /// full-size image and marks it [`Pending`](crate::model::ImageStatus::Pending); the
    /// server's minutely job then writes the 300 px copy. The bytes are stored as sent (as
    /// `<uuid>_full.jpg`), so send a format the resize job decodes (JPEG, PNG, GIF, BMP,
    /// TIFF). Sent once, never retried (an upload is not idempotent), behind the heavy-tier
    /// limiter.
    ///
    /// ```no_run
    /// # async fn run(client: goscrobble_api::Client, session: goscrobble_api::Session) -> goscrobble_api::Result<()> {
    /// use goscrobble_api::uuid::Uuid;
    ///
    /// let artist = Uuid::parse_str("0b6f3c1e-8a5d-4c2a-9e57-2f1a8d3b4c5e").unwrap();
    /// let jpeg = std::fs::read("cover.jpg").unwrap();
    /// client.upload_artist_image(&session, artist, jpeg).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for an empty image or one
    /// over [`MAX_IMAGE_BYTES`] (nothing is sent);
    /// [`ErrorKind::Forbidden`](crate::ErrorKind::Forbidden) (`User is not moderator or
    /// administrator`); [`ErrorKind::Unauthorized`](crate::ErrorKind::Unauthorized) (`Invalid
    /// JWT Token`, `Invalid user UUID` for a deactivated account);
    /// [`ErrorKind::NotFound`](crate::ErrorKind::NotFound) (`Invalid UUID`);
    /// [`ErrorKind::Api`](crate::ErrorKind::Api) (`Error processing upload`).
    #[tracing::instrument(skip_all, fields(service = SERVICE, uuid = %artist, bytes = image.len()))]
    pub async fn upload_artist_image(
        &self,
        session: &Session,
        artist: uuid::Uuid,
        image: Vec<u8>,
    ) -> Result<()> {
        self.upload("/artists/{uuid}/upload", session, artist, image)
            .await
    }

    /// `POST /albums/{uuid}/upload`: as [`Client::upload_artist_image`], for an album.
    ///
    /// # Errors
    /// As [`Client::upload_artist_image`].
    #[tracing::instrument(skip_all, fields(service = SERVICE, uuid = %album, bytes = image.len()))]
    pub async fn upload_album_image(
        &self,
        session: &Session,
        album: uuid::Uuid,
        image: Vec<u8>,
    ) -> Result<()> {
        self.upload("/albums/{uuid}/upload", session, album, image)
            .await
    }

    async fn upload(
        &self,
        route: &'static str,
        session: &Session,
        uuid: uuid::Uuid,
        image: Vec<u8>,
    ) -> Result<()> {
        if image.is_empty() || image.len() > MAX_IMAGE_BYTES {
            return Err(Error::invalid_input(format!(
                "an image must hold 1 to {MAX_IMAGE_BYTES} bytes, this one has {}",
                image.len()
            ))
            .with_service(SERVICE));
        }
        let form = multipart_file(&uuid.hyphenated().to_string(), &image);
        self.heavy
            .post(route)
            .path_param("uuid", uuid.hyphenated().to_string())
            .auth(session)
            .body(form.body, "multipart/form-data")
            .header(http::header::CONTENT_TYPE, form.content_type)
            .send_json::<MessageAnswer>()
            .await
            .map(drop)
    }
}

/// A `multipart/form-data` body and its content type.
struct Multipart {
    body: Vec<u8>,
    content_type: String,
}

/// The one part the handler reads (`r.FormFile("file")`, which needs a file name), encoded
/// here rather than by reqwest because the shared transport sends bytes (its timeouts, user
/// agent, limiter and error decoding apply to the upload as to every call).
fn multipart_file(name: &str, data: &[u8]) -> Multipart {
    // A boundary must not occur in the data; a random one almost never does, and is checked.
    let boundary = loop {
        let candidate = format!("omniauth-{}", uuid::Uuid::new_v4().simple());
        if !data
            .windows(candidate.len())
            .any(|w| w == candidate.as_bytes())
        {
            break candidate;
        }
    };
    let mut body = Vec::with_capacity(data.len() + 256);
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}.jpg\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Multipart {
        body,
        content_type: format!("multipart/form-data; boundary={boundary}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_holds_one_file_part_between_its_boundaries() {
        let form = multipart_file("id", b"\xff\xd8 jpeg");
        let boundary = form
            .content_type
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap();
        let text = String::from_utf8_lossy(&form.body);
        assert!(text.starts_with(&format!("--{boundary}\r\n")));
        assert!(text.contains("name=\"file\"; filename=\"id.jpg\""));
        assert!(text.ends_with(&format!("jpeg\r\n--{boundary}--\r\n")));
    }

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
