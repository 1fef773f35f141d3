//! What a handler's return type adds to its operation: its responses.

use alder_web::{Html, IntoResponse, Json, Response, StatusCode};
use schemars::JsonSchema;
use serde_json::json;

use crate::operation::OperationBuilder;
use crate::schema::error_ref;

/// A handler's return type, as the OpenAPI document shows it: `Json<T>` is a 200 with `T`'s
/// schema, [`Created`] a 201, [`NoContent`] a 204, `Result<T, alder::Error>` adds the error
/// responses, and so on.
///
/// ```
/// use alder_api::{ApiOutput, OperationBuilder};
/// struct Csv(String);
/// impl ApiOutput for Csv {
///     fn describe(op: &mut OperationBuilder<'_>) {
///         op.response("200", "A CSV file", Some(("text/csv", serde_json::json!({"type": "string"}))));
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is returned by an API handler, but the API document cannot describe it",
    label = "this return type",
    note = "return `Json<T>`, `Created<Json<T>>`, `NoContent`, `String`, `Html<_>` or a `Result` of them; for a type of your own, `impl alder_api::ApiOutput for {Self}` says what it answers",
    note = "a type written to the response also needs `#[derive(schemars::JsonSchema)]`"
)]
pub trait ApiOutput {
    /// Adds this type's responses to the operation.
    fn describe(op: &mut OperationBuilder<'_>);
}

impl<T: JsonSchema> ApiOutput for Json<T> {
    fn describe(op: &mut OperationBuilder<'_>) {
        let schema = op.output_schema::<T>();
        op.response(
            "200",
            "Successful response",
            Some(("application/json", schema)),
        );
    }
}

impl ApiOutput for String {
    fn describe(op: &mut OperationBuilder<'_>) {
        text(op);
    }
}

impl ApiOutput for &'static str {
    fn describe(op: &mut OperationBuilder<'_>) {
        text(op);
    }
}

fn text(op: &mut OperationBuilder<'_>) {
    op.response(
        "200",
        "Successful response",
        Some(("text/plain; charset=utf-8", json!({ "type": "string" }))),
    );
}

impl<T> ApiOutput for Html<T> {
    fn describe(op: &mut OperationBuilder<'_>) {
        op.response(
            "200",
            "An HTML page",
            Some(("text/html; charset=utf-8", json!({ "type": "string" }))),
        );
    }
}

/// A status alone: which one is known only when it is answered.
impl ApiOutput for StatusCode {
    fn describe(op: &mut OperationBuilder<'_>) {
        op.response("default", "A response without a body", None);
    }
}

/// Any response: the document cannot say which.
impl ApiOutput for Response {
    fn describe(op: &mut OperationBuilder<'_>) {
        op.response("default", "Any response", None);
    }
}

/// A success or Alder's error: `E`'s responses beside `T`'s.
impl<T: ApiOutput, E: ApiError> ApiOutput for Result<T, E> {
    fn describe(op: &mut OperationBuilder<'_>) {
        T::describe(op);
        E::describe_error(op);
    }
}

/// The error half of a handler's `Result`, as the document shows it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is the error type of an API handler, but the API document cannot describe it",
    note = "return `alder::Result<T>` (the error is `alder::Error`), or `impl alder_api::ApiError for {Self}`"
)]
pub trait ApiError {
    /// Adds the responses this error type can give.
    fn describe_error(op: &mut OperationBuilder<'_>);
}

/// Alder's error, answered in an API app as `{"detail": "…"}` with its status.
impl ApiError for alder_web::Error {
    fn describe_error(op: &mut OperationBuilder<'_>) {
        let error = Some(("application/json", error_ref("Error")));
        op.response("4XX", "A client error", error.clone());
        op.response("5XX", "A server error", error);
    }
}

/// A 422 of refused input.
impl ApiError for alder_web::valid::Invalid {
    fn describe_error(op: &mut OperationBuilder<'_>) {
        op.response(
            "422",
            "Validation error",
            Some(("application/json", error_ref("HTTPValidationError"))),
        );
    }
}

/// A 201 Created with the new object (FastAPI's `status_code=201`).
///
/// ```
/// use alder_api::Created;
/// use alder::Json;
/// async fn create() -> Created<Json<u32>> { Created(Json(7)) }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Created<T>(pub T);

impl<T: IntoResponse> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        (StatusCode::CREATED, self.0).into_response()
    }
}

impl<T: JsonSchema> ApiOutput for Created<Json<T>> {
    fn describe(op: &mut OperationBuilder<'_>) {
        let schema = op.output_schema::<T>();
        op.response("201", "Created", Some(("application/json", schema)));
    }
}

/// A 204 No Content, for a delete.
///
/// ```
/// async fn delete() -> alder_api::NoContent { alder_api::NoContent }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct NoContent;

impl IntoResponse for NoContent {
    fn into_response(self) -> Response {
        StatusCode::NO_CONTENT.into_response()
    }
}

impl ApiOutput for NoContent {
    fn describe(op: &mut OperationBuilder<'_>) {
        op.response("204", "No content", None);
    }
}
