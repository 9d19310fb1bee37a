//! The commands that work on stored sessions: login, register, token, whoami, logout, status.

use std::io::IsTerminal;
use std::time::Duration;

use omniauth::{
    Authenticator, ClientSettings, Credentials, Error, ErrorKind, ExposeSecret, LoginOutcome,
    LogoutOutcome, PendingLogin, Result, Service, Session, SessionManager, burgerauth,
};
use serde_json::json;

use crate::cli::{AccountArgs, DialectArg, LoginArgs, RegisterArgs};
use crate::input;
use crate::output::{session_json, session_line};
use crate::store::{self, Store};

/// The extra under which the CLI keeps the base URL given at login.
const BASE_URL: &str = "base_url";

/// Where output goes, and in which form.
#[derive(Debug, Clone, Copy)]
pub struct Out {
    /// `--json`.
    pub json: bool,
}

impl Out {
    fn session(self, service: Service, account: &str, session: &Session) {
        if self.json {
            println!("{}", session_json(service.name(), account, session));
        } else {
            println!("{}", session_line(service.name(), account, session));
        }
    }
}

/// `omniauth login`.
pub async fn login(
    args: LoginArgs,
    store: Store,
    out: Out,
    settings: &ClientSettings,
) -> Result<()> {
    let service: Service = args.service.into();
    let authenticator = if service == Service::Resonite && args.dialect == DialectArg::Auto {
        resonite_authenticator(&store, &args.account, args.base_url.as_deref(), settings)?
    } else {
        new_session_authenticator(service, args.base_url.as_deref(), args.dialect, settings)?
    };
    let mut credentials = Credentials::default();
    if let Some(username) = &args.username {
        credentials = credentials.with_username(username);
    }
    if let Some(email) = &args.email {
        credentials = credentials.with_email(email);
    }
    if service.needs_password() {
        credentials = credentials.with_password(input::password(args.password_stdin)?);
    }
    let given = input::second_factor(input::SecondFactorSource {
        argv: args.totp.as_deref(),
        stdin: args.totp_stdin,
    })?;
    let code_given = given.is_some();
    if let Some(code) = given {
        credentials = credentials.with_totp(code);
    }
    let mut outcome = authenticator.login(&credentials).await?;
    let ask_for_code = matches!(outcome, LoginOutcome::SecondFactorRequired) && !code_given;
    if let Some(code) = ask_for_code.then(input::totp_prompt).flatten() {
        outcome = authenticator
            .login(&credentials.clone().with_totp(code))
            .await?;
    }
    let session = finish_login(outcome, args.wait).await?;
    save(
        service,
        authenticator,
        &args.account,
        session,
        args.base_url.as_deref(),
        store,
        out,
    )
    .await
}

/// `omniauth register`.
pub async fn register(
    args: RegisterArgs,
    store: Store,
    out: Out,
    settings: &ClientSettings,
) -> Result<()> {
    let service: Service = args.service.into();
    let authenticator =
        new_session_authenticator(service, args.base_url.as_deref(), args.dialect, settings)?;
    let mut credentials = Credentials::username(&args.username);
    if let Some(email) = &args.email {
        credentials = credentials.with_email(email);
    }
    if service.needs_password() {
        credentials = credentials.with_password(input::password(args.password_stdin)?);
    }
    if let LoginOutcome::Authenticated(session) = authenticator.register(&credentials).await? {
        return save(
            service,
            authenticator,
            &args.account,
            session,
            args.base_url.as_deref(),
            store,
            out,
        )
        .await;
    }
    if out.json {
        println!(
            "{}",
            json!({"service": service.name(), "account": args.account, "registered": true})
        );
    } else {
        println!(
            "{}: registered {}; now log in",
            service.name(),
            args.username
        );
    }
    Ok(())
}

/// `omniauth token`: the only command that prints a secret, because that is what it is for.
pub async fn token(
    args: AccountArgs,
    store: Store,
    out: Out,
    settings: &ClientSettings,
) -> Result<()> {
    let manager = manager(&args, store, settings).await?;
    let session = manager.session().await?;
    if out.json {
        let expires_at = session.expires_at().map(|at| at.to_rfc3339());
        println!(
            "{}",
            json!({"access_token": session.access_token().expose_secret(), "expires_at": expires_at})
        );
    } else {
        println!("{}", session.access_token().expose_secret());
    }
    Ok(())
}

/// `omniauth whoami`: refreshes an expiring session first, as `token` does, then asks the
/// server where it can.
pub async fn whoami(
    args: AccountArgs,
    store: Store,
    out: Out,
    settings: &ClientSettings,
) -> Result<()> {
    let service: Service = args.service.into();
    let manager = manager(&args, store, settings).await?;
    let session = manager.session().await?;
    if manager.authenticator().capabilities().validate {
        manager.authenticator().validate(&session).await?;
    }
    out.session(service, &args.account, &session);
    Ok(())
}

/// `omniauth logout`: says whether the server ended the session, and where it did not, that
/// the token stays valid and until when.
pub async fn logout(
    args: AccountArgs,
    store: Store,
    out: Out,
    settings: &ClientSettings,
) -> Result<()> {
    let service: Service = args.service.into();
    let outcome = manager(&args, store, settings).await?.logout().await?;
    let until = outcome.still_valid_until().map(|at| at.to_rfc3339());
    let name = format!("{}/{}", service.name(), args.account);
    if out.json {
        let (label, logged_out) = match outcome {
            LogoutOutcome::ServerEnded => ("server_ended", true),
            LogoutOutcome::AlreadyEnded => ("already_ended", true),
            LogoutOutcome::LocalOnly { .. } => ("local_only", false),
            _ => ("not_stored", false),
        };
        println!(
            "{}",
            json!({
                "service": service.name(),
                "account": args.account,
                "outcome": label,
                "logged_out": logged_out,
                "server_logout": outcome.server_logout(),
                "forgotten": true,
                "still_valid_until": until,
            })
        );
        return Ok(());
    }
    match outcome {
        LogoutOutcome::ServerEnded => println!("{name}: logged out (the server ended the session)"),
        LogoutOutcome::AlreadyEnded => {
            println!("{name}: the server had already ended this session; forgot it here");
        }
        LogoutOutcome::LocalOnly { .. } => {
            let validity = until.map_or_else(
                || "with no known expiry".to_owned(),
                |at| format!("until {at}"),
            );
            println!(
                "{name}: forgot the session on this machine only; {} offers no server logout, \
                 so its token stays valid on the server {validity}",
                service.name()
            );
        }
        _ => println!("{name}: no session was stored"),
    }
    Ok(())
}

/// `omniauth status`.
pub async fn status(store: Store, out: Out) -> Result<()> {
    let mut rows = Vec::new();
    for key in store.sessions.keys().await? {
        let (service, account) = store::split_key(&key);
        if let Some(session) = store.sessions.load(&key).await? {
            rows.push((service.to_owned(), account.to_owned(), session));
        }
    }
    if out.json {
        let list: Vec<_> = rows
            .iter()
            .map(|(s, a, session)| session_json(s, a, session))
            .collect();
        println!("{}", serde_json::Value::Array(list));
    } else if rows.is_empty() {
        println!("no stored sessions");
    } else {
        for (service, account, session) in &rows {
            println!("{}", session_line(service, account, session));
        }
    }
    Ok(())
}

/// The authenticator for a login or registration: `--dialect` fixes Burgerauth's, else the
/// facade's asks the server. Later commands read the dialect stored with the session.
fn new_session_authenticator(
    service: Service,
    base_url: Option<&str>,
    dialect: DialectArg,
    settings: &ClientSettings,
) -> Result<Box<dyn Authenticator>> {
    let fixed = match dialect {
        DialectArg::Auto => return service.authenticator_with(base_url, settings),
        DialectArg::V1_2 => burgerauth::Dialect::V1_2,
        DialectArg::V1_3 => burgerauth::Dialect::V1_3,
    };
    if service != Service::Burgerauth {
        return Err(Error::invalid_input(format!(
            "--dialect is for burgerauth only, not {}",
            service.name()
        )));
    }
    let url = base_url.ok_or_else(|| {
        Error::invalid_input("burgerauth is self-hosted: give the base URL of your server")
    })?;
    let mut builder = burgerauth::Client::builder().base_url(url).dialect(fixed);
    if let Some(deadline) = settings.deadline_value() {
        builder = builder.deadline(deadline);
    }
    let client = builder.build()?;
    Ok(Box::new(burgerauth::BurgerauthAuthenticator::new(client)))
}

/// Resonite's authenticator with the account's lasting device (see [`crate::device`]).
fn resonite_authenticator(
    store: &Store,
    account: &str,
    base_url: Option<&str>,
    settings: &ClientSettings,
) -> Result<Box<dyn Authenticator>> {
    let url = base_url
        .or(Service::Resonite.default_base_url())
        .unwrap_or_default();
    let device = crate::device::for_account(&store.devices, account)?;
    let mut builder = omniauth::resonite::Client::builder().base_url(url);
    if let Some(deadline) = settings.deadline_value() {
        builder = builder.deadline(deadline);
    }
    let client = builder.build()?;
    Ok(Box::new(
        omniauth::resonite::ResoniteAuthenticator::new(client).with_device(device),
    ))
}

/// A manager for the stored session, with the authenticator rebuilt from the stored base URL.
async fn manager(
    args: &AccountArgs,
    store: Store,
    settings: &ClientSettings,
) -> Result<SessionManager> {
    let service: Service = args.service.into();
    let key = store::key(service.name(), &args.account);
    let session = store.sessions.load(&key).await?.ok_or_else(|| {
        Error::new(ErrorKind::Unauthorized)
            .with_service(service.name())
            .with_message(format!(
                "not logged in as {:?}: run `omniauth login {}`",
                args.account,
                service.name()
            ))
    })?;
    let authenticator = service.authenticator_with(session.extra(BASE_URL), settings)?;
    Ok(SessionManager::with_shared_store(
        authenticator,
        store.sessions,
        key,
    ))
}

async fn finish_login(outcome: LoginOutcome, wait: Option<u64>) -> Result<Session> {
    match outcome {
        LoginOutcome::Authenticated(session) => Ok(session),
        LoginOutcome::SecondFactorRequired => Err(Error::new(ErrorKind::SecondFactorRequired)
            .with_message(
                "this account has a second factor: give the code with --totp-stdin, \
                 $OMNIAUTH_TOTP or --totp CODE",
            )),
        LoginOutcome::ConfirmationPending(pending) => wait_for_confirmation(&pending, wait).await,
        _ => Err(Error::new(ErrorKind::Unsupported)
            .with_message("this login outcome is not known to this CLI")),
    }
}

async fn wait_for_confirmation(pending: &PendingLogin, wait: Option<u64>) -> Result<Session> {
    eprintln!("{}", pending.instructions());
    if let Some(at) = pending.expires_at() {
        eprintln!(
            "The link works until {}. Follow only a link you asked for.",
            at.to_rfc3339()
        );
    }
    let spinner = std::io::stderr()
        .is_terminal()
        .then(|| tokio::spawn(spin()));
    let result = match wait {
        Some(seconds) => tokio::time::timeout(Duration::from_secs(seconds), pending.wait())
            .await
            .unwrap_or_else(|_| {
                Err(Error::new(ErrorKind::Expired)
                    .with_message(format!("no confirmation within {seconds} s (--wait)")))
            }),
        None => pending.wait().await,
    };
    if let Some(spinner) = spinner {
        spinner.abort();
        eprint!("\r\x1b[2K");
    }
    result
}

async fn spin() {
    const FRAMES: [char; 4] = ['|', '/', '-', '\\'];
    for frame in FRAMES.iter().cycle() {
        eprint!("\r{frame} waiting for the confirmation…");
        tokio::time::sleep(Duration::from_millis(120)).await;
    }
}

async fn save(
    service: Service,
    authenticator: Box<dyn Authenticator>,
    account: &str,
    session: Session,
    base_url: Option<&str>,
    store: Store,
    out: Out,
) -> Result<()> {
    let session = match base_url {
        Some(url) => session.with_extra(BASE_URL, url.to_owned()),
        None => session,
    };
    SessionManager::with_shared_store(
        authenticator,
        store.sessions,
        store::key(service.name(), account),
    )
    .save(session.clone())
    .await?;
    out.session(service, account, &session);
    Ok(())
}
