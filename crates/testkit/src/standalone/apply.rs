//! Puts a [`Seed`] into running emulators, through their public Rust API only.

use argon2::{Algorithm, Argon2, Params, Version};
use sha3::{Digest as _, Sha3_512};

use super::seed::{BurgerauthSeed, GoScrobbleSeed, MaillinkSeed, ResoniteSeed};
use crate::burgerauth::Burgerauth;
use crate::goscrobble::{GoScrobble, NewScrobble};
use crate::maillink::Maillink;
use crate::resonite::Resonite;

/// Adds the accounts first, then what refers to them (the seed checked the names).
/// A seed's owner: a group id stays as it is, a username becomes its user id.
fn owner(name: &str) -> String {
    if name.starts_with("G-") || name.starts_with("U-") {
        name.to_owned()
    } else {
        format!("U-{name}")
    }
}

pub(super) fn resonite(server: &Resonite, seed: &ResoniteSeed) {
    for account in &seed.accounts {
        let id = server.add_account(&account.username, &account.email, &account.password);
        server.set_totp(&id, account.totp_code.as_deref());
        let _ = server.set_totp_secret(&id, account.totp_secret.clone());
        for code in &account.recovery_codes {
            server.add_recovery_code(&id, code);
        }
    }
    let id = |name: &str| format!("U-{name}");
    for contact in &seed.contacts {
        server.add_contact(&id(&contact.owner), &id(&contact.contact), &contact.status);
    }
    for session in &seed.sessions {
        server.add_session(server.sample_session(&id(&session.host), &session.id, &session.name));
    }
    for group in &seed.groups {
        server.add_group(&group.id, &group.name, &id(&group.admin));
        server.add_group_member(&group.id, &id(&group.admin));
        for member in &group.members {
            server.add_group_member(&group.id, &id(member));
        }
    }
    for record in &seed.records {
        let mut json = server.sample_record(
            &owner(&record.owner),
            &record.id,
            &record.name,
            &record.path,
        );
        json["recordType"] = record.record_type.clone().into();
        json["isPublic"] = record.public.into();
        json["isListed"] = record.public.into();
        server.add_record(json);
    }
    for variable in &seed.variables {
        let definition_owner = owner(&variable.definition_owner);
        let path = server.define_variable(server.sample_variable_definition(
            &definition_owner,
            &variable.subpath,
            &variable.variable_type,
            &variable.default_value,
        ));
        if let Some(value) = &variable.value {
            server.set_variable(&owner(&value.owner), &path, &value.value);
        }
    }
    for token in &seed.tokens {
        // The seed checked that every username is an account.
        let _ = server.add_token(&id(&token.username), &token.token, token.expires);
    }
    let started = server.state().now();
    for message in &seed.messages {
        server.add_message(
            &id(&message.from),
            &id(&message.to),
            &message.message_type,
            &message.content,
            message.sent.unwrap_or(started),
        );
    }
}

/// Burgerauth stores what the client derives from the password (spec §1.3), so the seed's
/// passwords are derived here as a client would.
pub(super) fn burgerauth(server: &Burgerauth, seed: &BurgerauthSeed) -> Result<(), String> {
    let python = server.dialect().is_python();
    for account in &seed.accounts {
        let modern = account.migrated && !python;
        let hash = if modern {
            derive_modern(&account.password)?
        } else {
            derive_legacy(&account.password)
        };
        server.add_user(&account.username, hash, modern);
    }
    for app in &seed.apps {
        let scopes: Vec<&str> = app.scopes.iter().map(String::as_str).collect();
        if !server.add_app(
            &app.owner,
            &app.app_id,
            &app.secret,
            &app.name,
            &app.redirect_uri,
            &scopes,
        ) {
            return Err(format!(
                "burgerauth app {:?}: the app id is taken",
                app.app_id
            ));
        }
    }
    Ok(())
}

pub(super) fn goscrobble(server: &GoScrobble, seed: &GoScrobbleSeed) {
    for user in &seed.users {
        server.add_user(&user.username, &user.password, &user.email);
        server.set_admin(&user.username, user.admin);
        server.set_moderator(&user.username, user.moderator);
        if let Some(key) = &user.ingress_key {
            server.set_ingress_key(&user.username, key);
        }
    }
    for scrobble in &seed.scrobbles {
        let play = NewScrobble::new("", &scrobble.album, &scrobble.track, scrobble.time)
            .artists(scrobble.artist.clone())
            .source(&scrobble.source)
            .duration_secs(scrobble.duration)
            .musicbrainz(
                &scrobble.mbid_track,
                &scrobble.mbid_album,
                &scrobble.mbid_artist,
            );
        // The seed checked that the user is one of its own.
        let _ = server.add_scrobble(&scrobble.username, &play);
    }
}

pub(super) fn maillink(server: &Maillink, seed: &MaillinkSeed) {
    for user in &seed.users {
        server.add_account(&user.username, user.email.as_deref());
    }
}

/// Spec §1.3, modern: Argon2id v0x13, salt `I munch Burgers!!`, t=32, m=19264 KiB, p=1,
/// 32 bytes, lowercase hex.
fn derive_modern(password: &str) -> Result<String, String> {
    let params = Params::new(19_264, 32, 1, Some(32)).map_err(|e| e.to_string())?;
    let mut out = [0_u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(password.as_bytes(), b"I munch Burgers!!", &mut out)
        .map_err(|e| e.to_string())?;
    Ok(hex::encode(out))
}

/// Spec §1.3, legacy: SHA3-512 applied 128 times, every round after the first over the
/// previous round's lowercase hex.
fn derive_legacy(password: &str) -> String {
    let mut text = hex::encode(Sha3_512::digest(password.as_bytes()));
    for _ in 1..128 {
        text = hex::encode(Sha3_512::digest(text.as_bytes()));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legacy_hash_matches_the_spec_vector() {
        // The vector the burgerauth-api docs pin for "correct horse battery staple".
        assert!(derive_legacy("correct horse battery staple").starts_with("084b9acfe6ee8a11"));
    }
}
