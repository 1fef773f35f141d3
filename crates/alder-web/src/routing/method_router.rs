//! Alder's `get`, `post`, … : axum's method router plus what the route table shows of it.

use std::convert::Infallible;

use axum::handler::Handler;

use crate::ProjectState;

/// Handlers of one path, one per HTTP method: axum's `MethodRouter` that also remembers the
/// handler names for `routes` and the debug page. Build one with [`get`], [`post`], … and chain
/// more methods with the methods of the same names.
///
/// ```
/// use alder_web::routing::get;
/// async fn show() -> &'static str { "show" }
/// async fn update() -> &'static str { "update" }
/// let route = get(show).post(update);
/// assert_eq!(route.methods(), vec!["GET", "POST"]);
/// ```
pub struct MethodRouter {
    pub(crate) inner: axum::routing::MethodRouter<ProjectState, Infallible>,
    pub(crate) handlers: Vec<(&'static str, &'static str)>,
    /// What other layers keep about each handler, in the order of `handlers`.
    pub(crate) extensions: Vec<http::Extensions>,
    pub(crate) max_body_size: Option<usize>,
    pub(crate) csrf_exempt: bool,
}

impl std::fmt::Debug for MethodRouter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MethodRouter")
            .field("handlers", &self.handlers)
            .field("max_body_size", &self.max_body_size)
            .field("csrf_exempt", &self.csrf_exempt)
            .finish()
    }
}

impl MethodRouter {
    /// The HTTP methods this router answers, in the order they were added (`*` for any).
    pub fn methods(&self) -> Vec<&'static str> {
        self.handlers.iter().map(|(m, _)| *m).collect()
    }

    /// The methods and the type names of their handlers, for the route table.
    pub fn handlers(&self) -> &[(&'static str, &'static str)] {
        &self.handlers
    }

    /// What is kept about the handler of `method` (`"GET"`, …), for whoever reads the route
    /// table later: the API app keeps each operation's input and output types here to write
    /// the OpenAPI document. `None` when this router has no handler for `method`.
    ///
    /// ```
    /// use alder_web::routing::get;
    /// #[derive(Clone)]
    /// struct Summary(&'static str);
    /// let mut route = get(|| async { "ok" });
    /// route.extensions_mut("GET").unwrap().insert(Summary("Says ok"));
    /// assert_eq!(route.extensions("GET").unwrap().get::<Summary>().unwrap().0, "Says ok");
    /// assert!(route.extensions("POST").is_none());
    /// ```
    pub fn extensions(&self, method: &str) -> Option<&http::Extensions> {
        let at = self.handlers.iter().position(|(m, _)| *m == method)?;
        self.extensions.get(at)
    }

    /// The extensions of the handler of `method`, to change; see [`extensions`](Self::extensions).
    pub fn extensions_mut(&mut self, method: &str) -> Option<&mut http::Extensions> {
        let at = self.handlers.iter().position(|(m, _)| *m == method)?;
        self.extensions.get_mut(at)
    }

    /// Accepts request bodies up to `bytes` on this route, instead of the `max_body_size`
    /// setting: larger for an upload form, smaller for a login form (Django sets
    /// `DATA_UPLOAD_MAX_MEMORY_SIZE` only project-wide). Applies to every extractor, `Json`,
    /// `Form`, `Bytes`, `String` and streamed bodies alike; beyond it the answer is 413.
    ///
    /// ```
    /// use alder_web::routing::post;
    /// async fn upload(body: axum::body::Bytes) -> String { format!("{} bytes", body.len()) }
    /// let route = post(upload).max_body_size(100 * 1024 * 1024);
    /// assert_eq!(route.body_limit(), Some(100 * 1024 * 1024));
    /// ```
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = Some(bytes);
        self
    }

    /// The limit set with [`max_body_size`](Self::max_body_size), if any.
    pub fn body_limit(&self) -> Option<usize> {
        self.max_body_size
    }

    /// Lets unsafe requests (POST, PUT, PATCH, DELETE) to this route through without a CSRF
    /// token, as Django's `@csrf_exempt`: for a webhook a third party posts to, or an API
    /// authenticated by a header rather than a cookie. Every other route keeps the check;
    /// `alder routes` marks the exempt ones.
    ///
    /// ```
    /// use alder_web::routing::post;
    /// async fn webhook(body: String) -> &'static str { "ok" }
    /// let route = post(webhook).csrf_exempt();
    /// assert!(route.is_csrf_exempt());
    /// ```
    pub fn csrf_exempt(mut self) -> Self {
        self.csrf_exempt = true;
        self
    }

    /// Whether [`csrf_exempt`](Self::csrf_exempt) was called.
    pub fn is_csrf_exempt(&self) -> bool {
        self.csrf_exempt
    }
}

/// Any axum method router works too; its methods show as `*` in the route table since axum
/// does not say which it holds.
impl From<axum::routing::MethodRouter<ProjectState, Infallible>> for MethodRouter {
    fn from(inner: axum::routing::MethodRouter<ProjectState, Infallible>) -> Self {
        MethodRouter {
            inner,
            handlers: vec![("*", "axum::routing::MethodRouter")],
            extensions: vec![http::Extensions::new()],
            max_body_size: None,
            csrf_exempt: false,
        }
    }
}

macro_rules! method_fns {
    ($($name:ident => $method:literal),* $(,)?) => {
        $(
            #[doc = concat!("Routes `", $method, "` requests to `handler`.\n\n")]
            #[doc = "```\n"]
            #[doc = concat!("let route = alder_web::routing::", stringify!($name), "(|| async { \"ok\" });\n")]
            #[doc = concat!("assert_eq!(route.methods(), vec![\"", $method, "\"]);\n")]
            #[doc = "```"]
            pub fn $name<H, T>(handler: H) -> MethodRouter
            where
                H: Handler<T, ProjectState>,
                T: 'static,
            {
                MethodRouter {
                    inner: axum::routing::$name(handler),
                    handlers: vec![($method, std::any::type_name::<H>())],
                    extensions: vec![http::Extensions::new()],
                    max_body_size: None,
                    csrf_exempt: false,
                }
            }

            impl MethodRouter {
                #[doc = concat!("Adds a handler for `", $method, "` requests.")]
                pub fn $name<H, T>(mut self, handler: H) -> Self
                where
                    H: Handler<T, ProjectState>,
                    T: 'static,
                {
                    self.inner = self.inner.$name(handler);
                    self.handlers.push(($method, std::any::type_name::<H>()));
                    self.extensions.push(http::Extensions::new());
                    self
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
    head => "HEAD",
    options => "OPTIONS",
}

/// Routes requests of every method to `handler`.
///
/// ```
/// let route = alder_web::routing::any(|| async { "ok" });
/// assert_eq!(route.methods(), vec!["*"]);
/// ```
pub fn any<H, T>(handler: H) -> MethodRouter
where
    H: Handler<T, ProjectState>,
    T: 'static,
{
    MethodRouter {
        inner: axum::routing::any(handler),
        handlers: vec![("*", std::any::type_name::<H>())],
        extensions: vec![http::Extensions::new()],
        max_body_size: None,
        csrf_exempt: false,
    }
}
