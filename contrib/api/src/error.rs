//! The error of an API handler: Alder's error, or input refused with a 422.

use alder_web::valid::Invalid;
use alder_web::{IntoResponse, Response};

use crate::output::ApiError;
use crate::OperationBuilder;

/// What an API handler returns on failure: an Alder [`Error`](alder_web::Error) (a 404, a
/// 403, a database failure…) or refused input ([`Invalid`], a 422 listing each problem).
/// `?` on [`full_clean`](alder_web::db::crud::full_clean) turns the model's validation errors
/// into the 422, each at `["body", field]`; any other database error stays what it was.
///
/// ```
/// use alder::db::validation::{ValidationError, ValidationErrors};
/// let mut errors = ValidationErrors::new();
/// errors.add("title", ValidationError::new("blank", "This field cannot be blank."));
/// let error = alder_api::Error::from(alder::db::DbError::Invalid { model: "Post", errors });
/// assert_eq!(alder::IntoResponse::into_response(error).status(), 422);
/// ```
#[derive(Debug)]
pub enum Error {
    /// Alder's error, answered as `{"detail": "…"}` with its status.
    Http(alder_web::Error),
    /// Refused input, answered 422 as FastAPI does.
    Invalid(Invalid),
}

/// `Result<T, alder_api::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<alder_web::Error> for Error {
    fn from(error: alder_web::Error) -> Self {
        Error::Http(error)
    }
}

impl From<Invalid> for Error {
    fn from(invalid: Invalid) -> Self {
        Error::Invalid(invalid)
    }
}

impl From<alder_web::db::DbError> for Error {
    fn from(error: alder_web::db::DbError) -> Self {
        match error {
            alder_web::db::DbError::Invalid { errors, .. } => {
                Error::Invalid(Invalid::from_errors("body", &errors))
            }
            other => Error::Http(other.into()),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        match self {
            Error::Http(error) => error.into_response(),
            Error::Invalid(invalid) => invalid.into_response(),
        }
    }
}

impl ApiError for Error {
    fn describe_error(op: &mut OperationBuilder<'_>) {
        alder_web::Error::describe_error(op);
        Invalid::describe_error(op);
    }
}
