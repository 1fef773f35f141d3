//! How a foreign key is described: the model it points to and its delete rule.

use serde::{Deserialize, Serialize};

use super::ModelMeta;

/// What happens to rows that point to a row being deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OnDelete {
    /// Delete them too.
    Cascade,
    /// Refuse the delete (a foreign key error), as Django's `PROTECT`.
    Protect,
    /// Refuse the delete, checked at the end of the statement.
    Restrict,
    /// Set the pointer to NULL (the field must be an `Option`).
    SetNull,
    /// Set the pointer to the column's default.
    SetDefault,
}

impl OnDelete {
    /// Parses the `on_delete = "…"` attribute.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "cascade" | "CASCADE" => OnDelete::Cascade,
            "protect" | "PROTECT" => OnDelete::Protect,
            "restrict" | "RESTRICT" => OnDelete::Restrict,
            "set_null" | "SET_NULL" => OnDelete::SetNull,
            "set_default" | "SET_DEFAULT" => OnDelete::SetDefault,
            _ => return None,
        })
    }
}

/// The metadata of a relation field.
#[derive(Debug, Clone, Copy)]
pub struct RelationMeta {
    /// The model pointed to (a function, so that a model may point to itself).
    pub target: fn() -> &'static ModelMeta,
    /// The delete rule.
    pub on_delete: OnDelete,
    /// `#[model(related_name = "posts")]`: the name of the reverse relation on the target,
    /// as Django's; `None` means the default, `<model>_set` (see
    /// [`Registry::related_to`](crate::Registry::related_to)).
    pub related_name: Option<&'static str>,
}

impl Serialize for RelationMeta {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("RelationMeta", 3)?;
        st.serialize_field("target", (self.target)().name)?;
        st.serialize_field("on_delete", &self.on_delete)?;
        st.serialize_field("related_name", &self.related_name)?;
        st.end()
    }
}
