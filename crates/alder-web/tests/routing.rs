//! Named routes, reverse, mounting, APPEND_SLASH and method handling.

use alder_web::extract::Path;
use alder_web::routing::{get, post, ReverseError};
use alder_web::test::TestClient;
use alder_web::{url_for, App, Error, Project, Settings};

fn blog() -> App {
    App::new("blog")
        .prefix("/blog")
        .route("/", get(|| async { "index" }), "index")
        .route(
            "/{id}/{slug}/",
            get(|Path((id, slug)): Path<(u32, String)>| async move { format!("post {id} {slug}") }),
            "post",
        )
        .route(
            "/files/{*path}",
            get(|Path(p): Path<String>| async move { p }),
            "file",
        )
        .route(
            "/new/",
            get(|| async { "form" }).post(|| async { "created" }),
            "new",
        )
}

fn pages() -> App {
    App::new("pages").route("/", get(|| async { "home" }), "index")
}

#[test]
fn reverse_builds_urls_from_full_and_short_names() {
    let site = Project::new(Settings::debug())
        .app(blog())
        .app(pages())
        .build()
        .unwrap();
    let urls = site.urls();
    assert_eq!(urls.reverse("blog:index", ()).unwrap(), "/blog/");
    assert_eq!(urls.reverse("pages:index", ()).unwrap(), "/");
    assert_eq!(
        urls.reverse("blog:post", (3, "hi there")).unwrap(),
        "/blog/3/hi%20there/"
    );
    assert_eq!(
        urls.reverse("post", [("slug", "x"), ("id", "4")]).unwrap(),
        "/blog/4/x/"
    );
    assert_eq!(
        url_for!(urls, "blog:file", path = "a/b c.txt").unwrap(),
        "/blog/files/a/b%20c.txt"
    );
}

#[test]
fn reverse_errors_say_what_is_wrong() {
    let site = Project::new(Settings::debug())
        .app(blog())
        .app(pages())
        .build()
        .unwrap();
    let urls = site.urls();
    let err = urls.reverse("index", ()).unwrap_err();
    assert!(matches!(err, ReverseError::Ambiguous { .. }), "{err}");
    assert!(err.to_string().contains("blog:index") && err.to_string().contains("pages:index"));

    let err = urls.reverse("blog:pots", ()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "no route is named `blog:pots`; did you mean `blog:post`?"
    );

    let err = urls.reverse("blog:post", (1,)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "route `blog:post` takes 2 parameter(s) (id, slug), 1 given"
    );

    let err = url_for!(urls, "blog:post", id = 1).unwrap_err();
    assert_eq!(
        err.to_string(),
        "route `blog:post` needs parameter `slug`, which was not given"
    );

    let err = url_for!(urls, "blog:index", page = 2).unwrap_err();
    assert_eq!(
        err.to_string(),
        "route `blog:index` has no parameter `page` (it has: none)"
    );
}

#[test]
fn mount_changes_the_prefix() {
    let site = Project::new(Settings::debug())
        .mount("/news/", blog())
        .build()
        .unwrap();
    assert_eq!(site.urls().reverse("blog:index", ()).unwrap(), "/news/");
}

#[test]
fn configuration_mistakes_are_reported_at_build_time() {
    let cases: Vec<(Project, &str)> = vec![
        (
            Project::new(Settings::debug()).app(
                App::new("a").route("/x", get(|| async { "" }), "x").route(
                    "/y",
                    get(|| async { "" }),
                    "x",
                ),
            ),
            "two routes of app `a` are named `x`",
        ),
        (
            Project::new(Settings::debug()).app(
                App::new("a").route("/x", get(|| async { "" }), "x").route(
                    "/x",
                    post(|| async { "" }),
                    "y",
                ),
            ),
            "both have the path `/x`",
        ),
        (
            Project::new(Settings::debug()).app(App::new("a").route(
                "x/",
                get(|| async { "" }),
                "x",
            )),
            "route `a:x` has the path `x/`: a route path starts with `/`",
        ),
        (
            Project::new(Settings::debug()).app(App::new("a").route(
                "/{id",
                get(|| async { "" }),
                "x",
            )),
            "without its `}`",
        ),
        (
            Project::new(Settings::debug()).app(App::new("a").route(
                "/a:b",
                get(|| async { "" }),
                "x:y",
            )),
            "has no `:`",
        ),
        (
            Project::new(Settings::debug())
                .app(App::new("a"))
                .app(App::new("a")),
            "two apps are named `a`",
        ),
        (
            Project::new(Settings::debug()).app(App::new("a").prefix("blog")),
            "a prefix starts with `/`",
        ),
        (
            Project::new(Settings::debug()).app(App::new("a").prefix("/blog").route(
                "posts",
                get(|| async { "" }),
                "p",
            )),
            "route `a:p` has the path `posts`: a route path starts with `/`",
        ),
        (
            Project::new(Settings::debug()).app(App::new("a").route(
                "/posts/:id",
                get(|| async { "" }),
                "p",
            )),
            "write parameters in braces, `{id}`",
        ),
        (
            Project::new(Settings::debug())
                .app(App::new("a").route("/{x}/", get(|| async { "" }), "x"))
                .app(App::new("b").route("/{y}/", get(|| async { "" }), "y")),
            "route `b:y` (/{y}/)",
        ),
    ];
    for (project, expected) in cases {
        match project.build() {
            Err(Error::Config(message)) => {
                assert!(message.contains(expected), "{message:?} lacks {expected:?}")
            }
            other => {
                panic!("expected a configuration error containing {expected:?}, got {other:?}")
            }
        }
    }
}

#[tokio::test]
async fn routes_answer_with_their_parameters() {
    let client = TestClient::new(Project::new(Settings::debug()).app(blog()));
    client
        .get("/blog/7/hello/")
        .await
        .assert_ok()
        .assert_contains("post 7 hello");
    client
        .get("/blog/files/css/a%20b.css")
        .await
        .assert_ok()
        .assert_contains("css/a b.css");
    client
        .post("/blog/new/")
        .await
        .assert_ok()
        .assert_contains("created");
}

#[tokio::test]
async fn append_slash_redirects_to_the_route_with_a_slash() {
    let client = TestClient::new(Project::new(Settings::debug()).app(blog()));
    client
        .get("/blog")
        .await
        .assert_status(301)
        .assert_redirects_to("/blog/");
    client
        .get("/blog/7/x?page=2")
        .await
        .assert_status(301)
        .assert_redirects_to("/blog/7/x/?page=2");
    // A POST keeps its method and body through a 308.
    client
        .post("/blog/new")
        .await
        .assert_status(308)
        .assert_redirects_to("/blog/new/");
    client.get("/blog/nothing").await.assert_status(404);
    // Never a redirect to another host.
    client.get("//blog").await.assert_status(404);
    let catch_all = TestClient::new(Project::new(Settings::debug()).app(App::new("c").route(
        "/{slug}/",
        get(|| async { "" }),
        "s",
    )));
    catch_all.get("/evil.com").await.assert_status(301);
    catch_all.get("/\\evil.com").await.assert_status(404);
    let followed = client.get("/blog").follow_redirects().await;
    followed.assert_ok().assert_contains("index");
    assert_eq!(followed.redirect_chain().len(), 1);
}

#[tokio::test]
async fn append_slash_can_be_turned_off() {
    let mut settings = Settings::debug();
    settings.append_slash = false;
    let client = TestClient::new(Project::new(settings).app(blog()));
    client.get("/blog").await.assert_status(404);
}

#[tokio::test]
async fn wrong_methods_get_405_with_allow() {
    let client = TestClient::new(Project::new(Settings::debug()).app(blog()));
    let response = client.delete("/blog/new/").await;
    response.assert_status(405);
    let allow = response.header("allow").unwrap();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    let odd = http::Method::from_bytes(b"BREW").unwrap();
    client.request(odd, "/blog/").await.assert_status(405);
}

#[tokio::test]
async fn malformed_path_parameters_are_400_not_panics() {
    let client = TestClient::new(Project::new(Settings::debug()).app(blog()));
    // Not a number for `{id}`.
    client.get("/blog/abc/x/").await.assert_status(400);
    // Percent-encoding that is not UTF-8.
    client.get("/blog/1/%FF%FE/").await.assert_status(400);
    client.get("/blog/99999999999/x/").await.assert_status(400);
}

#[tokio::test]
async fn the_debug_404_page_lists_the_routes_and_production_does_not() {
    let debug = TestClient::new(Project::new(Settings::debug()).app(blog()));
    debug
        .get("/nowhere/")
        .await
        .assert_status(404)
        .assert_contains("blog:post")
        .assert_contains("/blog/{id}/{slug}/");

    let prod = TestClient::new(Project::new(common::production()).app(blog()));
    prod.get("/nowhere/")
        .await
        .assert_status(404)
        .assert_contains("Not Found")
        .assert_not_contains("blog:post");
}

mod common;
