//! Building any service's authenticator from its name and a base URL.

use std::fmt;
use std::str::FromStr;

use omniauth_types::{Authenticator, Error, Result};

/// The services omniauth speaks to. Each is available when its cargo feature is on.
///
/// ```
/// use omniauth::Service;
///
/// let service: Service = "goscrobble".parse()?;
/// assert_eq!(service.name(), "goscrobble");
/// assert!(service.default_base_url().is_none(), "self-hosted: a base URL is required");
/// # Ok::<_, omniauth::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Service {
    /// The Resonite cloud API.
    Resonite,
    /// A Burgerauth server (self-hosted).
    Burgerauth,
    /// A GoScrobble server (self-hosted).
    GoScrobble,
    /// An email-link login service (self-hosted).
    Maillink,
}

impl Service {
    /// Every service, whether or not its feature is on.
    pub const ALL: [Self; 4] = [
        Self::Resonite,
        Self::Burgerauth,
        Self::GoScrobble,
        Self::Maillink,
    ];

    /// The name used in stores, logs and the CLI.
    pub fn name(self) -> &'static str {
        match self {
            Self::Resonite => "resonite",
            Self::Burgerauth => "burgerauth",
            Self::GoScrobble => "goscrobble",
            Self::Maillink => "maillink",
        }
    }

    /// The public deployment, for services that have one (Resonite); self-hosted services
    /// have none and need a base URL.
    pub fn default_base_url(self) -> Option<&'static str> {
        match self {
            Self::Resonite => Some("https://api.resonite.com"),
            _ => None,
        }
    }

    /// Whether a login takes a password (an email-link login does not).
    pub fn needs_password(self) -> bool {
        !matches!(self, Self::Maillink)
    }

    /// Whether this build includes the service (its cargo feature is on).
    pub fn is_enabled(self) -> bool {
        match self {
            Self::Resonite => cfg!(feature = "resonite"),
            Self::Burgerauth => cfg!(feature = "burgerauth"),
            Self::GoScrobble => cfg!(feature = "goscrobble"),
            Self::Maillink => cfg!(feature = "maillink"),
        }
    }

    /// The service's authenticator for the deployment at `base_url` (or the default one).
    ///
    /// Burgerauth's detects the server's dialect (1.2 or 1.3) on the first login or
    /// registration and uses the dialect stored in each session afterwards; build a
    /// [`BurgerauthAuthenticator`](crate::burgerauth::BurgerauthAuthenticator) yourself to
    /// fix one. GoScrobble's takes the site root (`https://scrobble.example.org`) or the API
    /// root (`…/api/v1`).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) when a self-hosted service
    /// gets no base URL, the URL is invalid, or the service's feature is off.
    pub fn authenticator(self, base_url: Option<&str>) -> Result<Box<dyn Authenticator>> {
        self.authenticator_with(base_url, &ClientSettings::default())
    }

    /// [`Service::authenticator`] with `settings` applied to the client it builds.
    ///
    /// ```
    /// use std::time::Duration;
    /// use omniauth::{ClientSettings, Service};
    ///
    /// let settings = ClientSettings::default().deadline(Duration::from_secs(10));
    /// let auth = Service::GoScrobble
    ///     .authenticator_with(Some("https://scrobble.example.org"), &settings)
    ///     .unwrap();
    /// assert_eq!(auth.service(), "goscrobble");
    /// ```
    ///
    /// # Errors
    /// As [`Service::authenticator`].
    pub fn authenticator_with(
        self,
        base_url: Option<&str>,
        settings: &ClientSettings,
    ) -> Result<Box<dyn Authenticator>> {
        let url = base_url.or(self.default_base_url()).ok_or_else(|| {
            Error::invalid_input(format!(
                "{} is self-hosted: give the base URL of your server",
                self.name()
            ))
        })?;
        // Each builder has its own type; the same two settings go to each. (Unused when every
        // service feature is off.)
        #[allow(unused_macros)]
        macro_rules! build {
            ($builder:expr) => {{
                let builder = $builder;
                match settings.deadline {
                    Some(deadline) => builder.deadline(deadline),
                    None => builder,
                }
                .build()?
            }};
        }
        match self {
            #[cfg(feature = "resonite")]
            Self::Resonite => Ok(Box::new(crate::resonite::ResoniteAuthenticator::new(
                build!(crate::resonite::Client::builder().base_url(url)),
            ))),
            #[cfg(feature = "burgerauth")]
            // The dialect is asked of the server on first contact, and read from each
            // stored session afterwards.
            Self::Burgerauth => Ok(Box::new(
                crate::burgerauth::BurgerauthAuthenticator::detecting(build!(
                    crate::burgerauth::Client::builder().base_url(url)
                )),
            )),
            #[cfg(feature = "goscrobble")]
            Self::GoScrobble => Ok(Box::new(crate::goscrobble::GoScrobbleAuthenticator::new(
                build!(crate::goscrobble::Client::builder().base_url(goscrobble_api_root(url))),
            ))),
            #[cfg(feature = "maillink")]
            Self::Maillink => Ok(Box::new(crate::maillink::MaillinkAuthenticator::new(
                build!(crate::maillink::Client::builder().base_url(url)),
            ))),
            #[allow(unreachable_patterns)] // Reached only when a feature is off.
            _ => {
                let _ = (url, settings);
                Err(Error::invalid_input(format!(
                    "this build of omniauth has no {} support: enable the `{}` feature",
                    self.name(),
                    self.name()
                )))
            }
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Service {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self> {
        Self::ALL.into_iter().find(|s| s.name().eq_ignore_ascii_case(name)).ok_or_else(|| {
            Error::invalid_input(format!(
                "unknown service {name:?}: expected resonite, burgerauth, goscrobble or maillink"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for service in Service::ALL {
            assert_eq!(service.name().parse::<Service>().unwrap(), service);
            assert_eq!(service.to_string(), service.name());
        }
        assert!("myspace".parse::<Service>().is_err());
        assert_eq!(
            "GoScrobble".parse::<Service>().unwrap(),
            Service::GoScrobble
        );
    }

    #[test]
    fn self_hosted_services_need_a_base_url() {
        for service in [Service::Burgerauth, Service::GoScrobble, Service::Maillink] {
            let err = service.authenticator(None).unwrap_err();
            assert_eq!(err.kind(), &crate::ErrorKind::InvalidInput, "{service}");
            assert!(err.to_string().contains("self-hosted"));
        }
    }
}

/// Settings [`Service::authenticator_with`] applies to the client it builds.
///
/// ```
/// use std::time::Duration;
/// let settings = omniauth::ClientSettings::default().deadline(Duration::from_secs(15));
/// assert_eq!(settings.deadline_value(), Some(Duration::from_secs(15)));
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ClientSettings {
    deadline: Option<std::time::Duration>,
}

impl ClientSettings {
    /// The total time of one call, retries and waits included (the clients' default: 60 s).
    #[must_use]
    pub fn deadline(mut self, deadline: std::time::Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// The deadline set, if any.
    pub fn deadline_value(&self) -> Option<std::time::Duration> {
        self.deadline
    }
}

/// GoScrobble serves its API under `/api/v1` of its site: the site root is taken as well as
/// the API root (a site root alone would reach the web app's pages, not the API).
#[cfg(feature = "goscrobble")]
fn goscrobble_api_root(url: &str) -> String {
    let url = url.trim_end_matches('/');
    if url.ends_with("/api/v1") {
        url.to_owned()
    } else {
        format!("{url}/api/v1")
    }
}

#[cfg(all(test, feature = "goscrobble"))]
mod goscrobble_root_tests {
    #[test]
    fn the_site_root_and_the_api_root_both_reach_the_api() {
        for url in [
            "https://scrobble.example.org",
            "https://scrobble.example.org/",
            "https://scrobble.example.org/api/v1",
            "https://scrobble.example.org/api/v1/",
        ] {
            assert_eq!(
                super::goscrobble_api_root(url),
                "https://scrobble.example.org/api/v1"
            );
        }
    }
}
