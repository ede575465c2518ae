//! The domain's errors. The gRPC layer maps them to status codes in one place.

use crate::store::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    pub field: String,
    pub description: String,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid argument: {}", .0.iter().map(|v| format!("{}: {}", v.field, v.description)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldViolation>),
    #[error("{0}")]
    PermissionDenied(String),
    #[error("{kind} {id} not found")]
    NotFound { kind: &'static str, id: String },
    #[error("{0}")]
    FailedPrecondition(String),
    /// Optimistic concurrency: the etag did not match.
    #[error("{0}")]
    Aborted(String),
    #[error("{0}")]
    AlreadyExists(String),
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    /// A service outside samprio (KITOS) failed or cannot be reached now;
    /// the same request may succeed later.
    #[error("{0}")]
    Upstream(String),
    /// A record or event payload could not be encoded as JSON.
    #[error("encoding: {0}")]
    Encode(#[from] serde_json::Error),
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        Error::Invalid(vec![FieldViolation {
            field: field.into(),
            description: description.into(),
        }])
    }

    pub fn not_found(kind: &'static str, id: impl Into<String>) -> Self {
        Error::NotFound { kind, id: id.into() }
    }

    pub fn denied(why: impl Into<String>) -> Self {
        Error::PermissionDenied(why.into())
    }

    pub fn precondition(why: impl Into<String>) -> Self {
        Error::FailedPrecondition(why.into())
    }
}

/// Collects field violations so that a request reports all of its bad fields
/// at once.
#[derive(Default)]
pub struct Violations(Vec<FieldViolation>);

impl Violations {
    pub fn add(&mut self, field: impl Into<String>, description: impl Into<String>) {
        self.0.push(FieldViolation {
            field: field.into(),
            description: description.into(),
        });
    }

    /// Records the violation of a check that returned an error message.
    pub fn check(&mut self, field: &str, result: std::result::Result<(), String>) {
        if let Err(d) = result {
            self.add(field, d);
        }
    }

    pub fn finish(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self.0))
        }
    }
}
