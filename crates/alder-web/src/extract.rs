//! Extractors: axum's (`Path`, `Json`, `State`, …), Alder's [`Query`] and [`Form`] (axum's,
//! with their rejections answered as Alder errors), and [`Templates`](crate::Templates),
//! [`Urls`](crate::routing::Urls).
//!
//! ```
//! use alder_web::extract::{Path, Query};
//! #[derive(serde::Deserialize)]
//! struct Page { page: Option<u32> }
//! async fn list(Path(tag): Path<String>, Query(p): Query<Page>) -> String {
//!     format!("{tag} page {}", p.page.unwrap_or(1))
//! }
//! ```

use http::request::Parts;
use serde::de::DeserializeOwned;

pub use crate::routing::Urls;
pub use crate::Templates;
pub use axum::extract::*;

use crate::Error;

/// A rejection of axum's as an Alder error: the same status, its message reworded for a
/// person, answered with the project's error page (or JSON for API clients) instead of axum's
/// plain text.
fn rejected(status: http::StatusCode, text: String) -> Error {
    let text = text
        .replace(
            "Failed to deserialize query string: ",
            "The query string is not valid: ",
        )
        .replace(
            "Failed to deserialize form body: ",
            "The form is not valid: ",
        )
        .replace("Failed to deserialize form: ", "The form is not valid: ");
    Error::http(status, text)
}

/// The query string as `T` (axum's `Query`), e.g. `?page=2` into `struct Page { page: u32 }`.
/// A value that does not fit is a 400 naming the parameter —
/// `The query string is not valid: page: invalid digit found in string` — on Alder's error
/// page, or as `{"detail": …}` for an API.
///
/// ```
/// use alder_web::{App, Project, Settings, routing::get, extract::Query, test::TestClient};
/// #[derive(serde::Deserialize)]
/// struct Page { page: u32 }
/// async fn list(Query(p): Query<Page>) -> String { format!("page {}", p.page) }
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let client = TestClient::new(Project::new(Settings::debug())
///     .app(App::new("list").route("/", get(list), "list")));
/// client.get("/?page=2").await.assert_ok().assert_contains("page 2");
/// client.get("/?page=two").await.assert_status(400).assert_contains("page: invalid digit");
/// # });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(e) => Err(rejected(e.status(), e.body_text())),
        }
    }
}

/// An urlencoded form body (or the query string of a GET) as `T` (axum's `Form`). A field
/// that does not fit is a 422 naming it (a 400 when it came in a GET's query string), a wrong
/// content type a 415, a body over the limit a 413 — each on Alder's error page.
///
/// ```
/// use alder_web::{App, Project, Settings, routing::post, extract::Form, test::TestClient};
/// #[derive(serde::Deserialize)]
/// struct Lend { copies: u8 }
/// async fn lend(Form(f): Form<Lend>) -> String { format!("{} copies", f.copies) }
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let client = TestClient::new(Project::new(Settings::debug())
///     .app(App::new("lend").route("/", post(lend), "lend")));
/// client.post("/").form(&[("copies", "300")]).await
///     .assert_status(422)
///     .assert_contains("copies: number too large");
/// # });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Form<T>(pub T);

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        match axum::extract::Form::<T>::from_request(req, state).await {
            Ok(axum::extract::Form(value)) => Ok(Form(value)),
            Err(e) => Err(rejected(e.status(), e.body_text())),
        }
    }
}
