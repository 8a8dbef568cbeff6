//! IAM's and STS's errors: each knows its AWS code and HTTP status (from the botocore
//! models); the Query protocol renders them in one place.

use crate::operation::ServiceError;

#[derive(Debug, thiserror::Error)]
pub enum IamError {
    #[error("{0}")]
    NoSuchEntity(String),
    #[error("{0}")]
    EntityAlreadyExists(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error("{0}")]
    DeleteConflict(String),
    #[error("{0}")]
    Validation(String),
    #[error("{0}")]
    InvalidInput(String),
    #[error("{0}")]
    MalformedPolicyDocument(String),
    #[error("{0}")]
    UnrecognizedPublicKeyEncoding(String),
    #[error("{0}")]
    InvalidPublicKey(String),
    #[error("{0}")]
    DuplicateSshPublicKey(String),
    #[error("{0}")]
    AccessDenied(String),
    #[error("{0}")]
    PasswordPolicyViolation(String),
    #[error("{0}")]
    InvalidUserType(String),
    /// A refusal before any operation runs (authentication, an unknown `Action`), with the
    /// protocol's own code and status.
    #[error("{message}")]
    Request {
        code: &'static str,
        status: u16,
        message: String,
    },
    /// A failure of the store or the server; the detail is for the log only.
    #[error("An internal error occurred.")]
    ServiceFailure(String),
}

impl IamError {
    pub fn code(&self) -> &'static str {
        match self {
            IamError::NoSuchEntity(_) => "NoSuchEntity",
            IamError::EntityAlreadyExists(_) => "EntityAlreadyExists",
            IamError::LimitExceeded(_) => "LimitExceeded",
            IamError::DeleteConflict(_) => "DeleteConflict",
            IamError::Validation(_) => "ValidationError",
            IamError::InvalidInput(_) => "InvalidInput",
            IamError::MalformedPolicyDocument(_) => "MalformedPolicyDocument",
            IamError::UnrecognizedPublicKeyEncoding(_) => "UnrecognizedPublicKeyEncoding",
            IamError::InvalidPublicKey(_) => "InvalidPublicKey",
            IamError::DuplicateSshPublicKey(_) => "DuplicateSSHPublicKey",
            IamError::AccessDenied(_) => "AccessDenied",
            IamError::PasswordPolicyViolation(_) => "PasswordPolicyViolation",
            IamError::InvalidUserType(_) => "InvalidUserType",
            IamError::Request { code, .. } => code,
            IamError::ServiceFailure(_) => "ServiceFailure",
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            IamError::NoSuchEntity(_) => 404,
            IamError::EntityAlreadyExists(_)
            | IamError::LimitExceeded(_)
            | IamError::DeleteConflict(_) => 409,
            IamError::AccessDenied(_) => 403,
            IamError::Request { status, .. } => *status,
            IamError::ServiceFailure(_) => 500,
            _ => 400,
        }
    }

    /// Whether the caller is at fault (`Sender`) or the service (`Receiver`).
    pub fn is_sender_fault(&self) -> bool {
        self.status() < 500
    }

    pub fn no_such_user(name: &str) -> Self {
        IamError::NoSuchEntity(format!("The user with name {name} cannot be found."))
    }
}

impl From<rusqlite::Error> for IamError {
    fn from(e: rusqlite::Error) -> Self {
        IamError::ServiceFailure(format!("store: {e}"))
    }
}

impl From<crate::store::StoreError> for IamError {
    fn from(e: crate::store::StoreError) -> Self {
        IamError::ServiceFailure(e.to_string())
    }
}

impl ServiceError for IamError {
    fn code(&self) -> &str {
        IamError::code(self)
    }

    fn status(&self) -> u16 {
        IamError::status(self)
    }

    fn sender_fault(&self) -> bool {
        self.is_sender_fault()
    }

    fn detail(&self) -> Option<&str> {
        match self {
            IamError::ServiceFailure(detail) => Some(detail),
            _ => None,
        }
    }

    fn access_denied(message: String) -> Self {
        IamError::AccessDenied(message)
    }

    fn validation(message: String) -> Self {
        IamError::Validation(message)
    }

    fn malformed(message: String) -> Self {
        IamError::Validation(message)
    }
}
