//! Seeding the cloud data of a [`Resonite`] emulator: groups, records, cloud variables.

use serde_json::{Value, json};

use super::Resonite;
use super::data::timestamp;
use super::state::StoredGroup;

impl Resonite {
    /// Adds a group run by `admin` (who becomes its first member), replacing one with the
    /// same id. Its storage quota is 1 GiB.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
    /// use omniauth_testkit::resonite::Resonite;
    ///
    /// let resonite = Resonite::start().await?;
    /// let alice = resonite.add_account("alice", "", "pw");
    /// let bob = resonite.add_account("bob", "", "pw");
    /// resonite.add_group("G-club", "Club", &alice);
    /// resonite.add_group_member("G-club", &bob);
    /// assert_eq!(resonite.group_members("G-club"), vec![alice, bob]);
    /// # Ok(()) }
    /// ```
    pub fn add_group(&self, group_id: &str, name: &str, admin: &str) {
        let json = json!({
            "id": group_id,
            "adminUserId": admin,
            "name": name,
            "quotaBytes": 1_073_741_824_i64,
            "usedBytes": 0,
            "isMigrated": false
        });
        self.state.lock().groups.insert(
            group_id.to_owned(),
            StoredGroup {
                json,
                members: vec![admin.to_owned()],
            },
        );
    }

    /// Makes `user_id` a member of a group added before (nothing when it is unknown).
    pub fn add_group_member(&self, group_id: &str, user_id: &str) {
        if let Some(group) = self.state.lock().groups.get_mut(group_id)
            && !group.members.iter().any(|m| m == user_id)
        {
            group.members.push(user_id.to_owned());
        }
    }

    /// The members of a group, in the order they joined.
    pub fn group_members(&self, group_id: &str) -> Vec<String> {
        self.state
            .lock()
            .groups
            .get(group_id)
            .map(|g| g.members.clone())
            .unwrap_or_default()
    }

    /// A private record of `owner` (a user or a group) in folder `path` (backslashes, e.g.
    /// `Inventory\Tools`), with the fields public clients read; make it public or a world
    /// with `serde_json` (`isPublic`, `isListed`, `recordType`, `tags`) and pass it to
    /// [`Resonite::add_record`].
    pub fn sample_record(&self, owner: &str, record_id: &str, name: &str, path: &str) -> Value {
        let now = timestamp(self.state.now());
        let hash = format!("{:064x}", u128::from(fnv(record_id)));
        json!({
            "id": record_id,
            "ownerId": owner,
            "assetUri": format!("resdb:///{hash}.brson"),
            "version": {
                "globalVersion": 1,
                "localVersion": 1,
                "lastModifyingUserId": owner,
                "lastModifyingMachineId": "emulator"
            },
            "name": name,
            "description": null,
            "recordType": "object",
            "ownerName": owner.trim_start_matches(['U', 'G']).trim_start_matches('-'),
            "tags": [],
            "path": path,
            "thumbnailUri": format!("resdb:///{hash}.webp"),
            "lastModificationTime": now,
            "creationTime": now,
            "firstPublishTime": null,
            "isDeleted": false,
            "isPublic": false,
            "isForPatrons": false,
            "isListed": false,
            "visits": 0,
            "rating": 0.0,
            "randomOrder": 0,
            "submissions": null,
            "assetManifest": [{"hash": hash, "bytes": 1024}],
            "migrationMetadata": null
        })
    }

    /// Stores a record (any JSON object; `ownerId` and `id` identify it).
    pub fn add_record(&self, record: Value) {
        let key = (record.get("ownerId").cloned(), record.get("id").cloned());
        let mut data = self.state.lock();
        data.records
            .retain(|r| (r.get("ownerId").cloned(), r.get("id").cloned()) != key);
        data.records.push(record);
    }

    /// A cloud variable definition: `definition_owner` defines `<definition_owner>.<subpath>`
    /// of `variable_type` with a default; anyone may read it, only the variable's owner may
    /// write it. Change `readPermissions` / `writePermissions` (`anyone`,
    /// `definition_owner`, `variable_owner`) and pass it to
    /// [`Resonite::define_variable`].
    pub fn sample_variable_definition(
        &self,
        definition_owner: &str,
        subpath: &str,
        variable_type: &str,
        default_value: &str,
    ) -> Value {
        json!({
            "definitionOwnerId": definition_owner,
            "subpath": subpath,
            "variableType": variable_type,
            "defaultValue": default_value,
            "deleteScheduled": false,
            "readPermissions": ["anyone"],
            "writePermissions": ["variable_owner"],
            "listPermissions": ["definition_owner"],
            "partitionKey": definition_owner,
            "rowKey": subpath,
            "timestamp": timestamp(self.state.now()),
            "eTag": null
        })
    }

    /// Stores a definition and returns the variable's path (`<owner>.<subpath>`).
    pub fn define_variable(&self, definition: Value) -> String {
        let text = |key: &str| {
            definition
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let path = format!("{}.{}", text("definitionOwnerId"), text("subpath"));
        self.state
            .lock()
            .var_definitions
            .insert(path.clone(), definition);
        path
    }

    /// Sets `owner`'s value of a variable, as a write by its owner would.
    pub fn set_variable(&self, owner: &str, path: &str, value: &str) {
        let variable = json!({
            "ownerId": owner,
            "path": path,
            "value": value,
            "partitionKey": owner,
            "rowKey": path,
            "timestamp": timestamp(self.state.now()),
            "eTag": null
        });
        self.state
            .lock()
            .var_values
            .insert((owner.to_owned(), path.to_owned()), variable);
    }

    /// `owner`'s stored value of a variable (`None` when never written).
    pub fn variable(&self, owner: &str, path: &str) -> Option<String> {
        self.state
            .lock()
            .var_values
            .get(&(owner.to_owned(), path.to_owned()))
            .and_then(|v| v.get("value"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    }

    /// The profile a user set with `PUT /users/{id}/profile`, as sent.
    pub fn profile(&self, user_id: &str) -> Option<Value> {
        self.state.lock().profiles.get(user_id).cloned()
    }

    /// The machine ids announced with `POST /stats/instanceOnline/{machineId}`, in order.
    pub fn machines_online(&self) -> Vec<String> {
        self.state.lock().machines_online.clone()
    }
}

/// A stable stand-in hash for sample asset ids (FNV-1a).
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}
