//! `POST /artists|albums/{uuid}/upload` (`handleArtistUpload`, `handleAlbumUpload`): a
//! moderator's image, read from the multipart field `file` and stored as `pending`.

use axum::extract::{Path, State};
use bytes::Bytes;
use http::HeaderMap;

use super::routes::{St, is_uuid, moderator_user};
use super::wire::Reply;

const FAILED: &str = "Error processing upload";

pub(super) async fn artist(
    State(shared): St,
    Path(uuid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    if let Err(reply) = moderator_user(&shared, &headers) {
        return reply;
    }
    // A malformed UUID passes `getArtistByUUID` (its database error is dropped) and fails at
    // the `UPDATE` after the file is written: `throwBadReq`.
    let known = is_uuid(&uuid) && shared.has_artist(&uuid);
    if is_uuid(&uuid) && !known {
        return Reply::error("Invalid UUID");
    }
    let Some(image) = form_file(&headers, &body) else {
        return Reply::error(FAILED);
    };
    if !known {
        return Reply::bad_request(FAILED);
    }
    shared.store_image(&uuid, image);
    Reply::message("Successfully uploaded!")
}

pub(super) async fn album(
    State(shared): St,
    Path(uuid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    if let Err(reply) = moderator_user(&shared, &headers) {
        return reply;
    }
    // `getAlbumByUUID` turns every error into `Invalid UUID`.
    if !(is_uuid(&uuid) && shared.has_album(&uuid)) {
        return Reply::error("Invalid UUID");
    }
    let Some(image) = form_file(&headers, &body) else {
        return Reply::error(FAILED);
    };
    shared.store_image(&uuid, image);
    Reply::message("Successfully uploaded!")
}

/// `r.FormFile("file")`: the first part named `file` that has a file name, from a complete
/// `multipart/form-data` body; `None` where Go's parser or `FormFile` fails.
fn form_file(headers: &HeaderMap, body: &[u8]) -> Option<Vec<u8>> {
    let content_type = headers.get(http::header::CONTENT_TYPE)?.to_str().ok()?;
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    let boundary = params.split(';').find_map(|p| {
        let (key, value) = p.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_owned())
    })?;
    let delimiter = format!("--{boundary}");
    let mut rest = body.strip_prefix(delimiter.as_bytes())?;
    let next = format!("\r\n--{boundary}");
    let mut found = None;
    loop {
        if rest.starts_with(b"--") {
            // The closing delimiter: the body was complete.
            return found;
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let end = find(rest, next.as_bytes())?;
        let (part, after) = rest.split_at(end);
        rest = &after[next.len()..];
        let split = find(part, b"\r\n\r\n")?;
        let (head, data) = (&part[..split], &part[split + 4..]);
        let head = String::from_utf8_lossy(head);
        let disposition = head
            .split("\r\n")
            .find(|line| {
                line.to_ascii_lowercase()
                    .starts_with("content-disposition:")
            })?
            .to_owned();
        if found.is_none()
            && disposition.contains("name=\"file\"")
            && disposition.contains("filename=")
        {
            found = Some(data.to_vec());
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(content_type: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::CONTENT_TYPE, content_type.parse().unwrap());
        headers
    }

    #[test]
    fn only_a_complete_form_with_a_file_part_is_read() {
        let form = headers("multipart/form-data; boundary=b");
        let body = b"--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\nJPEG\r\n--b--\r\n";
        assert_eq!(form_file(&form, body), Some(b"JPEG".to_vec()));
        assert_eq!(form_file(&form, &body[..body.len() - 8]), None, "cut short");
        let no_name =
            b"--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nJPEG\r\n--b--\r\n";
        assert_eq!(form_file(&form, no_name), None, "a value, not a file");
        assert_eq!(form_file(&headers("image/jpeg"), body), None);
    }
}
