//! `omniauth`: sign in to Resonite, Burgerauth, GoScrobble or an email-link service from the
//! command line. See the README for the commands and exit codes.

mod cli;
mod commands;
mod demo;
mod device;
mod input;
mod output;
mod store;

use std::process::ExitCode;

use clap::Parser as _;

use crate::cli::{Cli, Command, ServiceArg};
use crate::commands::Out;

impl From<ServiceArg> for omniauth::Service {
    fn from(arg: ServiceArg) -> Self {
        match arg {
            ServiceArg::Resonite => Self::Resonite,
            ServiceArg::Burgerauth => Self::Burgerauth,
            ServiceArg::Goscrobble => Self::GoScrobble,
            ServiceArg::Maillink => Self::Maillink,
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return output::usage_error(&err),
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("OMNIAUTH_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::from(output::code::OTHER);
        }
    };
    let json = cli.json;
    let result = runtime.block_on(run(cli, Out { json }));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => output::fail(&err, json),
    }
}

async fn run(cli: Cli, out: Out) -> omniauth::Result<()> {
    let flag = cli.store;
    let store = move || store::open(flag);
    let settings =
        omniauth::ClientSettings::default().deadline(std::time::Duration::from_secs(cli.timeout));
    let settings = &settings;
    match cli.command {
        Command::Login(args) => commands::login(args, store()?, out, settings).await,
        Command::Register(args) => commands::register(args, store()?, out, settings).await,
        Command::Token(args) => commands::token(args, store()?, out, settings).await,
        Command::Whoami(args) => commands::whoami(args, store()?, out, settings).await,
        Command::Logout(args) => commands::logout(args, store()?, out, settings).await,
        Command::Status => commands::status(store()?, out).await,
        Command::Demo => demo::run().await,
    }
}
