//! File uploads through a form: in memory or in a temporary file, each limit, and each kind of
//! broken multipart body.

mod common;

use alder_web::forms::{Form, FormData, UploadedFile};
use alder_web::routing::post;
use alder_web::test::TestClient;
use alder_web::{context, App, Project, Result, Settings};

#[derive(Form)]
struct Application {
    #[form(max_length = 40)]
    name: String,
    cv: UploadedFile,
    photo: Option<UploadedFile>,
}

async fn apply(sent: FormData) -> Result<String> {
    match Application::validate(&sent) {
        Ok(app) => {
            let bytes = app.cv.bytes().await?;
            let photo = app
                .photo
                .map_or("none".to_string(), |p| p.file_name().to_string());
            Ok(format!(
                "{} sent {} ({} bytes, {}, read {}), photo {photo}, temp {}",
                app.name,
                app.cv.file_name(),
                app.cv.size(),
                app.cv.content_type(),
                bytes.len(),
                app.cv
                    .temporary_path()
                    .map_or("none".to_string(), |p| p.display().to_string()),
            ))
        }
        Err(form) => Ok(form
            .errors()
            .fields()
            .map(|(f, e)| format!("{f}: {}", e[0].message()))
            .collect::<Vec<_>>()
            .join("; ")),
    }
}

async fn count(sent: FormData) -> String {
    format!("{} fields", sent.pairs().count())
}

fn client(adjust: impl FnOnce(&mut Settings)) -> TestClient {
    let mut settings = Settings::debug();
    adjust(&mut settings);
    TestClient::new(
        Project::new(settings).app(
            App::new("jobs")
                .route("/apply/", post(apply), "apply")
                .route("/count/", post(count), "count"),
        ),
    )
}

const TYPE: &str = "multipart/form-data; boundary=XyZ";

fn text(name: &str, value: &str) -> Vec<u8> {
    format!("--XyZ\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
        .into_bytes()
}

fn file(name: &str, file_name: &str, content: &[u8]) -> Vec<u8> {
    let mut part = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n\
         Content-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    part.extend_from_slice(content);
    part.extend_from_slice(b"\r\n");
    part
}

fn body(parts: &[Vec<u8>]) -> Vec<u8> {
    let mut body: Vec<u8> = parts.concat();
    body.extend_from_slice(b"--XyZ--\r\n");
    body
}

#[tokio::test]
async fn a_small_file_stays_in_memory_and_a_large_one_goes_to_a_temporary_file() {
    let client = client(|s| s.file_upload_max_memory_size = 1024);
    let small = body(&[text("name", "Ada"), file("cv", "cv.pdf", b"%PDF-small")]);
    client
        .post("/apply/")
        .body(small, TYPE)
        .await
        .assert_ok()
        .assert_contains(
            "Ada sent cv.pdf (10 bytes, application/pdf, read 10), photo none, temp none",
        );

    let large_content = vec![b'x'; 100_000];
    let large = body(&[
        text("name", "Ada"),
        file("cv", "../../etc/cv.pdf", &large_content),
        file("photo", "me.png", b"png"),
    ]);
    let answer = client.post("/apply/").body(large, TYPE).await;
    answer.assert_ok().assert_contains(
        "Ada sent cv.pdf (100000 bytes, application/pdf, read 100000), photo me.png, temp /",
    );
    let path = answer.text().rsplit("temp ").next().unwrap().to_string();
    assert!(
        !std::path::Path::new(&path).exists(),
        "the temporary file {path} is removed once the request is done"
    );
}

#[tokio::test]
async fn a_missing_or_empty_file_is_the_fields_error() {
    let client = client(|_| {});
    let without = body(&[text("name", "Ada")]);
    client
        .post("/apply/")
        .body(without, TYPE)
        .await
        .assert_ok()
        .assert_contains("cv: No file was submitted.");
    // An empty file input: a part with an empty file name and no bytes.
    let empty = body(&[text("name", "Ada"), file("cv", "", b"")]);
    client
        .post("/apply/")
        .body(empty, TYPE)
        .await
        .assert_contains("cv: No file was submitted.");
    // Invalid UTF-8 in a text field is replaced, then judged as text.
    let mut odd = text("name", "");
    odd.splice(odd.len() - 2..odd.len() - 2, [0xFF, 0xFE]);
    let odd = body(&[odd, file("cv", "cv.pdf", b"x")]);
    client
        .post("/apply/")
        .body(odd, TYPE)
        .await
        .assert_ok()
        .assert_contains("\u{fffd}\u{fffd} sent cv.pdf");
}

#[tokio::test]
async fn broken_multipart_bodies_are_400() {
    let client = client(|_| {});
    let cases: Vec<(Vec<u8>, &str, &str)> = vec![
        (
            b"--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nAda".to_vec(),
            TYPE,
            "could not be read",
        ),
        (
            body(&[b"--XyZ\r\nContent-Disposition: form-data\r\n\r\nnameless\r\n".to_vec()]),
            TYPE,
            "has no field name",
        ),
        (
            body(&[text("name", "Ada")]),
            "multipart/form-data",
            "no boundary",
        ),
        (b"garbage".to_vec(), TYPE, "could not be read"),
    ];
    for (body, content_type, says) in cases {
        client
            .post("/apply/")
            .body(body, content_type)
            .await
            .assert_status(400)
            .assert_contains(says);
    }
}

#[tokio::test]
async fn the_limits_hold_for_fields_text_and_the_whole_body() {
    let client = client(|s| {
        s.data_upload_max_number_fields = 5;
        s.data_upload_max_memory_size = 100;
        s.max_body_size = 10_000;
    });
    let many: Vec<Vec<u8>> = (0..6).map(|i| text(&format!("f{i}"), "x")).collect();
    client
        .post("/apply/")
        .body(body(&many), TYPE)
        .await
        .assert_status(400)
        .assert_contains("more than 5 fields");
    let files: Vec<Vec<u8>> = (0..4)
        .map(|i| file(&format!("f{i}"), "a.txt", b"x"))
        .collect();
    let few_files = client_limited_files();
    few_files
        .post("/apply/")
        .body(body(&files), TYPE)
        .await
        .assert_status(400)
        .assert_contains("more than 3 files");
    let flood: String = (0..10_000).map(|i| format!("f{i}=x&")).collect();
    let big_client = client_with_big_body();
    big_client
        .post("/count/")
        .body(flood, "application/x-www-form-urlencoded")
        .await
        .assert_status(400)
        .assert_contains("more than 1000 fields");
    client
        .post("/apply/")
        .body(body(&[text("name", &"x".repeat(200))]), TYPE)
        .await
        .assert_status(413)
        .assert_contains("data_upload_max_memory_size");
    client
        .post("/apply/")
        .body(body(&[file("cv", "cv.pdf", &vec![b'x'; 20_000])]), TYPE)
        .await
        .assert_status(413);
}

fn client_limited_files() -> TestClient {
    client(|s| s.data_upload_max_number_files = 3)
}

fn client_with_big_body() -> TestClient {
    client(|s| s.max_body_size = 1 << 20)
}

#[tokio::test]
async fn a_file_field_draws_a_file_input_and_the_form_says_it_is_multipart() {
    let html = common::render(
        r#"{% if form.is_multipart %}multipart {% endif %}{{ form.cv }}|{{ form.photo }}"#,
        context! { form => Application::unbound() },
    );
    assert_eq!(
        html,
        r#"multipart <input type="file" name="cv" id="id_cv" required>|<input type="file" name="photo" id="id_photo">"#
    );
}
