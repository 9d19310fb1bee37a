//! What the CLI prints, and the exit code each error kind ends in.

use std::process::ExitCode;

use omniauth::text::sanitize;
use omniauth::{Error, ErrorKind, Session};
use serde_json::{Value, json};

/// Exit codes, as documented in the README.
pub mod code {
    /// Anything not listed below.
    pub const OTHER: u8 = 1;
    /// The command line (or an input it carried) was wrong.
    pub const USAGE: u8 = 2;
    /// The server did not accept the credentials.
    pub const INVALID_CREDENTIALS: u8 = 3;
    /// The account has a second factor and no code was given.
    pub const SECOND_FACTOR: u8 = 4;
    /// A login is waiting for the user, or ran out of time.
    pub const PENDING_OR_EXPIRED: u8 = 5;
    /// No session, or the server no longer accepts it.
    pub const UNAUTHORIZED: u8 = 6;
    /// The server asked to slow down.
    pub const RATE_LIMITED: u8 = 7;
    /// The network or the server failed.
    pub const NETWORK_OR_SERVER: u8 = 8;
}

/// The exit code an error ends the process with.
pub fn exit_code(err: &Error) -> u8 {
    match err.kind() {
        ErrorKind::InvalidInput => code::USAGE,
        ErrorKind::InvalidCredentials => code::INVALID_CREDENTIALS,
        ErrorKind::SecondFactorRequired => code::SECOND_FACTOR,
        ErrorKind::Pending | ErrorKind::Expired => code::PENDING_OR_EXPIRED,
        ErrorKind::Unauthorized | ErrorKind::Forbidden => code::UNAUTHORIZED,
        ErrorKind::RateLimited { .. } => code::RATE_LIMITED,
        ErrorKind::Transport | ErrorKind::Api { .. } | ErrorKind::Decode { .. } => {
            code::NETWORK_OR_SERVER
        }
        _ => code::OTHER,
    }
}

/// The kind's name as printed (`invalid_credentials`, `rate_limited`, …).
pub fn kind_name(err: &Error) -> &'static str {
    match err.kind() {
        ErrorKind::InvalidCredentials => "invalid_credentials",
        ErrorKind::SecondFactorRequired => "second_factor_required",
        ErrorKind::AccountExists => "account_exists",
        ErrorKind::Unauthorized => "unauthorized",
        ErrorKind::Forbidden => "forbidden",
        ErrorKind::NotFound => "not_found",
        ErrorKind::RateLimited { .. } => "rate_limited",
        ErrorKind::Pending => "pending",
        ErrorKind::Expired => "expired",
        ErrorKind::InvalidInput => "invalid_input",
        ErrorKind::Unsupported => "unsupported",
        ErrorKind::Api { .. } => "api",
        ErrorKind::Decode { .. } => "decode",
        ErrorKind::Transport => "transport",
        ErrorKind::Store => "store",
        _ => "error",
    }
}

/// Reports `err` (stderr always; stdout too with `--json`) and returns the exit code. A
/// timeout is said in the CLI's own words (kind `timeout`, exit code 8).
pub fn fail(err: &Error, json_mode: bool) -> ExitCode {
    // `Error`'s Display already escapes server text and stays on one line.
    let (kind, message) = if err.is_timeout() {
        (
            "timeout",
            format!("the server did not answer in time ({err}); --timeout SECS waits longer"),
        )
    } else {
        (kind_name(err), err.to_string())
    };
    eprintln!("error: {kind}: {message}");
    if json_mode {
        println!("{}", json!({"error": {"kind": kind, "message": message}}));
    }
    ExitCode::from(exit_code(err))
}

/// Reports a command line clap refused: its text on stderr, and with `--json` anywhere on
/// the command line a JSON error on stdout (kind `usage`); `--help` and `--version` print as
/// usual.
pub fn usage_error(err: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind as Clap;
    if matches!(
        err.kind(),
        Clap::DisplayHelp | Clap::DisplayVersion | Clap::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = err.print();
        return ExitCode::from(if err.use_stderr() { code::USAGE } else { 0 });
    }
    let _ = err.print();
    if std::env::args_os().any(|a| a == "--json") {
        let text = err.render().to_string();
        let message = text
            .lines()
            .next()
            .unwrap_or_default()
            .trim_start_matches("error: ")
            .to_owned();
        println!(
            "{}",
            json!({"error": {"kind": "usage", "message": message}})
        );
    }
    ExitCode::from(code::USAGE)
}

/// The `whoami` object of a session: no secret in it.
pub fn session_json(service: &str, account: &str, session: &Session) -> Value {
    json!({
        "service": service,
        "account": account,
        "user_id": session.user_id(),
        "username": session.username(),
        "expires_at": session.expires_at().map(|at| at.to_rfc3339()),
        // Burgerauth's wire dialect ("1.2" or "1.3"); null for the other services.
        "dialect": session.extra("dialect"),
    })
}

/// One line for people: service, account, user and expiry. The user's name and id come from
/// the server: control characters in them are shown escaped (`--json` keeps them exact).
pub fn session_line(service: &str, account: &str, session: &Session) -> String {
    let user = match session.username() {
        Some(name) => format!("{} ({})", sanitize(name), sanitize(session.user_id())),
        None => sanitize(session.user_id()),
    };
    let account = sanitize(account);
    let expiry = match session.expires_at() {
        Some(at) if at <= chrono::Utc::now() => format!("expired {}", at.to_rfc3339()),
        Some(at) => format!("expires {}", at.to_rfc3339()),
        None => "no known expiry".to_owned(),
    };
    format!("{service}/{account}: {user}, {expiry}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use omniauth::{AccessToken, TokenScheme};

    #[test]
    fn every_documented_exit_code_has_its_kind() {
        let cases = [
            (ErrorKind::InvalidCredentials, 3),
            (ErrorKind::SecondFactorRequired, 4),
            (ErrorKind::Pending, 5),
            (ErrorKind::Expired, 5),
            (ErrorKind::Unauthorized, 6),
            (ErrorKind::RateLimited { retry_after: None }, 7),
            (ErrorKind::Transport, 8),
            (
                ErrorKind::Api {
                    status: 500,
                    message: String::new(),
                },
                8,
            ),
            (ErrorKind::InvalidInput, 2),
            (ErrorKind::AccountExists, 1),
        ];
        for (kind, code) in cases {
            assert_eq!(exit_code(&Error::new(kind.clone())), code, "{kind:?}");
        }
    }

    #[test]
    fn session_output_holds_no_secret() {
        let session = Session::new(
            "goscrobble",
            "u-1",
            AccessToken::new("secret-jwt"),
            TokenScheme::Bearer,
        )
        .with_username("alice");
        let json = session_json("goscrobble", "default", &session).to_string();
        assert!(json.contains("\"user_id\":\"u-1\"") && !json.contains("secret-jwt"));
        let line = session_line("goscrobble", "default", &session);
        assert_eq!(line, "goscrobble/default: alice (u-1), no known expiry");
    }
}
