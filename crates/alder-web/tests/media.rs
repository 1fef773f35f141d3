//! Uploaded files kept by the project's storage: saved under safe, unique names inside
//! `media_root`, served at `media_url` in debug only, and settings that would mix uploads
//! with the site's own files refused.

use alder_web::forms::{FormData, UploadedFile};
use alder_web::routing::post;
use alder_web::storage::{safe_name, FileSystemStorage, Media, Storage};
use alder_web::test::TestClient;
use alder_web::{App, Project, Result, Settings};

async fn keep(media: Media, sent: FormData) -> Result<String> {
    let Some(file) = sent.file("doc") else {
        return Ok("no file".into());
    };
    // The browser's name, as sent, on purpose: the storage must make it safe.
    let wanted = sent.get("as").unwrap_or("upload.bin");
    let name = media.save(wanted, file).await?;
    Ok(format!("{name} {}", media.url(&name)))
}

fn client(root: &std::path::Path, debug: bool) -> TestClient {
    let mut settings = if debug {
        Settings::debug()
    } else {
        let mut s = Settings::debug();
        s.debug = false;
        s.secret_key = "a-production-secret-key-that-is-long-enough-0123456789".into();
        s.allowed_hosts = vec!["testserver".into()];
        s
    };
    settings.media_root = root.to_path_buf();
    TestClient::new(Project::new(settings).app(App::new("files").route(
        "/keep/",
        post(keep),
        "keep",
    )))
}

fn upload(name: &str, content: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--B\r\nContent-Disposition: form-data; name=\"as\"\r\n\r\n{name}\r\n\
         --B\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"x.html\"\r\n\
         Content-Type: text/html\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(b"\r\n--B--\r\n");
    body
}

const TYPE: &str = "multipart/form-data; boundary=B";

#[tokio::test]
async fn an_upload_is_saved_inside_media_root_and_served_sandboxed_in_debug() {
    let root = tempfile::tempdir().unwrap();
    let client = client(root.path(), true);
    let page = b"<script>alert(document.cookie)</script>";
    let answer = client
        .post("/keep/")
        .body(upload("../../etc/pages/hi there.html", page), TYPE)
        .await;
    answer
        .assert_ok()
        .assert_contains("etc/pages/hi_there.html /media/etc/pages/hi_there.html");
    assert_eq!(
        std::fs::read(root.path().join("etc/pages/hi_there.html")).unwrap(),
        page,
        "written inside media_root, whatever the name asked for"
    );

    let served = client.get("/media/etc/pages/hi_there.html").await;
    served
        .assert_ok()
        .assert_header("content-type", "text/html")
        .assert_header("x-content-type-options", "nosniff")
        .assert_header("content-security-policy", "sandbox");
    assert_eq!(&served.bytes()[..], page);

    // The same name again is kept beside the first, never over it.
    let again = client
        .post("/keep/")
        .body(upload("etc/pages/hi there.html", b"second"), TYPE)
        .await;
    let text = again.text().to_string();
    let second = text.split(' ').next().unwrap();
    assert_ne!(second, "etc/pages/hi_there.html");
    assert!(
        second.starts_with("etc/pages/hi_there_") && second.ends_with(".html"),
        "{text}"
    );
    assert_eq!(
        std::fs::read(root.path().join("etc/pages/hi_there.html")).unwrap(),
        page
    );

    for path in [
        "/media/../Cargo.toml",
        "/media/%2e%2e/Cargo.toml",
        "/media/missing.txt",
        "/media/etc",
    ] {
        client.get(path).await.assert_status(404);
    }
}

#[tokio::test]
async fn uploads_are_not_served_by_the_project_outside_debug() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("a.txt"), "hello").unwrap();
    client(root.path(), false)
        .get("/media/a.txt")
        .await
        .assert_status(404);
    client(root.path(), true)
        .get("/media/a.txt")
        .await
        .assert_ok()
        .assert_contains("hello");
}

#[test]
fn names_are_made_safe_to_write_and_to_link() {
    for (asked, saved) in [
        ("../../etc/passwd", "etc/passwd"),
        ("/abs/./x/../y.txt", "abs/x/y.txt"),
        (".htaccess", "htaccess"),
        ("", "file"),
        ("..", "file"),
        ("dir/.hidden/.env", "dir/hidden/env"),
        ("résumé 2026.pdf", "rsum_2026.pdf"),
        ("a\\b\\c.png", "a/b/c.png"),
        ("<script>.svg", "script.svg"),
        ("photo.", "photo."),
    ] {
        assert_eq!(safe_name(asked), saved, "{asked:?}");
    }
    let long = safe_name(&format!("folder/{}.tar.gz", "x".repeat(300)));
    assert!(long.len() <= 100 - 8, "{} characters", long.len());
    assert!(
        long.starts_with("folder/xxx") && long.ends_with(".gz"),
        "{long}"
    );
}

#[tokio::test]
async fn a_storage_saves_opens_and_deletes() {
    let root = tempfile::tempdir().unwrap();
    let media = FileSystemStorage::new(root.path(), "/files/");
    let file = UploadedFile::in_memory("a.txt", "text/plain", "content");
    let name = media.save("notes/a.txt", &file).await.unwrap();
    assert!(media.exists(&name).await.unwrap());
    assert_eq!(&media.open(&name).await.unwrap()[..], b"content");
    assert_eq!(media.url(&name), "/files/notes/a.txt");
    assert!(media.delete(&name).await.unwrap());
    assert!(!media.delete(&name).await.unwrap(), "gone already");
    assert!(!media.exists(&name).await.unwrap());
    assert!(
        media.open("../secret").await.is_err(),
        "a name outside the root is refused"
    );
    assert_eq!(media.url("a b/ü.txt"), "/files/a%20b/%C3%BC.txt");
}

#[test]
fn media_settings_that_mix_uploads_with_static_files_are_refused() {
    for (media_url, expected) in [
        ("/static/", "media_url and static_url must differ"),
        ("media/", "media_url must start and end with `/`"),
        ("/media", "media_url must start and end with `/`"),
    ] {
        let mut settings = Settings::debug();
        settings.media_url = media_url.into();
        let error = Project::new(settings).build().unwrap_err().to_string();
        assert!(error.contains(expected), "{media_url}: {error}");
    }
}
