//! What this connection asked the hub to send it. Subscriptions live per connection on the
//! server (spec §2.5), so the client replays them after every reconnect.

use serde_json::Value;

use crate::model::UserId;

/// The subscriptions made so far, replayed in this order after a reconnect:
/// `InitializeStatus`, each `RequestStatus`, each `ListenOnContact`, each `ListenOnKey`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subscriptions {
    /// Whether `InitializeStatus` was called.
    pub initialize_status: bool,
    /// Each distinct `RequestStatus(userId | null, invisible)`.
    pub request_status: Vec<(Option<UserId>, bool)>,
    /// Each contact listened on.
    pub contacts: Vec<UserId>,
    /// Each broadcast key listened on.
    pub keys: Vec<String>,
}

/// One subscription a call makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Subscription {
    InitializeStatus,
    RequestStatus(Option<UserId>, bool),
    Contact(UserId),
    Key(String),
}

impl Subscriptions {
    /// Records a subscription (once).
    pub(crate) fn record(&mut self, subscription: Subscription) {
        match subscription {
            Subscription::InitializeStatus => self.initialize_status = true,
            Subscription::RequestStatus(user, invisible) => {
                push_once(&mut self.request_status, (user, invisible));
            }
            Subscription::Contact(user) => push_once(&mut self.contacts, user),
            Subscription::Key(key) => push_once(&mut self.keys, key),
        }
    }

    /// The invocations that restore them: `(target, arguments)`.
    pub fn replay(&self) -> Vec<(&'static str, Vec<Value>)> {
        let mut calls = Vec::new();
        if self.initialize_status {
            calls.push(("InitializeStatus", Vec::new()));
        }
        for (user, invisible) in &self.request_status {
            let user = user
                .as_ref()
                .map_or(Value::Null, |u| Value::String(u.to_string()));
            calls.push(("RequestStatus", vec![user, Value::Bool(*invisible)]));
        }
        for user in &self.contacts {
            calls.push(("ListenOnContact", vec![Value::String(user.to_string())]));
        }
        for key in &self.keys {
            calls.push(("ListenOnKey", vec![Value::String(key.clone())]));
        }
        calls
    }

    /// Whether nothing is subscribed.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

fn push_once<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_once_and_replayed_in_order() {
        let mut subs = Subscriptions::default();
        assert!(subs.is_empty());
        subs.record(Subscription::Key("k".into()));
        subs.record(Subscription::Contact(UserId::new("U-b")));
        subs.record(Subscription::Contact(UserId::new("U-b")));
        subs.record(Subscription::RequestStatus(None, false));
        subs.record(Subscription::InitializeStatus);
        let targets: Vec<_> = subs.replay().into_iter().map(|(t, _)| t).collect();
        assert_eq!(
            targets,
            [
                "InitializeStatus",
                "RequestStatus",
                "ListenOnContact",
                "ListenOnKey"
            ]
        );
        assert_eq!(subs.replay()[1].1, vec![Value::Null, Value::Bool(false)]);
    }
}
