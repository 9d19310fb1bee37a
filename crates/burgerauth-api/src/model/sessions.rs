//! Sessions (secret keys) of an account.

use crate::SessionId;

/// One session of `/api/sessions/list`.
#[derive(Debug)]
#[non_exhaustive]
pub struct SessionInfo {
    /// The server's "id": on 1.3 the session's **secret key** (a server bug: listing leaks
    /// every session secret), on 1.2 the numeric row id. A secret either way.
    pub id: SessionId,
    /// Whether it is the session that asked.
    pub this_session: bool,
    /// The User-Agent it was created with.
    pub device: String,
}
