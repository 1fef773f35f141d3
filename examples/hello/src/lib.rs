//! The hello app, in a library so that its tests drive it with the test client.

use alder::extract::Path;
use alder::routing::get;
use alder::{context, App, Result, TemplateResponse, Templates};

/// Greets whoever is named in the URL, through a template that extends a base layout.
async fn greet(t: Templates, Path(name): Path<String>) -> Result<TemplateResponse> {
    t.render("hello/greet.html", context! { name })
}

/// The app: a plain-text index and a templated greeting.
pub fn app() -> App {
    App::new("hello")
        .route("/", get(|| async { "Hello, World!" }), "index")
        .route("/hello/{name}/", get(greet), "greet")
        .templates(alder::embed_dir!("templates"))
        .static_files(alder::embed_dir!("static"))
}
