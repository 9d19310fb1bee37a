//! Records and inventory: by owner and path, by id, and the paged search.

use omniauth_types::{Error, Result, Session};
use serde::Serialize;

use crate::SERVICE;
use crate::client::{Client, missing_id, optional_auth, require_prefix};
use crate::model::{OwnerId, Record, RecordId, RecordPage};

#[derive(Serialize)]
struct PathQuery<'a> {
    path: &'a str,
}

/// A paged record search (`POST /records/pagedSearch`), with the fields `ReCon` sends; unset
/// ones are not sent. Pages hold `count` records (default 10) from `offset`.
///
/// ```
/// use resonite_api::RecordSearch;
///
/// let search = RecordSearch::new().record_type("world").required_tag("social").count(20);
/// assert_eq!(
///     serde_json::to_value(&search)?,
///     serde_json::json!({"recordType": "world", "requiredTags": ["social"], "count": 20, "offset": 0}),
/// );
/// assert_eq!(search.next_page().offset_value(), 20);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[must_use]
pub struct RecordSearch {
    #[serde(skip_serializing_if = "Option::is_none")]
    record_type: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    required_tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sort_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sort_direction: Option<String>,
    count: u32,
    offset: u32,
}

impl Default for RecordSearch {
    fn default() -> Self {
        Self {
            record_type: None,
            required_tags: Vec::new(),
            sort_by: None,
            sort_direction: None,
            count: 10,
            offset: 0,
        }
    }
}

impl RecordSearch {
    /// Every record, 10 a page.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only records of this type (`world`, `object`, …).
    pub fn record_type(mut self, record_type: impl Into<String>) -> Self {
        self.record_type = Some(record_type.into());
        self
    }

    /// Only records with this tag (all required tags must match).
    pub fn required_tag(mut self, tag: impl Into<String>) -> Self {
        self.required_tags.push(tag.into());
        self
    }

    /// The order: `CreationDate`, `LastUpdateDate`, `FirstPublishTime`, `TotalVisits`,
    /// `Name` or `Random` (`ReCon`'s names), `descending` or not.
    pub fn sort(mut self, by: impl Into<String>, descending: bool) -> Self {
        self.sort_by = Some(by.into());
        self.sort_direction = Some(
            if descending {
                "Descending"
            } else {
                "Ascending"
            }
            .into(),
        );
        self
    }

    /// Records per page (1 or more).
    pub fn count(mut self, count: u32) -> Self {
        self.count = count;
        self
    }

    /// How many records to skip.
    pub fn offset(mut self, offset: u32) -> Self {
        self.offset = offset;
        self
    }

    /// The offset sent.
    pub fn offset_value(&self) -> u32 {
        self.offset
    }

    /// The same search, one page further.
    pub fn next_page(&self) -> Self {
        let mut next = self.clone();
        next.offset = self.offset.saturating_add(self.count);
        next
    }
}

fn require_path(path: &str) -> Result<()> {
    if path.trim().is_empty() {
        Err(
            Error::invalid_input("the record path is empty (the root is `Inventory`)")
                .with_service(SERVICE),
        )
    } else {
        Ok(())
    }
}

impl Client {
    /// The records in one folder of an owner's inventory:
    /// `GET /users/{userId}/records?path=` or `GET /groups/{groupId}/records?path=`
    /// (`path` with backslashes, `Inventory` for the root). Without a session only public
    /// records are listed.
    ///
    /// # Errors
    /// [`ErrorKind::Unauthorized`](omniauth_types::ErrorKind::Unauthorized) (status 403)
    /// with a session that may not read them or is dead;
    /// [`ErrorKind::Forbidden`](omniauth_types::ErrorKind::Forbidden) without one;
    /// [`ErrorKind::InvalidInput`](omniauth_types::ErrorKind::InvalidInput) for an empty path
    /// or an owner without `U-`/`G-`.
    #[tracing::instrument(skip_all, fields(owner_id = %owner))]
    pub async fn records(
        &self,
        session: Option<&Session>,
        owner: &OwnerId,
        path: &str,
    ) -> Result<Vec<Record>> {
        require_prefix(owner.has_expected_prefix(), "the owner id")?;
        require_path(path)?;
        let route = match owner {
            OwnerId::User(_) => "/users/{ownerId}/records",
            OwnerId::Group(_) => "/groups/{ownerId}/records",
        };
        let request = self
            .transport()
            .get(route)
            .path_param("ownerId", owner.as_str())
            .query(&PathQuery { path });
        let (request, call) = optional_auth(request, session)?;
        self.fetch(request, call).await
    }

    /// One record: `GET /users/{userId}/records/{recordId}` or
    /// `GET /groups/{groupId}/records/{recordId}`. Private records need the owner's (or a
    /// group member's) session.
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`](omniauth_types::ErrorKind::NotFound) for an unknown record;
    /// otherwise as [`Client::records`].
    #[tracing::instrument(skip_all, fields(owner_id = %owner, record_id = %id))]
    pub async fn record(
        &self,
        session: Option<&Session>,
        owner: &OwnerId,
        id: &RecordId,
    ) -> Result<Record> {
        require_prefix(owner.has_expected_prefix(), "the owner id")?;
        require_prefix(id.has_expected_prefix(), "the record id")?;
        let route = match owner {
            OwnerId::User(_) => "/users/{ownerId}/records/{recordId}",
            OwnerId::Group(_) => "/groups/{ownerId}/records/{recordId}",
        };
        let request = self
            .transport()
            .get(route)
            .path_param("ownerId", owner.as_str())
            .path_param("recordId", id.as_str());
        let (request, call) = optional_auth(request, session)?;
        let record: Record = self.fetch(request, call).await?;
        if record.id.as_str().is_empty() {
            return Err(missing_id("record"));
        }
        Ok(record)
    }

    /// One page of public, listed records: `POST /records/pagedSearch` (retried like a
    /// `GET`: a search changes nothing).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](omniauth_types::ErrorKind::InvalidInput) for `count(0)`;
    /// the server's answers.
    #[tracing::instrument(skip_all)]
    pub async fn search_records(
        &self,
        session: Option<&Session>,
        search: &RecordSearch,
    ) -> Result<RecordPage> {
        if search.count == 0 {
            return Err(Error::invalid_input("count must be at least 1").with_service(SERVICE));
        }
        let request = self
            .transport()
            .post("/records/pagedSearch")
            .json(search)
            .idempotent(true);
        let (request, call) = optional_auth(request, session)?;
        self.fetch(request, call).await
    }
}
