//! IAM's and STS's errors: each knows its AWS code and HTTP status (from the botocore
//! models); the Query protocol renders them in one place.

#[derive(Debug, thiserror::Error)]
pub enum IamError {
    #[error("{0}")]
    NoSuchEntity(String),
    #[error("{0}")]
    EntityAlreadyExists(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error("Cannot delete entity, must remove referenced objects first.")]
    DeleteConflict,
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
    #[error("An internal error occurred.")]
    ServiceFailure,
}

impl IamError {
    pub fn code(&self) -> &'static str {
        match self {
            IamError::NoSuchEntity(_) => "NoSuchEntity",
            IamError::EntityAlreadyExists(_) => "EntityAlreadyExists",
            IamError::LimitExceeded(_) => "LimitExceeded",
            IamError::DeleteConflict => "DeleteConflict",
            IamError::Validation(_) => "ValidationError",
            IamError::InvalidInput(_) => "InvalidInput",
            IamError::MalformedPolicyDocument(_) => "MalformedPolicyDocument",
            IamError::UnrecognizedPublicKeyEncoding(_) => "UnrecognizedPublicKeyEncoding",
            IamError::InvalidPublicKey(_) => "InvalidPublicKey",
            IamError::DuplicateSshPublicKey(_) => "DuplicateSSHPublicKey",
            IamError::AccessDenied(_) => "AccessDenied",
            IamError::ServiceFailure => "ServiceFailure",
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            IamError::NoSuchEntity(_) => 404,
            IamError::EntityAlreadyExists(_)
            | IamError::LimitExceeded(_)
            | IamError::DeleteConflict => 409,
            IamError::AccessDenied(_) => 403,
            IamError::ServiceFailure => 500,
            _ => 400,
        }
    }

    /// Whether the caller is at fault (`Sender`) or the service (`Receiver`).
    pub fn is_sender_fault(&self) -> bool {
        !matches!(self, IamError::ServiceFailure)
    }

    pub fn no_such_user(name: &str) -> Self {
        IamError::NoSuchEntity(format!("The user with name {name} cannot be found."))
    }
}

impl From<rusqlite::Error> for IamError {
    fn from(e: rusqlite::Error) -> Self {
        tracing::error!("store: {e}");
        IamError::ServiceFailure
    }
}
