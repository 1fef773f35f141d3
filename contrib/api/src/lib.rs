//! # Typed APIs for Alder (FastAPI's `/openapi.json` and `/docs`)
//!
//! Route a handler with [`get`], [`post`], … from this crate instead of
//! `alder::routing`, and the project's OpenAPI 3.1 document describes it from its types:
//! path and query parameters, the request body, the responses, 422 included. [`docs`] is the
//! app that serves the document at `/openapi.json`, an interactive docs page (Swagger UI,
//! compiled into the binary: no CDN) at `/docs/`, and the `openapi` command that writes the
//! document to a file.
//!
//! ```
//! use alder::{App, Json, Project, Settings, valid::{Valid, Validate}};
//! use alder_api::{Created, Info};
//! use schemars::JsonSchema;
//!
//! #[derive(serde::Deserialize, JsonSchema, Validate)]
//! struct NewTag {
//!     #[validate(min_length = 1, max_length = 20)]
//!     name: String,
//! }
//!
//! #[derive(serde::Serialize, JsonSchema)]
//! struct Tag { id: u32, name: String }
//!
//! async fn create_tag(Valid(Json(tag)): Valid<Json<NewTag>>) -> Created<Json<Tag>> {
//!     Created(Json(Tag { id: 1, name: tag.name }))
//! }
//!
//! let site = Project::new(Settings::debug())
//!     .app(App::new("tags").api().prefix("/api").route("/tags/", alder_api::post(create_tag), "tags"))
//!     .app(alder_api::docs(Info::new("Tags", "1.0")))
//!     .build()
//!     .unwrap();
//! let doc = alder_api::document(site.state().urls(), &Info::new("Tags", "1.0"));
//! let post = &doc["paths"]["/api/tags/"]["post"];
//! assert_eq!(post["operationId"], "create_tag");
//! assert!(post["responses"]["201"].is_object());
//! assert!(post["responses"]["422"].is_object());
//! assert_eq!(doc["components"]["schemas"]["NewTag"]["properties"]["name"]["maxLength"], 20);
//! ```
//!
//! Types read or written derive [`JsonSchema`] (schemars 1.x, JSON Schema 2020-12); a
//! `#[derive(Model)]` type has its schema from its metadata already. `#[validate]` rules
//! show in the schema (`maxLength`, `minimum`, `pattern`, `format`); with schemars' derive
//! beside, write a regular expression as `#[validate(pattern = "…")]`, since schemars reads
//! `#[validate(regex = …)]` its own way.
//!
//! The guide's chapter is `docs/api.md`.

mod document;
mod error;
mod input;
mod operation;
mod output;
mod page;
mod route;
mod schema;
mod security;

use std::sync::{Arc, OnceLock};

use alder_web::App;

pub use document::{document, Info};
pub use error::{Error, Result};
pub use input::ApiInput;
pub use operation::{Operation, OperationBuilder, ParamIn};
pub use output::{ApiError, ApiOutput, Created, NoContent};
pub use route::{delete, get, patch, post, put, ApiHandler, ApiRoute};
pub use schemars::{self, JsonSchema};

/// A reference to the schema of Alder's error body, `{"detail": "…"}`: for an extractor's
/// own [`ApiInput`] that answers with an Alder error (a 401, a 403).
///
/// ```
/// assert_eq!(alder_api::error_schema()["$ref"], "#/components/schemas/alder.Error");
/// ```
pub fn error_schema() -> serde_json::Value {
    schema::error_ref("Error")
}

/// The app that serves the project's OpenAPI document and its docs page, named `openapi`:
///
/// | path | name | what |
/// |---|---|---|
/// | `/openapi.json` | `openapi:schema` | the document (OpenAPI 3.1) |
/// | `/docs/` | `openapi:docs` | Swagger UI, served from the binary |
///
/// and the command `openapi [--output FILE]`. Mount it under a prefix
/// (`.prefix("/api")`) to serve `/api/openapi.json` and `/api/docs/`. The document is
/// written once, on its first request, and kept.
///
/// ```
/// use alder::{Project, Settings, test::TestClient};
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let project = Project::new(Settings::debug())
///     .app(alder_api::docs(alder_api::Info::new("Blog API", "1.0")));
/// let client = TestClient::new(project);
/// client.get("/openapi.json").await.assert_ok().assert_contains("\"openapi\":\"3.1.0\"");
/// client.get("/docs/").await.assert_ok().assert_contains("swagger-ui");
/// # });
/// ```
pub fn docs(info: Info) -> App {
    let shared = Arc::new(page::Shared {
        info,
        document: OnceLock::new(),
        page: OnceLock::new(),
    });
    page::routes(App::new("openapi"), shared)
}
