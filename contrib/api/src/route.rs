//! `alder_api::get`, `post`, …: Alder's routing functions that also keep, for the document,
//! what each handler reads and answers.

use std::borrow::Cow;
use std::future::Future;

use alder_web::routing::MethodRouter;
use alder_web::ProjectState;
use axum::handler::Handler;

use crate::operation::{Operation, OperationBuilder};
use crate::{ApiInput, ApiOutput};

/// A handler whose arguments are all [`ApiInput`]s and whose answer is an [`ApiOutput`]:
/// any `async fn` of them. `I` is the tuple of its argument types, `O` its answer.
#[diagnostic::on_unimplemented(
    message = "this handler cannot be documented in the API document",
    note = "each argument must implement `alder_api::ApiInput` and the return type `alder_api::ApiOutput`; the errors below this one name the type that does not",
    note = "a route the document should not show can use `alder::routing::get` instead"
)]
pub trait ApiHandler<I, O> {
    /// Adds the handler's inputs and outputs to the operation.
    fn describe(op: &mut OperationBuilder<'_>);
}

macro_rules! api_handler {
    ($($arg:ident),*) => {
        impl<F, Fut, O, $($arg,)*> ApiHandler<($($arg,)*), O> for F
        where
            F: FnOnce($($arg,)*) -> Fut,
            Fut: Future<Output = O>,
            O: ApiOutput,
            $($arg: ApiInput,)*
        {
            fn describe(op: &mut OperationBuilder<'_>) {
                $(<$arg as ApiInput>::describe(op);)*
                O::describe(op);
            }
        }
    };
}

api_handler!();
api_handler!(A1);
api_handler!(A1, A2);
api_handler!(A1, A2, A3);
api_handler!(A1, A2, A3, A4);
api_handler!(A1, A2, A3, A4, A5);
api_handler!(A1, A2, A3, A4, A5, A6);
api_handler!(A1, A2, A3, A4, A5, A6, A7);
api_handler!(A1, A2, A3, A4, A5, A6, A7, A8);
api_handler!(A1, A2, A3, A4, A5, A6, A7, A8, A9);
api_handler!(A1, A2, A3, A4, A5, A6, A7, A8, A9, A10);
api_handler!(A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11);
api_handler!(A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12);

/// The handlers of one path, one per method, each documented: what
/// [`alder::routing::get`](alder_web::routing::get) builds, plus the operation each handler
/// is. Chain more methods as there; `summary`, `description`, `tag`, … describe the method
/// added last. Give it to [`App::route`](alder_web::App::route) as any router.
///
/// ```
/// use alder::Json;
/// async fn list() -> Json<Vec<String>> { Json(vec![]) }
/// async fn create(Json(name): Json<String>) -> alder_api::Created<Json<String>> {
///     alder_api::Created(Json(name))
/// }
/// let route = alder_api::get(list).summary("Every tag").post(create).tag("tags");
/// let app = alder::App::new("tags").api().route("/tags/", route, "tags");
/// ```
pub struct ApiRoute {
    router: MethodRouter,
    last: &'static str,
}

impl std::fmt::Debug for ApiRoute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiRoute")
            .field("router", &self.router)
            .finish_non_exhaustive()
    }
}

impl From<ApiRoute> for MethodRouter {
    fn from(route: ApiRoute) -> Self {
        route.router
    }
}

impl ApiRoute {
    fn documented<H, I, O>(mut router: MethodRouter, method: &'static str) -> Self
    where
        H: ApiHandler<I, O>,
    {
        let handler = router
            .handlers()
            .iter()
            .rev()
            .find(|(m, _)| *m == method)
            .map_or("", |(_, name)| *name);
        let operation = Operation::new(H::describe, handler);
        router
            .extensions_mut(method)
            .expect("the method was just added")
            .insert(operation);
        ApiRoute {
            router,
            last: method,
        }
    }

    fn operation(&mut self) -> &mut Operation {
        self.router
            .extensions_mut(self.last)
            .and_then(|e| e.get_mut::<Operation>())
            .expect("every method of an ApiRoute is documented")
    }

    /// The operation's one-line summary; by default the handler's name as a sentence
    /// (`list_posts` → "List posts"), as FastAPI does.
    pub fn summary(mut self, text: impl Into<Cow<'static, str>>) -> Self {
        self.operation().summary = Some(text.into());
        self
    }

    /// A longer description (Markdown), shown under the summary.
    pub fn description(mut self, text: impl Into<Cow<'static, str>>) -> Self {
        self.operation().description = Some(text.into());
        self
    }

    /// Adds a tag, a heading of the docs page; by default the app's name.
    pub fn tag(mut self, tag: impl Into<Cow<'static, str>>) -> Self {
        self.operation().tags.push(tag.into());
        self
    }

    /// The operation's id, which client generators name their functions after; by default
    /// the handler's name.
    pub fn operation_id(mut self, id: impl Into<Cow<'static, str>>) -> Self {
        self.operation().operation_id = Some(id.into());
        self
    }

    /// Marks the operation deprecated.
    pub fn deprecated(mut self) -> Self {
        self.operation().deprecated = true;
        self
    }

    /// Leaves the operation out of the document (FastAPI's `include_in_schema=False`).
    pub fn hidden(mut self) -> Self {
        self.operation().hidden = true;
        self
    }

    /// Adds responses of your own to the operation, beside the ones its types say.
    ///
    /// ```
    /// async fn show() -> alder::Json<u32> { alder::Json(1) }
    /// let route = alder_api::get(show)
    ///     .responses(|op| op.response("404", "No such post", None));
    /// ```
    pub fn responses(mut self, describe: fn(&mut OperationBuilder<'_>)) -> Self {
        self.operation().extra.push(describe);
        self
    }

    /// Accepts bodies up to `bytes` ([`MethodRouter::max_body_size`]).
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.router = self.router.max_body_size(bytes);
        self
    }

    /// Skips the CSRF check ([`MethodRouter::csrf_exempt`]) for **every** method of the
    /// route, not only the one added last: for an API authenticated by a header, or open to
    /// anyone without a session. A method that should keep the check belongs on a route of
    /// its own.
    pub fn csrf_exempt(mut self) -> Self {
        self.router = self.router.csrf_exempt();
        self
    }
}

macro_rules! method_fns {
    ($($name:ident => $method:literal),* $(,)?) => {
        $(
            #[doc = concat!("Routes `", $method, "` requests to `handler`, documented in the API document.\n\n")]
            #[doc = "```\n"]
            #[doc = concat!("let route = alder_api::", stringify!($name), "(|| async { \"ok\" });\n")]
            #[doc = "```"]
            pub fn $name<H, T, I, O>(handler: H) -> ApiRoute
            where
                H: Handler<T, ProjectState> + ApiHandler<I, O>,
                T: 'static,
            {
                ApiRoute::documented::<H, I, O>(alder_web::routing::$name(handler), $method)
            }

            impl ApiRoute {
                #[doc = concat!("Adds a documented handler for `", $method, "` requests.")]
                pub fn $name<H, T, I, O>(self, handler: H) -> Self
                where
                    H: Handler<T, ProjectState> + ApiHandler<I, O>,
                    T: 'static,
                {
                    ApiRoute::documented::<H, I, O>(self.router.$name(handler), $method)
                }
            }
        )*
    };
}

method_fns! {
    get => "GET",
    post => "POST",
    put => "PUT",
    patch => "PATCH",
    delete => "DELETE",
}
