//! Every error answer of both dialects, mapped onto the shared kinds in one function.

use omniauth_types::transport::{Response, default_error};
use omniauth_types::{Error, ErrorKind};

use crate::SERVICE;

/// The routes where a 1.2 server answers a dead or unknown secret key with `500 {}` (the
/// handler dereferences the missing session row; spec §0, recordings 077–084 and 099–100).
/// There `500 {}` means the session is gone: [`decode_error`] maps it to `Unauthorized`.
/// Elsewhere a 1.2 `500 {}` stays `Api` (it can mean a missing field or an unknown app).
pub const DEAD_KEY_ROUTES: &[&str] = &[
    "/api/userinfo",
    "/api/listauth",
    "/api/newauth",
    "/api/deleteauth",
    "/api/deleteaccount",
    "/api/sessions/list",
    "/api/sessions/remove",
];

/// Every error answer of the server [`decode_error`] knows, and the [`ErrorKind`] variant it
/// maps to: `(status, route, body, kind)`. One example body a row; `{}` is 1.2's bare answer.
/// The reference docs (`cargo xtask docs`) render this table, and a test checks that
/// [`decode_error`] agrees with every row.
pub const ERROR_ANSWERS: &[(u16, &str, &str, &str)] = &[
    (
        401,
        "/api/login",
        r#"{"error":"User does not exist"}"#,
        "InvalidCredentials",
    ),
    (
        401,
        "/api/login",
        r#"{"error":"Incorrect password"}"#,
        "InvalidCredentials",
    ),
    (401, "/api/login", "{}", "InvalidCredentials"),
    (
        401,
        "/api/userinfo",
        r#"{"error":"Invalid session"}"#,
        "Unauthorized",
    ),
    (
        401,
        "/api/sessions/list",
        r#"{"error":"Session does not exist"}"#,
        "Unauthorized",
    ),
    (
        401,
        "/api/auth",
        "Invalid session (token not found in database)",
        "Unauthorized",
    ),
    (
        400,
        "/api/auth",
        "Invalid session (no cookie or session url)",
        "Unauthorized",
    ),
    (
        401,
        "/userinfo",
        r#"{"error":"Malformed token"}"#,
        "Unauthorized",
    ),
    (401, "/api/listauth", "{}", "Unauthorized"),
    (500, "/api/userinfo", "{}", "Unauthorized"),
    (500, "/api/listauth", "{}", "Unauthorized"),
    (500, "/api/newauth", "{}", "Unauthorized"),
    (500, "/api/deleteauth", "{}", "Unauthorized"),
    (500, "/api/deleteaccount", "{}", "Unauthorized"),
    (500, "/api/sessions/list", "{}", "Unauthorized"),
    (500, "/api/sessions/remove", "{}", "Unauthorized"),
    (
        401,
        "/api/auth",
        "OAuth screening failed",
        "InvalidCredentials",
    ),
    (
        401,
        "/api/tokenauth",
        r#"{"error":"OAuth screening failed"}"#,
        "InvalidCredentials",
    ),
    (
        401,
        "/api/tokenauth",
        r#"{"error":"Invalid secret"}"#,
        "InvalidCredentials",
    ),
    (
        403,
        "/api/tokenauth",
        r#"{"error":"Invalid PKCECode code"}"#,
        "InvalidCredentials",
    ),
    (
        400,
        "/api/tokenauth",
        r#"{"error":"Attempted PKCECode exchange with non-PKCECode authentication"}"#,
        "InvalidCredentials",
    ),
    (400, "/api/tokenauth", "{}", "InvalidCredentials"),
    (401, "/api/tokenauth", "{}", "InvalidCredentials"),
    (403, "/api/tokenauth", "{}", "InvalidCredentials"),
    (500, "/api/tokenauth", "{}", "InvalidCredentials"),
    (501, "/api/tokenauth", "{}", "InvalidCredentials"),
    (
        409,
        "/api/signup",
        r#"{"error":"Username taken"}"#,
        "AccountExists",
    ),
    (409, "/api/signup", "{}", "AccountExists"),
    (
        422,
        "/api/signup",
        r#"{"error":"Invalid username or password"}"#,
        "InvalidInput",
    ),
    (422, "/api/signup", "{}", "InvalidInput"),
    (
        400,
        "/api/userinfo",
        r#"{"error":"User does not exist"}"#,
        "NotFound",
    ),
    (404, "/userinfo", r#"{"error":"App not found"}"#, "NotFound"),
    (404, "/api/nothing", "404 page not found", "NotFound"),
    (422, "/api/sessions/remove", "{}", "NotFound"),
    (
        403,
        "/userinfo",
        r#"{"error":"Token does not have openid scope"}"#,
        "Forbidden",
    ),
    (403, "/api/sessions/remove", "{}", "Forbidden"),
    (429, "/api/login", "", "RateLimited"),
    (401, "/api/auth", "Redirect URI does not match", "Api"),
    (
        409,
        "/api/signup",
        r#"{"error":"Stamp already spent"}"#,
        "Api",
    ),
    (
        400,
        "/api/signup",
        r#"{"error":"Invalid hashcash stamp"}"#,
        "Api",
    ),
    (
        400,
        "/api/newauth",
        r#"{"error":"Invalid Scope: x"}"#,
        "Api",
    ),
    (
        500,
        "/api/listusers",
        r#"{"error":"Something went wrong"}"#,
        "Api",
    ),
    (500, "/api/auth", "{}", "Api"),
    (500, "/userinfo", "{}", "Unauthorized"),
    (502, "/api/login", "<html>bad gateway</html>", "Api"),
];

/// Maps a Burgerauth answer to an [`Error`], or `None` when it is a success.
///
/// It reads 1.3's `{"error": "…"}` bodies, 1.2's empty `{}` bodies (where only the route and
/// status tell what happened), and `/api/auth`'s `text/plain` strings:
///
/// | answer | kind |
/// |---|---|
/// | 401 on `/api/login` (any dialect) | `InvalidCredentials` |
/// | 401 `Invalid session…`, `Session does not exist`, `Malformed token`; 400 `Invalid session (no cookie…)`; 1.2's 401 `{}` elsewhere, its 500 `{}` on the [`DEAD_KEY_ROUTES`] and on `/userinfo` (an unknown token) | `Unauthorized` (log in again: a restart of a 1.3 server forgets every session) |
/// | 401 `OAuth screening failed` (unknown client, or unknown/used code), `Invalid secret`; 400/403/501 PKCE failures; 1.2's 400/401/403/500/501 `{}` on `/api/tokenauth` | `InvalidCredentials` |
/// | 409 `Username taken`, 1.2's 409 `{}` on signup | `AccountExists` |
/// | 422 (invalid username or password) | `InvalidInput` |
/// | 400 `User does not exist`, 404 `App not found`, 404 `404 page not found`, 1.2's 422 `{}` on `/api/sessions/remove` | `NotFound` |
/// | 403 `Token does not have … scope`, 1.2's 403 `{}` | `Forbidden` |
/// | 429 | `RateLimited` (no Burgerauth server sends it; a proxy may) |
/// | 302 from `/api/auth` | success (the redirect carries the code) |
/// | anything else (`Invalid JSON`, `Invalid hashcash stamp`, `Stamp already spent`, `Redirect URI does not match`, 500s) | `Api` with the status and the server's words |
pub fn decode_error(response: &Response) -> Option<Error> {
    map_answer(response, response.route())
}

/// [`decode_error`] for an answer of `route` (a route template such as `/api/login`).
#[allow(clippy::match_same_arms)] // One row per server answer reads like the spec.
pub(crate) fn map_answer(response: &Response, route: &str) -> Option<Error> {
    let status = response.status();
    if status.is_success() || (route == "/api/auth" && status.as_u16() == 302) {
        return None;
    }
    let message = response.server_message();
    let text = message.as_deref().unwrap_or("");
    // 1.2 answers every handled error with `{}` and nothing else.
    let bare = matches!(
        serde_json::from_slice::<serde_json::Value>(response.body()),
        Ok(serde_json::Value::Object(ref map)) if map.is_empty()
    );
    let code = status.as_u16();
    let kind = match (code, route, text) {
        (401, "/api/login", _) => ErrorKind::InvalidCredentials,
        (401, _, "OAuth screening failed" | "Invalid secret") => ErrorKind::InvalidCredentials,
        (400 | 403 | 500 | 501, "/api/tokenauth", _) if bare => ErrorKind::InvalidCredentials,
        (400, "/api/tokenauth", t) if t.starts_with("Attempted PKCECode") => {
            ErrorKind::InvalidCredentials
        }
        (403, "/api/tokenauth", t) if t.contains("PKCECode") => ErrorKind::InvalidCredentials,
        (401, _, t) if t.starts_with("Invalid session") || t == "Session does not exist" => {
            ErrorKind::Unauthorized
        }
        (401, _, "Malformed token") => ErrorKind::Unauthorized,
        (400, _, t) if t.starts_with("Invalid session") => ErrorKind::Unauthorized,
        (401, "/api/tokenauth", _) if bare => ErrorKind::InvalidCredentials,
        (401, _, _) if bare => ErrorKind::Unauthorized,
        (500, route, _) if bare && DEAD_KEY_ROUTES.contains(&route) => ErrorKind::Unauthorized,
        // 1.2 looks the token up and dereferences the missing row (an id token, too).
        (500, "/userinfo", _) if bare => ErrorKind::Unauthorized,
        (409, _, "Username taken") => ErrorKind::AccountExists,
        (409, "/api/signup", _) if bare => ErrorKind::AccountExists,
        (422, "/api/sessions/remove", _) if bare => ErrorKind::NotFound,
        (422, _, _) => ErrorKind::InvalidInput,
        (400, _, "User does not exist") | (404, _, _) => ErrorKind::NotFound,
        (403, _, _) if bare || text.starts_with("Token does not have") => ErrorKind::Forbidden,
        (401, _, "Redirect URI does not match") => ErrorKind::Api {
            status: code,
            message: text.to_owned(),
        },
        // The transport adds the service only on its own send path; logins decode here.
        (429, _, _) => return default_error(response).map(|err| err.with_service(SERVICE)),
        _ => {
            let text = if text.is_empty() {
                status.canonical_reason().unwrap_or("").to_owned()
            } else {
                text.to_owned()
            };
            return Some(Error::api(status, text).with_service(SERVICE));
        }
    };
    let error = Error::new(kind).with_service(SERVICE).with_status(status);
    Some(match (message, route) {
        (Some(message), _) => error.with_message(message),
        (None, route) if bare && code == 500 && DEAD_KEY_ROUTES.contains(&route) => {
            error.with_message("the secret key is not valid (the 1.2 server answers 500 {})")
        }
        (None, "/userinfo") if bare && code == 500 => error.with_message(
            "the server knows no such access token (the 1.2 server answers 500 {}; it takes \
             the access token only, not the id token)",
        ),
        (None, _) => error,
    })
}

#[cfg(test)]
mod tests {
    use omniauth_types::http::{HeaderMap, StatusCode};

    use super::*;

    fn answer(status: u16, route: &'static str, body: &str) -> Option<Error> {
        let response = Response::new(
            StatusCode::from_u16(status).unwrap(),
            HeaderMap::new(),
            body.to_owned(),
        );
        map_answer(&response, route)
    }

    fn kind(status: u16, route: &'static str, body: &str) -> ErrorKind {
        answer(status, route, body)
            .expect("an error")
            .kind()
            .clone()
    }

    #[test]
    fn the_published_table_agrees_with_the_mapping() {
        for (status, route, body, expected) in ERROR_ANSWERS {
            let kind = kind(*status, route, body);
            let name = format!("{kind:?}");
            let name = name.split([' ', '{']).next().unwrap_or_default();
            assert_eq!(name, *expected, "{status} {route} {body}");
        }
    }

    #[test]
    fn successes_and_the_auth_redirect_are_not_errors() {
        assert!(answer(200, "/api/login", r#"{"key":"k"}"#).is_none());
        assert!(answer(302, "/api/auth", "").is_none());
        assert!(answer(302, "/api/login", "").is_some());
    }

    #[test]
    #[allow(clippy::too_many_lines)] // A table of answers.
    fn go_answers_map_to_kinds() {
        use ErrorKind::*;
        let cases: &[(u16, &'static str, &str, ErrorKind)] = &[
            (
                401,
                "/api/login",
                r#"{"error":"User does not exist","migrated":true}"#,
                InvalidCredentials,
            ),
            (
                401,
                "/api/login",
                r#"{"error":"Incorrect password","migrated":true}"#,
                InvalidCredentials,
            ),
            (
                401,
                "/api/userinfo",
                r#"{"error":"Invalid session"}"#,
                Unauthorized,
            ),
            (
                401,
                "/api/sessions/list",
                r#"{"error":"Session does not exist"}"#,
                Unauthorized,
            ),
            (
                401,
                "/api/auth",
                "Invalid session (token not found in database)",
                Unauthorized,
            ),
            (
                400,
                "/api/auth",
                "Invalid session (no cookie or session url)",
                Unauthorized,
            ),
            (
                401,
                "/api/auth",
                "OAuth screening failed",
                InvalidCredentials,
            ),
            (
                401,
                "/api/tokenauth",
                r#"{"error":"OAuth screening failed"}"#,
                InvalidCredentials,
            ),
            (
                401,
                "/api/tokenauth",
                r#"{"error":"Invalid secret"}"#,
                InvalidCredentials,
            ),
            (
                403,
                "/api/tokenauth",
                r#"{"error":"Invalid PKCECode code"}"#,
                InvalidCredentials,
            ),
            (
                400,
                "/api/tokenauth",
                r#"{"error":"Attempted PKCECode exchange with non-PKCECode authentication"}"#,
                InvalidCredentials,
            ),
            (
                401,
                "/userinfo",
                r#"{"error":"Malformed token"}"#,
                Unauthorized,
            ),
            (
                403,
                "/userinfo",
                r#"{"error":"Token does not have openid scope"}"#,
                Forbidden,
            ),
            (404, "/userinfo", r#"{"error":"App not found"}"#, NotFound),
            (
                400,
                "/api/userinfo",
                r#"{"error":"User does not exist"}"#,
                NotFound,
            ),
            (
                409,
                "/api/signup",
                r#"{"error":"Username taken"}"#,
                AccountExists,
            ),
            (
                422,
                "/api/signup",
                r#"{"error":"Invalid username or password"}"#,
                InvalidInput,
            ),
            (404, "/api/nothing", "404 page not found", NotFound),
        ];
        for (status, route, body, expected) in cases {
            assert_eq!(
                &kind(*status, route, body),
                expected,
                "{status} {route} {body}"
            );
        }
    }

    #[test]
    fn other_go_answers_keep_the_servers_words() {
        for (status, route, body, text) in [
            (
                409,
                "/api/signup",
                r#"{"error":"Stamp already spent"}"#,
                "Stamp already spent",
            ),
            (
                400,
                "/api/signup",
                r#"{"error":"Invalid hashcash stamp"}"#,
                "Invalid hashcash stamp",
            ),
            (
                400,
                "/api/newauth",
                r#"{"error":"Invalid Scope: x"}"#,
                "Invalid Scope: x",
            ),
            (
                401,
                "/api/auth",
                "Redirect URI does not match",
                "Redirect URI does not match",
            ),
            (
                500,
                "/api/listusers",
                r#"{"error":"Something went wrong"}"#,
                "Something went wrong",
            ),
            (502, "/api/login", "<html>bad gateway</html>", "Bad Gateway"),
        ] {
            let err = answer(status, route, body).unwrap();
            assert_eq!(
                err.kind(),
                &ErrorKind::Api {
                    status,
                    message: text.into()
                },
                "{body}"
            );
            assert_eq!(err.service(), Some(SERVICE));
        }
    }

    #[test]
    fn python_empty_bodies_map_by_route_and_status() {
        use ErrorKind::*;
        let cases: &[(u16, &'static str, ErrorKind)] = &[
            (401, "/api/login", InvalidCredentials),
            (409, "/api/signup", AccountExists),
            (422, "/api/signup", InvalidInput),
            (401, "/api/listauth", Unauthorized),
            (500, "/api/userinfo", Unauthorized),
            (400, "/api/tokenauth", InvalidCredentials),
            (401, "/api/tokenauth", InvalidCredentials),
            (403, "/api/tokenauth", InvalidCredentials),
            (500, "/api/tokenauth", InvalidCredentials),
            (501, "/api/tokenauth", InvalidCredentials),
            (403, "/api/sessions/remove", Forbidden),
            (422, "/api/sessions/remove", NotFound),
            (404, "/api/whatever", NotFound),
        ];
        for (status, route, expected) in cases {
            assert_eq!(&kind(*status, route, "{}"), expected, "{status} {route}");
        }
        for route in DEAD_KEY_ROUTES {
            let err = answer(500, route, "{}").unwrap();
            assert_eq!(err.kind(), &Unauthorized, "{route}");
            assert!(err.to_string().contains("not valid"), "{err}");
        }
        assert_eq!(
            kind(500, "/api/auth", "{}"),
            Api {
                status: 500,
                message: "Internal Server Error".into()
            }
        );
    }

    #[test]
    fn rate_limits_pass_through() {
        assert!(matches!(
            kind(429, "/api/login", ""),
            ErrorKind::RateLimited { .. }
        ));
    }
}
