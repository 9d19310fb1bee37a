//! Resonite's device identity (`UID` and `secretMachineId`), one per account, kept in
//! `resonite-devices.json` beside the store so that every login of an account sends the same
//! one — after a logout too, since the store forgets the session but not the device.
//!
//! The file holds secret machine ids: it is written atomically with mode 0600 in the store's
//! directory. It is per machine: another machine sharing a store has its own devices.

use std::path::{Path, PathBuf};

use omniauth::resonite::{Device, SecretMachineId};
use omniauth::{Error, ErrorKind, ExposeSecret as _, Result};
use serde_json::{Map, Value, json};

/// The device file beside the store file `store`.
pub fn path(store: &Path) -> PathBuf {
    store.with_file_name("resonite-devices.json")
}

/// The device of `account`, made and kept now when it has none yet.
///
/// # Errors
/// `Store` when the file cannot be read or written, or is not what this CLI writes.
pub fn for_account(store: &Path, account: &str) -> Result<Device> {
    let file = path(store);
    let mut accounts = read(&file)?;
    if let Some(entry) = accounts.get(account)
        && let (Some(uid), Some(machine)) =
            (entry["uid"].as_str(), entry["secret_machine_id"].as_str())
    {
        return Ok(Device::new(uid, SecretMachineId::new(machine)));
    }
    let device = Device::generate();
    accounts.insert(
        account.to_owned(),
        json!({"uid": device.uid(), "secret_machine_id": device.secret_machine_id().expose_secret()}),
    );
    write(&file, &Value::Object(accounts))?;
    Ok(device)
}

fn store_error(file: &Path, what: &str, err: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Store).with_message(format!("{what} {}: {err}", file.display()))
}

fn read(file: &Path) -> Result<Map<String, Value>> {
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Map::new()),
        Err(err) => return Err(store_error(file, "cannot read", err)),
    };
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(store_error(file, "not a device file:", "not a JSON object")),
        // The error names a line and column, never the content.
        Err(err) => Err(store_error(file, "not a device file:", err)),
    }
}

fn write(file: &Path, value: &Value) -> Result<()> {
    use std::io::Write as _;
    let dir = file.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir).map_err(|err| store_error(dir, "cannot create", err))?;
    // tempfile creates the file 0600; the rename makes the write all-or-nothing.
    let mut temp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|err| store_error(dir, "cannot write in", err))?;
    temp.write_all(value.to_string().as_bytes())
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|err| store_error(file, "cannot write", err))?;
    temp.persist(file)
        .map_err(|err| store_error(file, "cannot write", err.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_is_made_once_per_account() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("sessions.json");
        let first = for_account(&store, "a").unwrap();
        let again = for_account(&store, "a").unwrap();
        let other = for_account(&store, "b").unwrap();
        assert_eq!(first.uid(), again.uid());
        assert_eq!(
            first.secret_machine_id().expose_secret(),
            again.secret_machine_id().expose_secret()
        );
        assert_ne!(first.uid(), other.uid());
    }

    #[test]
    fn a_foreign_file_is_a_store_error_without_its_content() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("sessions.json");
        std::fs::write(path(&store), "[\"secret-looking\"]").unwrap();
        let err = for_account(&store, "a").unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::Store);
        assert!(!err.to_string().contains("secret-looking"));
    }
}
