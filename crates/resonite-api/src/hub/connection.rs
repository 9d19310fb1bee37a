//! Opening one hub connection: the URL, the upgrade with `Authorization` and `UID`, and the
//! JSON handshake.

use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use http::{HeaderValue, header};
use omniauth_types::transport::Response;
use omniauth_types::url::{Host, Url};
use omniauth_types::{Error, Result, Session};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::{self, Message as WsMessage};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::error::{map_upgrade_refusal, transport};
use super::framing::{FrameDecoder, encode_record};
use super::protocol::{HANDSHAKE, read_handshake_answer};
use crate::device::UID_EXTRA;
use crate::{SERVICE, UID_HEADER};

pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The hub URL of an API base URL: `wss://<host>[/<base path>]/hub`, or `ws://` for a
/// loopback `http://` base (the emulator).
///
/// ```
/// use resonite_api::hub::hub_url;
/// use omniauth_types::url::Url;
///
/// let url = hub_url(&Url::parse("https://api.resonite.com").unwrap()).unwrap();
/// assert_eq!(url.as_str(), "wss://api.resonite.com/hub");
/// let local = hub_url(&Url::parse("http://127.0.0.1:8080/api/").unwrap()).unwrap();
/// assert_eq!(local.as_str(), "ws://127.0.0.1:8080/api/hub");
/// assert!(hub_url(&Url::parse("http://example.com").unwrap()).is_err());
/// ```
///
/// # Errors
/// [`ErrorKind::InvalidInput`](omniauth_types::ErrorKind::InvalidInput) for `http://` to a
/// host that is not loopback, or a scheme that is neither.
pub fn hub_url(base_url: &Url) -> Result<Url> {
    let loopback = match base_url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    let scheme = match base_url.scheme() {
        "https" => "wss",
        "http" if loopback => "ws",
        _ => {
            return Err(Error::invalid_input(
                "the hub needs an https base URL (http only for loopback)",
            )
            .with_service(SERVICE));
        }
    };
    let mut url = base_url.clone();
    url.set_query(None);
    url.set_fragment(None);
    let path = format!("{}/hub", url.path().trim_end_matches('/'));
    url.set_path(&path);
    // http → ws and https → wss are allowed by `Url` (both are "special" schemes).
    url.set_scheme(scheme).map_err(|()| {
        Error::invalid_input("the hub URL cannot be made from the base URL").with_service(SERVICE)
    })?;
    Ok(url)
}

/// Opens the socket and does the handshake. Returns the socket, the decoder (holding any
/// unfinished record) and the records that came with the handshake answer.
pub(crate) async fn open(
    url: &Url,
    session: &Session,
    user_agent: &str,
    handshake_timeout: Duration,
) -> Result<(Socket, FrameDecoder, Vec<String>)> {
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|err| transport("the hub URL is not a WebSocket URL").with_source(err))?;
    let headers = request.headers_mut();
    if let Some((name, value)) = session.auth_header() {
        headers.insert(name, value);
    }
    if let Some(uid) = session.extra(UID_EXTRA) {
        let value = HeaderValue::from_str(uid)
            .map_err(|_| Error::invalid_input("the session's UID is not a valid header"))?;
        headers.insert(UID_HEADER, value);
    }
    if let Ok(agent) = HeaderValue::from_str(user_agent) {
        headers.insert(header::USER_AGENT, agent);
    }
    let connect = tokio_tungstenite::connect_async(request);
    let (mut socket, _) = tokio::time::timeout(handshake_timeout, connect)
        .await
        .map_err(|_| transport("the hub did not accept the connection in time"))?
        .map_err(map_connect_error)?;
    socket
        .send(WsMessage::text(encode_record(HANDSHAKE)))
        .await
        .map_err(|err| transport("the hub handshake could not be sent").with_source(err))?;
    let answer = tokio::time::timeout(handshake_timeout, read_handshake(&mut socket)).await;
    let (decoder, records) =
        answer.map_err(|_| transport("the hub did not answer the handshake in time"))??;
    Ok((socket, decoder, records))
}

async fn read_handshake(socket: &mut Socket) -> Result<(FrameDecoder, Vec<String>)> {
    let mut decoder = FrameDecoder::new();
    loop {
        let frame = socket
            .next()
            .await
            .ok_or_else(|| transport("the hub closed during the handshake"))?
            .map_err(|err| {
                transport("the hub connection failed during the handshake").with_source(err)
            })?;
        let mut records = match frame {
            WsMessage::Text(text) => decoder.push(text.as_str())?,
            WsMessage::Binary(bytes) => decoder.push_bytes(&bytes)?,
            WsMessage::Close(_) => return Err(transport("the hub closed during the handshake")),
            _ => continue,
        };
        if records.is_empty() {
            continue;
        }
        let answer = records.remove(0);
        read_handshake_answer(&answer)?;
        return Ok((decoder, records));
    }
}

fn map_connect_error(err: tungstenite::Error) -> Error {
    match err {
        tungstenite::Error::Http(response) => {
            let (parts, body) = response.into_parts();
            let body = body.map(|b| String::from_utf8_lossy(&b).into_owned());
            map_upgrade_refusal(&Response::new(
                parts.status,
                parts.headers,
                body.unwrap_or_default(),
            ))
        }
        other => transport("the hub connection could not be opened").with_source(other),
    }
}
