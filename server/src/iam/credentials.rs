//! Service-specific credentials: the Git credentials CodeCommit's HTTPS path signs in with.

use base64::Engine;
use rusqlite::Connection;

use crate::crypto::{passwords::PasswordHasher, random_bytes};
use crate::iam::ids::IdKind;
use crate::iam::{
    IamError, MAX_SERVICE_CREDENTIALS_PER_SERVICE, SUPPORTED_SERVICES, service_user_name,
};
use crate::secret::Secret;
use crate::store::iam as rows;
use crate::store::{CredentialStatus, ServiceCredentialRow, UserRow, now_timestamp};

/// A password as IAM generates them: 32 random bytes, base64 (44 characters).
pub fn generate_password() -> Secret {
    Secret::new(base64::engine::general_purpose::STANDARD.encode(random_bytes(32)))
}

/// NoSuchEntity for a service IAM issues no credentials for.
pub fn check_service(service_name: &str) -> Result<(), IamError> {
    if SUPPORTED_SERVICES.contains(&service_name) {
        Ok(())
    } else {
        Err(IamError::NoSuchEntity(format!(
            "No such service {service_name} is supported for Service Specific Credentials"
        )))
    }
}

fn no_such_credential(id: &str) -> IamError {
    IamError::NoSuchEntity(format!("No such credential {id} exists"))
}

/// Creates a credential for `user` and `service` with `password` (stored only as a hash).
/// LimitExceeded past two per user and service.
pub fn create(
    c: &Connection,
    hasher: &PasswordHasher,
    user: &UserRow,
    service_name: &str,
    password: &Secret,
    status: CredentialStatus,
) -> Result<ServiceCredentialRow, IamError> {
    check_service(service_name)?;
    let existing = rows::list_service_credentials(c, &user.user_id, Some(service_name))?;
    if existing.len() >= MAX_SERVICE_CREDENTIALS_PER_SERVICE {
        return Err(IamError::LimitExceeded(format!(
            "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: {MAX_SERVICE_CREDENTIALS_PER_SERVICE}"
        )));
    }
    let hashed = hasher.hash(password.expose());
    let row = ServiceCredentialRow {
        credential_id: IdKind::ServiceCredential.generate(),
        user_id: user.user_id.clone(),
        service_name: service_name.to_owned(),
        service_user_name: service_user_name(&user.user_name, &user.account_id),
        password_salt: hashed.salt,
        password_hash: hashed.hash,
        status,
        created_at: now_timestamp(),
    };
    rows::insert_service_credential(c, &row)?;
    Ok(row)
}

/// The user's credential for `service_name` whose password is `password`, if any.
pub fn find_by_password(
    c: &Connection,
    hasher: &PasswordHasher,
    user_id: &str,
    service_name: &str,
    password: &Secret,
) -> rusqlite::Result<Option<ServiceCredentialRow>> {
    Ok(
        rows::list_service_credentials(c, user_id, Some(service_name))?
            .into_iter()
            .find(|row| hasher.verify(password.expose(), &row.password_salt, &row.password_hash)),
    )
}

/// Lists a user's credentials (all services).
pub fn list_for_user(c: &Connection, user_id: &str) -> rusqlite::Result<Vec<ServiceCredentialRow>> {
    rows::list_service_credentials(c, user_id, None)
}

/// The credential `id` of `user`, or NoSuchEntity.
pub fn owned(c: &Connection, user: &UserRow, id: &str) -> Result<ServiceCredentialRow, IamError> {
    rows::find_service_credential(c, id)?
        .filter(|r| r.user_id == user.user_id)
        .ok_or_else(|| no_such_credential(id))
}

/// ResetServiceSpecificCredential: a new generated password, returned once.
pub fn reset(
    c: &Connection,
    hasher: &PasswordHasher,
    user: &UserRow,
    id: &str,
) -> Result<(ServiceCredentialRow, Secret), IamError> {
    let row = owned(c, user, id)?;
    let password = generate_password();
    let hashed = hasher.hash(password.expose());
    rows::set_service_credential_password(c, id, &hashed.salt, &hashed.hash)?;
    Ok((row, password))
}

/// Makes a credential Active or Inactive; false if there is no such credential.
pub fn set_status(
    c: &Connection,
    credential_id: &str,
    status: CredentialStatus,
) -> rusqlite::Result<bool> {
    rows::set_service_credential_status(c, credential_id, status)
}

/// Deletes a credential; false if there was none.
pub fn delete(c: &Connection, credential_id: &str) -> rusqlite::Result<bool> {
    rows::delete_service_credential(c, credential_id)
}
