//! Queries: typed columns and lookups, `Q` conditions, and the lazy `QuerySet`.

mod aggregate;
mod column;
mod dynamic;
mod q;
mod queryset;

pub use aggregate::Aggregate;
pub use dynamic::LOOKUPS;

pub use column::{Assignment, Column, DateField, IntoFieldValue, OrderBy, TextField};
pub use q::Q;
pub use queryset::QuerySet;
