//! The web console's sign-in: account, IAM user name and console password (the user's login
//! profile), as the AWS sign-in page asks for them; then a session, named by a random token
//! the browser keeps in a cookie and the store keeps only as its SHA-256.

use sha2::{Digest, Sha256};

use crate::context::Context;
use crate::crypto::random_bytes;
use crate::iam::login_profiles::{self as profiles, PasswordState};
use crate::principal::{AuthMethod, Principal};
use crate::secret::Secret;
use crate::store::login_profiles::{self as rows, SessionRow};
use crate::store::{UserRow, iam as user_rows, now_timestamp};

/// How long a console session lasts (the AWS console's default: 12 hours).
pub const SESSION_HOURS: i64 = 12;

/// What padding checks hash against: no password matches it.
const DUMMY_SALT: [u8; 16] = [0; 16];
const DUMMY_HASH: [u8; 32] = [0; 32];

/// Why a sign-in did not begin a session. The page says only "incorrect" for the first:
/// which of account, user and password was wrong is not told.
#[derive(Debug)]
pub enum SignInError {
    Incorrect,
    /// The password is right, but the user must choose a new one first.
    MustChange(UserRow),
    /// The password expired and the policy lets only an administrator reset it.
    Expired,
    Store(String),
}

/// A signed-in console user, as each request finds it.
pub struct Session {
    pub principal: Principal,
    /// The token every form posts back (checked in constant time).
    pub csrf_token: Secret,
}

fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn store_error(e: impl std::fmt::Display) -> SignInError {
    SignInError::Store(e.to_string())
}

/// Checks the console password of `user_name` in `account_id`. Unknown accounts and users
/// cost the same hash as a known one.
pub fn check_password(
    ctx: &Context,
    account_id: &str,
    user_name: &str,
    password: &Secret,
) -> Result<UserRow, SignInError> {
    let found = ctx
        .store
        .read(|c| {
            // The account by its ID or, as AWS's sign-in page takes it, its alias.
            let account = match account_id.bytes().all(|b| b.is_ascii_digit()) {
                true => Some(account_id.to_owned()),
                false => crate::store::account_aliases::account_of(c, account_id)?,
            };
            let Some(account) = account else {
                return Ok(None);
            };
            let Some(user) = user_rows::find_user_by_name(c, &account, user_name)? else {
                return Ok(None);
            };
            Ok::<_, rusqlite::Error>(rows::find(c, &user.user_id)?.map(|p| (user, p)))
        })
        .map_err(store_error)?;
    let Some((user, profile)) = found else {
        let _ = ctx
            .hasher
            .verify(password.expose(), &DUMMY_SALT, &DUMMY_HASH);
        return Err(SignInError::Incorrect);
    };
    if !ctx.hasher.verify(
        password.expose(),
        &profile.password_salt,
        &profile.password_hash,
    ) {
        return Err(SignInError::Incorrect);
    }
    let policy = ctx
        .store
        .read(|c| profiles::policy(c, &user.account_id))
        .map_err(store_error)?;
    match profiles::state(&profile, policy.as_ref(), chrono::Utc::now()) {
        PasswordState::Current => Ok(user),
        PasswordState::MustChange => Err(SignInError::MustChange(user)),
        PasswordState::Expired => Err(SignInError::Expired),
    }
}

/// A new random token: 32 bytes as 64 hex digits.
pub fn new_token() -> String {
    hex::encode(random_bytes(32))
}

/// Begins a session for `user` (whose password was checked): the cookie's token.
pub fn begin(ctx: &Context, user: &UserRow) -> Result<Secret, SignInError> {
    let token = new_token();
    let now = chrono::Utc::now();
    let row = SessionRow {
        user_id: user.user_id.clone(),
        csrf_token: new_token(),
        expires_at: (now + chrono::Duration::hours(SESSION_HOURS))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    };
    let stamp = now_timestamp();
    ctx.store
        .write(|c| {
            rows::insert_session(c, &hash_token(&token), &row, &stamp)?;
            rows::record_use(c, &user.user_id, &stamp)
        })
        .map_err(store_error)?;
    Ok(Secret::new(token))
}

/// The session a cookie's token names, if it has not ended and its user still exists.
pub fn session(ctx: &Context, token: &str) -> Option<Session> {
    let now = now_timestamp();
    let found = ctx.store.read(|c| {
        let Some(session) = rows::find_session(c, &hash_token(token), &now)? else {
            return Ok(None);
        };
        Ok::<_, rusqlite::Error>(
            user_rows::find_user_by_id(c, &session.user_id)?.map(|u| (u, session)),
        )
    });
    match found {
        Ok(Some((user, session))) => Some(Session {
            principal: crate::iam::users::principal(&user, AuthMethod::ConsolePassword),
            csrf_token: Secret::new(session.csrf_token),
        }),
        Ok(None) => None,
        Err(e) => {
            tracing::error!("reading a console session: {e}");
            None
        }
    }
}

/// Ends the session a cookie's token names.
pub fn end(ctx: &Context, token: &str) {
    if let Err(e) = ctx
        .store
        .write(|c| rows::delete_session(c, &hash_token(token)))
    {
        tracing::error!("ending a console session: {e}");
    }
}
