//! CodeCommit's exceptions: the `__type` AWS sends and its message. CodeCommit answers every
//! client error with HTTP 400.

use crate::operation::ServiceError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CodeCommitError {
    pub code: &'static str,
    pub message: String,
    /// What an internal failure came from: for the log only.
    pub detail: Option<String>,
}

impl CodeCommitError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        CodeCommitError {
            code,
            message: message.into(),
            detail: None,
        }
    }

    /// CodeCommit answers client errors with 400, except the refusals of authentication.
    pub fn status(&self) -> u16 {
        match self.code {
            "InternalFailure" => 500,
            "RequestEntityTooLargeException" => 413,
            "MissingAuthenticationTokenException"
            | "InvalidSignatureException"
            | "ExpiredTokenException" => 403,
            _ => 400,
        }
    }

    /// An internal failure: the client sees only "An internal error occurred.".
    pub fn internal(detail: impl Into<String>) -> Self {
        CodeCommitError {
            detail: Some(detail.into()),
            ..CodeCommitError::new("InternalFailure", "An internal error occurred.")
        }
    }

    pub fn repository_does_not_exist(name: &str) -> Self {
        CodeCommitError::new(
            "RepositoryDoesNotExistException",
            format!("{name} does not exist"),
        )
    }

    pub fn required(code: &'static str, what: &str) -> Self {
        CodeCommitError::new(code, format!("{what} is required, but was not specified."))
    }
}

impl From<rusqlite::Error> for CodeCommitError {
    fn from(e: rusqlite::Error) -> Self {
        CodeCommitError::internal(format!("store: {e}"))
    }
}

impl From<crate::store::StoreError> for CodeCommitError {
    fn from(e: crate::store::StoreError) -> Self {
        CodeCommitError::internal(format!("{e}"))
    }
}

impl From<git2::Error> for CodeCommitError {
    fn from(e: git2::Error) -> Self {
        CodeCommitError::internal(format!("git: {e}"))
    }
}

impl From<std::io::Error> for CodeCommitError {
    fn from(e: std::io::Error) -> Self {
        CodeCommitError::internal(format!("repository files: {e}"))
    }
}

impl ServiceError for CodeCommitError {
    fn code(&self) -> &str {
        self.code
    }

    fn status(&self) -> u16 {
        CodeCommitError::status(self)
    }

    fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    fn access_denied(message: String) -> Self {
        CodeCommitError::new("AccessDeniedException", message)
    }

    fn validation(message: String) -> Self {
        CodeCommitError::new("ValidationException", message)
    }

    fn malformed(message: String) -> Self {
        CodeCommitError::new("SerializationException", message)
    }
}
