//! `Site`: a built project, ready to serve, test or run commands on.

use std::sync::Arc;

use axum::Router;

use crate::app::Command;
use crate::{middleware, Error, ProjectState, Result};

/// A built project: the router with Alder's middleware, ready to serve or to test. It
/// dereferences to its [`ProjectState`], so `site.settings()`, `site.urls()` and
/// `site.templates()` are the state's.
///
/// ```
/// use alder_web::{App, Project, Settings, routing::get};
/// let site = Project::new(Settings::debug())
///     .app(App::new("pages").route("/", get(|| async { "home" }), "home"))
///     .build()
///     .unwrap();
/// assert_eq!(site.urls().routes()[0].name, "pages:home");
/// ```
#[derive(Clone, Debug)]
pub struct Site {
    pub(crate) state: ProjectState,
    pub(crate) service: middleware::Outcome<crate::csrf::Csrf>,
    pub(crate) commands: Arc<Vec<Command>>,
    pub(crate) post_migrate: Arc<Vec<crate::app::PostMigrateFn>>,
    pub(crate) checks: Arc<Vec<crate::checks::Registered>>,
}

impl Site {
    /// The shared state handlers see.
    pub fn state(&self) -> &ProjectState {
        &self.state
    }

    /// Applies every pending migration of every app (what `migrate` does), returning the
    /// steps taken. Tests call it on a fresh database.
    pub async fn migrate(&self) -> Result<Vec<alder_db::migrations::MigrationRecord>> {
        let db = self.state.database().await?;
        let graph = alder_db::migrations::Graph::new(self.state.apps())
            .map_err(|e| Error::other("reading the migrations", e))?;
        let steps = alder_db::migrations::Executor::new(db, graph)
            .migrate(&alder_db::migrations::Target::All)
            .await
            .map_err(|e| match e {
                alder_db::migrations::MigrationError::Db(db) => db.into(),
                other => Error::other("migrating", other),
            })?;
        self.after_migrate().await?;
        Ok(steps)
    }

    /// Runs the apps' [`post_migrate`](crate::App::post_migrate) hooks, in app order.
    pub(crate) async fn after_migrate(&self) -> Result<()> {
        for hook in self.post_migrate.iter() {
            (hook.0)(self.clone()).await?;
        }
        Ok(())
    }

    /// The whole site as a plain axum `Router`, to serve with any server or nest in another
    /// axum app.
    pub fn router(&self) -> Router {
        Router::new().fallback_service(self.service.clone())
    }

    /// The site as the tower service Alder's own server runs: the same as
    /// [`router`](Self::router) without the outer router around it.
    pub(crate) fn service(&self) -> middleware::Outcome<crate::csrf::Csrf> {
        self.service.clone()
    }
}

impl std::ops::Deref for Site {
    type Target = ProjectState;

    fn deref(&self) -> &ProjectState {
        &self.state
    }
}
