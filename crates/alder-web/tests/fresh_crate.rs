//! The guide's "setting up an app" snippet, followed literally in a crate made outside this
//! repository: `makemigrations` writes into the folder `mod migrations;` compiles, so after a
//! rebuild `migrate` applies it and the table is there. (Once the two disagreed, `migrate` kept
//! saying "No migrations to apply" while `makemigrations` wrote 0001 again.)
//!
//! Builds a crate with cargo, sharing this workspace's lock file and (under nextest) its target
//! folder so only the new crate compiles: ~17 s warm, the slowest test of this crate.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The workspace's target folder under nextest, which holds no cargo lock while tests run, so
/// only the new crate compiles; a folder of its own under `cargo test`, whose lock is held.
fn target_dir() -> PathBuf {
    if std::env::var_os("NEXTEST_RUN_ID").is_some() {
        workspace().join("target")
    } else {
        workspace().join("target/fresh-crate")
    }
}

/// The workspace's `[profile.*]` sections, so the new crate builds its dependencies with the
/// same settings and reuses them from the shared target folder instead of building (and storing)
/// a second copy with full debug info.
fn profiles() -> String {
    let manifest = std::fs::read_to_string(workspace().join("Cargo.toml")).unwrap();
    let start = manifest
        .find("\n[profile.")
        .expect("the workspace sets profiles");
    manifest[start..].to_string()
}

fn cargo(krate: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(krate)
        .env("CARGO_TARGET_DIR", target_dir())
        .env("ALDER_DEBUG", "true")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", krate.join("db.sqlite3").display()),
        )
        .output()
        .expect("cargo runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "cargo {args:?} failed:\n{text}");
    text
}

#[test]
fn the_guides_migrations_snippet_works_in_a_fresh_crate() {
    let dir = tempfile::tempdir().unwrap();
    let krate = dir.path().join("shop");
    std::fs::create_dir_all(krate.join("src/migrations")).unwrap();
    std::fs::write(
        krate.join("Cargo.toml"),
        format!(
            "[package]\nname = \"shop\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [dependencies]\nalder = {{ path = \"{}\" }}\n\
             tokio = {{ version = \"1\", features = [\"rt-multi-thread\", \"macros\"] }}\n\n\
             [workspace]\n\n{}",
            workspace().join("crates/alder").display(),
            profiles()
        ),
    )
    .unwrap();
    std::fs::copy(workspace().join("Cargo.lock"), krate.join("Cargo.lock")).unwrap();
    // The guide's code, as written (docs/migrations.md, "Setting up an app").
    std::fs::write(
        krate.join("src/main.rs"),
        r#"use alder::db::{Auto, Model};

#[derive(Model)]
pub struct Post {
    pub id: Auto<i64>,
    pub title: String,
}

mod migrations; // the folder, with a mod.rs that makemigrations maintains

pub fn app() -> alder::App {
    alder::App::new("blog")
        .model::<Post>()
        .migrations(migrations::all(), alder::migrations_dir!())
}

#[tokio::main]
async fn main() -> alder::Result<()> {
    alder::Project::from_env().app(app()).run_cli().await
}
"#,
    )
    .unwrap();
    std::fs::write(
        krate.join("src/migrations/mod.rs"),
        "#![allow(unreachable_pub)]\npub fn all() -> Vec<alder::db::migrations::Migration> { vec![] }\n",
    )
    .unwrap();

    let made = cargo(&krate, &["run", "--offline", "-q", "--", "makemigrations"]);
    assert!(made.contains("src/migrations/0001_initial.rs"), "{made}");
    assert!(krate.join("src/migrations/0001_initial.rs").is_file());
    // The written files read as `cargo fmt` leaves them.
    let formatted = Command::new("rustfmt")
        .args(["--check", "--edition", "2021"])
        .arg(krate.join("src/migrations/0001_initial.rs"))
        .arg(krate.join("src/migrations/mod.rs"))
        .status()
        .unwrap();
    assert!(formatted.success(), "the migration is rustfmt-formatted");
    let applied = cargo(&krate, &["run", "--offline", "-q", "--", "migrate"]);
    // Once each (not again in the log), and no colour codes where no terminal reads them.
    assert_eq!(applied.matches("blog.0001_initial").count(), 1, "{applied}");
    assert!(applied.contains("Applied blog.0001_initial"), "{applied}");
    assert!(
        !applied.contains('\u{1b}'),
        "no ANSI codes in piped output: {applied:?}"
    );
    let again = cargo(
        &krate,
        &["run", "--offline", "-q", "--", "makemigrations", "--check"],
    );
    assert!(again.contains("No changes detected"), "{again}");
    let tables = cargo(&krate, &["run", "--offline", "-q", "--", "showmigrations"]);
    assert!(tables.contains("[X] 0001_initial"), "{tables}");
}
