//! Routes with names: handlers per method, the project's URL table and `reverse`.
//!
//! Every route has a name, namespaced by its app (`"blog:post_detail"`). URLs are built from
//! names with [`Urls::reverse`] in Rust and `url_for()` in templates, so a path is written once.

pub(crate) mod fallback;
mod method_router;
pub(crate) mod pattern;
mod urls;

pub use method_router::{any, delete, get, head, options, patch, post, put, MethodRouter};
pub(crate) use pattern::Pattern;
pub use pattern::UrlArgs;
pub use urls::{ReverseError, RouteInfo, Urls};
pub(crate) use urls::{RouteFlags, UrlsBuilder};
