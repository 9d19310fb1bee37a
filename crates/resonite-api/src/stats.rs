//! Statistics and health: `GET /stats/onlineStats`, `GET /stats/cloudStats`,
//! `POST /stats/instanceOnline/{machineId}`, `GET /testing/ping`, `GET /testing/healthCheck`.

use omniauth_types::Result;

use crate::client::{Client, require_prefix};
use crate::error::CallKind;
use crate::model::{CloudStats, MachineId, OnlineStats};

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

    /// The cloud's job statistics: `GET /stats/cloudStats` (no auth).
    ///
    /// # Errors
    /// The server's answers, decode and transport errors.
    #[tracing::instrument(skip_all)]
    pub async fn cloud_stats(&self) -> Result<CloudStats> {
        self.fetch(self.transport().get("/stats/cloudStats"), CallKind::Public)
            .await
    }

    /// Tells the cloud a machine is running: `POST /stats/instanceOnline/{machineId}` (no
    /// auth, no body; the `resonite` crate's call). `Ok` for any 2xx.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](omniauth_types::ErrorKind::InvalidInput) for an empty
    /// machine id; the server's answers.
    #[tracing::instrument(skip_all)]
    pub async fn instance_online(&self, machine: &MachineId) -> Result<()> {
        require_prefix(!machine.as_str().trim().is_empty(), "the machine id")?;
        let request = self
            .transport()
            .post("/stats/instanceOnline/{machineId}")
            .path_param("machineId", machine.as_str());
        self.exchange(request, CallKind::Public).await.map(drop)
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

    /// The health check: `GET /testing/healthCheck`; `Ok` for any 2xx (how it differs from
    /// the ping is undocumented).
    ///
    /// # Errors
    /// The server's answers and transport errors.
    #[tracing::instrument(skip_all)]
    pub async fn health_check(&self) -> Result<()> {
        self.exchange(
            self.transport().get("/testing/healthCheck"),
            CallKind::Public,
        )
        .await
        .map(drop)
    }
}
