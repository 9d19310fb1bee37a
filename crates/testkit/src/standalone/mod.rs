//! The emulators as a standalone server (the `omniauth-emulator` binary): several services
//! in one process, each on its own port, seeded from a file, with a control API under
//! [`CONTROL_PREFIX`](crate::CONTROL_PREFIX).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use omniauth_testkit::standalone::{Options, Seed, ServiceName, start};
//!
//! let options = Options::new(vec![ServiceName::Maillink, ServiceName::GoScrobble]);
//! let running = start(&options, &Seed::default_seed()).await?;
//! let urls = running.urls();
//! assert_eq!(urls[0].0, ServiceName::Maillink);
//! assert!(urls[1].1.starts_with("http://127.0.0.1:"));
//! assert!(running.ready_json().starts_with("{\"maillink\":"));
//! # Ok(()) }
//! ```

mod apply;
mod control;
mod seed;

use std::fmt::{self, Write as _};
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;

use crate::Behaviour;
use crate::burgerauth::{Burgerauth, Dialect};
use crate::goscrobble::GoScrobble;
use crate::maillink::Maillink;
use crate::resonite::Resonite;

pub use seed::{
    BurgerauthAccount, BurgerauthApp, BurgerauthSeed, DEFAULT_SEED, GoScrobbleScrobble,
    GoScrobbleSeed, GoScrobbleUser, MaillinkSeed, MaillinkUser, ResoniteAccount, ResoniteContact,
    ResoniteGroup, ResoniteMessage, ResoniteRecord, ResoniteSeed, ResoniteSession, ResoniteToken,
    ResoniteVariable, ResoniteVariableValue, Seed, SeedError,
};

/// A service the binary can serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ServiceName {
    /// [`Resonite`].
    Resonite,
    /// [`Burgerauth`].
    Burgerauth,
    /// [`GoScrobble`].
    GoScrobble,
    /// [`Maillink`].
    Maillink,
}

impl ServiceName {
    /// Every service, in the order of the docs.
    pub const ALL: [Self; 4] = [
        Self::Resonite,
        Self::Burgerauth,
        Self::GoScrobble,
        Self::Maillink,
    ];

    /// The name on the command line and in the ready file: `resonite`, `burgerauth`,
    /// `goscrobble`, `maillink`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Resonite => "resonite",
            Self::Burgerauth => "burgerauth",
            Self::GoScrobble => "goscrobble",
            Self::Maillink => "maillink",
        }
    }
}

impl fmt::Display for ServiceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for ServiceName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|service| service.name() == s)
            .ok_or_else(|| {
                format!(
                    "unknown service {s:?}: expected resonite, burgerauth, goscrobble or maillink"
                )
            })
    }
}

/// How to start the services.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Options {
    /// The services, in order (each at most once).
    pub services: Vec<ServiceName>,
    /// The ports, in the order of `services`; missing or `0`: a free port.
    pub ports: Vec<u16>,
    /// The address to bind (default `127.0.0.1`).
    pub host: IpAddr,
    /// The real servers' bugs or their docs (Burgerauth only; the other emulators play the
    /// real server).
    pub behaviour: Behaviour,
    /// The Burgerauth build.
    pub dialect: Dialect,
}

impl Options {
    /// These services on free loopback ports, real behaviour, Burgerauth 1.3.
    pub fn new(services: Vec<ServiceName>) -> Self {
        Self {
            services,
            ports: Vec::new(),
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            behaviour: Behaviour::Real,
            dialect: Dialect::V1_3,
        }
    }

    fn addr(&self, index: usize) -> SocketAddr {
        SocketAddr::new(self.host, self.ports.get(index).copied().unwrap_or(0))
    }
}

/// One started emulator.
#[derive(Debug)]
enum Running {
    Resonite(Arc<Resonite>),
    Burgerauth(Arc<Burgerauth>),
    GoScrobble(Arc<GoScrobble>),
    Maillink(Arc<Maillink>),
}

impl Running {
    fn base_url(&self) -> &str {
        match self {
            Self::Resonite(e) => e.base_url(),
            Self::Burgerauth(e) => e.base_url(),
            Self::GoScrobble(e) => e.base_url(),
            Self::Maillink(e) => e.base_url(),
        }
    }
}

/// The emulators serving; dropping it stops them.
#[derive(Debug)]
pub struct Emulators {
    running: Vec<(ServiceName, Running)>,
}

/// Why the services could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum StartError {
    /// A service was named twice.
    Duplicate(ServiceName),
    /// More ports than services.
    TooManyPorts,
    /// A listener could not be bound (the port is taken) or a key generated.
    Io(ServiceName, io::Error),
    /// The seed could not be applied.
    Seed(ServiceName, String),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Duplicate(service) => write!(f, "{service} is named twice"),
            Self::TooManyPorts => f.write_str("more --port values than services"),
            Self::Io(service, err) => write!(f, "{service}: cannot start: {err}"),
            Self::Seed(service, err) => write!(f, "{service}: cannot seed: {err}"),
        }
    }
}

impl std::error::Error for StartError {}

/// Starts every service of `options` on its port, seeds it and mounts its control API.
/// Returns once every listener is bound, so the URLs are ready to be announced.
///
/// # Errors
/// A [`StartError`]; the services already started are stopped.
pub async fn start(options: &Options, seed: &Seed) -> Result<Emulators, StartError> {
    if options.ports.len() > options.services.len() {
        return Err(StartError::TooManyPorts);
    }
    let mut running = Vec::new();
    for (index, &service) in options.services.iter().enumerate() {
        if running.iter().any(|(s, _)| *s == service) {
            return Err(StartError::Duplicate(service));
        }
        let addr = options.addr(index);
        let io = |err| StartError::Io(service, err);
        let started = match service {
            ServiceName::Resonite => {
                let emulator = Arc::new(Resonite::builder().bind(addr).start().await.map_err(io)?);
                apply::resonite(&emulator, &seed.resonite);
                emulator.server().set_control(control::resonite(&emulator));
                Running::Resonite(emulator)
            }
            ServiceName::Burgerauth => {
                let emulator = Arc::new(
                    Burgerauth::builder()
                        .dialect(options.dialect)
                        .behaviour(options.behaviour)
                        .bind(addr)
                        .start()
                        .await
                        .map_err(io)?,
                );
                apply::burgerauth(&emulator, &seed.burgerauth)
                    .map_err(|err| StartError::Seed(service, err))?;
                emulator
                    .server()
                    .set_control(control::burgerauth(&emulator));
                Running::Burgerauth(emulator)
            }
            ServiceName::GoScrobble => {
                let emulator =
                    Arc::new(GoScrobble::builder().bind(addr).start().await.map_err(io)?);
                apply::goscrobble(&emulator, &seed.goscrobble);
                emulator
                    .server()
                    .set_control(control::goscrobble(&emulator));
                Running::GoScrobble(emulator)
            }
            ServiceName::Maillink => {
                let emulator = Arc::new(Maillink::builder().bind(addr).start().await.map_err(io)?);
                apply::maillink(&emulator, &seed.maillink);
                emulator.server().set_control(control::maillink(&emulator));
                Running::Maillink(emulator)
            }
        };
        running.push((service, started));
    }
    Ok(Emulators { running })
}

impl Emulators {
    /// Each service with the base URL clients are built with, in the order started.
    pub fn urls(&self) -> Vec<(ServiceName, String)> {
        self.running
            .iter()
            .map(|(service, running)| (*service, running.base_url().to_owned()))
            .collect()
    }

    /// The lines printed on stdout: `resonite http://127.0.0.1:PORT`, one a service.
    pub fn lines(&self) -> String {
        self.urls()
            .into_iter()
            .fold(String::new(), |mut out, (service, url)| {
                let _ = writeln!(out, "{service} {url}");
                out
            })
    }

    /// `{"resonite":"http://127.0.0.1:PORT",…}`, in the order started.
    pub fn ready_json(&self) -> String {
        let fields: Vec<String> = self
            .urls()
            .into_iter()
            .map(|(service, url)| {
                format!(
                    "{}:{}",
                    serde_json::Value::from(service.name()),
                    serde_json::Value::from(url)
                )
            })
            .collect();
        format!("{{{}}}", fields.join(","))
    }

    /// Writes [`ready_json`](Self::ready_json) to `path` atomically (a temporary file in the
    /// same directory, then a rename), so a reader never sees half of it.
    ///
    /// # Errors
    /// When the file cannot be written or renamed.
    pub fn write_ready_file(&self, path: &Path) -> io::Result<()> {
        let mut temporary = path.as_os_str().to_owned();
        temporary.push(format!(".{}.tmp", std::process::id()));
        let temporary = std::path::PathBuf::from(temporary);
        std::fs::write(&temporary, self.ready_json() + "\n")?;
        std::fs::rename(&temporary, path).inspect_err(|_| {
            let _ = std::fs::remove_file(&temporary);
        })
    }
}
