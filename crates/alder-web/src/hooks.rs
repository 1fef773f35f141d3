//! What `App` and `Project` share to extend a project: tower layers, layers made from the
//! project's state once it exists, and changes to the template environment. Both builders
//! keep their own public methods (an app's layer wraps only its routes, a project's every
//! route) and store what those methods are given in the same shapes, built here.

use std::sync::Arc;

use axum::Router;

use crate::templates::EnvHook;
use crate::ProjectState;

/// A layer waiting for the project's state: applied when the project is built, once the
/// settings, database, templates and URLs exist.
/// Making the layer may fail (a contrib app's settings are wrong): the project's build then
/// fails with that error, before any request.
pub(crate) type RouterLayer = Box<
    dyn FnOnce(Router<ProjectState>, &ProjectState) -> crate::Result<Router<ProjectState>> + Send,
>;

/// `layer` as a [`RouterLayer`].
pub(crate) fn boxed_layer(layer: impl RouteLayer) -> RouterLayer {
    Box::new(move |router, _| Ok(layer.wrap(router)))
}

/// A layer made from the state by `make`, as a [`RouterLayer`].
pub(crate) fn boxed_layer_with_state<F, L>(make: F) -> RouterLayer
where
    F: FnOnce(&ProjectState) -> L + Send + 'static,
    L: RouteLayer,
{
    Box::new(move |router, state| Ok(make(state).wrap(router)))
}

/// A layer made from the state by `make`, which may refuse with an error, as a
/// [`RouterLayer`].
pub(crate) fn boxed_layer_try_with_state<F, L>(make: F) -> RouterLayer
where
    F: FnOnce(&ProjectState) -> crate::Result<L> + Send + 'static,
    L: RouteLayer,
{
    Box::new(move |router, state| Ok(make(state)?.wrap(router)))
}

/// A tower layer that can wrap routes: any layer axum's `Router::layer` accepts (tower-http's
/// compression, CORS, timeouts, your own). Implemented for all of them; name it in bounds.
///
/// ```
/// use alder_web::{App, RouteLayer};
/// fn guarded(app: App, layer: impl RouteLayer) -> App {
///     app.layer(layer)
/// }
/// let app = guarded(App::new("upload"), tower_http::limit::RequestBodyLimitLayer::new(1024));
/// ```
pub trait RouteLayer: Send + 'static {
    /// Wraps every route of `router`.
    fn wrap(self, router: Router<ProjectState>) -> Router<ProjectState>;
}

impl<L> RouteLayer for L
where
    L: tower::Layer<axum::routing::Route> + Clone + Send + Sync + 'static,
    L::Service: tower::Service<axum::extract::Request> + Clone + Send + Sync + 'static,
    <L::Service as tower::Service<axum::extract::Request>>::Response:
        axum::response::IntoResponse + 'static,
    <L::Service as tower::Service<axum::extract::Request>>::Error:
        Into<std::convert::Infallible> + 'static,
    <L::Service as tower::Service<axum::extract::Request>>::Future: Send + 'static,
{
    fn wrap(self, router: Router<ProjectState>) -> Router<ProjectState> {
        router.layer(self)
    }
}

/// A template filter as a change to the environment; shared by `App` and `Project`.
pub(crate) fn filter_hook<F, Rv, Args>(name: &'static str, filter: F) -> EnvHook
where
    F: minijinja::filters::Filter<Rv, Args> + Clone + Send + Sync + 'static,
    Rv: minijinja::value::FunctionResult,
    Args: for<'a> minijinja::value::FunctionArgs<'a>,
{
    Arc::new(move |env| env.add_filter(name, filter.clone()))
}
