//! The metadata `#[derive(Model)]` writes: models, fields, relations, many-to-many fields and
//! the rules declared on them. Plain data with no dependency on the rest of the crate, so
//! forms, the admin and API schemas read it without the query or migration code; it
//! serializes to JSON (`serde_json::to_value(Post::META)`).
//!
//! ```
//! use alder_db::meta::{FieldKind, ModelMeta};
//! use alder_db::{Auto, Model};
//! #[derive(Model)]
//! struct Post { id: Auto<i64>, #[model(max_length = 200)] title: String }
//! let meta: &ModelMeta = Post::META;
//! let title = meta.field("title").unwrap();
//! assert_eq!((title.kind, title.max_length), (FieldKind::Text, Some(200)));
//! ```

mod field;
mod many;
mod model;
mod relation;
mod rules;

pub use field::{FieldDefault, FieldKind, FieldMeta, FileKind};
pub use many::ManyToManyMeta;
pub use model::{ModelMeta, UnknownField};
pub use relation::{OnDelete, RelationMeta};
pub use rules::{Limit, Validator};
