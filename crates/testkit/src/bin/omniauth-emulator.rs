//! `omniauth-emulator`: the omniauth-testkit emulators as a standalone server, for tests in
//! any language. See the crate README for the seed file and the control API.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use omniauth_testkit::Behaviour;
use omniauth_testkit::burgerauth::Dialect;
use omniauth_testkit::standalone::{Options, Seed, ServiceName, start};

/// Serves the Resonite, Burgerauth, GoScrobble and email-link emulators on loopback, seeded
/// with known accounts, with a control API under /__omniauth/.
#[derive(Debug, Parser)]
#[command(name = "omniauth-emulator", version)]
struct Args {
    /// The services to serve, each on its own port.
    #[arg(required = true, value_name = "SERVICE", value_parser = parse_service)]
    services: Vec<ServiceName>,
    /// A port per service, in the order of the services (0 or missing: a free port).
    #[arg(long = "port", value_name = "N")]
    ports: Vec<u16>,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Allows a --host that is not loopback (the emulators have no real security).
    #[arg(long)]
    allow_remote: bool,
    /// A JSON seed file (default: the built-in demo accounts).
    #[arg(long, value_name = "FILE")]
    seed: Option<PathBuf>,
    /// Play the real servers' bugs or their documented behaviour (Burgerauth).
    #[arg(long, default_value = "real", value_parser = parse_behaviour)]
    behaviour: Behaviour,
    /// The Burgerauth build: 1.3, 1.2 (GET /api/auth) or 1.2-post.
    #[arg(long, default_value = "1.3", value_parser = parse_dialect)]
    dialect: Dialect,
    /// Writes {"SERVICE": "URL", ...} here once every listener is up.
    #[arg(long, value_name = "PATH")]
    ready_file: Option<PathBuf>,
}

fn parse_service(text: &str) -> Result<ServiceName, String> {
    text.parse()
}

fn parse_behaviour(text: &str) -> Result<Behaviour, String> {
    text.parse()
        .map_err(|err: omniauth_testkit::UnknownBehaviour| err.to_string())
}

fn parse_dialect(text: &str) -> Result<Dialect, String> {
    match text {
        "1.3" => Ok(Dialect::V1_3),
        "1.2" => Ok(Dialect::V1_2),
        "1.2-post" => Ok(Dialect::V1_2Post),
        other => Err(format!(
            "unknown dialect {other:?}: expected 1.3, 1.2 or 1.2-post"
        )),
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("omniauth-emulator: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    if !args.host.is_loopback() && !args.allow_remote {
        return Err(format!(
            "refusing to listen on {}: the emulators are for tests, give --allow-remote to expose them",
            args.host
        ));
    }
    let seed = match &args.seed {
        Some(path) => Seed::load(path).map_err(|err| err.to_string())?,
        None => Seed::default_seed(),
    };
    let mut options = Options::new(args.services);
    options.ports = args.ports;
    options.host = args.host;
    options.behaviour = args.behaviour;
    options.dialect = args.dialect;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|err| format!("cannot start the runtime: {err}"))?;
    runtime.block_on(async move {
        let emulators = start(&options, &seed)
            .await
            .map_err(|err| err.to_string())?;
        print!("{}", emulators.lines());
        // A runner reading stdout through a pipe needs the lines now, not at exit.
        std::io::Write::flush(&mut std::io::stdout()).map_err(|err| err.to_string())?;
        if let Some(path) = &args.ready_file {
            emulators
                .write_ready_file(path)
                .map_err(|err| format!("cannot write {}: {err}", path.display()))?;
        }
        stopped().await?;
        drop(emulators);
        Ok(())
    })
}

/// Waits for SIGINT or SIGTERM (Ctrl-C elsewhere).
async fn stopped() -> Result<(), String> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).map_err(|err| err.to_string())?;
        let mut int = signal(SignalKind::interrupt()).map_err(|err| err.to_string())?;
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.map_err(|err| err.to_string())
    }
}
