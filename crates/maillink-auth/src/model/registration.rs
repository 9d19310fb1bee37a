//! `POST /auth/registration`.

use serde::Serialize;

/// The registration body: `{"username", "email"?, "session_platform"}`.
/// No `Debug`: it holds the email.
#[derive(Serialize)]
pub(crate) struct RegistrationRequest<'a> {
    pub(crate) username: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) email: Option<&'a str>,
    pub(crate) session_platform: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_left_out_when_absent() {
        let body = RegistrationRequest {
            username: "alice",
            email: None,
            session_platform: "cURL",
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"username":"alice","session_platform":"cURL"}"#
        );
    }
}
