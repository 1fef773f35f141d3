//! Serving static files, `collectstatic`, the manifest and `static()`.

use alder_web::test::TestClient;
use alder_web::{App, Error, Files, Project, MANIFEST_NAME};

mod common;
use common::{settings_in, write_files};

fn site_app(dir: &std::path::Path) -> App {
    App::new("site")
        .static_files(Files::dir(dir.join("app_static")))
        .templates(Files::dir(dir.join("app_templates")))
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("app_static/site/app.css", "body{color:red}"),
            ("app_static/site/logo.svg", "<svg/>"),
            ("static/site/logo.svg", "<svg>project</svg>"),
            ("app_templates/page.html", "{{ static('site/app.css') }}"),
        ],
    );
    dir
}

#[tokio::test]
async fn debug_serves_files_by_name_with_the_project_first() {
    let dir = setup();
    let client =
        TestClient::new(Project::new(settings_in(dir.path(), true)).app(site_app(dir.path())));
    let css = client.get("/static/site/app.css").await;
    css.assert_ok()
        .assert_header("content-type", "text/css")
        .assert_contains("color:red");
    client
        .get("/static/site/logo.svg")
        .await
        .assert_ok()
        .assert_contains("project");
    client.get("/static/site/none.css").await.assert_status(404);
    assert_eq!(
        client
            .site()
            .templates()
            .render_to_string("page.html", ())
            .unwrap(),
        "/static/site/app.css"
    );
}

#[tokio::test]
async fn traversal_out_of_static_folders_is_404() {
    let dir = setup();
    write_files(dir.path(), &[("secret.txt", "TOP-SECRET-CONTENT")]);
    let client =
        TestClient::new(Project::new(settings_in(dir.path(), true)).app(site_app(dir.path())));
    for path in [
        "/static/../secret.txt",
        "/static/%2e%2e/secret.txt",
        "/static/site/..%2F..%2Fsecret.txt",
        "/static/%2Fetc%2Fpasswd",
    ] {
        let response = client.get(path).await;
        assert!(
            response.status() == 404 || response.status() == 400,
            "{path}: {}",
            response.status()
        );
        response.assert_not_contains("TOP-SECRET-CONTENT");
    }
}

#[tokio::test]
async fn production_serves_hashed_names_with_a_long_cache() {
    let dir = setup();
    let client =
        TestClient::new(Project::new(settings_in(dir.path(), false)).app(site_app(dir.path())));
    let url = client
        .site()
        .templates()
        .render_to_string("page.html", ())
        .unwrap();
    assert!(
        url.starts_with("/static/site/app.")
            && url.ends_with(".css")
            && url.len() == "/static/site/app..css".len() + 12,
        "{url}"
    );
    client
        .get(&url)
        .await
        .assert_ok()
        .assert_header("cache-control", "public, max-age=31536000, immutable")
        .assert_contains("color:red");
    // The plain name still works, without the long cache.
    client
        .get("/static/site/app.css")
        .await
        .assert_ok()
        .assert_header("cache-control", "no-cache");
}

#[tokio::test]
async fn collectstatic_writes_hashed_copies_and_a_manifest_that_static_uses() {
    let dir = setup();
    let project = || Project::new(settings_in(dir.path(), false)).app(site_app(dir.path()));
    let mut out = Vec::new();
    project()
        .execute(["manage", "collectstatic"], &mut out)
        .await
        .unwrap();
    assert!(String::from_utf8(out)
        .unwrap()
        .starts_with("2 static files copied"));

    let root = dir.path().join("collected");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join(MANIFEST_NAME)).unwrap()).unwrap();
    let hashed = manifest["paths"]["site/app.css"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        std::fs::read_to_string(root.join(&hashed)).unwrap(),
        "body{color:red}"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("site/app.css")).unwrap(),
        "body{color:red}"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("site/logo.svg")).unwrap(),
        "<svg>project</svg>"
    );

    // Edit the manifest by hand: `static()` must follow it, proving it is read.
    let edited = serde_json::json!({"version": 1, "paths": {"site/app.css": "site/app.cafe.css"}});
    std::fs::write(root.join(MANIFEST_NAME), edited.to_string()).unwrap();
    let site = project().build().unwrap();
    assert_eq!(
        site.templates().render_to_string("page.html", ()).unwrap(),
        "/static/site/app.cafe.css"
    );
}

#[tokio::test]
async fn a_corrupt_manifest_is_a_clear_error() {
    let dir = setup();
    write_files(dir.path(), &[("collected/staticfiles.json", "{ not json")]);
    let err = Project::new(settings_in(dir.path(), false))
        .app(site_app(dir.path()))
        .build()
        .unwrap_err();
    let Error::Config(message) = err else {
        panic!("{err:?}")
    };
    assert!(
        message.contains("staticfiles.json is not a valid static files manifest"),
        "{message}"
    );
    assert!(message.contains("run `collectstatic` again"), "{message}");
}

#[tokio::test]
async fn production_reads_files_once_and_answers_etags_with_304() {
    let dir = setup();
    let client =
        TestClient::new(Project::new(settings_in(dir.path(), false)).app(site_app(dir.path())));
    let url = client
        .site()
        .templates()
        .render_to_string("page.html", ())
        .unwrap();
    // A file changed after start-up is never served under the old content's hashed name.
    write_files(
        dir.path(),
        &[("app_static/site/app.css", "body{color:blue}")],
    );
    let first = client.get(&url).await;
    first.assert_ok().assert_contains("color:red");
    let etag = first.header("etag").unwrap().to_string();
    client
        .get(&url)
        .header("if-none-match", &etag)
        .await
        .assert_status(304);
    client
        .get(&url)
        .header("if-none-match", "\"other\"")
        .await
        .assert_ok();
}

#[tokio::test]
async fn static_with_an_unknown_file_is_a_template_error() {
    let dir = setup();
    write_files(
        dir.path(),
        &[("app_templates/typo.html", "{{ static('site/ap.css') }}")],
    );
    for debug in [true, false] {
        let site = Project::new(settings_in(dir.path(), debug))
            .app(site_app(dir.path()))
            .build()
            .unwrap();
        let err = site
            .templates()
            .render_to_string("typo.html", ())
            .unwrap_err()
            .to_string();
        assert!(err.contains("static file `site/ap.css` not found"), "{err}");
    }
}

#[cfg(unix)]
#[tokio::test]
async fn dotfiles_are_never_served_or_collected_and_symlink_loops_end() {
    let dir = setup();
    write_files(
        dir.path(),
        &[
            ("app_static/.env", "SECRET_KEY=dotfile-secret"),
            ("app_static/site/.git/config", "dot-folder-secret"),
        ],
    );
    // A link from inside the folder back to its top: listing must not follow it for ever.
    std::os::unix::fs::symlink(
        dir.path().join("app_static"),
        dir.path().join("app_static/site/loop"),
    )
    .unwrap();
    // Links whose names look harmless but lead into a dot-folder and to a dotfile.
    write_files(
        dir.path(),
        &[(".git/config", "linked-secret"), (".env", "linked-secret")],
    );
    std::os::unix::fs::symlink(
        dir.path().join(".git"),
        dir.path().join("app_static/vendor"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        dir.path().join(".env"),
        dir.path().join("app_static/env.txt"),
    )
    .unwrap();
    for debug in [true, false] {
        let client =
            TestClient::new(Project::new(settings_in(dir.path(), debug)).app(site_app(dir.path())));
        for path in [
            "/static/.env",
            "/static/site/.git/config",
            "/static/%2eenv",
            "/static/vendor/config",
            "/static/env.txt",
        ] {
            client
                .get(path)
                .await
                .assert_status(404)
                .assert_not_contains("dotfile-secret")
                .assert_not_contains("dot-folder-secret")
                .assert_not_contains("linked-secret");
        }
        client.get("/static/site/app.css").await.assert_ok();
    }
    let mut out = Vec::new();
    Project::new(settings_in(dir.path(), false))
        .app(site_app(dir.path()))
        .execute(["manage", "collectstatic"], &mut out)
        .await
        .unwrap();
    let collected = dir.path().join("collected");
    assert!(!collected.join(".env").exists());
    assert!(!collected.join("site/.git").exists());
    assert!(!collected.join("vendor").exists());
    assert!(!collected.join("env.txt").exists());
    let manifest = std::fs::read_to_string(collected.join(MANIFEST_NAME)).unwrap();
    assert!(
        !manifest.contains(".env") && !manifest.contains(".git"),
        "{manifest}"
    );
}
