//! The command line, as clap reads it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Sign in to Resonite, Burgerauth, GoScrobble or an email-link service, keep the sessions,
/// and print fresh tokens for scripts.
#[derive(Debug, Parser)]
#[command(name = "omniauth", version, about, max_term_width = 100)]
pub struct Cli {
    /// The session store file (default: `$OMNIAUTH_STORE`, else `<config dir>/omniauth/sessions.json`).
    #[arg(long, global = true, value_name = "PATH")]
    pub store: Option<PathBuf>,

    /// Print machine-readable JSON on stdout.
    #[arg(long, global = true)]
    pub json: bool,

    /// The longest one call to a server may take, retries and waits included.
    #[arg(long, global = true, value_name = "SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,

    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Log in and store the session.
    Login(LoginArgs),
    /// Create an account (and store the session where the service signs in at once).
    Register(RegisterArgs),
    /// Print a valid access token, refreshing first if needed.
    Token(AccountArgs),
    /// Show the user of the stored session (asks the server where it can).
    Whoami(AccountArgs),
    /// Log out on the server and forget the session.
    Logout(AccountArgs),
    /// List every stored session: service, account, user, expiry.
    Status,
    /// Start the four emulators in-process and run every flow against them (no network).
    Demo,
}

/// The services the CLI speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ServiceArg {
    /// The Resonite cloud API.
    Resonite,
    /// A Burgerauth server (self-hosted: needs --base-url).
    Burgerauth,
    /// A GoScrobble server (self-hosted: needs --base-url).
    Goscrobble,
    /// An email-link login service (self-hosted: needs --base-url).
    Maillink,
}

/// Which Burgerauth dialect to speak (`--dialect`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum DialectArg {
    /// Ask the server (`/api/version`) on first contact.
    #[default]
    Auto,
    /// The Python server 1.2 (both its GET-authorization HEAD build and the older POST one).
    #[value(name = "1.2")]
    V1_2,
    /// The Go server 1.3.
    #[value(name = "1.3")]
    V1_3,
}

/// Which stored session.
#[derive(Debug, Args)]
pub struct AccountArgs {
    /// The service.
    pub service: ServiceArg,
    /// The account name the session is stored under.
    #[arg(long, default_value = "default")]
    pub account: String,
}

/// `login`'s options.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The service.
    pub service: ServiceArg,
    /// The server's base URL, required for the self-hosted services: Burgerauth
    /// `https://auth.example.org`, GoScrobble its site `https://scrobble.example.org` or its
    /// API root `…/api/v1`, email-link `https://login.example.org`.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// The account name to store the session under.
    #[arg(long, default_value = "default")]
    pub account: String,
    /// The username (or the email for services that take either).
    #[arg(long)]
    pub username: Option<String>,
    /// The email address (email-link logins take both).
    #[arg(long)]
    pub email: Option<String>,
    /// Burgerauth only: the server's dialect; stored with the session for later commands.
    #[arg(long, value_enum, default_value_t = DialectArg::Auto)]
    pub dialect: DialectArg,
    /// Read the password from the first line of stdin (at most 4096 bytes) instead of a
    /// prompt.
    #[arg(long)]
    pub password_stdin: bool,
    /// A TOTP or recovery code on the command line, where other users can read it: prefer
    /// `--totp-stdin`, `$OMNIAUTH_TOTP`, or the prompt on the terminal.
    #[arg(long, value_name = "CODE")]
    pub totp: Option<String>,
    /// Read the TOTP or recovery code from the next line of stdin (after the password with
    /// `--password-stdin`).
    #[arg(long, conflicts_with = "totp")]
    pub totp_stdin: bool,
    /// Stop waiting for an email confirmation after this many seconds.
    #[arg(long, value_name = "SECS")]
    pub wait: Option<u64>,
}

/// `register`'s options.
#[derive(Debug, Args)]
pub struct RegisterArgs {
    /// The service.
    pub service: ServiceArg,
    /// The server's base URL, required for the self-hosted services: Burgerauth
    /// `https://auth.example.org`, GoScrobble its site `https://scrobble.example.org` or its
    /// API root `…/api/v1`, email-link `https://login.example.org`.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// The account name to store the session under.
    #[arg(long, default_value = "default")]
    pub account: String,
    /// The username.
    #[arg(long)]
    pub username: String,
    /// The email address.
    #[arg(long)]
    pub email: Option<String>,
    /// Burgerauth only: the server's dialect; stored with the session for later commands.
    #[arg(long, value_enum, default_value_t = DialectArg::Auto)]
    pub dialect: DialectArg,
    /// Read the password from the first line of stdin (at most 4096 bytes) instead of a
    /// prompt.
    #[arg(long)]
    pub password_stdin: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_flags_go_anywhere() {
        let parsed = Cli::try_parse_from([
            "omniauth",
            "login",
            "maillink",
            "--username",
            "a",
            "--email",
            "b",
            "--json",
        ]);
        assert!(parsed.unwrap().json);
        let parsed = Cli::try_parse_from([
            "omniauth",
            "--json",
            "token",
            "resonite",
            "--account",
            "work",
        ])
        .unwrap();
        assert!(parsed.json);
        assert!(matches!(
            parsed.command,
            Command::Token(AccountArgs {
                service: ServiceArg::Resonite,
                ..
            })
        ));
    }
}
