//! Validated input for APIs (FastAPI's request models): [`Valid`] around `Json`, `Query` or
//! `Form` parses the input into `T` and runs `T`'s [`Validate`] rules; anything wrong is
//! answered **422** with FastAPI's body, one entry per problem:
//! `{"detail": [{"loc": ["body", "title"], "msg": "…", "type": "…"}]}`.
//!
//! Where the input broke is named by its path (`["body", "tags", 2]`), found with
//! `serde_path_to_error` while `serde` reads it, so a wrong type, a missing field, a number too
//! large for its type, invalid UTF-8 or nesting past serde_json's depth limit each say where.
//!
//! ```
//! use alder_web::{App, Project, Settings, Json, routing::post, test::TestClient};
//! use alder_web::valid::{Valid, Validate};
//! use alder_web::db::validation::{ValidationError, ValidationErrors};
//!
//! #[derive(serde::Deserialize, serde::Serialize)]
//! struct NewPost { title: String, stars: u8 }
//!
//! impl Validate for NewPost {
//!     fn validate(&self) -> Result<(), ValidationErrors> {
//!         let mut errors = ValidationErrors::new();
//!         if self.title.trim().is_empty() {
//!             errors.add("title", ValidationError::new("blank", "This field cannot be blank."));
//!         }
//!         errors.into_result()
//!     }
//! }
//!
//! async fn create(Valid(Json(post)): Valid<Json<NewPost>>) -> Json<NewPost> { Json(post) }
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let client = TestClient::new(Project::new(Settings::debug())
//!     .app(App::new("api").api().route("/posts/", post(create), "create")));
//! client.post("/posts/").json(&serde_json::json!({"title": "Hi", "stars": 5})).await.assert_ok();
//! client.post("/posts/").json(&serde_json::json!({"title": " ", "stars": 300})).await
//!     .assert_status(422)
//!     .assert_contains(r#""loc":["body","stars"]"#);
//! # });
//! ```

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use http::{header, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::db::validation::{ValidationErrors, Validator};
use crate::extract::path::ErrorKind;
use crate::extract::rejection::PathRejection;
use crate::extract::{Form, Path, Query, RawPathParams};
use crate::{Error, Json};

/// Rules a type checks after it was parsed: lengths, ranges, formats, relations between its
/// fields. Errors are reported per field, under the field's name as the input spells it.
///
/// ```
/// use alder_web::valid::Validate;
/// use alder_web::db::validation::{ValidationError, ValidationErrors};
/// struct Range { low: i32, high: i32 }
/// impl Validate for Range {
///     fn validate(&self) -> Result<(), ValidationErrors> {
///         let mut errors = ValidationErrors::new();
///         if self.low > self.high {
///             errors.add("low", ValidationError::new("max_value", "low must not exceed high"));
///         }
///         errors.into_result()
///     }
/// }
/// assert!(Range { low: 3, high: 1 }.validate().is_err());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no `Validate` rules to run",
    label = "`nested` and `Valid<…>` need a type that implements `Validate`",
    note = "derive it with `#[derive(Validate)]`, or drop `nested` from a field whose own rules are enough"
)]
pub trait Validate {
    /// Every problem found, by field; `Ok` when there is none.
    fn validate(&self) -> Result<(), ValidationErrors>;

    /// The rules declared on the fields, for documents describing the type (the OpenAPI
    /// schema's `minLength`, `maximum`, `format`); `#[derive(Validate)]` fills it in, a
    /// hand-written implementation may leave it empty.
    fn field_rules() -> &'static [FieldRules]
    where
        Self: Sized,
    {
        &[]
    }
}

/// Implements [`Validate`] from `#[validate(...)]` rules on the fields: `min`, `max`,
/// `min_length`, `max_length`, `regex`, `email`, `url`, `slug`, `ip`, `validate = "path"`,
/// `nested`; `#[validate(clean = "path")]` on the struct. Errors are named as serde names the
/// fields (`rename`, `rename_all`).
///
/// ```
/// use alder_web::valid::Validate;
///
/// #[derive(Validate, serde::Deserialize)]
/// #[serde(rename_all = "camelCase")]
/// struct Signup {
///     #[validate(min_length = 3, max_length = 20, slug)]
///     user_name: String,
///     #[validate(email)]
///     email: Option<String>,
///     #[validate(min = 13, max = 130)]
///     age: u8,
///     #[validate(nested)]
///     tags: Vec<Tag>,
/// }
///
/// #[derive(Validate, serde::Deserialize)]
/// struct Tag {
///     #[validate(min_length = 1)]
///     name: String,
/// }
///
/// let bad = Signup {
///     user_name: "a b".into(),
///     email: Some("nope".into()),
///     age: 7,
///     tags: vec![Tag { name: "".into() }],
/// };
/// let errors = bad.validate().unwrap_err();
/// let fields: Vec<&str> = errors.fields().map(|(name, _)| name).collect();
/// assert_eq!(fields, ["userName", "email", "age", "tags.0.name"]);
/// assert_eq!(Signup::field_rules()[0].name, "userName");
/// ```
pub use alder_macros::Validate;

/// The rules one field of a `#[derive(Validate)]` type declares: its name as the input spells
/// it, its [`Validator`]s, and whether its own [`Validate`] runs (`nested`).
///
/// ```
/// use alder_web::valid::{FieldRules, Validate};
/// use alder_web::db::validation::Validator;
/// #[derive(Validate)]
/// struct Query { #[validate(max_length = 50)] q: String }
/// let rules: &[FieldRules] = Query::field_rules();
/// assert_eq!(rules[0].validators, &[Validator::MaxLength(50)]);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct FieldRules {
    /// The field's name in the input.
    pub name: &'static str,
    /// Its rules, in the order declared.
    pub validators: &'static [Validator],
    /// Whether the field's own `Validate` runs too.
    pub nested: bool,
    /// The rules of a nested field's own fields (of the items of a list, of the value of an
    /// `Option`), for schemas; [`FieldRules::none`] otherwise.
    pub nested_rules: fn() -> &'static [FieldRules],
    /// The model field whose rules the field follows (`#[validate(model = "…")]` on the
    /// struct): its `max_length`, `blank`, choices and validators.
    pub model_field: Option<&'static alder_db::FieldMeta>,
}

impl FieldRules {
    /// No rules: the `nested_rules` of a field that is not nested.
    ///
    /// ```
    /// assert!(alder_web::valid::FieldRules::none().is_empty());
    /// ```
    pub fn none() -> &'static [FieldRules] {
        &[]
    }
}

/// A list is valid when each item is; an item's problems are reported under its index.
///
/// ```
/// use alder_web::valid::Validate;
/// use alder_web::db::validation::{ValidationError, ValidationErrors};
/// struct Even(u32);
/// impl Validate for Even {
///     fn validate(&self) -> Result<(), ValidationErrors> {
///         if self.0 % 2 == 0 { return Ok(()); }
///         ValidationErrors::from(ValidationError::invalid("odd")).into_result()
///     }
/// }
/// let errors = vec![Even(2), Even(3)].validate().unwrap_err();
/// assert_eq!(errors.non_field().len(), 0);
/// assert!(errors.has_field("1"));
/// ```
impl<T: Validate> Validate for Vec<T> {
    fn field_rules() -> &'static [FieldRules] {
        T::field_rules()
    }

    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        for (index, item) in self.iter().enumerate() {
            if let Err(item_errors) = item.validate() {
                errors.merge_under(&index.to_string(), item_errors);
            }
        }
        errors.into_result()
    }
}

/// A plain value has no rules of its own; its type already said what it may be. So
/// `Valid<Path<u64>>` and `Valid<Json<Vec<String>>>` need no impl of yours.
macro_rules! no_rules {
    ($($ty:ty),*) => {$(
        impl Validate for $ty {
            fn validate(&self) -> Result<(), ValidationErrors> {
                Ok(())
            }
        }
    )*};
}

no_rules!(
    bool,
    char,
    String,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    f32,
    f64,
    serde_json::Value,
    crate::db::uuid::Uuid,
    crate::db::Decimal,
    crate::db::chrono::NaiveDate,
    crate::db::chrono::NaiveDateTime,
    crate::db::chrono::NaiveTime,
    crate::db::chrono::DateTime<crate::db::chrono::Utc>
);

/// A tuple (path parameters `(year, slug)`) is valid when each part is; a part's problems are
/// reported under its position.
macro_rules! tuple_rules {
    ($(($($name:ident $index:tt),+))*) => {$(
        impl<$($name: Validate),+> Validate for ($($name,)+) {
            fn validate(&self) -> Result<(), ValidationErrors> {
                let mut errors = ValidationErrors::new();
                $(
                    if let Err(part) = self.$index.validate() {
                        errors.merge_under(stringify!($index), part);
                    }
                )+
                errors.into_result()
            }
        }
    )*};
}

tuple_rules!((A 0) (A 0, B 1) (A 0, B 1, C 2) (A 0, B 1, C 2, D 3));

/// An absent value is valid; a present one is checked.
impl<T: Validate> Validate for Option<T> {
    fn field_rules() -> &'static [FieldRules] {
        T::field_rules()
    }

    fn validate(&self) -> Result<(), ValidationErrors> {
        self.as_ref().map_or(Ok(()), Validate::validate)
    }
}

/// `Valid<Json<T>>`, `Valid<Query<T>>`, `Valid<Form<T>>`: the input parsed into `T` and
/// checked by `T`'s [`Validate`]; otherwise a 422 ([`Invalid`]). See the [module](self).
#[derive(Debug, Clone, Copy, Default)]
pub struct Valid<E>(pub E);

/// One problem with the input, as FastAPI reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Problem {
    /// Where: `"body"` or `"query"`, then the path to the value (names and list indexes).
    pub loc: Vec<serde_json::Value>,
    /// What is wrong, for a person.
    pub msg: String,
    /// What is wrong, for a program: `missing`, `json_invalid`, `type_error`, or the code of
    /// the rule that failed (`max_length`, `blank`, …).
    #[serde(rename = "type")]
    pub kind: String,
}

/// The input of a [`Valid`] extractor was refused: a 422 whose body lists every [`Problem`],
/// or a 415 when it was not of the expected content type.
///
/// ```
/// use alder_web::valid::Invalid;
/// let response = axum::response::IntoResponse::into_response(Invalid::new("body", vec![]));
/// assert_eq!(response.status(), 422);
/// ```
#[derive(Debug)]
pub struct Invalid {
    status: StatusCode,
    problems: Vec<Problem>,
}

impl Invalid {
    /// A 422 for `problems` with the input named `source` (`"body"`, `"query"`).
    pub fn new(source: &str, problems: Vec<(Vec<serde_json::Value>, String, String)>) -> Self {
        Invalid {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            problems: problems
                .into_iter()
                .map(|(path, msg, kind)| Problem {
                    loc: std::iter::once(serde_json::Value::from(source))
                        .chain(path)
                        .collect(),
                    msg,
                    kind,
                })
                .collect(),
        }
    }

    /// The rule failures of `errors`, each under `source` and its field's path (`tags.2.name`
    /// becomes `["body", "tags", 2, "name"]`).
    ///
    /// ```
    /// use alder_web::valid::Invalid;
    /// use alder_web::db::validation::{ValidationError, ValidationErrors};
    /// let mut errors = ValidationErrors::new();
    /// errors.add("tags.2", ValidationError::new("max_length", "too long"));
    /// let invalid = Invalid::from_errors("body", &errors);
    /// assert_eq!(invalid.problems()[0].loc, vec![serde_json::json!("body"), "tags".into(), 2.into()]);
    /// ```
    pub fn from_errors(source: &str, errors: &ValidationErrors) -> Self {
        let mut problems = Vec::new();
        for error in errors.non_field() {
            problems.push((
                Vec::new(),
                error.message().to_string(),
                error.code().to_string(),
            ));
        }
        for (field, field_errors) in errors.fields() {
            let path: Vec<serde_json::Value> = field.split('.').map(path_segment).collect();
            for error in field_errors {
                problems.push((
                    path.clone(),
                    error.message().to_string(),
                    error.code().to_string(),
                ));
            }
        }
        Invalid::new(source, problems)
    }

    /// What was wrong, in order.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    fn unsupported(expected: &str, found: &str) -> Self {
        Invalid {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            problems: vec![Problem {
                loc: vec!["body".into()],
                msg: format!("expected `Content-Type: {expected}`, got `{found}`"),
                kind: "content_type".into(),
            }],
        }
    }

    /// A parse failure of serde at `path` in `source`.
    fn parse<E: std::fmt::Display>(source: &str, error: serde_path_to_error::Error<E>) -> Self {
        let mut path = path_of(error.path());
        let message = error.inner().to_string();
        // serde names a missing field only in its message, and the path stops at the
        // object that lacks it; FastAPI's `loc` ends with the field.
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next());
        let kind = match missing {
            Some(field) => {
                path.push(field.into());
                "missing"
            }
            None => "type_error",
        };
        Invalid::new(source, vec![(path, message, kind.to_string())])
    }
}

impl IntoResponse for Invalid {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "detail": self.problems });
        (self.status, Json(body)).into_response()
    }
}

/// `2` as a number (a list index), anything else as a name.
fn path_segment(segment: &str) -> serde_json::Value {
    match segment.parse::<u64>() {
        Ok(index) => index.into(),
        Err(_) => segment.into(),
    }
}

fn path_of(path: &serde_path_to_error::Path) -> Vec<serde_json::Value> {
    use serde_path_to_error::Segment;
    path.iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some((*index).into()),
            Segment::Map { key } => Some(key.clone().into()),
            Segment::Enum { variant } => Some(variant.clone().into()),
            Segment::Unknown => None,
        })
        .collect()
}

/// `name=value&…` read into `T` and checked, or the 422 saying why not.
fn urlencoded<T: DeserializeOwned + Validate>(source: &str, input: &[u8]) -> Result<T, Invalid> {
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(input));
    let value: T = serde_path_to_error::deserialize(deserializer)
        .map_err(|error| Invalid::parse(source, error))?;
    checked(source, value)
}

fn checked<T: Validate>(source: &str, value: T) -> Result<T, Invalid> {
    match value.validate() {
        Ok(()) => Ok(value),
        Err(errors) => Err(Invalid::from_errors(source, &errors)),
    }
}

/// Why a body could not be read at all: too large (413) or cut off.
fn unreadable(rejection: axum::extract::rejection::BytesRejection) -> Response {
    Error::http(rejection.status(), rejection.body_text()).into_response()
}

fn content_type(request: &Request) -> String {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

fn is_kind(content_type: &str, expected: &str) -> bool {
    let kind = content_type.split(';').next().unwrap_or("").trim();
    kind.eq_ignore_ascii_case(expected)
        || (expected == "application/json" && kind.to_ascii_lowercase().ends_with("+json"))
}

/// The body, when it is of the `expected` content type and within the body limit; otherwise
/// the 415 or 413 to answer (boxed: a `Response` is too large for an `Err` clippy accepts).
async fn body_of<S: Send + Sync>(
    request: Request,
    state: &S,
    expected: &str,
) -> Result<axum::body::Bytes, Box<Response>> {
    let found = content_type(&request);
    if !is_kind(&found, expected) {
        return Err(Box::new(
            Invalid::unsupported(expected, &found).into_response(),
        ));
    }
    axum::body::Bytes::from_request(request, state)
        .await
        .map_err(|rejection| Box::new(unreadable(rejection)))
}

impl<T, S> FromRequest<S> for Valid<Json<T>>
where
    T: DeserializeOwned + Validate,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let bytes = body_of(request, state, "application/json")
            .await
            .map_err(|r| *r)?;
        let deserializer = &mut serde_json::Deserializer::from_slice(&bytes);
        let value: T = match serde_path_to_error::deserialize(deserializer) {
            Ok(value) => value,
            Err(error) if error.inner().is_syntax() || error.inner().is_eof() => {
                let inner = error.into_inner();
                let message = format!("the body is not valid JSON: {inner}");
                let problem = (Vec::new(), message, "json_invalid".to_string());
                return Err(Invalid::new("body", vec![problem]).into_response());
            }
            Err(error) => return Err(Invalid::parse("body", error).into_response()),
        };
        let value = checked("body", value).map_err(IntoResponse::into_response)?;
        Ok(Valid(Json(value)))
    }
}

impl<T, S> FromRequestParts<S> for Valid<Query<T>>
where
    T: DeserializeOwned + Validate,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut http::request::Parts, _: &S) -> Result<Self, Response> {
        let query = parts.uri.query().unwrap_or("");
        urlencoded("query", query.as_bytes())
            .map(|value| Valid(Query(value)))
            .map_err(IntoResponse::into_response)
    }
}

/// Path parameters as `T` (`Path<u32>`, `Path<(String, u32)>` or a struct of the route's
/// names): a value that does not parse is a 422 `type_error` at `["path", name]`, as FastAPI
/// answers; then `T`'s rules run.
///
/// ```
/// use alder_web::{App, Project, Settings, routing::get, extract::Path, test::TestClient};
/// use alder_web::valid::{Valid, Validate};
/// #[derive(serde::Deserialize, Validate)]
/// struct Page { #[validate(slug)] tag: String, #[validate(min = 1)] page: u32 }
/// async fn list(Valid(Path(p)): Valid<Path<Page>>) -> String { format!("{} {}", p.tag, p.page) }
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let client = TestClient::new(Project::new(Settings::debug())
///     .app(App::new("api").api().route("/tags/{tag}/{page}/", get(list), "list")));
/// client.get("/tags/rust/2/").await.assert_ok().assert_contains("rust 2");
/// client.get("/tags/rust/two/").await.assert_status(422)
///     .assert_contains(r#""loc":["path","page"]"#);
/// client.get("/tags/rust/0/").await.assert_status(422).assert_contains("min_value");
/// # });
/// ```
impl<T, S> FromRequestParts<S> for Valid<Path<T>>
where
    T: DeserializeOwned + Validate + Send,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        state: &S,
    ) -> Result<Self, Response> {
        let error = match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => {
                return checked("path", value)
                    .map(|value| Valid(Path(value)))
                    .map_err(IntoResponse::into_response)
            }
            // A wrong parameter count or an unsupported type is the route's mistake (a 500),
            // not the client's.
            Err(PathRejection::FailedToDeserializePathParams(error))
                if !error.status().is_server_error() =>
            {
                error.into_kind()
            }
            // A route without the parameters its handler asks for is the program's mistake.
            Err(other) => return Err(other.into_response()),
        };
        // The route's parameter names, for errors axum reports by position.
        let names: Vec<String> = RawPathParams::from_request_parts(parts, state)
            .await
            .map(|params| params.iter().map(|(name, _)| name.to_owned()).collect())
            .unwrap_or_default();
        let (loc, message) = match error {
            ErrorKind::ParseErrorAtKey {
                key,
                value,
                expected_type,
            } => (
                vec![key.into()],
                format!("expected {expected_type}, found {value:?}"),
            ),
            ErrorKind::DeserializeError {
                key,
                value,
                message,
            } => (vec![key.into()], format!("{message} (found {value:?})")),
            ErrorKind::ParseErrorAtIndex {
                index,
                value,
                expected_type,
            } => {
                // A tuple's parameter is named as the route names it.
                let name = names.get(index).cloned();
                let at = name.map_or_else(|| index.into(), Into::into);
                (
                    vec![at],
                    format!("expected {expected_type}, found {value:?}"),
                )
            }
            ErrorKind::ParseError {
                value,
                expected_type,
            } => {
                let name = names.into_iter().next();
                (
                    name.into_iter().map(Into::into).collect(),
                    format!("expected {expected_type}, found {value:?}"),
                )
            }
            other => (Vec::new(), other.to_string()),
        };
        Err(Invalid::new("path", vec![(loc, message, "type_error".to_string())]).into_response())
    }
}

impl<T, S> FromRequest<S> for Valid<Form<T>>
where
    T: DeserializeOwned + Validate,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let bytes = body_of(request, state, "application/x-www-form-urlencoded")
            .await
            .map_err(|r| *r)?;
        urlencoded("body", &bytes)
            .map(|value| Valid(Form(value)))
            .map_err(IntoResponse::into_response)
    }
}
