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

/// The place of the field called `name` in `meta.fields`, at compile time: how
/// `#[derive(Validate)]` with `model = "…"` finds a model's field, and refuses to compile
/// when there is none.
///
/// ```
/// use alder_db::{Auto, Model, meta::field_index};
/// #[derive(Model)]
/// struct Tag { id: Auto<i64>, name: String }
/// const NAME: Option<usize> = field_index(Tag::META, "name");
/// assert_eq!(NAME, Some(1));
/// assert_eq!(field_index(Tag::META, "colour"), None);
/// ```
pub const fn field_index(meta: &ModelMeta, name: &str) -> Option<usize> {
    let mut index = 0;
    while index < meta.fields.len() {
        if same_text(meta.fields[index].name, name) {
            return Some(index);
        }
        index += 1;
    }
    None
}

/// `a == b`, which `const fn`s cannot write for `str`s yet.
const fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}
