//! Extractors: axum's (`Path`, `Query`, `Form`, `Json`, `State`, …) and Alder's
//! ([`Templates`](crate::Templates), [`Urls`](crate::routing::Urls)).
//!
//! ```
//! use alder_web::extract::{Path, Query};
//! #[derive(serde::Deserialize)]
//! struct Page { page: Option<u32> }
//! async fn list(Path(tag): Path<String>, Query(p): Query<Page>) -> String {
//!     format!("{tag} page {}", p.page.unwrap_or(1))
//! }
//! ```

pub use crate::routing::Urls;
pub use crate::Templates;
pub use axum::extract::*;
