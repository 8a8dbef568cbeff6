//! CodeCommit's exceptions: the `__type` AWS sends and its message. CodeCommit answers every
//! client error with HTTP 400.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct CodeCommitError {
    pub code: &'static str,
    pub message: String,
}

impl CodeCommitError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        CodeCommitError {
            code,
            message: message.into(),
        }
    }

    pub fn status(&self) -> u16 {
        if self.code == "InternalFailure" {
            500
        } else {
            400
        }
    }

    pub fn internal() -> Self {
        CodeCommitError::new("InternalFailure", "An internal error occurred.")
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
        tracing::error!("store: {e}");
        CodeCommitError::internal()
    }
}

impl From<crate::store::StoreError> for CodeCommitError {
    fn from(e: crate::store::StoreError) -> Self {
        tracing::error!("{e}");
        CodeCommitError::internal()
    }
}

impl From<git2::Error> for CodeCommitError {
    fn from(e: git2::Error) -> Self {
        tracing::error!("git: {e}");
        CodeCommitError::internal()
    }
}

impl From<std::io::Error> for CodeCommitError {
    fn from(e: std::io::Error) -> Self {
        tracing::error!("repository files: {e}");
        CodeCommitError::internal()
    }
}
