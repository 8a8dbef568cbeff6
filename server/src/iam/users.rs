//! IAM users.

use crate::iam::ids::IdKind;
use crate::store::{UserRow, now_timestamp};

/// A new user row with a fresh `AIDA…` ID.
pub fn new_user(account_id: &str, user_name: &str, path: &str) -> UserRow {
    UserRow {
        user_id: IdKind::User.generate(),
        account_id: account_id.to_owned(),
        user_name: user_name.to_owned(),
        path: path.to_owned(),
        created_at: now_timestamp(),
    }
}
