//! The gRPC surface: decode and validate requests, call the domain, and map
//! its errors to `tonic::Status` in one place ([`status`]).

pub mod audit;
pub mod calls;
pub mod convert;
pub mod cooperation;
pub mod edge;
pub mod follow_up;
pub mod portfolio;
pub mod priority;
pub mod proposal;
pub mod register;
pub mod session;

use sha2::{Digest, Sha256};
use tonic::{Code, Request, Status};
use tonic_types::{ErrorDetails, FieldViolation, StatusExt};

use crate::domain::Error;
use crate::domain::write::{Ctx, now_micros};
use crate::store::StoreError;

/// The one mapping from domain errors to gRPC statuses. Internal failures are
/// logged in full and answered with a generic message.
pub fn status(e: Error) -> Status {
    let status = domain_status(e);
    if status.message().len() <= MAX_MESSAGE {
        return status;
    }
    let message = bounded(status.message(), MAX_MESSAGE);
    Status::with_details(status.code(), message, status.details().to_vec().into())
}

/// Longest status message, in bytes: messages may quote input, and a client
/// rejects a trailer of megabytes.
const MAX_MESSAGE: usize = 1024;
/// Longest quotation of input in a message, in characters.
const MAX_QUOTE: usize = 64;
/// Most field violations a response lists.
const MAX_VIOLATIONS: usize = 20;

/// Input quoted in a message, cut to a short prefix.
pub fn quote(input: &str) -> String {
    bounded(input, MAX_QUOTE)
}

/// `s` cut at a character boundary to at most `max` bytes, marked with "…".
fn bounded(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &s[..end], s.len())
}

fn domain_status(e: Error) -> Status {
    match e {
        Error::Invalid(mut vs) => {
            let more = vs.len().saturating_sub(MAX_VIOLATIONS);
            vs.truncate(MAX_VIOLATIONS);
            for v in &mut vs {
                v.field = bounded(&v.field, 200);
                v.description = bounded(&v.description, 300);
            }
            if more > 0 {
                vs.push(crate::domain::error::FieldViolation {
                    field: String::new(),
                    description: format!("and {more} more"),
                });
            }
            let message = e_message(&vs);
            let details = ErrorDetails::with_bad_request(
                vs.into_iter()
                    .map(|v| FieldViolation::new(v.field, v.description))
                    .collect::<Vec<_>>(),
            );
            Status::with_error_details(Code::InvalidArgument, message, details)
        }
        Error::PermissionDenied(m) => Status::permission_denied(m),
        Error::NotFound { kind, id } => Status::not_found(format!("{kind} {} not found", quote(&id))),
        Error::FailedPrecondition(m) => Status::failed_precondition(m),
        Error::Aborted(m) => Status::aborted(m),
        Error::AlreadyExists(m) => Status::already_exists(m),
        Error::Upstream(m) => Status::unavailable(m),
        Error::Store(StoreError::Unique(what)) => Status::already_exists(format!("already exists ({what})")),
        Error::Store(StoreError::ForeignKey(what)) => {
            Status::failed_precondition(format!("refers to a record that does not exist ({what})"))
        }
        Error::Store(StoreError::Conflict) => Status::aborted("the record changed concurrently; re-read and try again"),
        Error::Store(StoreError::Unavailable(e)) => {
            tracing::warn!(error = %e, "database unavailable");
            Status::unavailable("the database is unavailable; retry later (a retry with the same request_id is safe)")
        }
        Error::Store(e) => {
            tracing::error!(error = %e, "internal error");
            Status::internal("internal error; the server log has the details")
        }
        Error::Encode(e) => {
            tracing::error!(error = %e, "internal error");
            Status::internal("internal error; the server log has the details")
        }
    }
}

fn e_message(vs: &[crate::domain::error::FieldViolation]) -> String {
    vs.iter()
        .map(|v| format!("{}: {}", v.field, v.description))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The caller's context: its verified principal, the request's idempotency
/// key and a fingerprint of the whole request.
///
/// Every handler calls this first, so the checks of [`edge`] cover every
/// method.
pub fn ctx<T: prost::Message + prost::Name>(req: &Request<T>, request_id: &str) -> Result<Ctx, Status> {
    let principal = crate::auth::principal(req)?.clone();
    let bytes = req.get_ref().encode_to_vec();
    edge::check(&T::full_name(), &bytes).map_err(status)?;
    if request_id.len() > 128 {
        return Err(status(Error::invalid("request_id", "must be at most 128 characters")));
    }
    // Only a request that carries a `request_id` is remembered by it.
    let fingerprint = if request_id.is_empty() {
        String::new()
    } else {
        hex::encode(Sha256::digest(&bytes))
    };
    let span = tracing::Span::current();
    span.record("sub", principal.sub.as_str());
    span.record("municipality", principal.municipality.as_str());
    Ok(Ctx {
        principal,
        request_id: request_id.to_string(),
        fingerprint,
        now: now_micros(),
        system: false,
    })
}

/// Shorthand for handlers: domain result into a gRPC response.
pub fn reply<T, U>(r: crate::domain::Result<T>, f: impl FnOnce(T) -> U) -> Result<tonic::Response<U>, Status> {
    r.map(|v| tonic::Response::new(f(v))).map_err(status)
}
