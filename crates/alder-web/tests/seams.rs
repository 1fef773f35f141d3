//! The seams contrib apps plug into: middleware that sees the project's state, apps that
//! install project-wide middleware and extensions, request-scoped template values that reach
//! the error pages, and errors that answer in JSON to API clients.

use alder_web::extract::{Request, State};
use alder_web::routing::get;
use alder_web::test::TestClient;
use alder_web::{
    context, App, Error, Files, Project, ProjectState, Response, Result, StatusCode,
    TemplateContext, TemplateResponse, Templates,
};
use axum::middleware::{from_fn, from_fn_with_state, Next};

mod common;
use common::{settings_in, write_files};

#[derive(Clone)]
struct Greeting(&'static str);

/// Tags the response with `name`, after what inner layers added: the header lists the
/// layers from the innermost out.
fn tag(
    name: &'static str,
) -> impl Fn(Request, Next) -> futures_util::future::BoxFuture<'static, Response> + Clone {
    move |request: Request, next: Next| {
        Box::pin(async move {
            let mut response = next.run(request).await;
            response
                .headers_mut()
                .append("x-layers", http::HeaderValue::from_static(name));
            response
        })
    }
}

async fn with_state(State(state): State<ProjectState>, request: Request, next: Next) -> Response {
    let greeting = state.extension::<Greeting>().map_or("none", |g| g.0);
    let mut response = next.run(request).await;
    let value = format!("{greeting} debug={}", state.settings().debug);
    response
        .headers_mut()
        .insert("x-state", http::HeaderValue::from_str(&value).unwrap());
    response
}

#[tokio::test]
async fn apps_install_project_wide_middleware_with_state_in_order() {
    let sessions = App::new("sessions")
        .project_layer(from_fn(tag("sessions")))
        .project_layer_with_state(|state| from_fn_with_state(state.clone(), with_state))
        .extension(Greeting("from the app"));
    let auth = App::new("auth").project_layer(from_fn(tag("auth")));
    let blog = App::new("blog")
        .route("/", get(|| async { "home" }), "home")
        .layer_with_state(|state| {
            let debug = state.settings().debug;
            from_fn(move |request: Request, next: Next| async move {
                let mut response = next.run(request).await;
                let value = if debug { "blog-debug" } else { "blog" };
                response
                    .headers_mut()
                    .append("x-layers", http::HeaderValue::from_static(value));
                response
            })
        });
    let client = TestClient::new(
        Project::new(alder_web::Settings::debug())
            .app(sessions)
            .app(auth)
            .app(blog)
            .layer(from_fn(tag("project"))),
    );
    let response = client.get("/").await;
    response.assert_ok();
    let layers: Vec<&str> = response
        .headers()
        .get_all("x-layers")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    // Innermost first: the app's own, the project's, then the apps' in reverse order of
    // adding, so the first app added (sessions) sees the request first.
    assert_eq!(layers, ["blog-debug", "project", "auth", "sessions"]);
    response.assert_header("x-state", "from the app debug=true");
    // Project-wide layers wrap the 404 of a path no app has, too.
    let missing = client.get("/nowhere/").await;
    assert_eq!(missing.headers().get_all("x-layers").iter().count(), 3);
}

#[tokio::test]
async fn the_project_s_extension_wins_over_an_app_s() {
    let site = Project::new(alder_web::Settings::debug())
        .app(App::new("a").extension(Greeting("app")))
        .extension(Greeting("project"))
        .build()
        .unwrap();
    assert_eq!(site.state().extension::<Greeting>().unwrap().0, "project");
}

async fn user_middleware(mut request: Request, next: Next) -> Response {
    TemplateContext::add(request.extensions_mut(), "user", "ann");
    next.run(request).await
}

async fn profile(t: Templates) -> Result<TemplateResponse> {
    t.render("profile.html", context! {})
}

async fn own_user(t: Templates) -> Result<TemplateResponse> {
    t.render(
        "profile.html",
        context! { user => context! { name => "bob" } },
    )
}

#[tokio::test]
async fn template_values_from_middleware_reach_pages_and_error_pages() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("templates/profile.html", "profile of {{ user }}"),
            ("templates/404.html", "no such page, {{ user }}"),
            ("templates/500.html", "broken, sorry {{ user }}"),
        ],
    );
    let app = App::new("site")
        .route("/me/", get(profile), "me")
        .route("/own/", get(own_user), "own")
        .route(
            "/broken/",
            get(|| async { Err::<&str, _>(Error::other("x", std::io::Error::other("y"))) }),
            "broken",
        )
        .project_layer(from_fn(user_middleware))
        .templates(Files::dir(dir.path().join("none")));
    let client = TestClient::new(Project::new(settings_in(dir.path(), false)).app(app));
    client.get("/me/").await.assert_contains("profile of ann");
    // The handler's own value wins over the middleware's, also when it is a map.
    client
        .get("/own/")
        .await
        .assert_contains("bob")
        .assert_not_contains("ann");
    client
        .get("/missing/")
        .await
        .assert_status(404)
        .assert_contains("no such page, ann");
    client
        .get("/broken/")
        .await
        .assert_status(500)
        .assert_contains("broken, sorry ann");
}

fn api_project(debug: bool) -> Project {
    let mut settings = common::production();
    settings.debug = debug;
    let api = App::new("api")
        .prefix("/api")
        .api()
        .route("/items/", get(|| async { "[]" }), "items")
        .route(
            "/secret/",
            get(|| async { Err::<&str, _>(Error::http(StatusCode::FORBIDDEN, "not yours")) }),
            "secret",
        )
        .route(
            "/broken/",
            get(|| async { Err::<&str, _>(Error::other("db", std::io::Error::other("down"))) }),
            "broken",
        );
    let site = App::new("site").route("/", get(|| async { "home" }), "home");
    Project::new(settings).app(api).app(site)
}

#[tokio::test]
async fn errors_answer_in_json_on_api_routes_and_to_clients_that_ask_for_it() {
    let client = TestClient::new(api_project(false));
    let cases = [
        ("/api/nothing/", None, 404, "Not Found"),
        ("/api/secret/", None, 403, "not yours"),
        ("/api/broken/", None, 500, "Internal Server Error"),
        ("/missing/", Some("application/json"), 404, "Not Found"),
    ];
    for (path, accept, status, detail) in cases {
        let mut request = client.get(path);
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        let response = request.await;
        response
            .assert_status(status)
            .assert_header("content-type", "application/json");
        let body: serde_json::Value = response.json();
        assert_eq!(body, serde_json::json!({ "detail": detail }), "{path}");
    }
    let post = client.post("/api/items/").await;
    post.assert_status(405)
        .assert_header("content-type", "application/json");
    // A browser gets the page.
    client
        .get("/missing/")
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .await
        .assert_status(404)
        .assert_header("content-type", "text/html; charset=utf-8");

    // In debug the chain comes along, under `debug`.
    let debug = TestClient::new(api_project(true));
    let body: serde_json::Value = debug.get("/api/broken/").await.json();
    assert_eq!(body["detail"], "Internal Server Error");
    assert_eq!(body["debug"]["chain"], serde_json::json!(["db", "down"]));
}

#[tokio::test]
async fn redirects_by_route_name_and_errors_with_context() {
    use alder_web::{redirect, OptionExt, ResultExt};
    let app = App::new("blog")
        .route("/posts/{slug}/", get(|| async { "post" }), "detail")
        .route(
            "/go/",
            get(|| async {
                redirect("blog:detail", ("hi",))
                    .see_other()
                    .with_query("x=1")
            }),
            "go",
        )
        .route(
            "/typo/",
            get(|| async { redirect("blog:detial", ("hi",)) }),
            "typo",
        )
        .route(
            "/file/",
            get(|| async {
                std::fs::read_to_string("/no/such/alder/file").context("reading the price list")
            }),
            "file",
        )
        .route(
            "/find/",
            get(|| async { None::<String>.or_404("no post with this slug") }),
            "find",
        );
    let client = TestClient::new(Project::new(alder_web::Settings::debug()).app(app));
    client
        .get("/go/")
        .await
        .assert_status(303)
        .assert_header("location", "/posts/hi/?x=1");
    client
        .get("/typo/")
        .await
        .assert_status(500)
        .assert_contains("blog:detial")
        .assert_contains("did you mean `blog:detail`");
    client
        .get("/file/")
        .await
        .assert_status(500)
        .assert_contains("reading the price list")
        .assert_contains("No such file or directory");
    client
        .get("/find/")
        .await
        .assert_status(404)
        .assert_contains("no post with this slug");
}

/// `?` on any error, as with anyhow: the error's own message reaches the debug page and a
/// database error keeps its status through it, with or without `.context`.
#[tokio::test]
async fn question_mark_works_on_any_error_and_keeps_database_statuses() {
    use alder_web::ResultExt;
    async fn parse(axum::extract::Path(n): axum::extract::Path<String>) -> Result<String> {
        let n: u32 = n.parse()?;
        Ok(format!("{}", n * 2))
    }
    async fn missing() -> Result<String> {
        Err(alder_web::db::DbError::NotFound { model: "Post" })?
    }
    async fn missing_with_context() -> Result<String> {
        let lookup: std::result::Result<String, alder_web::db::DbError> =
            Err(alder_web::db::DbError::NotFound { model: "Post" });
        lookup.context("loading the post")
    }
    async fn nested() -> Result<String> {
        let inner: Result<String> = Err(Error::bad_request("no title given"));
        inner.context("saving the draft")
    }
    let app = App::new("a")
        .route("/double/{n}/", get(parse), "double")
        .route("/missing/", get(missing), "missing")
        .route(
            "/missing-context/",
            get(missing_with_context),
            "missing_context",
        )
        .route("/nested/", get(nested), "nested");
    let client = TestClient::new(Project::new(alder_web::Settings::debug()).app(app));
    assert_eq!(client.get("/double/21/").await.assert_ok().text(), "42");
    client
        .get("/double/x/")
        .await
        .assert_status(500)
        .assert_contains("invalid digit found in string");
    client.get("/missing/").await.assert_status(404);
    client
        .get("/missing-context/")
        .await
        .assert_status(404)
        .assert_contains("loading the post");
    // An Alder error inside context keeps its status and its public message.
    client
        .get("/nested/")
        .await
        .assert_status(400)
        .assert_contains("no title given");

    // Out of a handler, an Alder error goes behind `?` into a `Box<dyn Error>` and keeps its
    // chain there; converted back, it is the same error.
    let io: Result<()> = Err(std::io::Error::other("disk full")).context("writing the upload");
    let boxed: Box<dyn std::error::Error + Send + Sync> = io.unwrap_err().into();
    assert_eq!(boxed.to_string(), "writing the upload");
    assert_eq!(boxed.source().unwrap().to_string(), "disk full");
    let back = Error::other("retrying", boxed);
    assert_eq!(
        back.chain(),
        ["retrying", "writing the upload", "disk full"]
    );
}

#[tokio::test]
async fn post_migrate_hooks_run_after_every_migrate_and_their_errors_fail_it() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let runs = Arc::new(AtomicUsize::new(0));
    let counted = runs.clone();
    let project = || {
        let counted = counted.clone();
        let mut settings = alder_web::Settings::debug();
        settings.database_url = Some("sqlite::memory:".into());
        Project::new(settings).app(App::new("perms").post_migrate(move |site| {
            let counted = counted.clone();
            async move {
                // The database is there for the hook.
                site.state()
                    .database()
                    .await?
                    .execute_unprepared("SELECT 1")
                    .await?;
                counted.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }
        }))
    };
    let site = project().build().unwrap();
    site.migrate().await.unwrap();
    site.migrate().await.unwrap();
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    project()
        .execute(["manage", "migrate"], &mut Vec::new())
        .await
        .unwrap();
    assert_eq!(runs.load(Ordering::SeqCst), 3);

    let mut memory = alder_web::Settings::debug();
    memory.database_url = Some("sqlite::memory:".into());
    let failing = Project::new(memory).app(
        App::new("broken").post_migrate(|_site| async { Err(Error::Config("no perms".into())) }),
    );
    let err = failing.build().unwrap().migrate().await.unwrap_err();
    assert!(err.to_string().contains("no perms"), "{err}");
}

/// What the hooks of [`server_error_project`] were told, in order.
type Told = std::sync::Arc<std::sync::Mutex<Vec<alder_web::ServerError>>>;

fn server_error_project(debug: bool, told: &Told) -> Project {
    let mut settings = common::production();
    settings.debug = debug;
    let (record, in_debug) = (told.clone(), told.clone());
    let alerts = App::new("alerts")
        .on_server_error(move |_state, error| record.lock().unwrap().push(error.clone()))
        // Wanted only in debug: in production it is dropped at start-up.
        .on_server_error_when(
            |state| state.settings().debug,
            move |_state, error| in_debug.lock().unwrap().push(error.clone()),
        )
        // A broken hook after it: logged, and neither the response nor the first hook suffers.
        .on_server_error(|_state, _error| panic!("the tracker is down"));
    let site = App::new("site")
        .route("/", get(|| async { "home" }), "home")
        .route(
            "/broken/",
            get(|| async { Err::<&str, _>(Error::other("db", std::io::Error::other("down"))) }),
            "broken",
        )
        .route(
            "/panics/",
            get(|| async {
                if true {
                    panic!("the handler fell over");
                }
                "never"
            }),
            "panics",
        )
        .route(
            "/own/",
            get(|| async { (StatusCode::BAD_GATEWAY, "upstream said no") }),
            "own",
        );
    Project::new(settings).app(alerts).app(site)
}

#[tokio::test]
async fn server_error_hooks_hear_of_every_5xx_with_secrets_masked() {
    let told = Told::default();
    let client = TestClient::new(server_error_project(false, &told));
    client.get("/").await.assert_ok();
    client.get("/missing/").await.assert_status(404);
    assert!(told.lock().unwrap().is_empty(), "no hook for 2xx or 4xx");

    let response = client
        .get("/broken/?page=2&token=s3cret")
        .header("cookie", "sessionid=abc123; theme=dark")
        .header("authorization", "Bearer xyz789")
        .header("user-agent", "probe/1.0")
        .await;
    // The production page still: the chain goes to the hook, never to the client.
    response.assert_status(500).assert_not_contains("down");
    client.get("/panics/").await.assert_status(500);
    client.get("/own/").await.assert_status(502);

    let told = told.lock().unwrap();
    assert_eq!(told.len(), 3, "{told:?}");
    let broken = &told[0];
    assert_eq!(broken.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(broken.method, http::Method::GET);
    assert_eq!(broken.uri, "/broken/?page=2&token=********");
    assert_eq!(broken.chain, ["db", "down"]);
    let header = |name: &str| {
        broken
            .headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(header("cookie"), Some("sessionid=********; theme=********"));
    assert_eq!(header("authorization"), Some("********"));
    assert_eq!(header("user-agent"), Some("probe/1.0"));
    let text = format!("{broken:?}");
    for secret in ["s3cret", "abc123", "xyz789"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    assert_eq!(told[1].uri, "/panics/");
    assert!(
        told[1]
            .chain
            .iter()
            .any(|c| c.contains("the handler fell over")),
        "{:?}",
        told[1].chain
    );
    // A handler's own 5xx has no Alder error behind it.
    assert_eq!(told[2].status, StatusCode::BAD_GATEWAY);
    assert!(told[2].chain.is_empty());
}

#[tokio::test]
async fn server_error_hooks_run_in_debug_too_and_the_debug_page_stays() {
    let told = Told::default();
    let client = TestClient::new(server_error_project(true, &told));
    client
        .get("/broken/")
        .await
        .assert_status(500)
        .assert_contains("down");
    assert_eq!(
        told.lock().unwrap().len(),
        2,
        "both hooks, the debug-only one too"
    );
    // Without hooks, production pays nothing: no summary, and the page is the plain one.
    let plain = TestClient::new(api_project(false));
    plain
        .get("/api/broken/")
        .header("accept", "text/html")
        .await
        .assert_status(500)
        .assert_not_contains("down");
}
