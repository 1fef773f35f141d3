//! Several columns or aggregates selected together, decoded into a tuple:
//! `values(db, (Post::id(), Post::title()))`, `aggregate(db, (Post::views().sum(),
//! Post::id().count()))`.

use sea_query::Expr;

use super::{Aggregate, Column};
use crate::database::DbRow;
use crate::{FieldType, Model};

/// One or more aggregates of model `M`: an [`Aggregate`] or a tuple of up to four.
pub trait Aggregates<M> {
    /// What the query returns: the aggregate's type, or a tuple of them.
    type Output;
    #[doc(hidden)]
    fn exprs(self) -> Vec<Expr>;
    #[doc(hidden)]
    fn decode(row: &DbRow) -> Result<Self::Output, sqlx::Error>;
}

/// One or more columns of model `M`: a [`Column`] or a tuple of up to four.
pub trait Columns<M> {
    /// What each row becomes: the column's type, or a tuple of them.
    type Output;
    #[doc(hidden)]
    fn exprs(self) -> Vec<Expr>;
    #[doc(hidden)]
    fn decode(row: &DbRow) -> Result<Self::Output, sqlx::Error>;
}

impl<M: Model, T: FieldType> Aggregates<M> for Aggregate<M, T> {
    type Output = T;
    fn exprs(self) -> Vec<Expr> {
        vec![self.expr]
    }
    fn decode(row: &DbRow) -> Result<T, sqlx::Error> {
        T::decode(row, 0)
    }
}

impl<M: Model, T: FieldType> Columns<M> for Column<M, T> {
    type Output = T;
    fn exprs(self) -> Vec<Expr> {
        vec![self.expr()]
    }
    fn decode(row: &DbRow) -> Result<T, sqlx::Error> {
        T::decode(row, 0)
    }
}

macro_rules! tuples {
    ($(($($name:ident $index:tt),+)),+) => {$(
        impl<M: Model, $($name: FieldType),+> Aggregates<M> for ($(Aggregate<M, $name>,)+) {
            type Output = ($($name,)+);
            fn exprs(self) -> Vec<Expr> {
                vec![$(self.$index.expr),+]
            }
            fn decode(row: &DbRow) -> Result<Self::Output, sqlx::Error> {
                Ok(($($name::decode(row, $index)?,)+))
            }
        }

        impl<M: Model, $($name: FieldType),+> Columns<M> for ($(Column<M, $name>,)+) {
            type Output = ($($name,)+);
            fn exprs(self) -> Vec<Expr> {
                vec![$(self.$index.expr()),+]
            }
            fn decode(row: &DbRow) -> Result<Self::Output, sqlx::Error> {
                Ok(($($name::decode(row, $index)?,)+))
            }
        }
    )+};
}

tuples!((A 0, B 1), (A 0, B 1, C 2), (A 0, B 1, C 2, D 3));
