//! The four services as the reference docs see them, and their pages: one per service from
//! its `ENDPOINTS` table, and the coverage table of all of them.

use std::fmt::Write as _;

use omniauth_types::endpoint::{Endpoint, EndpointAuth};

use super::{HEADER, cell};

/// A row of a crate's `ERROR_ANSWERS`: `(status, where, body, kind)`.
pub type ErrorAnswer = (u16, &'static str, &'static str, &'static str);

/// What the docs need from one service crate.
pub struct Service {
    /// The facade's feature and the service's name (`resonite`).
    pub feature: &'static str,
    /// How people write it.
    pub title: &'static str,
    /// The crate's package name.
    pub krate: &'static str,
    /// Its `ENDPOINTS`.
    pub endpoints: &'static [Endpoint],
    /// Its `ERROR_ANSWERS`.
    pub errors: &'static [ErrorAnswer],
    /// What the second column of `ERROR_ANSWERS` names (a route, or a kind of call).
    pub where_label: &'static str,
}

/// Every service, in the facade's order.
pub const SERVICES: &[Service] = &[
    Service {
        feature: "resonite",
        title: "Resonite",
        krate: "resonite-api",
        endpoints: resonite_api::ENDPOINTS,
        errors: resonite_api::error::ERROR_ANSWERS,
        where_label: "call",
    },
    Service {
        feature: "burgerauth",
        title: "Burgerauth",
        krate: "burgerauth-api",
        endpoints: burgerauth_api::ENDPOINTS,
        errors: burgerauth_api::ERROR_ANSWERS,
        where_label: "route",
    },
    Service {
        feature: "goscrobble",
        title: "GoScrobble",
        krate: "goscrobble-api",
        endpoints: goscrobble_api::ENDPOINTS,
        errors: goscrobble_api::ERROR_ANSWERS,
        where_label: "route",
    },
    Service {
        feature: "maillink",
        title: "Email-link login (maillink)",
        krate: "maillink-auth",
        endpoints: maillink_auth::ENDPOINTS,
        errors: maillink_auth::ERROR_ANSWERS,
        where_label: "call",
    },
];

/// How an endpoint's auth reads in a table.
pub fn auth_text(auth: &EndpointAuth) -> String {
    match auth {
        EndpointAuth::None => "none".to_owned(),
        EndpointAuth::Session => "session".to_owned(),
        EndpointAuth::Other(what) => (*what).to_owned(),
        _ => format!("{auth:?}"),
    }
}

/// The file a service's endpoint page is written to, relative to `docs/reference/`.
pub fn page_name(service: &Service) -> String {
    format!("{}.md", service.krate)
}

/// One service's endpoint page.
pub fn render_page(service: &Service) -> String {
    let mut out = String::from(HEADER);
    let _ = writeln!(
        out,
        "# {} — endpoints of `{}`\n\nEvery endpoint the crate calls, from its `ENDPOINTS` \
         table. Paths are relative to the client's base URL. \"Errors\" are the \
         `ErrorKind`s the call can end in beyond `Transport` and `Decode`; how the \
         server's answers map to them is in [errors.md](errors.md).\n",
        service.title, service.krate
    );
    out.push_str("| method | path | auth | Rust function | errors | notes |\n");
    out.push_str("|---|---|---|---|---|---|\n");
    for endpoint in service.endpoints {
        let errors = if endpoint.errors.is_empty() {
            "–".to_owned()
        } else {
            endpoint
                .errors
                .iter()
                .map(|kind| format!("`{kind}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let functions = endpoint
            .function
            .split(", ")
            .map(|f| format!("`{}`", cell(f)))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {functions} | {errors} | {} |",
            endpoint.method,
            cell(endpoint.path),
            cell(&auth_text(&endpoint.auth)),
            if endpoint.notes.is_empty() {
                "–".to_owned()
            } else {
                cell(endpoint.notes)
            },
        );
    }
    out
}

/// The methods the coverage table counts, in column order.
const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "WS"];

/// The coverage table: per service, how many endpoints, by method and by what they need.
pub fn render_coverage(services: &[Service]) -> String {
    let mut out = String::from(HEADER);
    out.push_str(
        "# Endpoint coverage\n\nHow many endpoints each service crate covers, by method and by \
         what a call needs (a signed-in session, nothing, or another credential). Each \
         service's page lists them one by one.\n\n",
    );
    out.push_str("| service | crate | endpoints |");
    for method in METHODS {
        let _ = write!(out, " {method} |");
    }
    out.push_str(" public | session | other credential | error kinds |\n|---|---|---|");
    out.push_str(&"---|".repeat(METHODS.len() + 4));
    out.push('\n');
    let mut total = 0;
    for service in services {
        let endpoints = service.endpoints;
        total += endpoints.len();
        let _ = write!(
            out,
            "| {} | [`{}`]({}) | {} |",
            service.title,
            service.krate,
            page_name(service),
            endpoints.len()
        );
        for method in METHODS {
            let count = endpoints.iter().filter(|e| e.method == *method).count();
            let _ = write!(out, " {count} |");
        }
        let public = endpoints
            .iter()
            .filter(|e| e.auth == EndpointAuth::None)
            .count();
        let session = endpoints
            .iter()
            .filter(|e| e.auth == EndpointAuth::Session)
            .count();
        let mut kinds: Vec<&str> = endpoints
            .iter()
            .flat_map(|e| e.errors.iter().copied())
            .collect();
        kinds.sort_unstable();
        kinds.dedup();
        let _ = writeln!(
            out,
            " {public} | {session} | {} | {} |",
            endpoints.len() - public - session,
            kinds.len()
        );
    }
    let _ = writeln!(out, "\n{total} endpoints in all.");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_endpoint_is_a_row_of_its_service_page() {
        for service in SERVICES {
            assert!(!service.endpoints.is_empty(), "{}", service.krate);
            let page = render_page(service);
            assert!(page.starts_with(HEADER));
            let rows = page.lines().filter(|l| l.starts_with("| ")).count();
            // The header row plus one row an endpoint.
            assert_eq!(rows, service.endpoints.len() + 1, "{}", service.krate);
            for endpoint in service.endpoints {
                let row = format!("| {} | `{}` |", endpoint.method, cell(endpoint.path));
                assert!(page.contains(&row), "{row} missing from {}", service.krate);
            }
        }
    }

    #[test]
    fn the_coverage_table_counts_every_endpoint() {
        let table = render_coverage(SERVICES);
        let total: usize = SERVICES.iter().map(|s| s.endpoints.len()).sum();
        assert!(table.contains(&format!("\n{total} endpoints in all.")));
        for service in SERVICES {
            assert!(table.contains(&format!(
                "| {} | [`{}`]({}) | {} |",
                service.title,
                service.krate,
                page_name(service),
                service.endpoints.len()
            )));
        }
    }

    #[test]
    fn auth_reads_as_words() {
        assert_eq!(auth_text(&EndpointAuth::None), "none");
        assert_eq!(auth_text(&EndpointAuth::Session), "session");
        assert_eq!(auth_text(&EndpointAuth::Other("key")), "key");
    }
}
