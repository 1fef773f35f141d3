//! The example project's `manage.py`: `cargo run -p blog` migrates its SQLite database and
//! serves http://127.0.0.1:8000/; `cargo run -p blog -- --help` lists the commands
//! (`makemigrations`, `migrate`, `showmigrations`, `sqlmigrate`, `routes`, `check`, …).

#[tokio::main]
async fn main() -> alder::Result<()> {
    blog::project()
        // A demo that works on first run: apply migrations when the server starts.
        .configure(|settings| settings.migrate_on_start = true)
        .run_cli()
        .await
}
