//! File, streaming and status responses.

use alder_web::extract::Path;
use alder_web::routing::get;
use alder_web::test::TestClient;
use alder_web::{App, FileResponse, Project, Result, Settings};

mod common;

fn app(dir: std::path::PathBuf) -> App {
    let download = move |Path(name): Path<String>| {
        let dir = dir.clone();
        async move {
            let file: Result<FileResponse> = FileResponse::open_in(&dir, &name).await;
            file.map(|f| f.as_attachment(&format!("zoë {name}")))
        }
    };
    App::new("files")
        .route("/files/{name}", get(download), "download")
        .route(
            "/stream/",
            get(|| async {
                let chunks = ["one ", "two ", "three"]
                    .map(|c| Ok::<_, std::io::Error>(bytes::Bytes::from(c)));
                axum::body::Body::from_stream(futures_util::stream::iter(chunks))
            }),
            "stream",
        )
}

#[tokio::test]
async fn files_are_streamed_with_type_length_and_a_safe_download_name() {
    let dir = tempfile::tempdir().unwrap();
    common::write_files(
        dir.path(),
        &[
            ("media/report.csv", "a,b\n1,2\n"),
            ("secret.txt", "TOP-SECRET"),
        ],
    );
    std::fs::create_dir(dir.path().join("media/folder")).unwrap();
    let client =
        TestClient::new(Project::new(Settings::debug()).app(app(dir.path().join("media"))));
    let response = client.get("/files/report.csv").await;
    response
        .assert_ok()
        .assert_header("content-type", "text/csv")
        .assert_header("content-length", "8")
        .assert_header(
            "content-disposition",
            "attachment; filename=\"zo_ report.csv\"; filename*=UTF-8''zo%C3%AB%20report%2Ecsv",
        );
    assert_eq!(response.text(), "a,b\n1,2\n");
    client.get("/files/missing.csv").await.assert_status(404);
    client.get("/files/folder").await.assert_status(404);
    client
        .get("/files/..%2Fsecret.txt")
        .await
        .assert_status(404)
        .assert_not_contains("TOP-SECRET");
}

#[tokio::test]
async fn bodies_can_be_streams() {
    let client = TestClient::new(Project::new(Settings::debug()).app(app(".".into())));
    client
        .get("/stream/")
        .await
        .assert_ok()
        .assert_contains("one two three");
}
