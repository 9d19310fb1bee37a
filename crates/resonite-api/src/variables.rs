//! Cloud variables: one value, many values, a definition, and writing a value.

use omniauth_types::{Error, Result, Session};
use serde::Serialize;

use crate::SERVICE;
use crate::client::{Client, check_session, optional_auth, require_prefix};
use crate::error::CallKind;
use crate::model::{
    CloudVariable, CloudVariableDefinition, CloudVariableKey, CloudVariableRead, OwnerId,
};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Write<'a> {
    owner_id: &'a str,
    path: &'a str,
    value: &'a str,
}

fn require_var_path(path: &str) -> Result<()> {
    // A path is `<definition owner>.<name>`, one URL segment.
    if path.trim().is_empty() || path.contains('/') {
        Err(
            Error::invalid_input("a variable path is `<owner>.<name>`, without `/`")
                .with_service(SERVICE),
        )
    } else {
        Ok(())
    }
}

fn var_route(owner: &OwnerId) -> &'static str {
    match owner {
        OwnerId::User(_) => "/users/{ownerId}/vars/{path}",
        OwnerId::Group(_) => "/groups/{ownerId}/vars/{path}",
    }
}

impl Client {
    /// One cloud variable's value: `GET /users/{userId}/vars/{path}` or
    /// `GET /groups/{groupId}/vars/{path}`. Variables whose definition does not let anyone
    /// read them need the owner's (or a member's) session.
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`](omniauth_types::ErrorKind::NotFound) for an undefined
    /// variable; 403 as [`ErrorKind::Unauthorized`](omniauth_types::ErrorKind::Unauthorized)
    /// with a session, [`ErrorKind::Forbidden`](omniauth_types::ErrorKind::Forbidden)
    /// without.
    #[tracing::instrument(skip_all, fields(owner_id = %owner))]
    pub async fn variable(
        &self,
        session: Option<&Session>,
        owner: &OwnerId,
        path: &str,
    ) -> Result<CloudVariable> {
        require_prefix(owner.has_expected_prefix(), "the owner id")?;
        require_var_path(path)?;
        let request = self
            .transport()
            .get(var_route(owner))
            .path_param("ownerId", owner.as_str())
            .path_param("path", path);
        let (request, call) = optional_auth(request, session)?;
        self.fetch(request, call).await
    }

    /// Writes one cloud variable: `PUT /users/{userId}/vars/{path}` (or `/groups/…`) with
    /// `{ownerId, path, value}` (resonitepy's body). The value is text whatever the type.
    ///
    /// # Errors
    /// [`ErrorKind::Unauthorized`](omniauth_types::ErrorKind::Unauthorized) (status 403)
    /// when the definition does not let this session write it;
    /// [`ErrorKind::NotFound`](omniauth_types::ErrorKind::NotFound) for an undefined
    /// variable.
    #[tracing::instrument(skip_all, fields(owner_id = %owner))]
    pub async fn write_variable(
        &self,
        session: &Session,
        owner: &OwnerId,
        path: &str,
        value: &str,
    ) -> Result<()> {
        check_session(session)?;
        require_prefix(owner.has_expected_prefix(), "the owner id")?;
        require_var_path(path)?;
        let request = self
            .transport()
            .put(var_route(owner))
            .path_param("ownerId", owner.as_str())
            .path_param("path", path)
            .json(&Write {
                owner_id: owner.as_str(),
                path,
                value,
            })
            .auth(session);
        self.exchange(request, CallKind::Authenticated)
            .await
            .map(drop)
    }

    /// Many variables at once: `POST /readvars` with `[{ownerId, path}]`; one entry (value
    /// and definition) for each variable the caller may read, in no promised order.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](omniauth_types::ErrorKind::InvalidInput) for no key or a
    /// bad path; the server's answers.
    #[tracing::instrument(skip_all, fields(count = keys.len()))]
    pub async fn read_variables(
        &self,
        session: Option<&Session>,
        keys: &[CloudVariableKey],
    ) -> Result<Vec<CloudVariableRead>> {
        if keys.is_empty() {
            return Err(Error::invalid_input("no variable to read").with_service(SERVICE));
        }
        for key in keys {
            require_var_path(&key.path)?;
        }
        let request = self
            .transport()
            .post("/readvars")
            .json(keys)
            .idempotent(true);
        let (request, call) = optional_auth(request, session)?;
        self.fetch(request, call).await
    }

    /// A variable's definition (type, default, permissions): the `definition` of its
    /// `POST /readvars` entry, as resonitepy reads it.
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`](omniauth_types::ErrorKind::NotFound) when the answer has no
    /// definition for it; otherwise as [`Client::read_variables`].
    #[tracing::instrument(skip_all, fields(owner_id = %owner))]
    pub async fn variable_definition(
        &self,
        session: Option<&Session>,
        owner: &OwnerId,
        path: &str,
    ) -> Result<CloudVariableDefinition> {
        require_prefix(owner.has_expected_prefix(), "the owner id")?;
        let key = CloudVariableKey::new(owner.as_str(), path);
        self.read_variables(session, std::slice::from_ref(&key))
            .await?
            .into_iter()
            .find_map(|entry| entry.definition)
            .ok_or_else(|| {
                Error::new(omniauth_types::ErrorKind::NotFound)
                    .with_service(SERVICE)
                    .with_message("no definition for this variable")
            })
    }
}
