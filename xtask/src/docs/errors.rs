//! The error-kind reference: which kinds each service can end in, and every server answer
//! each service's error mapping knows with the kind it becomes (from `ERROR_ANSWERS`).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::services::Service;
use super::{HEADER, cell};

/// The kinds a service can produce: its error mapping's and its endpoints' together.
fn kinds_of(service: &Service) -> BTreeSet<&'static str> {
    service
        .errors
        .iter()
        .map(|row| row.3)
        .chain(
            service
                .endpoints
                .iter()
                .flat_map(|e| e.errors.iter().copied()),
        )
        .collect()
}

/// A server's answer body as a table cell.
fn body_cell(body: &str) -> String {
    let body = body.trim_end_matches('\n');
    if body.is_empty() {
        "(empty)".to_owned()
    } else {
        format!("`{}`", cell(body))
    }
}

/// The whole page.
pub fn render(services: &[Service]) -> String {
    let mut out = String::from(HEADER);
    out.push_str(
        "# Error kinds\n\nEvery crate returns one `omniauth_types::Error`; match on \
         `err.kind()`, which means the same for every service. `Transport` (connect, TLS, \
         timeout) and `Decode` (an answer that is not what the API documents) can come from \
         any call; `InvalidInput` means the call was refused before anything was sent.\n\n\
         ## Which service can answer with which kind\n\n",
    );
    let all: BTreeSet<&str> = services.iter().flat_map(kinds_of).collect();
    out.push_str("| kind |");
    for service in services {
        let _ = write!(out, " {} |", service.feature);
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(services.len()));
    out.push('\n');
    let per_service: Vec<BTreeSet<&str>> = services.iter().map(kinds_of).collect();
    for kind in &all {
        let _ = write!(out, "| `{kind}` |");
        for kinds in &per_service {
            out.push_str(if kinds.contains(kind) {
                " yes |"
            } else {
                " – |"
            });
        }
        out.push('\n');
    }
    for service in services {
        let _ = writeln!(
            out,
            "\n## {} (`{}`)\n\nEach row is one answer the server gives and the kind `{}` maps \
             it to; a test in the crate checks the mapping against every row.\n",
            service.title, service.krate, service.krate
        );
        let _ = writeln!(
            out,
            "| status | {} | server's answer | kind |\n|---|---|---|---|",
            service.where_label
        );
        for (status, place, body, kind) in service.errors {
            let _ = writeln!(
                out,
                "| {status} | `{}` | {} | `{kind}` |",
                cell(place),
                body_cell(body)
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::services::SERVICES;
    use super::*;

    #[test]
    fn every_answer_of_every_service_is_a_row() {
        let page = render(SERVICES);
        assert!(page.starts_with(HEADER));
        for service in SERVICES {
            assert!(!service.errors.is_empty(), "{}", service.krate);
            let section = page
                .split(&format!("(`{}`)", service.krate))
                .nth(1)
                .expect("a section a service");
            for (status, place, body, kind) in service.errors {
                let row = format!(
                    "| {status} | `{}` | {} | `{kind}` |",
                    cell(place),
                    body_cell(body)
                );
                assert!(section.contains(&row), "{row} missing");
            }
        }
    }

    #[test]
    fn the_kind_matrix_marks_what_each_service_produces() {
        let page = render(SERVICES);
        // Only Resonite has a second factor; only the email-link login is ever pending.
        assert!(page.contains("| `SecondFactorRequired` | yes | – | – | – |"));
        assert!(page.contains("| `Pending` | – | – | – | yes |"));
    }

    #[test]
    fn bodies_are_shown_as_code_and_empty_ones_said() {
        assert_eq!(body_cell(""), "(empty)");
        assert_eq!(body_cell("404 page not found\n"), "`404 page not found`");
        assert_eq!(body_cell("a|b"), "`a\\|b`");
    }
}
