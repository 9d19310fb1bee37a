//! Statistics and health: `GET /stats/onlineStats`, `GET /testing/ping`.

use omniauth_types::Result;

use crate::client::Client;
use crate::error::CallKind;
use crate::model::OnlineStats;

impl Client {
    /// The online statistics: `GET /stats/onlineStats` (no auth).
    ///
    /// # Errors
    /// The server's answers, decode and transport errors.
    #[tracing::instrument(skip_all)]
    pub async fn online_stats(&self) -> Result<OnlineStats> {
        self.fetch(self.transport().get("/stats/onlineStats"), CallKind::Public)
            .await
    }

    /// The health ping: `GET /testing/ping`; `Ok` for any 2xx (the body is not read).
    ///
    /// # Errors
    /// The server's answers and transport errors.
    #[tracing::instrument(skip_all)]
    pub async fn ping(&self) -> Result<()> {
        self.exchange(self.transport().get("/testing/ping"), CallKind::Public)
            .await
            .map(drop)
    }
}
