//! The example project through the test client, on a fresh in-memory database.

use alder::db::chrono::Utc;
use alder::db::{Auto, ForeignKey, ImageField};
use alder::test::TestClient;
use alder::Settings;
use blog::authors::Author;
use blog::blog::Post;

fn unmigrated_client() -> TestClient {
    let mut settings = Settings::debug();
    settings.database_url = Some("sqlite::memory:".into());
    client_with(settings)
}

fn client_with(settings: Settings) -> TestClient {
    TestClient::new(blog::project_with(settings))
}

async fn client() -> TestClient {
    let client = unmigrated_client();
    let steps = client.site().migrate().await.expect("migrations apply");
    assert_eq!(
        steps.len(),
        11,
        "the blog, authors, sessions, auth and admin migrations"
    );
    client
}

#[tokio::test]
async fn a_database_made_before_the_app_label_tables_migrates_forward_with_its_rows() {
    use alder::db::migrations::{Executor, Graph, Target};
    let client = unmigrated_client();
    let state = client.site().state();
    let db = state.database().await.unwrap();
    // The schema as it was before tables were named `<app>_<model>`: `author` and `post`.
    let executor = Executor::new(db.clone(), Graph::new(state.apps()).unwrap());
    executor
        .migrate(&Target::Migration(
            "blog".into(),
            "0002_welcome_post".into(),
        ))
        .await
        .unwrap();
    db.execute_unprepared(
        "INSERT INTO post (title, slug, body, author_id) \
         SELECT 'Written before', 'before', 'Kept.', id FROM author",
    )
    .await
    .unwrap();

    let steps = executor.migrate(&Target::All).await.unwrap();
    let names: Vec<String> = steps
        .iter()
        .map(|s| format!("{}.{}", s.app, s.name))
        .collect();
    assert_eq!(
        names,
        [
            "sessions.0001_initial",
            "authors.0002_alter_author_table",
            "authors.0003_author_photo",
            "blog.0003_alter_post_table",
            "blog.0004_alter_post_author",
            "blog.0005_comment",
            "auth.0001_initial",
            "admin.0001_initial"
        ]
    );
    // The foreign key is indexed (Django's default), under the renamed table's name.
    let indexes = db
        .fetch_all(
            "?",
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'blog_post'",
            alder::db::Values(Vec::new()),
        )
        .await
        .unwrap();
    let names: Vec<String> = indexes
        .iter()
        .map(|r| r.get::<String>(0).unwrap())
        .collect();
    assert!(
        names.contains(&"blog_post_author_id_idx".to_string()),
        "{names:?}"
    );
    let before = Post::objects()
        .filter(Post::slug().eq("before"))
        .get(&db)
        .await
        .expect("the row written before the rename");
    assert_eq!(before.body, "Kept.");
    assert_eq!(
        before.author.get(&db).await.unwrap().name,
        "The Alder team",
        "its foreign key follows the renamed table"
    );
    assert_eq!(Post::objects().count(&db).await.unwrap(), 2);
}

#[tokio::test]
async fn the_data_migration_publishes_a_welcome_post() {
    let client = client().await;
    client
        .get("/")
        .await
        .assert_ok()
        .assert_template_used("blog/index.html")
        .assert_contains("<a href=\"/posts/welcome/\">Welcome to Alder</a>");
    client
        .get("/posts/welcome/")
        .await
        .assert_ok()
        .assert_contains("<p>This post was written by a data migration.</p>")
        .assert_contains("by <a href=\"/authors/1/\">The Alder team</a>");
}

#[tokio::test]
async fn drafts_and_unknown_posts_are_404() {
    let client = client().await;
    let db = client.site().state().database().await.unwrap();
    let author = Author::objects().get(&db).await.unwrap();
    let mut draft = Post {
        id: Auto::new(),
        title: "Soon".into(),
        slug: "soon".into(),
        body: "…".into(),
        author: ForeignKey::to(&author).unwrap(),
        published_at: None,
    };
    draft.save(&db).await.unwrap();
    client.get("/posts/soon/").await.assert_status(404);
    client.get("/posts/never-written/").await.assert_status(404);
    client.get("/").await.assert_not_contains("Soon");
    client.get("/authors/999/").await.assert_status(404);
    client.get("/authors/abc/").await.assert_status(400);

    draft.published_at = Some(Utc::now());
    draft.save(&db).await.unwrap();
    client.get("/posts/soon/").await.assert_ok();
    let author_page = client.get("/authors/1/").await;
    author_page
        .assert_ok()
        .assert_contains("Soon")
        .assert_contains("Welcome to Alder");
}

#[tokio::test]
async fn an_author_with_posts_is_protected() {
    let client = client().await;
    let db = client.site().state().database().await.unwrap();
    let author = Author::objects().get(&db).await.unwrap();
    let err = author.delete(&db).await.unwrap_err();
    assert!(
        matches!(err, alder::db::DbError::ForeignKeyViolation { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn models_and_migrations_agree() {
    let mut out = Vec::new();
    blog::project()
        .execute(["blog", "makemigrations", "--check"], &mut out)
        .await
        .unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap().trim(),
        "No changes detected"
    );
}

#[tokio::test]
async fn every_response_of_the_demo_carries_the_security_headers() {
    let client = client().await;
    let pages = [
        ("/", 200),
        ("/posts/welcome/", 200),
        ("/authors/1/", 200),
        ("/posts/never-written/", 404),
        ("/authors/abc/", 400),
        ("/static/blog/site.css", 200),
        ("/posts/welcome", 301),
    ];
    for (path, status) in pages {
        let response = client.get(path).await;
        response.assert_status(status);
        for (name, value) in [
            ("x-frame-options", "DENY"),
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "same-origin"),
            ("cross-origin-opener-policy", "same-origin"),
        ] {
            assert_eq!(response.header(name), Some(value), "{name} on {path}");
        }
    }
}

#[tokio::test]
async fn check_deploy_on_the_demo_in_production_lists_its_findings_by_id() {
    let mut settings = Settings::default();
    settings.secret_key = "a-long-random-production-key-0123456789-abcdefghijklmnop".into();
    settings.allowed_hosts = vec!["blog.example.com".into()];
    settings.database_url = Some("sqlite::memory:".into());
    let project = alder::Project::new(settings)
        .app(blog::authors::app())
        .app(blog::blog::app());
    let mut out = Vec::new();
    let result = project
        .execute(["manage", "check", "--deploy"], &mut out)
        .await;
    let out = String::from_utf8(out).unwrap();
    // Warnings only: HSTS and the HTTPS redirect are left to the deployment to turn on.
    assert!(result.is_ok(), "{result:?}\n{out}");
    assert!(out.contains("WARNING security.W004:"), "{out}");
    assert!(out.contains("WARNING security.W008:"), "{out}");
    assert!(out.contains("WARNING security.W016:"), "{out}");
    assert!(!out.contains("ERROR"), "{out}");
}

#[tokio::test]
async fn the_api_lists_published_posts_and_answers_errors_in_json() {
    let client = client().await;
    let page: serde_json::Value = client.get("/api/posts/").await.assert_ok().json();
    let posts = &page["results"];
    assert_eq!(posts.as_array().map(Vec::len), Some(1), "{page}");
    assert_eq!(posts[0]["slug"], "welcome");
    assert_eq!(page["count"], 1);
    let post: serde_json::Value = client.get("/api/posts/welcome/").await.assert_ok().json();
    assert_eq!(post["title"], "Welcome to Alder");
    // A browser asking for HTML still gets JSON errors from an API app.
    let missing = client
        .get("/api/posts/never-written/")
        .header("accept", "text/html")
        .await;
    missing
        .assert_status(404)
        .assert_header("content-type", "application/json");
    assert_eq!(missing.json::<serde_json::Value>()["detail"], "Not Found");
    // The pages beside it keep their HTML error page.
    client
        .get("/posts/never-written/")
        .await
        .assert_status(404)
        .assert_contains("<html");
}

#[tokio::test]
async fn posts_and_authors_read_as_their_title_and_name() {
    use alder::db::Model;
    let client = client().await;
    let db = client.site().state().database().await.unwrap();
    let post = Post::objects().get(&db).await.expect("the welcome post");
    assert_eq!(post.display(), "Welcome to Alder");
    let author = post.author.get(&db).await.expect("its author");
    assert_eq!(author.display(), "The Alder team");
    let published = Post::META.field("published_at").expect("a field");
    assert!(published.blank && published.help_text.contains("draft"));
}

#[tokio::test]
async fn full_clean_refuses_a_post_with_a_bad_or_taken_slug() {
    let client = client().await;
    let db = client.site().state().database().await.unwrap();
    let welcome = Post::objects().get(&db).await.expect("the welcome post");
    let mut post = Post {
        id: Auto::new(),
        title: "On".into(),
        slug: "not a slug".into(),
        body: String::new(),
        author: welcome.author,
        published_at: None,
    };
    let Err(alder::db::DbError::Invalid { errors, .. }) = post.full_clean(&db).await else {
        panic!("a short title and a bad slug must be refused");
    };
    assert_eq!(
        errors.field("title")[0].message(),
        "Ensure this value has at least 3 characters (it has 2)."
    );
    assert_eq!(errors.field("slug")[0].code(), "invalid");
    assert_eq!(errors.field("body")[0].code(), "blank");

    post.title = "On validation".into();
    post.slug = welcome.slug.clone();
    post.body = "Rules live on the model.".into();
    let Err(alder::db::DbError::Invalid { errors, .. }) = post.full_clean(&db).await else {
        panic!("a taken slug must be refused");
    };
    assert_eq!(
        errors.field("slug")[0].message(),
        "Post with this Slug already exists."
    );
    post.slug = "on-validation".into();
    post.full_clean(&db).await.expect("a valid post");
}

#[tokio::test]
async fn the_author_page_says_what_deleting_the_author_would_do() {
    let client = client().await;
    client
        .get("/authors/1/")
        .await
        .assert_ok()
        .assert_contains("The Alder team cannot be deleted while they have posts.");
    let db = client.site().state().database().await.unwrap();
    let mut quiet = Author {
        id: Auto::new(),
        name: "Quiet".into(),
        bio: None,
        photo: ImageField::empty(),
    };
    quiet.save(&db).await.unwrap();
    client
        .get(&format!("/authors/{}/", quiet.id))
        .await
        .assert_ok()
        .assert_contains("Deleting Quiet would delete Authors: 1.");
}

/// The token of the page's hidden field.
fn csrf_token_in(page: &alder::test::TestResponse) -> String {
    page.text()
        .split(r#"name="csrfmiddlewaretoken" value=""#)
        .nth(1)
        .expect("the form has its CSRF field")[..64]
        .to_string()
}

#[tokio::test]
async fn a_reader_comments_on_a_post_through_its_model_form() {
    let client = client().await.enforce_csrf_checks();
    let page = client.get("/posts/welcome/").await;
    page.assert_ok()
        .assert_contains("0 comments")
        .assert_contains(r#"<input type="text" name="name" id="id_name" required aria-describedby="id_name_helptext" maxlength="80">"#)
        .assert_contains(r#"<input type="email" name="email" id="id_email" aria-describedby="id_email_helptext" maxlength="254">"#)
        .assert_contains(r#"<label for="id_body">Comment</label>"#)
        .assert_contains(r#"minlength="3""#);
    let token = csrf_token_in(&page);

    // Invalid: the page again, 422, with the errors and what was typed; nothing saved.
    let refused = client
        .post("/posts/welcome/")
        .form(&[
            ("csrfmiddlewaretoken", token.as_str()),
            ("name", "Ada"),
            ("email", "ada@example"),
            ("body", "hi"),
        ])
        .await;
    refused
        .assert_status(422)
        .assert_contains("Enter a valid email address.")
        .assert_contains("Ensure this value has at least 3 characters (it has 2).")
        .assert_contains(r#"value="Ada""#)
        .assert_contains("0 comments");

    // Valid: saved, and 303 back to the post, where it shows.
    let sent = client
        .post("/posts/welcome/")
        .form(&[
            ("csrfmiddlewaretoken", token.as_str()),
            ("name", "Ada"),
            ("email", ""),
            ("body", "A fine first post."),
        ])
        .await;
    sent.assert_status(303);
    let location = sent.header("location").unwrap().to_string();
    assert!(
        location.starts_with("/posts/welcome/#comment-"),
        "{location}"
    );
    // Back on the post: the comment, a thank-you shown once (messages), and the name the
    // reader gave kept for their next comment (their session).
    client
        .get("/posts/welcome/")
        .await
        .assert_contains("1 comment<")
        .assert_contains("A fine first post.")
        .assert_contains(r#"<li class="success">Thank you: your comment is posted.</li>"#)
        .assert_contains(r#"aria-describedby="id_name_helptext" value="Ada""#);
    client
        .get("/posts/welcome/")
        .await
        .assert_not_contains("Thank you")
        .assert_contains(r#"aria-describedby="id_name_helptext" value="Ada""#);
    // Another visitor (no session) sees neither.
    let stranger = client_with({
        let mut settings = Settings::debug();
        settings.database_url = Some("sqlite::memory:".into());
        settings
    });
    stranger.site().migrate().await.unwrap();
    stranger
        .get("/posts/welcome/")
        .await
        .assert_not_contains("Thank you")
        .assert_not_contains(r#"value="Ada""#);

    // What a reader typed is shown, escaped.
    client
        .post("/posts/welcome/")
        .form(&[
            ("csrfmiddlewaretoken", token.as_str()),
            ("name", "<b>Eve</b>"),
            ("body", "<script>alert(1)</script>"),
        ])
        .await
        .assert_status(303);
    client
        .get("/posts/welcome/")
        .await
        .assert_contains("&lt;script&gt;alert(1)&lt;/script&gt;")
        .assert_contains("&lt;b&gt;Eve&lt;/b&gt;")
        .assert_not_contains("<script>alert");

    // Without the token: refused before the handler.
    client
        .post("/posts/welcome/")
        .form(&[("name", "Mallory"), ("body", "forged comment")])
        .await
        .assert_status(403);
    client
        .get("/posts/welcome/")
        .await
        .assert_not_contains("forged comment");
    // A draft or unknown post takes no comments.
    client
        .post("/posts/nope/")
        .form(&[
            ("csrfmiddlewaretoken", token.as_str()),
            ("name", "A"),
            ("body", "abc"),
        ])
        .await
        .assert_status(404);
}

/// A multipart body with the profile's fields and a photo.
fn profile_body(token: &str, name: &str, photo: (&str, &[u8])) -> Vec<u8> {
    let mut body = Vec::new();
    for (field, value) in [("csrfmiddlewaretoken", token), ("name", name), ("bio", "")] {
        body.extend_from_slice(
            format!(
                "--B0und\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--B0und\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"{}\"\r\n\
             Content-Type: image/png\r\n\r\n",
            photo.0
        )
        .as_bytes(),
    );
    body.extend_from_slice(photo.1);
    body.extend_from_slice(b"\r\n--B0und--\r\n");
    body
}

#[tokio::test]
async fn an_author_uploads_a_portrait_through_the_profile_form() {
    let media = tempfile::tempdir().unwrap();
    let mut settings = Settings::debug();
    settings.database_url = Some("sqlite::memory:".into());
    settings.media_root = media.path().into();
    let client = client_with(settings).enforce_csrf_checks();
    client.site().migrate().await.unwrap();
    let page = client.get("/authors/1/edit/").await;
    page.assert_ok()
        .assert_contains(r#"enctype="multipart/form-data""#)
        .assert_contains(r#"<input type="file" name="photo" id="id_photo" aria-describedby="id_photo_helptext" accept="image/*">"#);
    let token = csrf_token_in(&page);
    let content_type = "multipart/form-data; boundary=B0und";
    let portrait = include_bytes!("portrait.png");

    // Not an image: the form again, 422, the error on the field, nothing stored.
    client
        .post("/authors/1/edit/")
        .body(
            profile_body(
                &token,
                "The Alder team",
                ("me.png", b"<svg onload=alert(1)>"),
            ),
            content_type,
        )
        .await
        .assert_status(422)
        .assert_contains("Upload a valid image.");
    assert!(std::fs::read_dir(media.path()).unwrap().next().is_none());

    // An image: stored under the table and field, the row names it, 303 to the author.
    client
        .post("/authors/1/edit/")
        .body(
            profile_body(&token, "The Alder team", ("My portrait.png", portrait)),
            content_type,
        )
        .await
        .assert_status(303)
        .assert_header("location", "/authors/1/");
    let name = "authors_author/photo/My_portrait.png";
    assert_eq!(std::fs::read(media.path().join(name)).unwrap(), portrait);
    client
        .get("/authors/1/")
        .await
        .assert_contains(&format!(r#"<img class="portrait" src="/media/{name}""#));
    client
        .get(&format!("/media/{name}"))
        .await
        .assert_ok()
        .assert_header("content-type", "image/png")
        .assert_header("content-security-policy", "sandbox");
    // Editing again shows it, and does not ask for it again.
    client
        .get("/authors/1/edit/")
        .await
        .assert_contains(&format!(r#"Currently: <a href="/media/{name}">{name}</a>"#))
        .assert_contains(r#"name="photo-clear""#);
}

#[tokio::test]
async fn the_profile_page_is_not_served_outside_debug() {
    let mut settings = alder::Settings::debug();
    settings.debug = false;
    settings.allowed_hosts = vec!["testserver".into()];
    settings.secret_key = "x".repeat(50);
    settings.database_url = Some("sqlite::memory:".into());
    let client = client_with(settings);
    client.site().migrate().await.unwrap();
    client.get("/authors/1/edit/").await.assert_status(404);
}

#[tokio::test]
async fn a_member_signs_up_comments_under_their_name_and_logs_out() {
    let client = client().await;
    // Members only: a visitor is sent to log in, and comes back afterwards.
    client
        .get("/members/")
        .await
        .assert_redirects_to("/accounts/login/?next=/members/");
    // The auth pages wear the blog's layout (its auth/base.html overrides the app's).
    client
        .get("/accounts/signup/")
        .await
        .assert_ok()
        .assert_contains("Alder blog")
        .assert_contains("/static/blog/site.css")
        .assert_contains(r#"name="password2""#);
    client
        .post("/accounts/signup/")
        .form(&[
            ("username", "grace"),
            ("email", "grace@example.com"),
            ("password1", "a long enough passphrase"),
            ("password2", "a long enough passphrase"),
        ])
        .await
        .assert_redirects_to("/");
    client
        .get("/members/")
        .await
        .assert_ok()
        .assert_contains("Welcome, grace. You have written 0 comments.");

    // Logged in: the form asks no name, and a name sent anyway is not used.
    client
        .get("/posts/welcome/")
        .await
        .assert_contains("Commenting as <strong>grace</strong>.")
        .assert_not_contains(r#"id="id_name""#);
    client
        .post("/posts/welcome/")
        .form(&[("name", "Somebody Else"), ("body", "Signed by the site.")])
        .await
        .assert_status(303);
    client
        .get("/posts/welcome/")
        .await
        .assert_contains("grace, ")
        .assert_not_contains("Somebody Else");
    client
        .get("/members/")
        .await
        .assert_contains("You have written 1 comment.");

    client
        .post("/accounts/logout/")
        .await
        .assert_redirects_to("/");
    client
        .get("/members/")
        .await
        .assert_redirects_to("/accounts/login/?next=/members/");
    client
        .get("/")
        .await
        .assert_contains("Log in")
        .assert_contains("Sign up");
}
