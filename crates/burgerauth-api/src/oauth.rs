//! OAuth2 for apps: PKCE, the browser URL and its callback, the programmatic authorization
//! step of each dialect, and the token exchange.

use omniauth_types::secret::serialize_exposed;
use omniauth_types::{
    ClientSecret, Error, ErrorKind, ExposeSecret as _, PkceVerifier, RefreshToken, Result,
    SecretKey, Session,
};
use rand::distr::{Alphanumeric, SampleString as _};
use serde::Serialize;

use crate::client::{Client, Dialect};
use crate::model::TokenResponse;
use crate::pkce::{Pkce, PkceMethod};
use crate::{AuthorizationCode, SERVICE};

/// How the client proves itself at the token endpoint.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientAuth {
    /// The PKCE verifier of the flow.
    Verifier(PkceVerifier),
    /// The client secret (confidential clients).
    Secret(ClientSecret),
}

/// The parameters of one authorization: client, redirect URI, `state`, `nonce`, PKCE.
#[derive(Debug, Clone)]
#[must_use]
pub struct AuthorizationRequest {
    client_id: String,
    redirect_uri: String,
    state: String,
    nonce: Option<String>,
    pkce: PkceMethod,
    deny: bool,
}

fn url_safe(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

impl AuthorizationRequest {
    /// A request for `client_id` returning to `redirect_uri` (it must equal the registered
    /// one: on 1.3 up to a trailing `/`, on 1.2 exactly), with a random 32-character `state` and `S256` PKCE.
    pub fn new(client_id: impl Into<String>, redirect_uri: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            redirect_uri: redirect_uri.into(),
            state: Alphanumeric.sample_string(&mut rand::rng(), 32),
            nonce: None,
            pkce: PkceMethod::S256,
            deny: false,
        }
    }

    /// The PKCE method (default `S256`).
    pub fn pkce(mut self, method: PkceMethod) -> Self {
        self.pkce = method;
        self
    }

    /// A `state` of your own. It must be URL-safe (`A-Z a-z 0-9 - . _ ~`): the 1.3 server
    /// copies it into the redirect without encoding. Checked when the request is used.
    pub fn state(mut self, state: impl Into<String>) -> Self {
        self.state = state.into();
        self
    }

    /// A `nonce` for the id token (URL-safe, as `state`).
    pub fn nonce(mut self, nonce: impl Into<String>) -> Self {
        self.nonce = Some(nonce.into());
        self
    }

    /// Answers as the user's "deny" button (1.3 `deny=true`): the authorization then fails
    /// with `Forbidden`.
    pub fn deny(mut self, deny: bool) -> Self {
        self.deny = deny;
        self
    }

    /// The `state`.
    pub fn state_value(&self) -> &str {
        &self.state
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    fn check(&self) -> Result<()> {
        let invalid = |what: &str| Err(Error::invalid_input(what.to_owned()).with_service(SERVICE));
        if self.client_id.is_empty() || self.redirect_uri.is_empty() {
            return invalid("client id and redirect uri are required");
        }
        if self.state.is_empty() || !url_safe(&self.state) {
            return invalid("the state must be non-empty and url-safe (A-Z a-z 0-9 - . _ ~)");
        }
        if self
            .nonce
            .as_deref()
            .is_some_and(|n| n.is_empty() || !url_safe(n))
        {
            return invalid("the nonce must be non-empty and url-safe");
        }
        Ok(())
    }

    fn pending(&self, pkce: Option<Pkce>) -> PendingAuthorization {
        PendingAuthorization {
            client_id: self.client_id.clone(),
            redirect_uri: self.redirect_uri.clone(),
            state: self.state.clone(),
            nonce: self.nonce.clone(),
            verifier: pkce.map(Pkce::into_verifier),
        }
    }
}

/// An authorization in progress: what the callback is checked against, and the PKCE
/// verifier the exchange needs.
#[derive(Debug)]
pub struct PendingAuthorization {
    client_id: String,
    redirect_uri: String,
    state: String,
    nonce: Option<String>,
    verifier: Option<PkceVerifier>,
}

impl PendingAuthorization {
    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The `state` the callback must carry.
    pub fn state(&self) -> &str {
        &self.state
    }

    /// The `nonce` the id token must carry, if one was sent.
    pub fn nonce(&self) -> Option<&str> {
        self.nonce.as_deref()
    }

    /// Reads the code from the callback URL the browser arrived at, after checking its
    /// `state` against this authorization's.
    ///
    /// # Errors
    /// `InvalidInput` when the state differs (a forged callback) or no code is there,
    /// `Forbidden` when the user denied access.
    pub fn code_from_callback(&self, callback_url: &str) -> Result<AuthorizationCode> {
        let redirect = parse_redirect(callback_url, &self.redirect_uri)?;
        redirect.into_code(&self.state)
    }

    /// The PKCE verifier, for [`ClientAuth::Verifier`]; `None` without PKCE.
    pub fn into_verifier(self) -> Option<PkceVerifier> {
        self.verifier
    }
}

/// What a redirect to the app carried.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Redirect {
    pub code: Option<String>,
    pub error: Option<String>,
    pub state: String,
}

impl Redirect {
    fn into_code(self, expected_state: &str) -> Result<AuthorizationCode> {
        if !constant_time_eq(self.state.as_bytes(), expected_state.as_bytes()) {
            return Err(Error::invalid_input(
                "the callback's state does not match this authorization (possible forgery)",
            )
            .with_service(SERVICE));
        }
        if let Some(error) = self.error {
            return Err(Error::new(ErrorKind::Forbidden)
                .with_service(SERVICE)
                .with_message(format!("the authorization was refused: {error}")));
        }
        match self.code {
            Some(code) if !code.is_empty() => Ok(AuthorizationCode::new(code)),
            _ => Err(Error::invalid_input("the callback carries no code").with_service(SERVICE)),
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The code of `/api/auth`'s 302, its state checked against the request's.
fn code_of_redirect(
    response: &omniauth_types::transport::Response,
    request: &AuthorizationRequest,
) -> Result<AuthorizationCode> {
    let location = response
        .headers()
        .get(omniauth_types::http::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            Error::decode_withheld(Some(response.status()), 0)
                .with_service(SERVICE)
                .with_message("the redirect has no location")
        })?;
    parse_redirect(location, &request.redirect_uri)?.into_code(&request.state)
}

/// Parses `<redirect_uri>?code=<code>&state=<state>` (or `?error=…&state=…`) as the 1.3
/// server writes it: plain concatenation, no encoding, and a second `?` when the redirect URI
/// already has a query. The part after the redirect URI is read; parameters are split on `&`.
pub(crate) fn parse_redirect(location: &str, redirect_uri: &str) -> Result<Redirect> {
    let bad = || {
        Error::invalid_input("the redirect does not go to the expected redirect uri")
            .with_service(SERVICE)
    };
    let rest = location
        .strip_prefix(redirect_uri)
        .or_else(|| location.strip_prefix(redirect_uri.trim_end_matches('/')))
        .ok_or_else(bad)?;
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    let query = rest.strip_prefix('?').ok_or_else(bad)?;
    let query = query.split('#').next().unwrap_or("");
    let mut redirect = Redirect {
        code: None,
        error: None,
        state: String::new(),
    };
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "code" => redirect.code = Some(value.to_owned()),
            "error" => redirect.error = Some(value.to_owned()),
            "state" => value.clone_into(&mut redirect.state),
            _ => {}
        }
    }
    Ok(redirect)
}

#[derive(Serialize)]
struct AuthQuery<'a> {
    client_id: &'a str,
    redirect_uri: &'a str,
    code_challenge: &'a str,
    code_challenge_method: &'a str,
    state: &'a str,
    nonce: &'a str,
    deny: &'a str,
}

#[derive(Serialize)]
struct LegacyAuthBody<'a> {
    #[serde(rename = "secretKey", serialize_with = "serialize_exposed")]
    secret_key: &'a SecretKey,
    #[serde(rename = "appId")]
    app_id: &'a str,
    code: &'a str,
    codemethod: &'a str,
}

/// The token endpoint's form. Secrets are exposed into it only where it is built, to be
/// sent at once.
#[derive(Serialize)]
struct TokenForm<'a> {
    grant_type: &'static str,
    client_id: &'a str,
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    code_verifier: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<&'a str>,
}

impl Client {
    /// The URL to send the user's browser to (`<base>/login?client_id&redirect_uri&state&
    /// code_challenge&code_challenge_method[&nonce]`), and the pending authorization that
    /// checks the callback and holds the PKCE verifier.
    ///
    /// # Errors
    /// `InvalidInput` for an unusable request (empty ids, a state that is not URL-safe).
    pub fn authorization_url(
        &self,
        request: &AuthorizationRequest,
    ) -> Result<(url::Url, PendingAuthorization)> {
        request.check()?;
        let pkce = Pkce::new(request.pkce);
        let mut url = self.transport.base_url().clone();
        let path = format!("{}/login", url.path().trim_end_matches('/'));
        url.set_path(&path);
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", &request.client_id)
                .append_pair("redirect_uri", &request.redirect_uri)
                .append_pair("state", &request.state);
            if let Some(pkce) = &pkce {
                query
                    .append_pair("code_challenge", pkce.challenge())
                    .append_pair("code_challenge_method", pkce.method().wire());
            }
            if let Some(nonce) = &request.nonce {
                query.append_pair("nonce", nonce);
            }
        }
        Ok((url, request.pending(pkce)))
    }

    /// The authorization step without a browser, for the signed-in user of `session`.
    ///
    /// On 1.3: `GET /api/auth` with the session in a `session` cookie and redirects
    /// disabled; the code and state are read from the 302's `Location` (whose parameters
    /// the server concatenates without encoding) and the state is checked. On 1.2: `GET
    /// /api/auth` with the key in cookie `key` (the HEAD build), the state checked the same
    /// way; when that answers 500, `POST /api/auth` with JSON (the older POST-era build),
    /// the code coming back as the body. Any earlier pending code
    /// of the user dies (1.3 keeps one per user).
    ///
    /// # Errors
    /// `InvalidCredentials` for an unknown client, `Api` 401 `Redirect URI does not match`
    /// (1.2 HEAD: `<uri> is not <uri>`; the POST-era 1.2 build checks no redirect URI and
    /// answers with a code), `Unauthorized` for a dead session, `Forbidden` for a denial, `InvalidInput` for a bad
    /// request or a state mismatch.
    #[tracing::instrument(skip_all, fields(service = SERVICE, dialect = self.dialect.as_str()))]
    pub async fn authorize(
        &self,
        session: &Session,
        request: &AuthorizationRequest,
    ) -> Result<(AuthorizationCode, PendingAuthorization)> {
        request.check()?;
        let key = Self::key_of(session)?;
        let pkce = Pkce::new(request.pkce);
        let challenge = pkce.as_ref().map_or("none", Pkce::challenge);
        let method = pkce.as_ref().map_or(PkceMethod::None, Pkce::method).wire();
        let code = match self.dialect {
            Dialect::V1_3 => self.authorize_1_3(&key, request, challenge, method).await?,
            Dialect::V1_2 => {
                // HEAD takes GET with cookie `key` (a POST gets 405); the POST-era build takes
                // POST JSON and answers a GET with 500 {} (spec §0, recordings). GET first;
                // on 500 the POST, whose 405 says the GET's 500 was HEAD's real answer.
                let query = [
                    ("client_id", request.client_id.as_str()),
                    ("redirect_uri", request.redirect_uri.as_str()),
                    ("code_challenge_method", method),
                    ("code_challenge", challenge),
                    ("state", request.state.as_str()),
                ];
                let response = self.auth_get(&query, "key", &key).send_raw().await?;
                if response.status().as_u16() == 302 {
                    code_of_redirect(&response, request)?
                } else if response.status().as_u16() != 500 {
                    // HEAD's 401 `text/html` "<uri> is not <uri>": the redirect URI differs.
                    return Err(auth_error(&response)
                        .unwrap_or_else(|| response.decode_error().with_service(SERVICE)));
                } else {
                    let body = LegacyAuthBody {
                        secret_key: &key,
                        app_id: &request.client_id,
                        code: challenge,
                        codemethod: method,
                    };
                    let posted = self
                        .transport
                        .post("/api/auth")
                        .json(&body)
                        .login()
                        .send_raw()
                        .await?;
                    let code = posted.text_lossy().trim().to_owned();
                    if posted.status().is_success() && !code.is_empty() {
                        AuthorizationCode::new(code)
                    } else {
                        let failed = if posted.status().as_u16() == 405 {
                            response
                        } else {
                            posted
                        };
                        return Err(self.legacy_auth_error(session, &failed).await);
                    }
                }
            }
        };
        Ok((code, request.pending(pkce)))
    }

    /// 1.3's `GET /api/auth` with the key in cookie `session`, answering a 302.
    async fn authorize_1_3(
        &self,
        key: &SecretKey,
        request: &AuthorizationRequest,
        challenge: &str,
        method: &str,
    ) -> Result<AuthorizationCode> {
        let query = AuthQuery {
            client_id: &request.client_id,
            redirect_uri: &request.redirect_uri,
            code_challenge: challenge,
            code_challenge_method: method,
            state: &request.state,
            nonce: request.nonce.as_deref().unwrap_or("none"),
            deny: if request.deny { "true" } else { "false" },
        };
        let response = self.auth_get(&query, "session", key).send().await?;
        if response.status().as_u16() != 302 {
            return Err(auth_error(&response).unwrap_or_else(|| {
                response
                    .decode_error()
                    .with_service(SERVICE)
                    .with_message("expected a redirect from /api/auth")
            }));
        }
        code_of_redirect(&response, request)
    }

    /// `GET /api/auth` with `query` and the key in cookie `cookie` (`session` on 1.3, `key`
    /// on 1.2), sent once, redirects left to the caller.
    fn auth_get(
        &self,
        query: &impl Serialize,
        cookie: &str,
        key: &SecretKey,
    ) -> omniauth_types::transport::RequestBuilder {
        let cookie = SecretKey::new(format!("{cookie}={}", key.expose_secret()));
        self.transport
            .get("/api/auth")
            .query(query)
            .secret_header(omniauth_types::http::header::COOKIE, &cookie)
            .login()
    }

    /// A 1.2 `/api/auth` failure: its `500 {}` means a dead key or an unknown client; the
    /// key is checked to tell which.
    async fn legacy_auth_error(
        &self,
        session: &Session,
        response: &omniauth_types::transport::Response,
    ) -> Error {
        let error =
            auth_error(response).unwrap_or_else(|| response.decode_error().with_service(SERVICE));
        if response.status().as_u16() != 500 {
            return error;
        }
        match self.is_logged_in(session).await {
            Ok(false) => Error::new(ErrorKind::Unauthorized)
                .with_service(SERVICE)
                .with_status(500_u16)
                .with_message("the secret key is not valid (the 1.2 server answers 500 {})"),
            // A live key: the only other row the handler misses is the app's.
            Ok(true) => Error::new(ErrorKind::InvalidCredentials)
                .with_service(SERVICE)
                .with_status(500_u16)
                .with_message("the server knows no app with this client id (1.2 answers 500)"),
            Err(_) => error,
        }
    }

    /// Redeems a code at `POST /api/tokenauth` (form-encoded; the server parses nothing
    /// else) with the PKCE verifier or the client secret.
    ///
    /// A failed exchange leaves a 1.3 code usable; a successful one uses it up.
    ///
    /// # Errors
    /// `InvalidCredentials` for an unknown client or code, a wrong verifier or secret, or a
    /// PKCE mismatch.
    #[tracing::instrument(skip_all, fields(service = SERVICE, dialect = self.dialect.as_str()))]
    pub async fn exchange_code(
        &self,
        client_id: &str,
        code: &AuthorizationCode,
        auth: &ClientAuth,
    ) -> Result<TokenResponse> {
        self.token_request(client_id, code.expose_secret(), auth)
            .await
    }

    /// Refreshes tokens with a 1.2 refresh token, as the service doc describes (the refresh
    /// token sent as `code`).
    ///
    /// Real 1.2 servers never store the refresh token (spec §1.8), so this fails there with
    /// `Unauthorized` asking for a new login; 1.3 issues no refresh tokens (`Unsupported`).
    ///
    /// # Errors
    /// `Unauthorized` when the server refuses the refresh token, `Unsupported` on 1.3.
    #[tracing::instrument(skip_all, fields(service = SERVICE, dialect = self.dialect.as_str()))]
    pub async fn refresh_tokens(
        &self,
        client_id: &str,
        refresh_token: &RefreshToken,
        auth: &ClientAuth,
    ) -> Result<TokenResponse> {
        if self.dialect == Dialect::V1_3 {
            return Err(Error::unsupported(
                SERVICE,
                "token refresh (1.3 issues no refresh tokens: authorize again)",
            ));
        }
        match self.token_request(client_id, refresh_token.expose_secret(), auth).await {
            Err(err) if err.kind() == &ErrorKind::InvalidCredentials => Err(Error::new(ErrorKind::Unauthorized)
                .with_service(SERVICE)
                .with_status(err.status().map_or(400, |s| s.as_u16()))
                .with_message(
                    "the server refused the refresh token (real 1.2 servers never store it): sign in and authorize again",
                )),
            other => other,
        }
    }

    async fn token_request(
        &self,
        client_id: &str,
        code: &str,
        auth: &ClientAuth,
    ) -> Result<TokenResponse> {
        if client_id.is_empty() {
            return Err(Error::invalid_input("a client id is required").with_service(SERVICE));
        }
        let (code_verifier, client_secret) = match auth {
            ClientAuth::Verifier(verifier) => (Some(verifier.expose_secret()), None),
            ClientAuth::Secret(secret) => (None, Some(secret.expose_secret())),
        };
        let form = TokenForm {
            grant_type: "authorization_code",
            client_id,
            code,
            code_verifier,
            client_secret,
        };
        // The form's fields are exposed by hand: each is noted for redaction.
        let request = self
            .transport
            .post("/api/tokenauth")
            .form(&form)
            .redact(&SecretKey::new(code));
        let request = match auth {
            ClientAuth::Verifier(verifier) => request.redact(verifier),
            ClientAuth::Secret(secret) => request.redact(secret),
        };
        request.login().send_json().await
    }
}

/// An `/api/auth` answer that is not a redirect, read as the error table says (the
/// server's own words, not a decode failure).
fn auth_error(response: &omniauth_types::transport::Response) -> Option<Error> {
    crate::error::map_answer(response, "/api/auth")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_parse_as_the_server_writes_them() {
        let r = parse_redirect("https://app/cb?code=abc&state=xyz", "https://app/cb").unwrap();
        assert_eq!(r.code.as_deref(), Some("abc"));
        assert_eq!(r.state, "xyz");
        let r =
            parse_redirect("https://app/cb?x=1?code=abc&state=s", "https://app/cb?x=1").unwrap();
        assert_eq!(r.code.as_deref(), Some("abc"));
        let r = parse_redirect(
            "https://app/cb/?error=access_denied&state=s",
            "https://app/cb",
        )
        .unwrap();
        assert_eq!(r.error.as_deref(), Some("access_denied"));
        assert!(parse_redirect("https://evil/cb?code=a&state=s", "https://app/cb").is_err());
    }

    #[test]
    fn callbacks_check_state() {
        let pending = AuthorizationRequest::new("c", "https://app/cb")
            .state("s1")
            .pending(None);
        let code = pending
            .code_from_callback("https://app/cb?code=abc&state=s1")
            .unwrap();
        assert_eq!(code.expose_secret(), "abc");
        let err = pending
            .code_from_callback("https://app/cb?code=abc&state=s2")
            .unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidInput);
        let err = pending
            .code_from_callback("https://app/cb?error=access_denied&state=s1")
            .unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::Forbidden);
    }

    #[test]
    fn requests_are_checked() {
        assert!(
            AuthorizationRequest::new("c", "r")
                .state("a b")
                .check()
                .is_err()
        );
        assert!(AuthorizationRequest::new("", "r").check().is_err());
        assert!(
            AuthorizationRequest::new("c", "r")
                .nonce("n&x")
                .check()
                .is_err()
        );
        assert!(AuthorizationRequest::new("c", "r").check().is_ok());
    }

    #[test]
    fn browser_urls_carry_the_flow() {
        let client = Client::new("https://auth.example.org/base").unwrap();
        let request = AuthorizationRequest::new("cid", "https://app/cb")
            .state("st")
            .nonce("nn");
        let (url, pending) = client.authorization_url(&request).unwrap();
        assert_eq!(url.path(), "/base/login");
        let pairs: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(pairs["client_id"], "cid");
        assert_eq!(pairs["redirect_uri"], "https://app/cb");
        assert_eq!(pairs["state"], "st");
        assert_eq!(pairs["code_challenge_method"], "S256");
        assert_eq!(pairs["nonce"], "nn");
        let verifier = pending.into_verifier().unwrap();
        let expected = Pkce::from_verifier(verifier, PkceMethod::S256).unwrap();
        assert_eq!(pairs["code_challenge"], expected.challenge());
    }
}
