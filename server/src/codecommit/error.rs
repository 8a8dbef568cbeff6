//! CodeCommit's exceptions: the `__type` AWS sends and its message. CodeCommit answers every
//! client error with HTTP 400. Each code, its constructor and its message are named once,
//! in `error/codes.rs`.

mod codes;

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
    /// The one way to make an error: `code` is one of the constants `codes` defines, and
    /// only its constructors (and the few below) call this.
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        CodeCommitError {
            code,
            message: message.into(),
            detail: None,
        }
    }

    /// CodeCommit answers client errors with 400, except the refusals of authentication.
    pub fn status(&self) -> u16 {
        match self.code {
            Self::INTERNAL_FAILURE => 500,
            Self::REQUEST_ENTITY_TOO_LARGE => 413,
            Self::MISSING_AUTHENTICATION_TOKEN | Self::INVALID_SIGNATURE | Self::EXPIRED_TOKEN => {
                403
            }
            _ => 400,
        }
    }

    /// An internal failure: the client sees only "An internal error occurred.".
    pub fn internal(detail: impl Into<String>) -> Self {
        CodeCommitError {
            detail: Some(detail.into()),
            ..CodeCommitError::new(Self::INTERNAL_FAILURE, "An internal error occurred.")
        }
    }

    /// Approval rule or template content that is not valid, as `code` names it:
    /// [`Self::INVALID_APPROVAL_RULE_TEMPLATE_CONTENT`] for a template's, any other (in
    /// practice [`Self::INVALID_APPROVAL_RULE_CONTENT`]) with a rule's message.
    pub fn invalid_content(code: &'static str) -> Self {
        if code == Self::INVALID_APPROVAL_RULE_TEMPLATE_CONTENT {
            Self::invalid_approval_rule_template_content()
        } else {
            CodeCommitError {
                code,
                ..Self::invalid_approval_rule_content()
            }
        }
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
        CodeCommitError::new(Self::ACCESS_DENIED, message)
    }

    fn validation(message: String) -> Self {
        CodeCommitError::new(Self::VALIDATION, message)
    }

    fn malformed(message: String) -> Self {
        CodeCommitError::new(Self::SERIALIZATION, message)
    }
}
