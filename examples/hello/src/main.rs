//! The ten-line Alder app: `cargo run -p hello`, then open http://127.0.0.1:8000/.
//! `cargo run -p hello -- routes` lists its routes; `-- --help` shows every command.

#[tokio::main]
async fn main() -> alder::Result<()> {
    hello::app().run_cli().await
}
