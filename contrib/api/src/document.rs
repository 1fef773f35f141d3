//! The OpenAPI 3.1 document of a project, written from its route table.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashSet};

use alder_web::routing::{RouteInfo, Urls};
use serde_json::{json, Map, Value as Json};

use crate::operation::{summary_from_name, Operation, OperationBuilder, ParamIn};
use crate::schema::{error_components, generator, integer_bounds, merge};

/// What the document says of the API itself (OpenAPI's `info`).
///
/// ```
/// let info = alder_api::Info::new("Blog API", "1.0").description("Posts and comments.");
/// assert_eq!(info.title(), "Blog API");
/// ```
#[derive(Clone, Debug)]
pub struct Info {
    title: Cow<'static, str>,
    version: Cow<'static, str>,
    description: Option<Cow<'static, str>>,
    tags: Vec<(Cow<'static, str>, Cow<'static, str>)>,
}

impl Info {
    /// An API called `title`, at `version` (the API's, not OpenAPI's).
    pub fn new(title: impl Into<Cow<'static, str>>, version: impl Into<Cow<'static, str>>) -> Self {
        Info {
            title: title.into(),
            version: version.into(),
            description: None,
            tags: Vec::new(),
        }
    }

    /// Describes the tag `name` (an app's name, or one given with
    /// [`ApiRoute::tag`](crate::ApiRoute::tag)): the docs page shows `text` beside its
    /// heading.
    ///
    /// ```
    /// let info = alder_api::Info::new("Blog API", "1.0").tag("blog_api", "Posts and comments");
    /// ```
    pub fn tag(
        mut self,
        name: impl Into<Cow<'static, str>>,
        text: impl Into<Cow<'static, str>>,
    ) -> Self {
        self.tags.push((name.into(), text.into()));
        self
    }

    /// A description (Markdown) shown at the top of the docs page.
    pub fn description(mut self, text: impl Into<Cow<'static, str>>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// The API's title.
    pub fn title(&self) -> &str {
        &self.title
    }
}

/// One operation, with its input and output halves apart until their schemas are named.
struct Built {
    path: String,
    method: &'static str,
    parameters: Json,
    request_body: Option<Json>,
    responses: Json,
    rest: Map<String, Json>,
}

/// The OpenAPI 3.1 document of every documented route in `urls`: each method added with
/// [`alder_api::get`](crate::get) and friends, and every route of an
/// [`App::api`](alder_web::App::api) app (those without types show their path parameters
/// only).
///
/// ```
/// use alder::{App, Project, Settings, Json};
/// async fn show(alder::extract::Path(id): alder::extract::Path<u32>) -> Json<u32> { Json(id) }
/// let site = Project::new(Settings::debug())
///     .app(App::new("posts").api().route("/posts/{id}/", alder_api::get(show), "post"))
///     .build()
///     .unwrap();
/// let doc = alder_api::document(site.urls(), &alder_api::Info::new("Blog", "1"));
/// assert_eq!(doc["openapi"], "3.1.0");
/// let get = &doc["paths"]["/posts/{id}/"]["get"];
/// assert_eq!(get["parameters"][0]["name"], "id");
/// assert_eq!(get["summary"], "Show");
/// ```
pub fn document(urls: &Urls, info: &Info) -> Json {
    let mut inputs = generator(false);
    let mut outputs = generator(true);
    let mut built = Vec::new();
    // Ids set with `.operation_id(…)` are kept as written; generated ones go around them.
    let mut ids: HashSet<String> = operations(urls)
        .filter_map(|(_, _, op)| op.operation_id.as_ref().map(|id| id.to_string()))
        .collect();
    let mut tags = BTreeSet::new();
    let mut schemes = BTreeSet::new();
    for route in urls.routes() {
        for (index, (method, handler)) in route.handlers.iter().enumerate() {
            let operation = route
                .extensions
                .get(index)
                .and_then(|e| e.get::<Operation>());
            let documented = match operation {
                Some(op) => !op.hidden,
                None => route.api,
            };
            if !documented || *method == "*" || *method == "HEAD" || *method == "OPTIONS" {
                continue;
            }
            let fallback = Operation::new(|_| {}, handler);
            let operation = operation.unwrap_or(&fallback);
            let op = build(
                route,
                method,
                operation,
                &mut inputs,
                &mut outputs,
                &mut ids,
            );
            for tag in op.rest["tags"].as_array().into_iter().flatten() {
                tags.insert(tag.as_str().unwrap_or_default().to_string());
            }
            for requirement in op
                .rest
                .get("security")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                schemes.extend(
                    requirement
                        .as_object()
                        .into_iter()
                        .flat_map(|o| o.keys().cloned()),
                );
            }
            built.push(op);
        }
    }

    let mut input_definitions = inputs.take_definitions(true);
    let output_definitions = outputs.take_definitions(true);
    let mut input_side: Vec<&mut Json> = Vec::new();
    let mut output_side: Vec<&mut Json> = Vec::new();
    for op in built.iter_mut() {
        input_side.push(&mut op.parameters);
        if let Some(body) = op.request_body.as_mut() {
            input_side.push(body);
        }
        output_side.push(&mut op.responses);
    }
    // What a client sends must fit the Rust integer it is read into; what the server sends
    // fits already, and its bounds would only make poor examples.
    input_side
        .iter_mut()
        .for_each(|value| integer_bounds(value));
    input_definitions.values_mut().for_each(integer_bounds);
    let mut components = merge(
        input_definitions,
        output_definitions,
        &mut input_side,
        &mut output_side,
    );
    for (name, schema) in error_components() {
        components.entry(name).or_insert(schema);
    }

    let mut paths: BTreeMap<String, Map<String, Json>> = BTreeMap::new();
    for op in built {
        let mut object = op.rest;
        if op.parameters.as_array().is_some_and(|p| !p.is_empty()) {
            object.insert("parameters".into(), op.parameters);
        }
        if let Some(body) = op.request_body {
            object.insert("requestBody".into(), body);
        }
        object.insert("responses".into(), op.responses);
        paths
            .entry(op.path)
            .or_default()
            .insert(op.method.to_ascii_lowercase(), Json::Object(object));
    }

    let mut info_object = json!({ "title": info.title, "version": info.version });
    if let Some(text) = &info.description {
        info_object["description"] = json!(text);
    }
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": info_object,
        "paths": paths,
        "components": { "schemas": components },
    });
    if !tags.is_empty() {
        doc["tags"] = tags
            .into_iter()
            .map(
                |name| match info.tags.iter().find(|(tag, _)| *tag == name) {
                    Some((_, text)) => json!({ "name": name, "description": text }),
                    None => json!({ "name": name }),
                },
            )
            .collect();
    }
    if !schemes.is_empty() {
        doc["components"]["securitySchemes"] = crate::security::schemes(&schemes);
    }
    doc
}

/// One method of one route, described.
fn build(
    route: &RouteInfo,
    method: &'static str,
    operation: &Operation,
    inputs: &mut schemars::SchemaGenerator,
    outputs: &mut schemars::SchemaGenerator,
    ids: &mut HashSet<String>,
) -> Built {
    let (path, names) = openapi_path(&route.path);
    let mut op = OperationBuilder {
        inputs,
        outputs,
        path_names: &names,
        method,
        parameters: Vec::new(),
        request_body: None,
        responses: BTreeMap::new(),
        security: Vec::new(),
    };
    (operation.describe)(&mut op);
    for extra in &operation.extra {
        extra(&mut op);
    }
    // An unsafe method's CSRF check answers before the handler (a route can opt out).
    if matches!(method, "POST" | "PUT" | "PATCH" | "DELETE") && !route.csrf_exempt {
        op.response(
            "403",
            "The CSRF token is missing or wrong: send the CSRF cookie's token in the CSRF header (`X-CSRFToken` unless the settings say otherwise)",
            Some(("application/json", crate::schema::error_ref("Error"))),
        );
    }
    // OpenAPI wants every parameter of the path declared; untyped ones are text.
    for name in &names {
        if !op.has_parameter(ParamIn::Path, name) {
            op.parameter(ParamIn::Path, name, true, json!({ "type": "string" }), None);
        }
    }
    if op.responses.is_empty() {
        op.response("default", "Any response", None);
    }
    // Path parameters first, in path order, as the docs page lists them.
    op.parameters.sort_by_key(|p| {
        let place = p["in"].as_str().unwrap_or_default();
        let name = p["name"].as_str().unwrap_or_default();
        (
            place != "path",
            names.iter().position(|n| n == name).unwrap_or(usize::MAX),
        )
    });

    let (app, route_name) = route.name.split_once(':').unwrap_or(("", &route.name));
    let function = operation.function_name();
    let summary = match (&operation.summary, function) {
        (Some(text), _) => text.to_string(),
        (None, Some(name)) => summary_from_name(name),
        (None, None) => summary_from_name(route_name),
    };
    let id = match (&operation.operation_id, function) {
        (Some(id), _) => id.to_string(),
        (None, generated) => {
            let base = generated.map_or_else(|| format!("{app}_{route_name}"), str::to_owned);
            let mut id = base.clone();
            if ids.contains(&id) {
                id = format!("{base}_{}", method.to_ascii_lowercase());
            }
            let mut n = 2;
            while ids.contains(&id) {
                id = format!("{base}_{n}");
                n += 1;
            }
            ids.insert(id.clone());
            id
        }
    };

    let tags: Vec<Json> = if operation.tags.is_empty() {
        vec![json!(app)]
    } else {
        operation.tags.iter().map(|t| json!(t)).collect()
    };
    let mut rest = Map::new();
    rest.insert("tags".into(), Json::Array(tags));
    rest.insert("summary".into(), json!(summary));
    if let Some(text) = &operation.description {
        rest.insert("description".into(), json!(text));
    }
    rest.insert("operationId".into(), json!(id));
    if operation.deprecated {
        rest.insert("deprecated".into(), json!(true));
    }
    if !op.security.is_empty() {
        rest.insert("security".into(), Json::Array(op.security.clone()));
    }
    Built {
        path,
        method,
        parameters: Json::Array(op.parameters),
        request_body: op.request_body,
        responses: Json::Object(op.responses.into_iter().collect()),
        rest,
    }
}

/// Every documented operation: its route, its method and what the api app keeps of it.
fn operations(urls: &Urls) -> impl Iterator<Item = (&RouteInfo, &'static str, &Operation)> {
    urls.routes().iter().flat_map(|route| {
        route
            .handlers
            .iter()
            .zip(&route.extensions)
            .filter_map(move |((method, _), extensions)| {
                let op = extensions.get::<Operation>()?;
                (!op.hidden).then_some((route, *method, op))
            })
    })
}

/// The operation ids given twice with `.operation_id(…)`, each with the operations that
/// share it (`GET /posts/`): client generators need them unique, so the docs app's check
/// reports them (`check` says `api.E001`).
pub(crate) fn duplicate_operation_ids(urls: &Urls) -> Vec<(String, Vec<String>)> {
    let mut by_id: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (route, method, op) in operations(urls) {
        if let Some(id) = &op.operation_id {
            by_id
                .entry(id.to_string())
                .or_default()
                .push(format!("{method} {}", route.path));
        }
    }
    by_id.into_iter().filter(|(_, ops)| ops.len() > 1).collect()
}

/// `/files/{*rest}` → (`/files/{rest}`, `["rest"]`): OpenAPI's template and the names in it.
pub(crate) fn openapi_path(path: &str) -> (String, Vec<String>) {
    let mut names = Vec::new();
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        let name = rest[start + 1..start + end].trim_start_matches('*');
        names.push(name.to_string());
        out.push('{');
        out.push_str(name);
        out.push('}');
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    (out, names)
}

#[cfg(test)]
mod tests {
    use super::{document, duplicate_operation_ids, openapi_path, Info};
    use alder_web::{App, Json, Project, Settings};

    async fn list() -> Json<u32> {
        Json(1)
    }

    #[derive(serde::Deserialize, schemars::JsonSchema)]
    struct Search {
        q: String,
    }

    async fn search(alder_web::extract::Form(s): alder_web::extract::Form<Search>) -> String {
        s.q
    }

    #[test]
    fn a_form_on_a_get_is_the_query_string_and_on_a_post_the_body() {
        let site = Project::new(Settings::debug())
            .app(App::new("s").route("/s/", crate::get(search).post(search), "s"))
            .build()
            .unwrap();
        let doc = document(
            site.state().urls(),
            &Info::new("t", "1").tag("s", "Searching"),
        );
        let get = &doc["paths"]["/s/"]["get"];
        assert_eq!(get["parameters"][0]["in"], "query");
        assert_eq!(get["parameters"][0]["name"], "q");
        assert!(get.get("requestBody").is_none());
        let post = &doc["paths"]["/s/"]["post"];
        assert!(post["requestBody"]["content"]["application/x-www-form-urlencoded"].is_object());
        assert_eq!(
            doc["tags"][0],
            serde_json::json!({ "name": "s", "description": "Searching" })
        );
    }

    #[test]
    fn ids_given_are_kept_and_generated_ones_go_around_them() {
        let site = Project::new(Settings::debug())
            .app(
                App::new("a")
                    .route("/a/", crate::get(list), "a")
                    .route("/b/", crate::get(list).operation_id("list"), "b")
                    .route("/c/", crate::get(list).operation_id("shown"), "c")
                    .route("/d/", crate::get(list).operation_id("shown"), "d"),
            )
            .build()
            .unwrap();
        let doc = document(site.state().urls(), &Info::new("t", "1"));
        assert_eq!(doc["paths"]["/b/"]["get"]["operationId"], "list");
        assert_eq!(doc["paths"]["/a/"]["get"]["operationId"], "list_get");
        let duplicates = duplicate_operation_ids(site.state().urls());
        assert_eq!(
            duplicates,
            [(
                "shown".to_string(),
                vec!["GET /c/".to_string(), "GET /d/".to_string()]
            )]
        );
    }

    #[test]
    fn wildcards_become_plain_parameters() {
        assert_eq!(
            openapi_path("/posts/{post_id}/files/{*rest}"),
            (
                "/posts/{post_id}/files/{rest}".to_string(),
                vec!["post_id".into(), "rest".into()]
            )
        );
        assert_eq!(openapi_path("/"), ("/".to_string(), vec![]));
    }
}
