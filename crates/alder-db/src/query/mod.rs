//! Queries: typed columns and lookups, `Q` conditions, and the lazy `QuerySet`.

mod column;
mod q;
mod queryset;

pub use column::{Assignment, Column, IntoFieldValue, OrderBy, TextField};
pub use q::Q;
pub use queryset::QuerySet;
