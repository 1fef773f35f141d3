//! Queries: typed columns and lookups, `Q` conditions, and the lazy `QuerySet`.

mod aggregate;
mod column;
mod dynamic;
mod order;
mod paths;
mod q;
mod queryset;
mod related;
mod selection;
pub(crate) mod statement;

pub use aggregate::{Aggregate, Summable};
pub use dynamic::LOOKUPS;

pub use column::{Assignment, Column, DateField, IntoFieldValue, TextField};
pub use order::OrderBy;
pub use paths::FieldPaths;
pub use q::Q;
pub use queryset::{QuerySet, MAX_SEARCH_WORDS};
pub(crate) use related::through_has;
pub use related::Relation;
pub use selection::{Aggregates, Columns};
