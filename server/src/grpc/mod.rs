//! The gRPC surface: decode and validate requests, call the domain, and map
//! its errors to `tonic::Status` in one place ([`status`]).

pub mod audit;
pub mod convert;
pub mod cooperation;
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
    match e {
        Error::Invalid(vs) => {
            let message = e_message(&vs);
            let details = ErrorDetails::with_bad_request(
                vs.into_iter()
                    .map(|v| FieldViolation::new(v.field, v.description))
                    .collect::<Vec<_>>(),
            );
            Status::with_error_details(Code::InvalidArgument, message, details)
        }
        Error::PermissionDenied(m) => Status::permission_denied(m),
        Error::NotFound { kind, id } => Status::not_found(format!("{kind} {id} not found")),
        Error::FailedPrecondition(m) => Status::failed_precondition(m),
        Error::Aborted(m) => Status::aborted(m),
        Error::AlreadyExists(m) => Status::already_exists(m),
        Error::Store(StoreError::Unique(what)) => Status::already_exists(format!("already exists ({what})")),
        Error::Store(StoreError::ForeignKey(what)) => {
            Status::failed_precondition(format!("refers to a record that does not exist ({what})"))
        }
        Error::Store(StoreError::Conflict) => Status::aborted("the record changed concurrently; re-read and try again"),
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
pub fn ctx<T: prost::Message>(req: &Request<T>, request_id: &str) -> Result<Ctx, Status> {
    let principal = crate::auth::principal(req)?.clone();
    if request_id.len() > 128 {
        return Err(status(Error::invalid("request_id", "must be at most 128 characters")));
    }
    let fingerprint = hex::encode(Sha256::digest(req.get_ref().encode_to_vec()));
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
