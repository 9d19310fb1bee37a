//! One request: built, sent (and retried where safe), read within the cap, and checked.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::FutureExt as _;
use http::{HeaderName, HeaderValue, Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument as _;
use tracing::instrument::Instrumented;
use url::Url;

use super::cause::{TryLimit, transport_error};
use super::limit::RateLimit;
use super::redact::Redactor;
use super::retry::{Budget, retryable_status};
use super::{ErrorDecoder, Response, Transport};
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
    /// A list, not a `HeaderMap`: a request has one or two, and the map is 96 bytes of every
    /// request future and two allocations for its first header.
    headers: Vec<(HeaderName, HeaderValue)>,
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
            headers: Vec::new(),
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
        let (service, decoder) = (self.transport.service(), self.decoder());
        self.traced_run().map(move |result| {
            checked(result, service, &decoder)?
                .json()
                .map_err(|err| err.with_service(service))
        })
    }

    /// Sends the request and ignores the body of a successful answer.
    ///
    /// # Errors
    /// As [`send`](Self::send).
    pub fn send_empty(self) -> impl Future<Output = Result<()>> {
        let (service, decoder) = (self.transport.service(), self.decoder());
        self.traced_run()
            .map(move |result| checked(result, service, &decoder).map(drop))
    }

    /// Sends the request; a failed answer (as the service decoder judges) is an error.
    ///
    /// # Errors
    /// The decoder's error, or a transport error.
    pub fn send(self) -> impl Future<Output = Result<Response>> {
        let (service, decoder) = (self.transport.service(), self.decoder());
        self.traced_run()
            .map(move |result| checked(result, service, &decoder))
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
        self.traced_run()
            .map(move |result| result.map_err(|err| finish(err, service, None)))
    }

    fn decoder(&self) -> Arc<dyn ErrorDecoder> {
        self.transport.inner.decoder.clone()
    }

    /// The request's tries inside its span. Each `send*` adds its checks in a single `map` on
    /// this: one layer of polling a call, not one for each check.
    fn traced_run(self) -> Instrumented<impl Future<Output = Result<Response>>> {
        let span = tracing::debug_span!(
            "omniauth.request",
            service = self.transport.service(),
            method = %self.method,
            route = self.route,
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
        );
        self.run().instrument(span)
    }

    fn set_body(&mut self, bytes: impl Into<Bytes>, content_type: &'static str) {
        self.body = Some(bytes.into());
        self.headers
            .retain(|(name, _)| name != http::header::CONTENT_TYPE);
        self.content_type = Some(content_type);
    }

    /// Sets a header; the last content type set, by a header or a body, wins.
    fn put_header(&mut self, name: HeaderName, value: HeaderValue) {
        if name == http::header::CONTENT_TYPE {
            self.content_type = None;
        }
        match self.headers.iter_mut().find(|(held, _)| *held == name) {
            Some(held) => held.1 = value,
            None => self.headers.push((name, value)),
        }
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
    // moved by value through every layer above them. What only a failure or a retry needs is in
    // functions of their own, out of line (`prepare`, `next_try`, `Failure`'s constructors): a
    // call that succeeds at once runs less code, and touches fewer cache lines of it.
    #[allow(clippy::manual_async_fn)] // On purpose: see above.
    fn run(mut self) -> impl Future<Output = Result<Response>> {
        async move {
            let redactor = self.prepare()?;
            let inner = &self.transport.inner;
            // Made at the first retry: most calls never retry, and the schedule is 120 bytes of
            // this future.
            let mut delays = None;
            let mut budget = Budget::start(inner.deadline);
            let mut attempts = 0_u32;
            loop {
                attempts += 1;
                let outcome = match self.attempt(&redactor, &budget, attempts).await {
                    Ok(response)
                        if !(retryable_status(response.status)
                            && self.idempotent
                            && !self.login) =>
                    {
                        return Ok(response);
                    }
                    other => other,
                };
                match self.next_try(outcome, &mut delays, &budget) {
                    NextTry::After(wait) => budget.sleep(&inner.retry, wait).await,
                    NextTry::Done(result) => return result,
                }
            }
        }
    }

    /// What a request needs before its first try: every secret it carries noted for
    /// redaction. Refuses a request built wrong, or a secret bound for a client that follows
    /// redirects.
    #[inline(never)]
    fn prepare(&mut self) -> Result<Arc<Redactor>> {
        if let Some(problem) = self.problem.take() {
            return Err(*problem);
        }
        for (_, value) in self
            .headers
            .iter()
            .filter(|(_, value)| value.is_sensitive())
        {
            if let Ok(value) = value.to_str() {
                self.redactor.add_header(value);
            }
        }
        let redactor = Arc::new(std::mem::take(&mut self.redactor));
        if !self.transport.inner.redirects_refused && (self.login || !redactor.is_empty()) {
            return Err(Error::invalid_input(
                "refusing to send a secret through an http client that follows redirects: \
                 build it with redirect(reqwest::redirect::Policy::none())",
            ));
        }
        Ok(redactor)
    }

    /// After a try that failed, or whose answer may be retried (a `429` or `5xx` to a request
    /// safe to send twice): wait and try again, or end the call with this outcome.
    #[cold]
    #[inline(never)]
    fn next_try(
        &self,
        outcome: Result<Response, Failure>,
        delays: &mut Option<Box<dyn Iterator<Item = Duration> + Send>>,
        budget: &Budget,
    ) -> NextTry {
        let retry = &self.transport.inner.retry;
        let (retry_after, outcome) = match outcome {
            Ok(response) => (response.retry_after(), Ok(response)),
            Err(failure) => {
                let may_retry =
                    !self.login && !failure.settled && (failure.not_sent || self.idempotent);
                if !may_retry {
                    return NextTry::Done(Err(failure.error));
                }
                (None, Err(failure.error))
            }
        };
        let Some(backoff) = delays
            .get_or_insert_with(|| Box::new(retry.backoff_delays()))
            .next()
        else {
            return NextTry::Done(outcome);
        };
        let Some(wait) = retry.delay_before_retry(backoff, retry_after) else {
            return NextTry::Done(outcome);
        };
        // A wait that would pass the deadline is not waited: the caller hears now (a 429
        // becomes `RateLimited` with the server's wait).
        if wait >= budget.remaining() {
            return NextTry::Done(outcome);
        }
        match &outcome {
            Ok(response) => {
                tracing::debug!(status = response.status.as_u16(), ?wait, "retrying");
            }
            Err(err) => tracing::debug!(error = %err, ?wait, "retrying"),
        }
        NextTry::After(wait)
    }

    /// One try: the URL built, the client-side rate limit waited for, the request sent within
    /// what is left of the call's deadline, and the whole answer read. The URL is made here, not
    /// once for all tries, so that it is moved into the request instead of kept across it.
    #[allow(clippy::manual_async_fn)] // As `run`: no doubled arguments.
    fn attempt(
        &self,
        redactor: &Arc<Redactor>,
        budget: &Budget,
        attempts: u32,
    ) -> impl Future<Output = Result<Response, Failure>> {
        async move {
            let inner = &self.transport.inner;
            record_on_span("attempts", attempts);
            let url = self.url().map_err(Failure::unsendable)?;
            if let Some(limit) = &inner.rate_limit {
                wait_for_rate_limit(limit, budget, inner.deadline).await?;
            }
            let left = budget.remaining();
            let timeout = self.timeout.unwrap_or(inner.timeout);
            let limit = TryLimit {
                timeout: timeout.min(left),
                deadline: (left < timeout).then_some(inner.deadline),
            };
            let mut response = inner
                .http
                .execute(self.reqwest_request(url, limit))
                .await
                .map_err(|err| Failure::unanswered(err, limit))?;
            let status = response.status();
            record_on_span("status", status.as_u16());
            // Lent, not moved: a moved response would sit in this future twice. Its headers are
            // taken after the body, so that they are not a second copy kept across the read.
            let body = read_capped(
                &mut response,
                inner.max_response_bytes,
                self.sensitive,
                redactor,
                limit,
            )
            .await?;
            let headers = std::mem::take(response.headers_mut());
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

    /// One try's request, built as `reqwest::Request` directly: its builder would check
    /// again, one by one, the headers this builder has already checked (and would move URL
    /// credentials into a header, which a base URL cannot carry here). A user agent set on the
    /// request wins over the transport's.
    fn reqwest_request(&self, url: Url, limit: TryLimit) -> reqwest::Request {
        let inner = &self.transport.inner;
        let mut request = reqwest::Request::new(self.method.clone(), url);
        let headers = request.headers_mut();
        for (name, value) in &self.headers {
            headers.insert(name.clone(), value.clone());
        }
        if let Some(content_type) = self.content_type {
            headers.insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static(content_type),
            );
        }
        headers
            .entry(http::header::USER_AGENT)
            .or_insert_with(|| inner.user_agent.clone());
        *request.timeout_mut() = Some(limit.timeout);
        if let Some(body) = &self.body {
            *request.body_mut() = Some(body.clone().into());
        }
        request
    }
}

/// What follows a try that did not end the call by itself.
enum NextTry {
    /// Try again after this wait.
    After(Duration),
    /// The call's result.
    Done(Result<Response>),
}

/// Records `value` on the request's span. The span is at `DEBUG`: below that level it is
/// disabled, and the span is not even looked up.
fn record_on_span(field: &str, value: impl tracing::Value) {
    if tracing::level_enabled!(tracing::Level::DEBUG) {
        tracing::Span::current().record(field, value);
    }
}

/// Waits for the client-side rate limit, within what is left of the call's deadline. Boxed,
/// so that the future of every call without a limit does not carry the limiter's wait in its
/// size.
async fn wait_for_rate_limit(
    limit: &RateLimit,
    budget: &Budget,
    deadline: Duration,
) -> Result<(), Failure> {
    if Box::pin(tokio::time::timeout(budget.remaining(), limit.acquire()))
        .await
        .is_err()
    {
        return Err(Failure::rate_limit_deadline(deadline));
    }
    Ok(())
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
    /// Trying again cannot change the outcome: the request cannot be built, the answer itself is
    /// the problem (over the size cap, so sending again would fetch the same answer), or the
    /// deadline passed waiting for the rate limit.
    settled: bool,
    error: Error,
}

impl Failure {
    /// No answer came: the request may not even have left (a refused connection).
    #[cold]
    #[inline(never)]
    fn unanswered(err: reqwest::Error, limit: TryLimit) -> Self {
        Self {
            not_sent: err.is_connect(),
            settled: false,
            error: transport_error(err, limit),
        }
    }

    /// The request cannot be built (a path parameter missing or empty): nothing was sent.
    #[cold]
    #[inline(never)]
    fn unsendable(error: Error) -> Self {
        Self {
            not_sent: true,
            settled: true,
            error,
        }
    }

    /// The call's deadline passed while it waited for the client-side rate limit.
    #[cold]
    #[inline(never)]
    fn rate_limit_deadline(deadline: Duration) -> Self {
        Self {
            not_sent: true,
            settled: true,
            error: Error::new(ErrorKind::RateLimited { retry_after: None }).with_message(format!(
                "the call's {} deadline passed waiting for the client-side rate limit",
                seconds(deadline)
            )),
        }
    }

    /// The answer broke off while its body was read.
    #[cold]
    #[inline(never)]
    fn body_broken(err: reqwest::Error, limit: TryLimit, status: StatusCode) -> Self {
        Self {
            not_sent: false,
            settled: false,
            error: transport_error(err, limit).with_status(status),
        }
    }

    /// The answer is over the size cap; `start` is what was read of it.
    #[cold]
    #[inline(never)]
    fn too_large(
        status: StatusCode,
        len: u64,
        start: &[u8],
        cap: usize,
        sensitive: bool,
        redactor: &Redactor,
    ) -> Self {
        let err = if sensitive {
            Error::decode_withheld(Some(status), start.len())
        } else {
            Error::decode(
                Some(status),
                &redactor.redact_start(start, crate::error::SNIPPET_LIMIT),
            )
        };
        Self {
            not_sent: false,
            settled: true,
            error: err.with_message(format!(
                "the response body ({len} bytes or more) exceeds the {cap}-byte cap"
            )),
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
        if let Some(len) = response.content_length().filter(|len| *len > cap as u64) {
            return Err(Failure::too_large(
                status,
                len,
                &[],
                cap,
                sensitive,
                redactor,
            ));
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
                        let len = body.len() as u64;
                        return Err(Failure::too_large(
                            status, len, &body, cap, sensitive, redactor,
                        ));
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
                Err(err) => return Err(Failure::body_broken(err, limit, status)),
            }
        }
    }
}

/// A successful answer as the service decoder judges it: its error, or a transport error, is
/// the call's error, with the service (and the status) named.
fn checked(
    result: Result<Response>,
    service: &'static str,
    decoder: &Arc<dyn ErrorDecoder>,
) -> Result<Response> {
    let response = result.map_err(|err| finish(err, service, None))?;
    match decoder.decode(&response) {
        // A decoder may have read the body itself: the secrets go again, before anyone sees
        // the error.
        Some(err) => Err(finish(
            err.redacted_by(&response.redactor),
            service,
            Some(response.status()),
        )),
        None => Ok(response),
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
