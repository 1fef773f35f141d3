//! What a handler's arguments add to its operation: parameters, a request body, the
//! responses an extractor itself can give (422, 415, 413).

use alder_web::extract::{Form, Path, Query};
use alder_web::valid::{Valid, Validate};
use alder_web::Json;
use schemars::JsonSchema;
use serde_json::Value as Json_;

use crate::operation::{OperationBuilder, ParamIn};
use crate::schema::{apply_rules, error_ref};

/// An argument of an API handler, as the OpenAPI document shows it. Extractors that read
/// the request (`Json`, `Query`, `Path`, `Form`, their [`Valid`] forms) describe what they
/// read; the others (`Db`, `Urls`, `State`, a session, the user) add nothing.
///
/// An extractor of your own takes one line, `impl alder_api::ApiInput for MyExtractor {}`,
/// or a body that describes it:
///
/// ```
/// use alder_api::{ApiInput, OperationBuilder, ParamIn};
/// struct Tenant(String);
/// impl ApiInput for Tenant {
///     fn describe(op: &mut OperationBuilder<'_>) {
///         op.parameter(ParamIn::Header, "X-Tenant", true, serde_json::json!({"type": "string"}), None);
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is an argument of an API handler, but the API document cannot describe it",
    label = "this argument",
    note = "Alder's extractors and axum's common ones are described; for one of your own write `impl alder_api::ApiInput for {Self} {{}}` (or describe what it reads)",
    note = "a type read from the request also needs `#[derive(schemars::JsonSchema)]`"
)]
pub trait ApiInput {
    /// Adds what this argument reads to the operation. The default adds nothing.
    fn describe(op: &mut OperationBuilder<'_>) {
        let _ = op;
    }
}

/// Arguments that read nothing a client sends, or nothing the document shows.
macro_rules! undocumented {
    ($($ty:ty),* $(,)?) => { $(impl ApiInput for $ty {})* };
}

undocumented!(
    alder_web::Db,
    alder_web::extract::Urls,
    alder_web::Templates,
    alder_web::storage::Media,
    alder_web::csrf::CsrfToken,
    alder_web::security::Scheme,
    http::HeaderMap,
    http::Method,
    http::Uri,
    http::request::Parts,
    axum::extract::Request,
    axum::extract::OriginalUri,
    axum::extract::MatchedPath,
    axum::extract::RawPathParams,
);

impl<T> ApiInput for axum::extract::State<T> {}
impl<T> ApiInput for axum::extract::Extension<T> {}
/// An optional extractor: a body it reads may be left out.
impl<T: ApiInput> ApiInput for Option<T> {
    fn describe(op: &mut OperationBuilder<'_>) {
        let had_body = op.request_body.is_some();
        T::describe(op);
        if let (false, Some(body)) = (had_body, op.request_body.as_mut()) {
            body["required"] = serde_json::Value::Bool(false);
        }
    }
}

/// A JSON body.
impl<T: JsonSchema> ApiInput for Json<T> {
    fn describe(op: &mut OperationBuilder<'_>) {
        let schema = op.input_schema::<T>();
        op.request_body("application/json", schema);
        plain_body_errors(op);
    }
}

/// A JSON body checked by `T`'s rules, which the schema shows.
impl<T: JsonSchema + Validate> ApiInput for Valid<Json<T>> {
    fn describe(op: &mut OperationBuilder<'_>) {
        valid_body::<T>(op, "application/json");
    }
}

/// A form body (`application/x-www-form-urlencoded`); on a GET, the query string.
impl<T: JsonSchema> ApiInput for Form<T> {
    fn describe(op: &mut OperationBuilder<'_>) {
        if reads_query(op) {
            let schema = op.inline_input_schema::<T>();
            parameters(op, ParamIn::Query, &schema);
        } else {
            let schema = op.input_schema::<T>();
            op.request_body("application/x-www-form-urlencoded", schema);
        }
        // Alder's `Form` answers with its error, `{"detail": "…"}` in an API app.
        let error = || Some(("application/json", error_ref("Error")));
        op.response("400", "The body could not be read", error());
        op.response("413", "The body is too large", error());
        op.response(
            "415",
            "The body is not of the expected content type",
            error(),
        );
        op.response("422", "A field does not fit its type", error());
    }
}

/// A form body checked by `T`'s rules (always the body, whatever the method).
impl<T: JsonSchema + Validate> ApiInput for Valid<Form<T>> {
    fn describe(op: &mut OperationBuilder<'_>) {
        valid_body::<T>(op, "application/x-www-form-urlencoded");
    }
}

/// The query string: each field of `T` a parameter.
impl<T: JsonSchema> ApiInput for Query<T> {
    fn describe(op: &mut OperationBuilder<'_>) {
        let schema = op.inline_input_schema::<T>();
        parameters(op, ParamIn::Query, &schema);
        op.response(
            "400",
            "The query string does not fit",
            Some(("application/json", error_ref("Error"))),
        );
    }
}

/// The query string, checked by `T`'s rules.
impl<T: JsonSchema + Validate> ApiInput for Valid<Query<T>> {
    fn describe(op: &mut OperationBuilder<'_>) {
        let schema = ruled_inline_schema::<T>(op);
        parameters(op, ParamIn::Query, &schema);
        validation_error(op);
    }
}

/// The path's parameters.
impl<T: JsonSchema> ApiInput for Path<T> {
    fn describe(op: &mut OperationBuilder<'_>) {
        let schema = op.inline_input_schema::<T>();
        path_parameters(op, &schema);
        // axum's own rejection: plain text.
        op.response("400", "A path parameter does not fit", text());
    }
}

/// The path's parameters, checked by `T`'s rules.
impl<T: JsonSchema + Validate> ApiInput for Valid<Path<T>> {
    fn describe(op: &mut OperationBuilder<'_>) {
        let schema = ruled_inline_schema::<T>(op);
        path_parameters(op, &schema);
        validation_error(op);
    }
}

/// Whether a `Form` is read from the query string: axum's does so on GET and HEAD.
fn reads_query(op: &OperationBuilder<'_>) -> bool {
    matches!(op.method(), "GET" | "HEAD")
}

/// Writes `T`'s `#[validate]` rules into its input schema.
fn with_rules<T: Validate>(op: &mut OperationBuilder<'_>, schema: &mut Json_) {
    apply_rules(schema, T::field_rules(), op.inputs.definitions_mut());
}

/// `T`'s schema written out with its rules, for a type whose fields become parameters.
fn ruled_inline_schema<T: JsonSchema + Validate>(op: &mut OperationBuilder<'_>) -> Json_ {
    let mut schema = op.inline_input_schema::<T>();
    with_rules::<T>(op, &mut schema);
    schema
}

/// A `Valid` body of `content_type`: `T`'s schema with its rules, and what `Valid` refuses.
fn valid_body<T: JsonSchema + Validate>(op: &mut OperationBuilder<'_>, content_type: &str) {
    let mut schema = op.input_schema::<T>();
    with_rules::<T>(op, &mut schema);
    op.request_body(content_type, schema);
    valid_body_errors(op);
}

/// A plain-text body, as axum's own rejections are.
fn text() -> Option<(&'static str, Json_)> {
    Some((
        "text/plain; charset=utf-8",
        serde_json::json!({ "type": "string" }),
    ))
}

/// The 422 of refused input, FastAPI's `HTTPValidationError`.
fn validation_error(op: &mut OperationBuilder<'_>) {
    op.response(
        "422",
        "Validation error",
        Some(("application/json", error_ref("HTTPValidationError"))),
    );
}

/// What `Valid`'s body extractors can answer before the handler runs: the problems in
/// FastAPI's form, a body that cannot be read as Alder's error.
fn valid_body_errors(op: &mut OperationBuilder<'_>) {
    validation_error(op);
    let problems = Some(("application/json", error_ref("HTTPValidationError")));
    op.response(
        "415",
        "The body is not of the expected content type",
        problems,
    );
    let error = Some(("application/json", error_ref("Error")));
    op.response("400", "The body could not be read", error.clone());
    op.response("413", "The body is too large", error);
}

/// What axum's own body extractors answer before the handler runs: plain text.
fn plain_body_errors(op: &mut OperationBuilder<'_>) {
    op.response("400", "The body could not be read", text());
    op.response("413", "The body is too large", text());
    op.response(
        "415",
        "The body is not of the expected content type",
        text(),
    );
    op.response("422", "The body does not fit the type", text());
}

/// Each property of an object schema, as a parameter in `place`.
fn parameters(op: &mut OperationBuilder<'_>, place: ParamIn, schema: &Json_) {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|names| names.iter().filter_map(Json_::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = schema["properties"].as_object() else {
        return;
    };
    for (name, property) in properties {
        let description = property["description"].as_str().map(str::to_owned);
        op.parameter(
            place,
            name,
            required.contains(&name.as_str()),
            property.clone(),
            description.as_deref(),
        );
    }
}

/// `Path<T>`: a struct's fields by name, a tuple's items by position, or one value for the
/// route's only parameter.
fn path_parameters(op: &mut OperationBuilder<'_>, schema: &Json_) {
    if schema["properties"].is_object() {
        return parameters(op, ParamIn::Path, schema);
    }
    let names = op.path_names().to_vec();
    if let Some(items) = schema["prefixItems"].as_array() {
        for (name, item) in names.iter().zip(items) {
            op.parameter(ParamIn::Path, name, true, item.clone(), None);
        }
        return;
    }
    if let Some(name) = names.first() {
        op.parameter(ParamIn::Path, name, true, schema.clone(), None);
    }
}
