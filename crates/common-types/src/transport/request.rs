//! One request: built, sent (and retried where safe), read within the cap, and checked.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::FutureExt as _;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument as _;
use url::Url;

use super::cause::{TryLimit, transport_error};
use super::redact::Redactor;
use super::retry::{Budget, retryable_status};
use super::{Response, Transport};
use crate::error::{Error, ErrorKind, Result, seconds};
use crate::secret::{SecretValue, capture};
use crate::session::Session;

/// A request being built. Finish it with [`send_json`](Self::send_json),
/// [`send`](Self::send), [`send_empty`](Self::send_empty) or [`send_raw`](Self::send_raw).
#[must_use = "a request does nothing until it is sent"]
pub struct RequestBuilder {
    transport: Transport,
    method: Method,
    route: &'static str,
    params: Vec<(&'static str, String)>,
    query: Option<String>,
    headers: HeaderMap,
    /// The body's content type, kept out of `headers`: most requests have no other header, and
    /// an empty map is neither allocated nor cloned per try.
    content_type: Option<&'static str>,
    body: Option<Bytes>,
    timeout: Option<Duration>,
    idempotent: bool,
    login: bool,
    sensitive: bool,
    redactor: Redactor,
    /// Boxed: a builder is moved by value through every setter, and the error is rare.
    problem: Option<Box<Error>>,
}

impl RequestBuilder {
    pub(super) fn new(transport: Transport, method: Method, route: &'static str) -> Self {
        let idempotent = matches!(
            method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        );
        Self {
            transport,
            method,
            route,
            params: Vec::new(),
            query: None,
            headers: HeaderMap::new(),
            content_type: None,
            body: None,
            timeout: None,
            idempotent,
            login: false,
            sensitive: false,
            redactor: Redactor::default(),
            problem: None,
        }
    }

    /// Fills the `{name}` part of the route with `value`, encoded as one path segment (a `/`
    /// in it cannot change the path).
    pub fn path_param(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.params.push((name, value.into()));
        self
    }

    /// Adds query parameters, serialized from `query` (a struct, a map, or pairs).
    pub fn query<T: Serialize + ?Sized>(mut self, query: &T) -> Self {
        match serde_urlencoded::to_string(query) {
            Ok(encoded) if encoded.is_empty() => {}
            Ok(encoded) => {
                self.query = Some(match self.query.take() {
                    Some(existing) => format!("{existing}&{encoded}"),
                    None => encoded,
                });
            }
            Err(err) => self.fail(Error::invalid_input(format!(
                "cannot encode the query: {err}"
            ))),
        }
        self
    }

    /// Sends `body` as JSON. Its fields serialized with
    /// [`serialize_exposed`](crate::secret::serialize_exposed) are redacted from the answer's
    /// error messages and snippets.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        let (encoded, secrets) = capture::secrets_of(|| serde_json::to_vec(body));
        self.note_secrets(secrets);
        match encoded {
            Ok(bytes) => self.set_body(bytes, "application/json"),
            Err(err) => self.fail(Error::invalid_input(format!(
                "cannot encode the body: {err}"
            ))),
        }
        self
    }

    /// Sends `body` as `application/x-www-form-urlencoded`; its secrets are redacted as
    /// [`json`](Self::json)'s are.
    pub fn form<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        let (encoded, secrets) = capture::secrets_of(|| serde_urlencoded::to_string(body));
        self.note_secrets(secrets);
        match encoded {
            Ok(encoded) => self.set_body(encoded.into_bytes(), "application/x-www-form-urlencoded"),
            Err(err) => self.fail(Error::invalid_input(format!(
                "cannot encode the form: {err}"
            ))),
        }
        self
    }

    /// Sends `body` as is, with this content type.
    pub fn body(mut self, body: impl Into<Bytes>, content_type: &'static str) -> Self {
        self.set_body(body.into(), content_type);
        self
    }

    /// Authorizes the request with `session`'s token, the way its scheme says.
    pub fn auth(mut self, session: &Session) -> Self {
        if let Some((name, value)) = session.auth_header() {
            self.put_header(name, value);
        }
        self
    }

    /// Adds a header. A value that is not a valid header is refused when sent.
    pub fn header(mut self, name: HeaderName, value: impl AsRef<str>) -> Self {
        match HeaderValue::try_from(value.as_ref()) {
            Ok(value) => self.put_header(name, value),
            Err(_) => self.fail(Error::invalid_input(format!(
                "invalid value for header {name}"
            ))),
        }
        self
    }

    /// Adds a header holding a secret, marked sensitive so no `Debug` shows it (and redacted
    /// from the answer's error messages, as every sensitive header is).
    pub fn secret_header(mut self, name: HeaderName, value: &impl SecretValue) -> Self {
        match HeaderValue::try_from(value.secret_str()) {
            Ok(mut value) => {
                value.set_sensitive(true);
                self.put_header(name, value);
            }
            Err(_) => self.fail(Error::invalid_input(format!(
                "invalid value for header {name}"
            ))),
        }
        self
    }

    /// Notes a secret the request carries in a form the transport cannot see (a body field
    /// exposed by hand, a path segment): an answer echoing it has it replaced by
    /// [`REDACTED`](super::REDACTED) in error messages and snippets. Sensitive headers and
    /// body fields serialized with [`serialize_exposed`](crate::secret::serialize_exposed)
    /// are noted without this.
    ///
    /// ```
    /// # fn main() -> omniauth_types::Result<()> {
    /// use omniauth_types::{AccessToken, ExposeSecret, transport::Transport};
    ///
    /// let token = AccessToken::new("tok-123");
    /// let transport = Transport::builder("example", "https://api.example.com")?.build()?;
    /// let request = transport
    ///     .post("/introspect")
    ///     .json(&serde_json::json!({ "token": token.expose_secret() }))
    ///     .redact(&token);
    /// # drop(request);
    /// # Ok(()) }
    /// ```
    pub fn redact(mut self, secret: &impl SecretValue) -> Self {
        self.redactor.add(secret.secret_str());
        self
    }

    /// Overrides the transport's timeout for this request (logins that hash slowly).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Overrides whether sending the request twice is harmless (by default: `GET`, `HEAD`,
    /// `PUT`, `DELETE` and `OPTIONS` are; `POST` and `PATCH` are not).
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Marks the request as a login: it is never sent twice, and its answer is sensitive.
    pub fn login(mut self) -> Self {
        self.login = true;
        self.sensitive = true;
        self
    }

    /// Marks the answer as holding secrets: decode errors keep no snippet of it.
    pub fn sensitive_response(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Sends the request and decodes a successful answer as JSON.
    ///
    /// # Errors
    /// The service decoder's error for a failed answer, [`ErrorKind::Decode`](crate::ErrorKind::Decode)
    /// for a body of the wrong shape, [`ErrorKind::Transport`](crate::ErrorKind::Transport) when
    /// no answer came.
    //
    // The `send*` methods wrap the one request future in `map`s instead of awaiting it from
    // their own `async fn`s: each async layer kept its own copy of the 300-byte builder, and the
    // caller's future grew to 4.4 KB, copied whole at every layer on every call.
    pub fn send_json<T: DeserializeOwned>(self) -> impl Future<Output = Result<T>> {
        let service = self.transport.service();
        self.send()
            .map(move |response| response?.json().map_err(|err| err.with_service(service)))
    }

    /// Sends the request and ignores the body of a successful answer.
    ///
    /// # Errors
    /// As [`send`](Self::send).
    pub fn send_empty(self) -> impl Future<Output = Result<()>> {
        self.send().map(|response| response.map(drop))
    }

    /// Sends the request; a failed answer (as the service decoder judges) is an error.
    ///
    /// # Errors
    /// The decoder's error, or a transport error.
    pub fn send(self) -> impl Future<Output = Result<Response>> {
        let decoder = self.transport.inner.decoder.clone();
        let service = self.transport.service();
        self.send_raw().map(move |response| {
            let response = response?;
            match decoder.decode(&response) {
                // A decoder may have read the body itself: the secrets go again, before anyone
                // sees the error.
                Some(err) => Err(finish(
                    err.redacted_by(&response.redactor),
                    service,
                    Some(response.status()),
                )),
                None => Ok(response),
            }
        })
    }

    /// Sends the request and returns any answer, whatever its status, for callers that read
    /// statuses themselves (a poll where 400 means "not yet", a redirect to read).
    /// Retries still apply; a `429` or `5xx` that ends the retries is returned as an answer.
    ///
    /// # Errors
    /// [`ErrorKind::Transport`](crate::ErrorKind::Transport) when no answer came,
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode) when the body is over the cap,
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a request that could
    /// not be built.
    pub fn send_raw(self) -> impl Future<Output = Result<Response>> {
        let service = self.transport.service();
        let span = tracing::debug_span!(
            "omniauth.request",
            service,
            method = %self.method,
            route = self.route,
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
        );
        self.run()
            .instrument(span)
            .map(move |result| result.map_err(|err| finish(err, service, None)))
    }

    fn set_body(&mut self, bytes: impl Into<Bytes>, content_type: &'static str) {
        self.body = Some(bytes.into());
        self.headers.remove(http::header::CONTENT_TYPE);
        self.content_type = Some(content_type);
    }

    /// Sets a header; the last content type set, by a header or a body, wins.
    fn put_header(&mut self, name: HeaderName, value: HeaderValue) {
        if name == http::header::CONTENT_TYPE {
            self.content_type = None;
        }
        self.headers.insert(name, value);
    }

    fn note_secrets(&mut self, secrets: Vec<secrecy::SecretString>) {
        self.redactor.extend(secrets);
    }

    fn fail(&mut self, err: Error) {
        self.problem.get_or_insert_with(|| Box::new(err));
    }

    fn url(&self) -> Result<Url> {
        let mut url = self.transport.base_url().clone();
        {
            let mut segments = url
                .path_segments_mut()
                .map_err(|()| Error::invalid_input("the base url cannot take a path"))?;
            segments.pop_if_empty();
            for part in self.route.split('/').filter(|part| !part.is_empty()) {
                match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                    Some(name) => {
                        let value = self
                            .params
                            .iter()
                            .find(|(n, _)| *n == name)
                            .map(|(_, value)| value.as_str())
                            .ok_or_else(|| {
                                Error::invalid_input(format!(
                                    "no value for {{{name}}} in {}",
                                    self.route
                                ))
                            })?;
                        if value.is_empty() || value == "." || value == ".." {
                            return Err(Error::invalid_input(format!(
                                "{{{name}}} must not be empty, . or .."
                            )));
                        }
                        segments.push(value);
                    }
                    None => {
                        segments.push(part);
                    }
                }
            }
        }
        url.set_query(self.query.as_deref());
        Ok(url)
    }

    // The async parts are `async move` blocks, not `async fn`s: an `async fn` keeps a second
    // copy of each argument in its future (the builder, the response), and these futures are
    // moved by value through every layer above them.
    #[allow(clippy::manual_async_fn)] // On purpose: see above.
    fn run(mut self) -> impl Future<Output = Result<Response>> {
        async move {
            if let Some(problem) = self.problem.take() {
                return Err(*problem);
            }
            let url = self.url()?;
            for value in self.headers.values().filter(|value| value.is_sensitive()) {
                if let Ok(value) = value.to_str() {
                    self.redactor.add_header(value);
                }
            }
            let redactor = Arc::new(std::mem::take(&mut self.redactor));
            let inner = self.transport.inner.clone();
            if !inner.redirects_refused && (self.login || !redactor.is_empty()) {
                return Err(Error::invalid_input(
                    "refusing to send a secret through an http client that follows redirects: \
                 build it with redirect(reqwest::redirect::Policy::none())",
                ));
            }
            let retry = &inner.retry;
            // Made at the first retry: most calls never retry, and the schedule is 120 bytes of
            // this future.
            let mut delays = None;
            let mut budget = Budget::start(inner.deadline);
            let mut attempts = 0_u32;
            loop {
                attempts += 1;
                tracing::Span::current().record("attempts", attempts);
                // Boxed, so that the future of every call without a limit does not carry the
                // limiter's wait in its size.
                if let Some(limit) = &inner.rate_limit
                    && Box::pin(tokio::time::timeout(budget.remaining(), limit.acquire()))
                        .await
                        .is_err()
                {
                    return Err(Error::new(ErrorKind::RateLimited { retry_after: None })
                        .with_message(format!(
                            "the call's {} deadline passed waiting for the client-side rate limit",
                            seconds(inner.deadline)
                        )));
                }
                let left = budget.remaining();
                let timeout = self.timeout.unwrap_or(inner.timeout);
                let limit = TryLimit {
                    timeout: timeout.min(left),
                    deadline: (left < timeout).then_some(inner.deadline),
                };
                let outcome = self.attempt(&url, &redactor, limit).await;
                let (retry_after, outcome) = match outcome {
                    Ok(response) => {
                        tracing::Span::current().record("status", response.status.as_u16());
                        if !(retryable_status(response.status) && self.idempotent && !self.login) {
                            return Ok(response);
                        }
                        (response.retry_after(), Ok(response))
                    }
                    Err(failure) => {
                        let may_retry = !self.login
                            && !failure.answered
                            && (failure.not_sent || self.idempotent);
                        if !may_retry {
                            return Err(failure.error);
                        }
                        (None, Err(failure.error))
                    }
                };
                let Some(backoff) = delays
                    .get_or_insert_with(|| Box::new(retry.backoff_delays()))
                    .next()
                else {
                    return outcome;
                };
                let Some(wait) = retry.delay_before_retry(backoff, retry_after) else {
                    return outcome;
                };
                // A wait that would pass the deadline is not waited: the caller hears now (a 429
                // becomes `RateLimited` with the server's wait).
                if wait >= budget.remaining() {
                    return outcome;
                }
                match &outcome {
                    Ok(response) => {
                        tracing::debug!(status = response.status.as_u16(), ?wait, "retrying");
                    }
                    Err(err) => tracing::debug!(error = %err, ?wait, "retrying"),
                }
                budget.sleep(retry, wait).await;
            }
        }
    }

    #[allow(clippy::manual_async_fn)] // As `run`: no doubled arguments.
    fn attempt(
        &self,
        url: &Url,
        redactor: &Arc<Redactor>,
        limit: TryLimit,
    ) -> impl Future<Output = Result<Response, Failure>> {
        async move {
            let inner = &self.transport.inner;
            let mut request = inner.http.request(self.method.clone(), url.clone());
            if !self.headers.is_empty() {
                request = request.headers(self.headers.clone());
            }
            if let Some(content_type) = self.content_type {
                request = request.header(
                    http::header::CONTENT_TYPE,
                    HeaderValue::from_static(content_type),
                );
            }
            let mut request = request
                .header(http::header::USER_AGENT, inner.user_agent.clone())
                .timeout(limit.timeout);
            if let Some(body) = &self.body {
                request = request.body(body.clone());
            }
            let mut response = request.send().await.map_err(|err| Failure {
                not_sent: err.is_connect(),
                answered: false,
                error: transport_error(err, limit),
            })?;
            let status = response.status();
            let headers = std::mem::take(response.headers_mut());
            // Lent, not moved: a moved response would sit in this future twice.
            let body = read_capped(
                &mut response,
                inner.max_response_bytes,
                self.sensitive,
                redactor,
                limit,
            )
            .await?;
            Ok(Response {
                status,
                headers,
                body,
                route: self.route,
                sensitive: self.sensitive,
                redactor: redactor.clone(),
            })
        }
    }
}

impl fmt::Debug for RequestBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Headers are sensitive-marked where they hold secrets; the body is never shown.
        f.debug_struct("RequestBuilder")
            .field("service", &self.transport.service())
            .field("method", &self.method)
            .field("route", &self.route)
            .field("headers", &self.headers)
            .field("content_type", &self.content_type)
            .field("body_len", &self.body.as_ref().map(Bytes::len))
            .field("login", &self.login)
            .finish_non_exhaustive()
    }
}

/// A try that got no usable answer, and whether the request never left.
struct Failure {
    not_sent: bool,
    /// The server answered, and the answer itself is the problem (over the size cap): sending
    /// again would fetch the same answer.
    answered: bool,
    error: Error,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self {
            not_sent: false,
            answered: false,
            error,
        }
    }
}

#[allow(clippy::manual_async_fn)] // As `run`: no doubled arguments.
fn read_capped(
    response: &mut reqwest::Response,
    cap: usize,
    sensitive: bool,
    redactor: &Redactor,
    limit: TryLimit,
) -> impl Future<Output = Result<Bytes, Failure>> {
    async move {
        let status = response.status();
        let too_large = |len: u64, start: &[u8]| {
            let err = if sensitive {
                Error::decode_withheld(Some(status), start.len())
            } else {
                Error::decode(
                    Some(status),
                    &redactor.redact_start(start, crate::error::SNIPPET_LIMIT),
                )
            };
            Failure {
                not_sent: false,
                answered: true,
                error: err.with_message(format!(
                    "the response body ({len} bytes or more) exceeds the {cap}-byte cap"
                )),
            }
        };
        if let Some(len) = response.content_length().filter(|len| *len > cap as u64) {
            return Err(too_large(len, &[]));
        }
        // Most answers arrive in one chunk: keep it as is, and copy only when a second one comes.
        let mut first: Option<Bytes> = None;
        let mut body = BytesMut::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let held = first.as_ref().map_or(0, Bytes::len) + body.len();
                    if held + chunk.len() > cap {
                        if let Some(first) = first.take() {
                            body.extend_from_slice(&first);
                        }
                        body.extend_from_slice(&chunk);
                        return Err(too_large(body.len() as u64, &body));
                    }
                    match first.take() {
                        None if body.is_empty() => first = Some(chunk),
                        None => body.extend_from_slice(&chunk),
                        Some(earlier) => {
                            body.extend_from_slice(&earlier);
                            body.extend_from_slice(&chunk);
                        }
                    }
                }
                Ok(None) => return Ok(first.unwrap_or_else(|| body.freeze())),
                Err(err) => {
                    return Err(Failure::from(
                        transport_error(err, limit).with_status(status),
                    ));
                }
            }
        }
    }
}

fn finish(err: Error, service: &'static str, status: Option<StatusCode>) -> Error {
    let err = if err.service().is_none() {
        err.with_service(service)
    } else {
        err
    };
    match (err.status(), status) {
        (None, Some(status)) => err.with_status(status),
        _ => err,
    }
}
