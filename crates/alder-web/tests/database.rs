//! The database in the web layer: the `Db` extractor, errors as statuses, and the migration
//! commands of the project command line.

use alder_web::db::migrations::{detect, next_migration, AppMigrations, Graph, State};
use alder_web::db::{Auto, Model};
use alder_web::extract::Path;
use alder_web::routing::get;
use alder_web::test::TestClient;
use alder_web::{App, Db, Project, Result, Settings};

mod common;

#[derive(Model, Debug, Clone, serde::Serialize)]
#[model(app = "notes")] // installed in app `notes`, not defined in a `notes` module
struct Note {
    id: Auto<i64>,
    #[model(max_length = 40)]
    text: String,
}

async fn show(db: Db, Path(id): Path<i64>) -> Result<String> {
    let note = Note::objects().filter(Note::id().eq(id)).get(&db).await?;
    Ok(note.text)
}

fn settings(url: &str) -> Settings {
    let mut s = Settings::debug();
    s.database_url = Some(url.into());
    s
}

/// The app, with its migrations as `makemigrations` would write them.
fn notes_app(dir: &std::path::Path) -> App {
    let bare = AppMigrations {
        app: "notes".into(),
        models: vec![Note::META],
        ..Default::default()
    };
    let graph = Graph::new(std::slice::from_ref(&bare)).unwrap();
    let (ops, _) = detect("notes", &State::default(), &bare.model_state(), &[]).unwrap();
    App::new("notes")
        .route("/notes/{id}/", get(show), "show")
        .model::<Note>()
        .migrations(vec![next_migration("notes", &graph, ops, None)], dir)
}

async fn run(project: Project, args: &[&str]) -> (Result<()>, String) {
    let mut out = Vec::new();
    let mut argv = vec!["manage"];
    argv.extend_from_slice(args);
    let result = project.execute(argv, &mut out).await;
    (result, String::from_utf8(out).unwrap())
}

#[tokio::test]
async fn handlers_read_through_db_and_missing_rows_are_404() {
    let dir = tempfile::tempdir().unwrap();
    let client =
        TestClient::new(Project::new(settings("sqlite::memory:")).app(notes_app(dir.path())));
    client.site().migrate().await.unwrap();
    let db = client.site().state().database().await.unwrap();
    let mut note = Note {
        id: Auto::new(),
        text: "hello".into(),
    };
    alder_web::db::crud::save(&db, &mut note).await.unwrap();
    client
        .get(&format!("/notes/{}/", note.id))
        .await
        .assert_ok()
        .assert_contains("hello");
    client.get("/notes/999/").await.assert_status(404);
}

async fn add(db: Db, Path(text): Path<String>) -> Result<String> {
    let mut note = Note {
        id: Auto::new(),
        text,
    };
    alder_web::db::crud::full_clean(&db, &note).await?;
    alder_web::db::crud::save(&db, &mut note).await?;
    Ok(format!("added {}", note.id))
}

#[tokio::test]
async fn an_object_full_clean_refuses_is_a_422_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    let app = notes_app(dir.path()).route("/add/{text}/", get(add), "add");
    let client = TestClient::new(Project::new(settings("sqlite::memory:")).app(app));
    client.site().migrate().await.unwrap();
    client
        .get("/add/short/")
        .await
        .assert_ok()
        .assert_contains("added 1");
    client
        .get(&format!("/add/{}/", "x".repeat(41)))
        .await
        .assert_status(422)
        .assert_contains(
            "Note is not valid: text: Ensure this value has at most 40 characters (it has 41).",
        );
    assert_eq!(
        Note::objects()
            .count(&client.site().state().database().await.unwrap())
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn an_unreachable_database_is_a_503_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let prod = {
        let mut s = settings("postgres://nobody:secret@127.0.0.1:1/none");
        s.debug = false;
        s.secret_key = "k".repeat(40);
        s.database_timeout = 1;
        s
    };
    let client = TestClient::new(Project::new(prod).app(notes_app(dir.path())));
    let response = client.get("/notes/1/").await;
    response
        .assert_status(503)
        .assert_contains("The database is unavailable")
        .assert_not_contains("secret");
}

#[tokio::test]
async fn migration_commands_write_apply_list_and_show_sql() {
    let dir = tempfile::tempdir().unwrap();
    let db_file = dir.path().join("site.sqlite3");
    let url = format!("sqlite://{}", db_file.display());
    let migrations = dir.path().join("migrations");

    // No migrations compiled in yet: makemigrations --check fails, makemigrations writes one.
    let fresh = || {
        Project::new(settings(&url)).app(
            App::new("notes")
                .model::<Note>()
                .migrations(vec![], &migrations),
        )
    };
    let (result, out) = run(fresh(), &["makemigrations", "--check"]).await;
    assert!(
        result.is_err() && out.contains("Migrations needed for 'notes'"),
        "{out}"
    );
    assert!(!migrations.exists(), "--check writes nothing");
    let (result, out) = run(fresh(), &["makemigrations"]).await;
    result.unwrap();
    assert!(
        out.contains("0001_initial.rs") && out.contains("- Create model Note"),
        "{out}"
    );
    let source = std::fs::read_to_string(migrations.join("0001_initial.rs")).unwrap();
    assert!(
        source.contains("Field::new(\"text\", FieldKind::Text).max_length(40)"),
        "{source}"
    );
    let listing = std::fs::read_to_string(migrations.join("mod.rs")).unwrap();
    assert!(
        listing.contains("mod m0001_initial;")
            && listing.contains("vec![m0001_initial::migration()]"),
        "{listing}"
    );

    // With the migration "compiled in", the rest of the cycle.
    let built = || Project::new(settings(&url)).app(notes_app(&migrations));
    let (result, out) = run(built(), &["showmigrations"]).await;
    result.unwrap();
    assert!(out.contains("notes\n [ ] 0001_initial"), "{out}");
    let (result, out) = run(built(), &["sqlmigrate", "notes", "0001"]).await;
    result.unwrap();
    assert!(out.contains("CREATE TABLE \"notes_note\""), "{out}");
    let (result, out) = run(built(), &["migrate"]).await;
    result.unwrap();
    assert!(out.contains("Applied notes.0001_initial"), "{out}");
    let (_, out) = run(built(), &["showmigrations"]).await;
    assert!(out.contains(" [X] 0001_initial"), "{out}");
    let (result, out) = run(built(), &["makemigrations", "--check"]).await;
    result.unwrap();
    assert!(out.contains("No changes detected"), "{out}");
    let (result, out) = run(built(), &["migrate", "notes", "zero"]).await;
    result.unwrap();
    assert!(out.contains("Unapplied notes.0001_initial"), "{out}");
    let (result, _) = run(built(), &["migrate", "notes", "0009"]).await;
    assert!(result
        .unwrap_err()
        .to_string()
        .contains("app `notes` has no migration `0009`"));
    let (_, out) = run(built(), &["check"]).await;
    assert!(!out.contains("migrations.W001"), "{out}");
    let (_, out) = run(fresh(), &["check"]).await;
    assert!(
        out.contains("WARNING migrations.W001: app `notes` has model changes"),
        "{out}"
    );
}

/// Defined at this test crate's root, so its module says app `database`.
#[derive(Model, Debug, Clone)]
struct Label {
    id: Auto<i64>,
}

#[tokio::test]
async fn check_warns_when_a_models_table_prefix_is_not_its_app() {
    let app = App::new("notes").model::<Note>().model::<Label>();
    let (result, out) = run(
        Project::new(settings("sqlite::memory:")).app(app),
        &["check"],
    )
    .await;
    result.unwrap();
    assert!(
        out.contains(
            "WARNING models.W001: model `Label` is installed in app `notes` but defined in a module of app `database`, so its table is `database_label`"
        ) && out.contains(r#"add #[model(app = "notes")] to the model (its table becomes `notes_label`)"#),
        "{out}"
    );
    assert!(!out.contains("model `Note`"), "Note names its app: {out}");
}

/// The SQLite connection a handle's queries run on, told apart by a temporary table that
/// only that connection sees.
async fn sees_marker(db: &Db) -> bool {
    db.execute_unprepared("SELECT 1 FROM marker").await.is_ok()
}

async fn two_extractors(first: Db, second: Db) -> Result<String> {
    first
        .execute_unprepared("CREATE TEMP TABLE marker (x INTEGER)")
        .await?;
    Ok(format!("{}", sees_marker(&second).await))
}

async fn query_then_panic(db: Db) -> Result<String> {
    db.execute_unprepared("SELECT 1").await?;
    panic!("a handler bug while it holds a connection");
}

async fn plain_query(db: Db) -> Result<String> {
    db.execute_unprepared("SELECT 1").await?;
    Ok("ok".into())
}

#[tokio::test]
async fn a_request_holds_one_connection_shared_by_its_extractors_and_gives_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings(&format!(
        "sqlite://{}",
        dir.path().join("pool.sqlite3").display()
    ));
    // Two connections: a request that kept its connection would soon block the others.
    settings.database_pool_size = 2;
    let app = App::new("pool")
        .route("/two/", get(two_extractors), "two")
        .route("/panic/", get(query_then_panic), "panic")
        .route("/plain/", get(plain_query), "plain");
    let client = TestClient::new(Project::new(settings).app(app));
    client
        .get("/two/")
        .await
        .assert_ok()
        .assert_contains("true");
    for _ in 0..4 {
        client.get("/panic/").await.assert_status(500);
    }
    // Had a panicking request kept its connection, the two would be gone and these would
    // wait for the pool, then be answered 503.
    for _ in 0..10 {
        client.get("/plain/").await.assert_ok();
    }
}

async fn duplicate(db: Db) -> Result<&'static str> {
    db.execute_unprepared("CREATE TABLE IF NOT EXISTS tag (name TEXT UNIQUE)")
        .await?;
    db.execute_unprepared("INSERT INTO tag VALUES ('x')")
        .await?;
    db.execute_unprepared("INSERT INTO tag VALUES ('x')")
        .await?;
    Ok("unreachable")
}

#[tokio::test]
async fn a_constraint_violation_is_a_500_whose_debug_page_names_the_constraint() {
    let app = || App::new("tags").route("/dup/", get(duplicate), "dup");
    let client = TestClient::new(Project::new(settings("sqlite::memory:")).app(app()));
    client
        .get("/dup/")
        .await
        .assert_status(500)
        .assert_contains("database error")
        .assert_contains("UNIQUE constraint failed: tag.name");
    let mut production = common::production();
    production.database_url = Some("sqlite::memory:".into());
    let client = TestClient::new(Project::new(production).app(app()));
    client
        .get("/dup/")
        .await
        .assert_status(500)
        .assert_not_contains("UNIQUE")
        .assert_not_contains("tag.name");
}

#[test]
fn migrations_dir_is_the_folder_mod_migrations_compiles() {
    use alder_web::__private::migrations_beside;
    let krate = tempfile::tempdir().unwrap();
    for file in ["src/main.rs", "src/blog/mod.rs", "src/shop.rs"] {
        let path = krate.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "").unwrap();
    }
    let root = krate.path().to_str().unwrap();
    let beside = |file| migrations_beside(root, file);
    assert_eq!(beside("src/main.rs"), krate.path().join("src/migrations"));
    // A workspace member's file!() starts at the workspace root.
    assert_eq!(
        beside("examples/site/src/blog/mod.rs"),
        krate.path().join("src/blog/migrations")
    );
    assert_eq!(
        beside("src/shop.rs"),
        krate.path().join("src/shop/migrations")
    );
    assert_eq!(
        beside("gone.rs"),
        krate.path().join("migrations"),
        "no source tree"
    );
}

async fn slow_query(db: Db) -> Result<&'static str> {
    let sql = match db.backend() {
        alder_web::db::Backend::Postgres => "SELECT pg_sleep(0.5)",
        _ => {
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000) \
              SELECT COUNT(*) FROM c"
        }
    };
    db.execute_unprepared(sql).await?;
    Ok("slow done")
}

#[tokio::test]
async fn a_client_that_hangs_up_mid_query_leaves_the_pool_whole() {
    use tokio::io::AsyncWriteExt;
    let dir = tempfile::tempdir().unwrap();
    let mut urls = vec![format!(
        "sqlite://{}",
        dir.path().join("hangup.sqlite3").display()
    )];
    urls.extend(std::env::var(alder_web::db::testing::POSTGRES_URL_VAR).ok());
    for url in urls {
        let mut settings = settings(&url);
        // One connection: had the hung-up request kept it, the next would wait, then 503.
        // SQLite cannot interrupt a running statement, so the next request queues behind
        // the abandoned ones (~0.1 s each here); the timeout leaves room for a slow CI machine.
        settings.database_pool_size = 1;
        settings.database_timeout = 10;
        let app = App::new("slow")
            .route("/slow/", get(slow_query), "slow")
            .route("/plain/", get(plain_query), "plain");
        let site = Project::new(settings).app(app).build().unwrap();
        let server = alder_web::test::LiveServer::start(site).await.unwrap();
        let address = server.url("").trim_start_matches("http://").to_string();
        for _ in 0..3 {
            let mut socket = tokio::net::TcpStream::connect(&address).await.unwrap();
            socket
                .write_all(b"GET /slow/ HTTP/1.1\r\nHost: localhost\r\n\r\n")
                .await
                .unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            drop(socket); // the client goes away while the query runs
        }
        let client = TcpClient::new(&address);
        for _ in 0..5 {
            let answer = client.get("/plain/").await;
            assert!(answer.starts_with("HTTP/1.1 200"), "{url}: {answer}");
        }
        server.stop().await.unwrap();
    }
}

/// A minimal HTTP/1.1 client for the live server: one request per connection.
struct TcpClient(String);

impl TcpClient {
    fn new(address: &str) -> Self {
        TcpClient(address.to_string())
    }

    async fn get(&self, path: &str) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut socket = tokio::net::TcpStream::connect(&self.0).await.unwrap();
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        socket.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        socket.read_to_string(&mut answer).await.unwrap();
        answer
    }
}
