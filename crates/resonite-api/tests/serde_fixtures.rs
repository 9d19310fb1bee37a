//! The models on JSON samples written from the spec's field tables (spec §1), traps included.

use omniauth_types::ExposeSecret;
use resonite_api::model::{
    AccessLevel, Contact, ContactStatus, LoginType, Message, MessageContent, MessageType,
    OnlineStatus, OutputDevice, PublicBanType, SessionInfo, SessionType, User, UserSessionResult,
    session_hash,
};

const USER_SESSION: &str = include_str!("fixtures/user_session.json");
const SESSION: &str = include_str!("fixtures/session_info.json");
const USER: &str = include_str!("fixtures/user.json");
const CONTACTS: &str = include_str!("fixtures/contacts.json");
const MESSAGES: &str = include_str!("fixtures/messages.json");

#[test]
fn user_session_reads_and_hides_its_token() {
    let result: UserSessionResult = serde_json::from_str(USER_SESSION).unwrap();
    let session = &result.entity;
    assert_eq!(session.user_id, "U-alice");
    assert!(session.token.expose_secret().ends_with('='));
    assert_eq!(
        (session.expire.unwrap() - session.created.unwrap()).num_days(),
        30
    );
    assert!(session.remember_me);
    assert_eq!(session.original_login_type, Some(LoginType::Password));
    assert_eq!(session.source_ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(session.session_login_counter, 3);
    assert!(result.config_files.is_empty(), "null configFiles is empty");
    let debug = format!("{result:?}");
    assert!(!debug.contains("V2hhdCBh"), "{debug}");
}

#[test]
fn session_info_reads_every_odd_field() {
    let session: SessionInfo = serde_json::from_str(SESSION).unwrap();
    assert_eq!(session.plain_name(), "Club night");
    assert_eq!(session.session_urls.len(), 2, "sessionURLs");
    assert_eq!(
        session.session_users[0].user_id.as_ref().unwrap(),
        "U-alice"
    );
    assert_eq!(
        session.session_users[0].output_device,
        Some(OutputDevice::Vr)
    );
    assert_eq!(session.session_users[1].output_device, None);
    assert_eq!(session.total_joined_users, 300, "more than a u8 holds");
    assert_eq!(session.access_level, Some(AccessLevel::Anyone));
    assert_eq!(session.away_kick_minutes, Some(7.5));
    assert_eq!(session.has_ended, Some(false));
    assert_eq!(session.data_model_assemblies[1].name, "Elements.Core");
    assert!(session.session_id.has_expected_prefix());
    assert!(session.last_update.is_some());
}

#[test]
fn old_session_data_without_the_newer_fields_still_reads() {
    let mut value: serde_json::Value = serde_json::from_str(SESSION).unwrap();
    let map = value.as_object_mut().unwrap();
    for key in [
        "awayKickEnabled",
        "awayKickMinutes",
        "hasEnded",
        "isValid",
        "broadcastKey",
    ] {
        map.remove(key);
    }
    map.insert("accessLevel".into(), serde_json::json!(3));
    map.insert("maxUsers".into(), serde_json::json!(-1));
    let session: SessionInfo = serde_json::from_value(value).unwrap();
    assert_eq!(session.has_ended, None);
    assert_eq!(session.access_level, Some(AccessLevel::ContactsPlus));
    assert_eq!(session.max_users, 0, "a negative count reads as 0");
}

#[test]
fn user_reads_2fa_login_tagged_arrays_and_bad_dates() {
    let user: User = serde_json::from_str(USER).unwrap();
    assert!(user.two_factor_login, "2fa_login");
    assert_eq!(user.entitlements.len(), 3);
    assert_eq!(user.entitlements[2].kind.as_deref(), Some("somethingNew"));
    assert_eq!(user.supporter_metadata[0].fields["totalSupportCents"], -1);
    assert_eq!(user.account_ban_expiration, None, "an invalid date is None");
    assert_eq!(user.public_ban_type, Some(PublicBanType::Soft));
    assert_eq!(user.quota_bytes, Some(-1));
    let profile = user.profile.as_ref().unwrap();
    assert_eq!(
        profile.icon_https_url().as_deref(),
        Some("https://assets.resonite.com/8f3e1d2c")
    );
    assert_eq!(profile.display_badges[0].owner_id, "G-Resonite");
}

#[test]
fn contacts_read_offsetless_dates_numbers_and_unknown_statuses() {
    let contacts: Vec<Contact> = serde_json::from_str(CONTACTS).unwrap();
    assert_eq!(contacts[0].contact_status, Some(ContactStatus::Accepted));
    let never = contacts[0].latest_message_time.unwrap();
    assert_eq!(never.format("%Y-%m-%d").to_string(), "0001-01-01");
    assert_eq!(
        contacts[1].contact_status,
        Some(ContactStatus::Accepted),
        "5"
    );
    assert_eq!(
        contacts[2].contact_status,
        Some(ContactStatus::Other("Shrugging".into()))
    );
    assert_eq!(contacts[2].latest_message_time, None);
    let status = contacts[1].user_status.as_ref().unwrap();
    assert_eq!(status.online_status, Some(OnlineStatus::Offline));
    assert_eq!(status.session_type, Some(SessionType::Bot));
    assert_eq!(
        status.public_rsa_key.as_ref().unwrap().exponent.as_deref(),
        Some("AQAB")
    );
    assert_eq!(status.current_session().unwrap().session_hash, "ABC");
    assert_eq!(contacts[1].alternate_usernames, ["Neos"]);
}

#[test]
fn messages_decode_json_in_a_string_on_demand() {
    let messages: Vec<Message> = serde_json::from_str(MESSAGES).unwrap();
    assert_eq!(messages.len(), 5);
    assert_eq!(
        messages[0].decode_content().unwrap(),
        MessageContent::Text("hello <3".into())
    );
    assert!(
        messages[0].last_update_time.is_some(),
        "0001-01-01T00:00:00 reads"
    );
    assert!(!messages[0].is_read());
    let MessageContent::SessionInvite(invite) = messages[1].decode_content().unwrap() else {
        panic!("an invite")
    };
    assert_eq!(invite.has_ended, Some(false), "PascalCase HasEnded");
    assert_eq!(invite.is_valid, Some(true), "PascalCase IsValid");
    assert_eq!(invite.access_level, Some(AccessLevel::Contacts));
    assert_eq!(invite.session_users[0].user_id.as_ref().unwrap(), "U-bob");
    let MessageContent::Record(record) = messages[2].decode_content().unwrap() else {
        panic!("a record")
    };
    assert_eq!(record.is_valid_owner_id, Some(true));
    assert_eq!(record.asset_manifest[0].bytes, Some(1234));
    let MessageContent::InviteRequest(request) = messages[3].decode_content().unwrap() else {
        panic!("an invite request")
    };
    assert_eq!(request.for_session_name.as_deref(), Some("X"));
    assert_eq!(
        messages[4].message_type,
        Some(MessageType::Other("99".into()))
    );
    assert!(matches!(
        messages[4].decode_content().unwrap(),
        MessageContent::Other(_)
    ));
}

#[test]
fn broken_typed_content_is_a_decode_error_not_a_panic() {
    let message = Message {
        message_type: Some(MessageType::SessionInvite),
        content: "{not json".into(),
        ..Message::default()
    };
    let err = message.decode_content().unwrap_err();
    assert!(matches!(
        err.kind(),
        omniauth_types::ErrorKind::Decode { .. }
    ));
}

#[test]
fn a_contact_session_is_found_by_its_salted_hash() {
    let session: SessionInfo = serde_json::from_str(SESSION).unwrap();
    let mut contacts: Vec<Contact> = serde_json::from_str(CONTACTS).unwrap();
    let status = contacts[1].user_status.as_mut().unwrap();
    let salt = status.hash_salt.clone().unwrap();
    status.sessions[0].session_hash = session_hash(session.session_id.as_str(), &salt);
    let known = [SessionInfo::default(), session.clone()];
    let (found, entry) = status.find_session(&known).unwrap();
    assert_eq!(found.session_id, session.session_id);
    assert!(entry.is_host);
    status.hash_salt = Some("other salt".into());
    assert!(status.find_session(&known).is_none());
}

#[test]
fn models_round_trip_through_their_own_serialization() {
    let session: SessionInfo = serde_json::from_str(SESSION).unwrap();
    let json = serde_json::to_value(&session).unwrap();
    assert!(json.get("sessionURLs").is_some());
    assert_eq!(json["sessionUsers"][0]["userID"], "U-alice");
    assert_eq!(json["accessLevel"], "Anyone");
    let back: SessionInfo = serde_json::from_value(json).unwrap();
    assert_eq!(back, session);
    let user: User = serde_json::from_str(USER).unwrap();
    let json = serde_json::to_value(&user).unwrap();
    assert_eq!(json["2fa_login"], true);
    assert_eq!(serde_json::from_value::<User>(json).unwrap(), user);
}

#[test]
fn a_record_list_reads_with_its_leaks_and_unknown_fields() {
    let records: Vec<resonite_api::model::Record> =
        serde_json::from_str(include_str!("fixtures/records.json")).unwrap();
    let cube = &records[0];
    assert_eq!(cube.path.as_deref(), Some("Inventory\\Tools"));
    assert_eq!(cube.version().global_version, Some(3));
    assert_eq!(cube.is_valid_record_id, Some(true));
    assert!(cube.creation_time.is_some());
    assert_eq!(cube.extra["randomOrder"], 12);
    assert_eq!(
        cube.asset_url().as_deref(),
        Some("https://assets.resonite.com/0f3a9c")
    );
}

#[test]
fn online_stats_read_every_named_field() {
    let stats: resonite_api::model::OnlineStats =
        serde_json::from_str(include_str!("fixtures/online_stats.json")).unwrap();
    assert_eq!(stats.registered_users, 1520);
    assert_eq!(stats.users_in_vr, 900);
    assert_eq!(stats.users_in_private_sessions, 720);
    assert_eq!(stats.users_by_client_type["Headless"], 40);
    assert_eq!(stats.active_hidden_sessions_by_access_level["Private"], 200);
    assert_eq!(stats.fields.len(), 19);
}
