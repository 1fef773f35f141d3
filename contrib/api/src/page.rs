//! The docs app's routes: the document, the Swagger UI page and its files, and the
//! `openapi` command.

use std::sync::{Arc, OnceLock};

use alder_web::extract::Urls;
use alder_web::routing::get;
use alder_web::{escape_html as escape, App, Error, IntoResponse, ProjectState, Response};
use axum::body::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_TYPE};

use crate::document::{document, Info};

/// Swagger UI 5.36.0 (Apache-2.0), from npm's `swagger-ui-dist`; see `assets/swagger-ui`.
const BUNDLE: &[u8] = include_bytes!("../assets/swagger-ui/swagger-ui-bundle.js");
const STYLE: &[u8] = include_bytes!("../assets/swagger-ui/swagger-ui.css");
const START: &[u8] = include_bytes!("../assets/docs.js");

/// What the docs app's handlers share: the document's info, and the document and page once
/// written (the route table does not change while the project runs).
pub(crate) struct Shared {
    pub(crate) info: Info,
    pub(crate) document: OnceLock<Bytes>,
    pub(crate) page: OnceLock<String>,
}

impl Shared {
    fn document(&self, urls: &Urls) -> Bytes {
        self.document
            .get_or_init(|| {
                let doc = document(urls, &self.info);
                Bytes::from(serde_json::to_vec(&doc).expect("a JSON value serializes"))
            })
            .clone()
    }

    fn page(&self, urls: &Urls, settings: &alder_web::Settings) -> Result<String, Error> {
        if let Some(page) = self.page.get() {
            return Ok(page.clone());
        }
        let url = |name: &str| {
            urls.reverse(name, ())
                .map_err(|e| Error::other("writing the API docs page", e))
        };
        let page = format!(
            r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} — API docs</title>
<link rel="stylesheet" href="{style}">
</head>
<body>
<div id="swagger-ui" data-openapi="{schema}" data-csrf-cookie="{cookie}" data-csrf-header="{header}"></div>
<script src="{bundle}"></script>
<script src="{start}"></script>
</body>
</html>
"#,
            title = escape(self.info.title()),
            style = escape(&url("openapi:swagger_ui_css")?),
            schema = escape(&url("openapi:schema")?),
            bundle = escape(&url("openapi:swagger_ui_js")?),
            start = escape(&url("openapi:docs_js")?),
            cookie = escape(&settings.csrf_cookie_name),
            header = escape(&settings.csrf_header_name),
        );
        Ok(self.page.get_or_init(|| page).clone())
    }
}

/// A file of the page, cached by browsers for a day.
fn asset(body: &'static [u8], content_type: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, content_type),
            (CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}

pub(crate) fn routes(app: App, shared: Arc<Shared>) -> App {
    let for_document = shared.clone();
    let for_page = shared.clone();
    let for_command = shared;
    app.route(
        "/openapi.json",
        get(move |urls: Urls| {
            let shared = for_document.clone();
            async move { ([(CONTENT_TYPE, "application/json")], shared.document(&urls)) }
        }),
        "schema",
    )
    .route(
        "/docs/",
        get(
            move |urls: Urls, axum::extract::State(state): axum::extract::State<ProjectState>| {
                let shared = for_page.clone();
                async move { shared.page(&urls, state.settings()).map(alder_web::Html) }
            },
        ),
        "docs",
    )
    .route(
        "/docs/swagger-ui-bundle.js",
        get(|| async { asset(BUNDLE, "text/javascript; charset=utf-8") }),
        "swagger_ui_js",
    )
    .route(
        "/docs/swagger-ui.css",
        get(|| async { asset(STYLE, "text/css; charset=utf-8") }),
        "swagger_ui_css",
    )
    .route(
        "/docs/docs.js",
        get(|| async { asset(START, "text/javascript; charset=utf-8") }),
        "docs_js",
    )
    .check(|site| {
        crate::document::duplicate_operation_ids(site.state().urls())
            .into_iter()
            .map(|(id, operations)| {
                alder_web::checks::Finding::error(
                    "api.E001",
                    format!(
                        "the operationId `{id}` is given to {}; client generators need each operation's to be unique",
                        operations.join(" and ")
                    ),
                )
                .hint("give all but one of them another `.operation_id(…)`")
            })
            .collect()
    })
    .command(
        clap::Command::new("openapi")
            .about("Writes the project's OpenAPI document (JSON) to standard output or a file")
            .arg(
                clap::Arg::new("output")
                    .long("output")
                    .short('o')
                    .value_name("FILE")
                    .help("Where to write it; standard output by default"),
            ),
        move |site, args| {
            let shared = for_command.clone();
            async move {
                let doc = document(site.state().urls(), &shared.info);
                let mut text = serde_json::to_string_pretty(&doc)
                    .map_err(|e| Error::other("writing the OpenAPI document", e))?;
                text.push('\n');
                match args.get_one::<String>("output") {
                    Some(path) => std::fs::write(path, text).map_err(|e| {
                        Error::other(format!("writing the OpenAPI document to {path}"), e)
                    })?,
                    None => print!("{text}"),
                }
                Ok(())
            }
        },
    )
}
