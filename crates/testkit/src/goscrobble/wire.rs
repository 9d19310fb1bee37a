//! How the GoScrobble server answers (its four reply helpers, spec §2.2) and how Go's JSON
//! decoder reads bodies (case-insensitive keys, first value only, Go-worded errors).

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde_json::{Map, Value, json};

/// Every answer a handler gives.
#[derive(Debug)]
pub(crate) enum Reply {
    /// `200` with a data object (or `{"message": …}`), sniffed as `text/plain`.
    Ok(Value),
    /// `200 {"error": "…"}`: the common failure.
    OkError(String),
    /// `http.Error`: status, `text/plain; charset=utf-8`, `nosniff`, JSON text plus a newline.
    HttpError(StatusCode, String),
    /// `400 {"error":"Invalid JSON"}` without an explicit content type (sniffed).
    BadJson,
    /// `429 {"message":"Too many requests"}`.
    TooMany,
    /// gorilla/mux's `404 page not found`.
    NotFound,
    /// `StrictSlash`'s `301` to the canonical path.
    Moved(String),
}

impl Reply {
    pub(crate) fn message(text: &str) -> Self {
        Self::Ok(json!({ "message": text }))
    }

    pub(crate) fn error(text: impl Into<String>) -> Self {
        Self::OkError(text.into())
    }

    pub(crate) fn unauthorized(text: &str) -> Self {
        Self::HttpError(StatusCode::UNAUTHORIZED, text.to_owned())
    }

    pub(crate) fn bad_request(text: impl Into<String>) -> Self {
        Self::HttpError(StatusCode::BAD_REQUEST, text.into())
    }
}

const SNIFFED_JSON: &str = "text/plain; charset=utf-8";

fn body_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(SNIFFED_JSON));
    response
}

fn to_vec(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec())
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        match self {
            Self::Ok(value) => body_response(StatusCode::OK, to_vec(&value)),
            Self::OkError(text) => body_response(StatusCode::OK, to_vec(&json!({ "error": text }))),
            Self::HttpError(status, text) => {
                let mut body = to_vec(&json!({ "error": text }));
                body.push(b'\n');
                let mut response = body_response(status, body);
                response.headers_mut().insert(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                );
                response
            }
            Self::BadJson => body_response(
                StatusCode::BAD_REQUEST,
                to_vec(&json!({ "error": "Invalid JSON" })),
            ),
            Self::TooMany => body_response(
                StatusCode::TOO_MANY_REQUESTS,
                to_vec(&json!({ "message": "Too many requests" })),
            ),
            Self::NotFound => {
                let mut response =
                    body_response(StatusCode::NOT_FOUND, b"404 page not found\n".to_vec());
                response.headers_mut().insert(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                );
                response
            }
            Self::Moved(location) => redirect(StatusCode::MOVED_PERMANENTLY, &location),
        }
    }
}

fn redirect(status: StatusCode, location: &str) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// Reads the first JSON value of `body` as Go's `json.Decoder.Decode` into a struct does:
/// `Err` holds Go's wording (approximated) for an empty, cut or malformed body, or a value that
/// is not an object. `null` decodes to an empty object, as Go leaves the struct zeroed.
pub(crate) fn go_decode_object(body: &[u8], go_type: &str) -> Result<Map<String, Value>, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err("EOF".to_owned());
    }
    let mut values = serde_json::Deserializer::from_slice(body).into_iter::<Value>();
    match values.next() {
        Some(Ok(Value::Object(map))) => Ok(map),
        Some(Ok(Value::Null)) | None => Ok(Map::new()),
        Some(Ok(other)) => Err(format!(
            "json: cannot unmarshal {} into Go value of type {go_type}",
            go_kind(&other)
        )),
        Some(Err(err)) if err.is_eof() => Err("unexpected EOF".to_owned()),
        Some(Err(err)) => {
            let offset = byte_offset(body, err.line(), err.column());
            let found = body
                .get(offset.saturating_sub(1))
                .map_or('?', |b| char::from(*b));
            Err(format!(
                "invalid character '{found}' looking for beginning of value"
            ))
        }
    }
}

/// Reads a body into a `map[string]interface{}`: `None` when it is not a JSON object.
pub(crate) fn any_object(body: &[u8]) -> Option<Map<String, Value>> {
    let mut values = serde_json::Deserializer::from_slice(body).into_iter::<Value>();
    match values.next()? {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

fn byte_offset(body: &[u8], line: usize, column: usize) -> usize {
    let mut current = 1;
    let mut start = 0;
    for (index, byte) in body.iter().enumerate() {
        if current == line {
            break;
        }
        if *byte == b'\n' {
            current += 1;
            start = index + 1;
        }
    }
    start + column
}

/// Go's name of a JSON value's kind, as in its unmarshal errors.
pub(crate) fn go_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A field of a decoded object the way Go's decoder finds it: the exact key first, else any
/// key equal ignoring ASCII case.
pub(crate) fn field<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    map.get(name).or_else(|| {
        map.iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    })
}

/// A string field of a Go struct: absent or `null` is `""`; another kind is Go's unmarshal
/// error.
pub(crate) fn string_field(
    map: &Map<String, Value>,
    name: &str,
    go_struct: &str,
) -> Result<String, String> {
    match field(map, name) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(text)) => Ok(text.clone()),
        Some(other) => Err(format!(
            "json: cannot unmarshal {} into Go struct field {go_struct}.{name} of type string",
            go_kind(other)
        )),
    }
}

/// `fmt.Sprintf("%s", v)` of a decoded `interface{}` value.
pub(crate) fn go_format(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => "%!s(<nil>)".to_owned(),
        Value::Bool(b) => format!("%!s(bool={b})"),
        Value::Number(n) => format!("%!s(float64={})", go_float(n)),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(go_format).collect();
            format!("[{}]", parts.join(" "))
        }
        Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k}:{}", go_format(v)))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

fn go_float(n: &serde_json::Number) -> String {
    let value = n.as_f64().unwrap_or_default();
    if value.fract() == 0.0 && value.abs() < 1e21 {
        format!("{value:.0}")
    } else {
        format!("{value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_decoding_reports_like_go() {
        assert_eq!(go_decode_object(b"", "T").unwrap_err(), "EOF");
        assert_eq!(
            go_decode_object(b"{\"a\":", "T").unwrap_err(),
            "unexpected EOF"
        );
        assert!(
            go_decode_object(b"xyz", "T")
                .unwrap_err()
                .starts_with("invalid character 'x'")
        );
        assert_eq!(
            go_decode_object(b"[1]", "goscrobble.RequestRequest").unwrap_err(),
            "json: cannot unmarshal array into Go value of type goscrobble.RequestRequest"
        );
        assert!(go_decode_object(b"null", "T").unwrap().is_empty());
        let map = go_decode_object(b"{\"UserName\":\"a\"} trailing", "T").unwrap();
        assert_eq!(string_field(&map, "username", "T").unwrap(), "a");
        assert_eq!(go_format(&json!(1)), "%!s(float64=1)");
        assert_eq!(go_format(&json!(true)), "%!s(bool=true)");
    }
}
