//! Groups, their members, memberships and storage quotas.

use omniauth_types::{Result, Session};

use crate::client::{Client, check_session, missing_id, optional_auth, require_prefix};
use crate::error::CallKind;
use crate::model::{Group, GroupId, GroupMember, Membership, OwnerId, StorageQuota, UserId};

impl Client {
    /// A group: `GET /groups/{groupId}` (no auth needed). Sent with a member's session, the
    /// answer has the quota fields too.
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`](omniauth_types::ErrorKind::NotFound) for an unknown group;
    /// [`ErrorKind::InvalidInput`](omniauth_types::ErrorKind::InvalidInput) for an id without
    /// `G-`.
    #[tracing::instrument(skip_all, fields(group_id = %id))]
    pub async fn group(&self, session: Option<&Session>, id: &GroupId) -> Result<Group> {
        require_prefix(id.has_expected_prefix(), "the group id")?;
        let request = self
            .transport()
            .get("/groups/{groupId}")
            .path_param("groupId", id.as_str());
        let (request, call) = optional_auth(request, session)?;
        let group: Group = self.fetch(request, call).await?;
        if group.id.as_str().is_empty() {
            return Err(missing_id("group"));
        }
        Ok(group)
    }

    /// The members of a group: `GET /groups/{groupId}/members` (members only).
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`](omniauth_types::ErrorKind::NotFound) for an unknown group;
    /// [`ErrorKind::Unauthorized`](omniauth_types::ErrorKind::Unauthorized) (status 403) for
    /// a non-member or a dead token: the server answers 403 to both.
    #[tracing::instrument(skip_all, fields(group_id = %id))]
    pub async fn group_members(&self, session: &Session, id: &GroupId) -> Result<Vec<GroupMember>> {
        check_session(session)?;
        require_prefix(id.has_expected_prefix(), "the group id")?;
        let request = self
            .transport()
            .get("/groups/{groupId}/members")
            .path_param("groupId", id.as_str())
            .auth(session);
        self.fetch(request, CallKind::Authenticated).await
    }

    /// One member of a group: `GET /groups/{groupId}/members/{userId}` (members only).
    ///
    /// # Errors
    /// As [`Client::group_members`]; `NotFound` also when the user is not a member.
    #[tracing::instrument(skip_all, fields(group_id = %group, user_id = %user))]
    pub async fn group_member(
        &self,
        session: &Session,
        group: &GroupId,
        user: &UserId,
    ) -> Result<GroupMember> {
        check_session(session)?;
        require_prefix(group.has_expected_prefix(), "the group id")?;
        require_prefix(user.has_expected_prefix(), "the user id")?;
        let request = self
            .transport()
            .get("/groups/{groupId}/members/{userId}")
            .path_param("groupId", group.as_str())
            .path_param("userId", user.as_str())
            .auth(session);
        let member: GroupMember = self.fetch(request, CallKind::Authenticated).await?;
        if member.id.as_str().is_empty() {
            return Err(missing_id("member"));
        }
        Ok(member)
    }

    /// The groups a user belongs to: `GET /users/{userId}/memberships` (the user only).
    ///
    /// # Errors
    /// [`ErrorKind::Unauthorized`](omniauth_types::ErrorKind::Unauthorized) (status 403) for
    /// another user's list or a dead token.
    #[tracing::instrument(skip_all, fields(user_id = %user))]
    pub async fn memberships(&self, session: &Session, user: &UserId) -> Result<Vec<Membership>> {
        check_session(session)?;
        require_prefix(user.has_expected_prefix(), "the user id")?;
        let request = self
            .transport()
            .get("/users/{userId}/memberships")
            .path_param("userId", user.as_str())
            .auth(session);
        self.fetch(request, CallKind::Authenticated).await
    }

    /// The storage quota of a user (`GET /users/{userId}/storage`, the user only) or a group
    /// (`GET /groups/{groupId}/storage`, members only).
    ///
    /// # Errors
    /// [`ErrorKind::Unauthorized`](omniauth_types::ErrorKind::Unauthorized) (status 403) for
    /// someone else's storage or a dead token;
    /// [`ErrorKind::NotFound`](omniauth_types::ErrorKind::NotFound) for an unknown owner.
    #[tracing::instrument(skip_all, fields(owner_id = %owner))]
    pub async fn storage(&self, session: &Session, owner: &OwnerId) -> Result<StorageQuota> {
        check_session(session)?;
        require_prefix(owner.has_expected_prefix(), "the owner id")?;
        let route = match owner {
            OwnerId::User(_) => "/users/{ownerId}/storage",
            OwnerId::Group(_) => "/groups/{ownerId}/storage",
        };
        let request = self
            .transport()
            .get(route)
            .path_param("ownerId", owner.as_str())
            .auth(session);
        self.fetch(request, CallKind::Authenticated).await
    }
}
