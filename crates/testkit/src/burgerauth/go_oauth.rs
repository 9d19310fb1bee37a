//! The Go 1.3 server's OAuth2/OIDC side: `/api/auth`, `/api/tokenauth`, `/userinfo`, the
//! JWKS and discovery document, and the token-taking endpoints (spec §1.6, §1.7).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::state::{Code, Emu, alnum};
use super::wire::{self, error, first, go_object, str_field, text};

type Emulator = State<Arc<Emu>>;

/// `GET /app`: the consent page, or 404 "App not found" for an unknown client.
pub(super) async fn consent_page(State(emu): Emulator, RawQuery(query): RawQuery) -> Response {
    let pairs = wire::parse_form(query.as_deref().unwrap_or("")).unwrap_or_default();
    if emu.db().app(first(&pairs, "client_id")).is_none() {
        return text(StatusCode::NOT_FOUND, "App not found");
    }
    wire::html("<!DOCTYPE html><title>Authorize - Burgerauth</title>")
}

/// Go's `http.Redirect`: a 302 whose text/html body links the target.
fn redirect(location: &str) -> Response {
    let escaped = location
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;");
    let mut response = wire::reply(
        StatusCode::FOUND,
        "text/html; charset=utf-8",
        format!("<a href=\"{escaped}\">Found</a>.\n\n"),
    );
    match HeaderValue::from_str(location) {
        Ok(value) => {
            response.headers_mut().insert(header::LOCATION, value);
            response
        }
        Err(_) => text(StatusCode::INTERNAL_SERVER_ERROR, "bad redirect"),
    }
}

/// `GET /api/auth`.
pub(super) async fn authorize(
    State(emu): Emulator,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let pairs = wire::parse_form(query.as_deref().unwrap_or("")).unwrap_or_default();
    let session_key = match wire::cookie(&headers, "session") {
        Some(key) => key.to_owned(),
        None => first(&pairs, "session").to_owned(),
    };
    if session_key.is_empty() {
        return text(
            StatusCode::BAD_REQUEST,
            "Invalid session (no cookie or session url)",
        );
    }
    let client_id = first(&pairs, "client_id");
    let redirect_uri = first(&pairs, "redirect_uri");
    let state = first(&pairs, "state");
    let mut db = emu.db();
    let Some(app) = db.app(client_id).cloned() else {
        return text(StatusCode::UNAUTHORIZED, "OAuth screening failed");
    };
    let with_slash = |uri: &str| format!("{}/", uri.strip_suffix('/').unwrap_or(uri));
    if with_slash(&app.redirect_uri) != with_slash(redirect_uri) {
        return text(StatusCode::UNAUTHORIZED, "Redirect URI does not match");
    }
    if first(&pairs, "deny") == "true" {
        return redirect(&format!("{redirect_uri}?error=access_denied&state={state}"));
    }
    let Some(user_id) = db.session(&session_key).map(|s| s.user_id) else {
        return text(
            StatusCode::UNAUTHORIZED,
            "Invalid session (token not found in database)",
        );
    };
    let Some(user) = db.user_by_id(user_id).cloned() else {
        return text(StatusCode::BAD_REQUEST, "User does not exist");
    };
    let nonce = match pairs.iter().find(|(k, _)| k == "nonce") {
        None => String::new(),
        Some((_, n)) if n == "none" => alnum(512),
        Some((_, n)) => n.clone(),
    };
    let iat = emu.now();
    let exp = iat + emu.token_lifetime;
    let issuer = emu.issuer();
    let id_token = app.scopes.iter().any(|s| s == "openid").then(|| {
        emu.keys.sign(&json!({
            "sub": user.unique_id, "iss": issuer, "name": user.username, "aud": app.app_id,
            "exp": exp, "iat": iat, "auth_time": iat, "session": session_key, "nonce": nonce,
        }))
    });
    let access_token = emu.keys.sign(&json!({
        "exp": exp, "iat": iat, "session": session_key, "nonce": alnum(512), "aud": app.app_id,
    }));
    let code = alnum(512);
    db.codes.retain(|c| c.user_id != user_id);
    db.codes.push(Code {
        code: code.clone(),
        app_id: app.app_id.clone(),
        user_id,
        access_token,
        id_token,
        challenge: first(&pairs, "code_challenge").to_owned(),
        method: first(&pairs, "code_challenge_method").to_owned(),
    });
    // Plain concatenation, as on the real server: nothing is URL-encoded.
    redirect(&format!("{redirect_uri}?code={code}&state={state}"))
}

/// `POST /api/tokenauth` (form body, or the URL query).
pub(super) async fn token(
    State(emu): Emulator,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let Ok(mut pairs) = wire::parse_form(query.as_deref().unwrap_or("")) else {
        return error(StatusCode::BAD_REQUEST, "Invalid form data");
    };
    if wire::is_form(&headers) {
        let Ok(text) = std::str::from_utf8(&body) else {
            return error(StatusCode::BAD_REQUEST, "Invalid form data");
        };
        match wire::parse_form(text) {
            // Body values come first, as in Go's `r.Form`.
            Ok(mut from_body) => {
                from_body.append(&mut pairs);
                pairs = from_body;
            }
            Err(()) => return error(StatusCode::BAD_REQUEST, "Invalid form data"),
        }
    }
    let client_id = first(&pairs, "client_id");
    let code = first(&pairs, "code");
    let verifier = first(&pairs, "code_verifier");
    let secret = first(&pairs, "client_secret");
    let mut db = emu.db();
    let screening = || error(StatusCode::UNAUTHORIZED, "OAuth screening failed");
    let Some(app) = db.app(client_id).cloned() else {
        return screening();
    };
    let Some(index) = db
        .codes
        .iter()
        .position(|c| c.code == code && !code.is_empty())
    else {
        return screening();
    };
    let row = db.codes[index].clone();
    if !emu.real_bugs && row.app_id != app.app_id {
        return screening();
    }
    if verifier.is_empty() {
        if secret != app.secret {
            return error(StatusCode::UNAUTHORIZED, "Invalid secret");
        }
    } else if row.challenge == "none" {
        return error(
            StatusCode::BAD_REQUEST,
            "Attempted PKCECode exchange with non-PKCECode authentication",
        );
    } else {
        let matches = match row.method.as_str() {
            "S256" => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == row.challenge,
            "plain" => verifier == row.challenge,
            _ => {
                return error(
                    StatusCode::FORBIDDEN,
                    "Attempted PKCECode exchange without supported PKCECode token method",
                );
            }
        };
        if !matches {
            return error(StatusCode::FORBIDDEN, "Invalid PKCECode code");
        }
    }
    db.codes.remove(index);
    let mut answer = json!({
        "access_token": row.access_token,
        "token_type": "bearer",
        "expires_in": 2_592_000,
    });
    if let Some(id_token) = row.id_token {
        answer["id_token"] = Value::String(id_token);
    }
    wire::json(StatusCode::OK, &answer)
}

/// What a token-taking endpoint needs from a verified token.
struct TokenFacts {
    app_id: String,
    session: String,
}

/// Verifies a 1.3 token as the server does (signature and expiry), dropping the connection
/// for a validly signed token without `session` or `exp` (the real server panics).
fn read_token(emu: &Emu, token: &str) -> Result<TokenFacts, Response> {
    let claims = emu
        .keys
        .verify(token, emu.now())
        .ok_or_else(|| error(StatusCode::UNAUTHORIZED, "Malformed token"))?;
    let session = claims.get("session").and_then(Value::as_str);
    let exp = claims.get("exp").and_then(Value::as_f64);
    let (Some(session), Some(_)) = (session, exp) else {
        wire::drop_connection()
    };
    let app_id = claims
        .get("aud")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    Ok(TokenFacts {
        app_id,
        session: session.to_owned(),
    })
}

/// `GET /userinfo` with `Authorization: <any word> <token>`.
pub(super) async fn userinfo(State(emu): Emulator, headers: HeaderMap) -> Response {
    let header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some((_, token)) = header.split_once(' ') else {
        return error(StatusCode::BAD_REQUEST, "Invalid token");
    };
    let facts = match read_token(&emu, token) {
        Ok(facts) => facts,
        Err(response) => return response,
    };
    let db = emu.db();
    let Some(app) = db.app(&facts.app_id) else {
        return error(StatusCode::NOT_FOUND, "App not found");
    };
    if !app.scopes.iter().any(|s| s == "openid") {
        return error(StatusCode::FORBIDDEN, "Token does not have openid scope");
    }
    let Some(session) = db.session(&facts.session) else {
        return error(StatusCode::UNAUTHORIZED, "Invalid session");
    };
    match db.user_by_id(session.user_id) {
        Some(user) => wire::json(
            StatusCode::OK,
            &json!({"sub": user.unique_id, "name": user.username}),
        ),
        None => error(StatusCode::BAD_REQUEST, "User does not exist"),
    }
}

fn body_token(body: &[u8]) -> Result<String, Response> {
    go_object(body)
        .and_then(|b| str_field(&b, "access_token").map(str::to_owned))
        .ok_or_else(|| error(StatusCode::BAD_REQUEST, "Invalid JSON"))
}

/// `POST /api/uniqueid` `{access_token}` → {"sub"}.
pub(super) async fn unique_id(State(emu): Emulator, body: Bytes) -> Response {
    let facts = match body_token(&body).and_then(|t| read_token(&emu, &t)) {
        Ok(facts) => facts,
        Err(response) => return response,
    };
    let db = emu.db();
    let Some(session) = db.session(&facts.session) else {
        return error(StatusCode::UNAUTHORIZED, "Invalid session");
    };
    match db.user_by_id(session.user_id) {
        Some(user) => wire::json(StatusCode::OK, &json!({ "sub": user.unique_id })),
        None => error(StatusCode::BAD_REQUEST, "User does not exist"),
    }
}

/// `POST /api/loggedin` `{access_token}` → {"appId"}.
pub(super) async fn token_logged_in(State(emu): Emulator, body: Bytes) -> Response {
    match body_token(&body).and_then(|t| read_token(&emu, &t)) {
        Ok(facts) => wire::json(StatusCode::OK, &json!({ "appId": facts.app_id })),
        Err(response) => response,
    }
}

/// `POST /api/aeskeyshare` `{access_token}` → {"appId", "keyShareUri"}.
pub(super) async fn aes_key_share(State(emu): Emulator, body: Bytes) -> Response {
    let facts = match body_token(&body).and_then(|t| read_token(&emu, &t)) {
        Ok(facts) => facts,
        Err(response) => return response,
    };
    let db = emu.db();
    let Some(app) = db.app(&facts.app_id) else {
        return error(StatusCode::UNAUTHORIZED, "OAuth screening failed");
    };
    if !app.scopes.iter().any(|s| s == "aeskeyshare") {
        return error(
            StatusCode::FORBIDDEN,
            "Token does not have aeskeyshare scope",
        );
    }
    if app.key_share_uri == "none" {
        return error(StatusCode::BAD_REQUEST, "No key share URI");
    }
    wire::json(
        StatusCode::OK,
        &json!({"appId": app.app_id, "keyShareUri": app.key_share_uri}),
    )
}

/// `GET /.well-known/jwks.json`.
pub(super) async fn jwks(State(emu): Emulator) -> Response {
    wire::json(
        StatusCode::OK,
        &json!({"keys": [{"kty": "OKP", "alg": "EdDSA", "use": "sig", "kid": emu.key_id,
                          "x": emu.keys.x(), "crv": "Ed25519"}]}),
    )
}

/// `GET /.well-known/openid-configuration`: JSON rendered through an HTML template.
pub(super) async fn discovery(State(emu): Emulator) -> Response {
    let url = emu.issuer();
    let document = json!({
        "issuer": url,
        "authorization_endpoint": format!("{url}/login"),
        "token_endpoint": format!("{url}/api/tokenauth"),
        "userinfo_endpoint": format!("{url}/userinfo"),
        "jwks_uri": format!("{url}/.well-known/jwks.json"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
    });
    // The template pretty-prints with two spaces and keeps short arrays on one line.
    let text = serde_json::to_string_pretty(&document)
        .unwrap_or_default()
        .replace("[\n    \"code\"\n  ]", "[\"code\"]")
        .replace("[\n    \"public\"\n  ]", "[\"public\"]");
    wire::reply(StatusCode::OK, "text/html; charset=utf-8", text + "\n")
}
