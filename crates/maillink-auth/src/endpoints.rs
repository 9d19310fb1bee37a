//! Every endpoint this crate covers, for the generated reference docs.

use omniauth_types::endpoint::{Endpoint, EndpointAuth};

/// The three routes the service documents, all covered.
pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        method: "POST",
        path: "/auth/registration",
        auth: EndpointAuth::None,
        function: "Client::register",
        errors: &["InvalidInput", "AccountExists", "RateLimited", "Api"],
        notes: "signs in at once; without an email the account can never use the email-link login",
    },
    Endpoint {
        method: "POST",
        path: "/auth/login",
        auth: EndpointAuth::None,
        function: "Client::start_login",
        errors: &["InvalidInput", "NotFound", "RateLimited", "Api"],
        notes: "emails a link; answers the auth_id (a secret) and expiration_date (unix seconds)",
    },
    Endpoint {
        method: "GET",
        path: "/auth/session/{auth_id}",
        auth: EndpointAuth::Other("auth_id (path)"),
        function: "PendingLogin::poll_once, PendingLogin::wait",
        errors: &["Expired", "RateLimited", "InvalidInput", "Api"],
        notes: "one 400 for pending, unknown and expired ids: the client's deadline tells them apart; success assumed single-use",
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::login::LOGIN_ROUTE;
    use crate::pending::POLL_ROUTE;
    use crate::registration::REGISTER_ROUTE;

    #[test]
    fn the_table_lists_the_routes_the_code_sends_to() {
        let paths: Vec<_> = ENDPOINTS.iter().map(|e| e.path).collect();
        assert_eq!(paths, [REGISTER_ROUTE, LOGIN_ROUTE, POLL_ROUTE]);
    }
}
