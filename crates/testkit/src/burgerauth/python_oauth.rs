//! The Python 1.2 builds' OAuth2 side (spec §0, §1.8; recordings `burgerauth-1.2-python/`):
//! `/api/auth` of each build, the token endpoint, `GET /userinfo` and the discovery page.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::python::{Emulator, answer, dead_key, empty, failed, tri, user_of};
use super::state::{Code, Emu, LegacyToken, hex1024};
use super::wire::{self, first};

/// Quart's HTML 405 for a method the route does not take (HEAD's `POST /api/auth`).
pub(super) fn quart_405() -> Response {
    let mut response = wire::reply(
        StatusCode::METHOD_NOT_ALLOWED,
        "text/html; charset=utf-8",
        "<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed</title>\n<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n",
    );
    response.headers_mut().insert(
        header::ALLOW,
        HeaderValue::from_static("HEAD, GET, OPTIONS"),
    );
    response
}

/// Werkzeug's HTML 400 (malformed JSON, a missing form field).
pub(super) fn bad_request_html() -> Response {
    wire::reply(
        StatusCode::BAD_REQUEST,
        "text/html; charset=utf-8",
        "<!doctype html>\n<html lang=en>\n<title>400 Bad Request</title>\n<h1>Bad Request</h1>\n<p>The browser (or proxy) sent a request that this server could not understand.</p>\n",
    )
}

/// Python's `urllib.parse.quote` (safe `/`): how 1.2 stores and compares redirect URIs.
pub(super) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.' | b'-' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push_str(&hex::encode_upper([byte]));
        }
    }
    out
}

/// Signs the HS256 id token 1.2 issues (claims as floats, `iss` hard-coded).
fn id_token(emu: &Emu, username: &str, app_id: &str) -> String {
    let iat = emu.now_float();
    let claims = json!({"sub": username, "iss": "https://auth.hectabit.org", "name": username,
                        "aud": app_id, "exp": iat + 3600.0, "iat": iat, "auth_time": iat,
                        "nonce": hex1024()});
    jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(&emu.legacy_secret),
    )
    .unwrap_or_default()
}

/// Stores a new code of `user_id` for `app_id`, with the access token it will redeem for
/// (made here, at authorization, as the server does). Returns the code.
fn new_code(emu: &Emu, user_id: i64, app_id: &str, challenge: &str, method: &str) -> String {
    let username = emu
        .db()
        .user_by_id(user_id)
        .map(|u| u.username.clone())
        .unwrap_or_default();
    let id_token = id_token(emu, &username, app_id);
    let code = hex1024();
    let access_token = hex1024();
    let mut db = emu.db();
    db.legacy_tokens.push(LegacyToken {
        token: access_token.clone(),
        user_id,
    });
    db.codes.push(Code {
        code: code.clone(),
        app_id: app_id.to_owned(),
        user_id,
        access_token,
        id_token: Some(id_token),
        challenge: challenge.to_owned(),
        method: method.to_owned(),
    });
    code
}

/// HEAD's `GET /api/auth?client_id&redirect_uri&code_challenge&code_challenge_method&state`
/// with cookie `key`. The handler's order: the session (dead → 500), the app (unknown →
/// 500), the URL-quoted redirect URI (→ 401 text/html `<a> is not <b>`), the code row, then
/// the 302 (a missing `state` fails the concatenation → 500).
pub(super) async fn authorize_get(
    State(emu): Emulator,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let pairs = wire::parse_form(query.as_deref().unwrap_or("")).unwrap_or_default();
    let arg = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let key = wire::cookie(&headers, "key").unwrap_or("");
    let user_id = tri!(user_of(&emu, key));
    let app_id = arg("client_id").unwrap_or_default();
    let Some(stored) = emu.db().app(&app_id).map(|a| a.redirect_uri.clone()) else {
        return failed();
    };
    let Some(redirect_uri) = arg("redirect_uri") else {
        return failed();
    };
    if quote(&redirect_uri) != stored {
        return wire::reply(
            StatusCode::UNAUTHORIZED,
            "text/html; charset=utf-8",
            format!("{} is not {stored}", quote(&redirect_uri)),
        );
    }
    let challenge = arg("code_challenge").unwrap_or_else(|| "None".to_owned());
    let method = arg("code_challenge_method").unwrap_or_else(|| "None".to_owned());
    let code = new_code(&emu, user_id, &app_id, &challenge, &method);
    let Some(state) = arg("state") else {
        return failed();
    };
    let location = format!("{redirect_uri}?code={code}&state={state}");
    werkzeug_redirect(&location)
}

/// Werkzeug's `redirect()`: a 302 with an HTML page linking the target.
fn werkzeug_redirect(location: &str) -> Response {
    let escaped = location
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    let mut response = wire::reply(
        StatusCode::FOUND,
        "text/html; charset=utf-8",
        format!(
            "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n<p>You should be redirected automatically to the target URL: <a href=\"{escaped}\">{escaped}</a>. If not, click the link.\n"
        ),
    );
    match HeaderValue::from_str(location) {
        Ok(value) => {
            response.headers_mut().insert(header::LOCATION, value);
            response
        }
        Err(_) => failed(),
    }
}

/// The POST-era build's `POST /api/auth` {secretKey, appId, code, codemethod} → the code as
/// a text/html body. A dead key or an unknown app fails the handler: 500 {}.
pub(super) async fn authorize_post(
    State(emu): Emulator,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let Some(data) = is_json
        .then(|| serde_json::from_slice::<Value>(&raw).ok())
        .flatten()
    else {
        return failed();
    };
    let text = |key: &str| data.get(key).and_then(Value::as_str).map(str::to_owned);
    let (Some(key), Some(app_id), Some(challenge), Some(method)) = (
        text("secretKey"),
        text("appId"),
        text("code"),
        text("codemethod"),
    ) else {
        return failed();
    };
    let user_id = tri!(user_of(&emu, &key));
    if emu.db().app(&app_id).is_none() {
        return failed();
    }
    let code = new_code(&emu, user_id, &app_id, &challenge, &method);
    wire::html(&code)
}

/// `POST /api/tokenauth` (form). Order as in the handler: `client_id`, `code` and the
/// verifier or secret must be there (else Werkzeug's 400 HTML); unknown client → 401; the
/// code is looked up for *this* client (another app's code is unknown); a verifier on an
/// unknown code → 500; PKCE `none` → 400, mismatch → 403, unknown method → 501; a wrong
/// secret → 401; an unknown code → 400.
pub(super) async fn token(State(emu): Emulator, headers: HeaderMap, raw: Bytes) -> Response {
    let text = if wire::is_form(&headers) {
        String::from_utf8_lossy(&raw).into_owned()
    } else {
        String::new()
    };
    let pairs = wire::parse_form(&text).unwrap_or_default();
    let has = |key: &str| pairs.iter().any(|(k, _)| k == key);
    if !has("client_id") || !has("code") || !(has("code_verifier") || has("client_secret")) {
        return bad_request_html();
    }
    let client_id = first(&pairs, "client_id");
    let code = first(&pairs, "code");
    let verifier = has("code_verifier").then(|| first(&pairs, "code_verifier"));
    let mut db = emu.db();
    let Some(app) = db.app(client_id).cloned() else {
        return empty(StatusCode::UNAUTHORIZED);
    };
    let index = db
        .codes
        .iter()
        .position(|c| c.code == code && c.app_id == client_id);
    if let Some(verifier) = verifier {
        let Some(index) = index else {
            return failed();
        };
        let row = &db.codes[index];
        let ok = match row.method.as_str() {
            _ if row.challenge == "none" => return empty(StatusCode::BAD_REQUEST),
            "S256" => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == row.challenge,
            "plain" => verifier == row.challenge,
            _ => return empty(StatusCode::NOT_IMPLEMENTED),
        };
        if !ok {
            return empty(StatusCode::FORBIDDEN);
        }
    } else if first(&pairs, "client_secret") != app.secret {
        return empty(StatusCode::UNAUTHORIZED);
    }
    let Some(index) = index else {
        return empty(StatusCode::BAD_REQUEST);
    };
    let row = db.codes[index].clone();
    let refresh_token = hex1024();
    if !emu.real_bugs {
        // Documented: the code is used up and the refresh token becomes the next code, with a
        // fresh access token. (The real UPDATE is never committed: the refresh token stays
        // unknown and the code redeemable, answering the same access token.)
        db.codes.remove(index);
        let access_token = hex1024();
        db.legacy_tokens.push(LegacyToken {
            token: access_token.clone(),
            user_id: row.user_id,
        });
        db.codes.push(Code {
            code: refresh_token.clone(),
            access_token,
            ..row.clone()
        });
    }
    answer(
        StatusCode::OK,
        &json!({"access_token": row.access_token, "token_type": "bearer", "expires_in": 3600,
                "refresh_token": refresh_token, "id_token": row.id_token}),
    )
}

/// `GET /userinfo` with `Authorization: Bearer <access token>`; anything else (no header,
/// the id token, an unknown token) fails the handler: 500 {} (documented: 401 {}).
pub(super) async fn token_userinfo(State(emu): Emulator, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(' ').nth(1))
        .unwrap_or("");
    let db = emu.db();
    let user = db
        .legacy_tokens
        .iter()
        .find(|t| t.token == token && !token.is_empty())
        .and_then(|t| db.user_by_id(t.user_id));
    if let Some(user) = user {
        answer(
            StatusCode::OK,
            &json!({"sub": user.username, "name": user.username}),
        )
    } else {
        drop(db);
        dead_key(&emu)
    }
}

/// The discovery page: a template with hard-coded `auth.hectabit.org` URLs and no JWKS.
pub(super) async fn discovery() -> Response {
    wire::html(
        "{\n  \"issuer\": \"https://auth.hectabit.org\",\n  \"authorization_endpoint\": \"https://auth.hectabit.org/login\",\n  \"token_endpoint\": \"https://auth.hectabit.org/api/tokenauth\",\n  \"userinfo_endpoint\": \"https://auth.hectabit.org/userinfo\",\n  \"response_types_supported\": [\"code\"],\n  \"subject_types_supported\": [\"public\"]\n}",
    )
}
