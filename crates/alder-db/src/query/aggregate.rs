//! Aggregates (`Count`, `Sum`, `Avg`, `Min`, `Max`) over a `QuerySet`, whole or grouped.

use std::marker::PhantomData;

use sea_query::{Alias, Expr, Func, SimpleExpr};

use crate::{FieldType, Model};

/// An aggregate of a column, made by [`Column::count`](crate::Column::count) and friends;
/// `T` is the Rust type of the result.
pub struct Aggregate<M, T> {
    pub(crate) expr: SimpleExpr,
    _marker: PhantomData<fn() -> (M, T)>,
}

impl<M, T> std::fmt::Debug for Aggregate<M, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Aggregate")
    }
}

impl<M: Model, T: FieldType> Aggregate<M, T> {
    pub(crate) fn new(expr: SimpleExpr) -> Self {
        Aggregate {
            expr,
            _marker: PhantomData,
        }
    }
}

pub(crate) fn column<M: Model>(name: &'static str) -> Expr {
    Expr::col((M::META.table, name))
}

pub(crate) fn count<M: Model>(name: &'static str) -> SimpleExpr {
    Func::count(column::<M>(name)).into()
}

/// SUM cast to one type on every backend (PostgreSQL widens SUM(bigint) to NUMERIC).
pub(crate) fn sum<M: Model>(name: &'static str, sql_type: &'static str) -> SimpleExpr {
    Func::cast_as(Func::sum(column::<M>(name)), sql_type).into()
}

pub(crate) fn avg<M: Model>(name: &'static str) -> SimpleExpr {
    // AVG of integers is NUMERIC on PostgreSQL: ask for a float on both backends.
    Func::avg(Func::cast_as(
        column::<M>(name),
        Alias::new("DOUBLE PRECISION"),
    ))
    .into()
}

pub(crate) fn min<M: Model>(name: &'static str) -> SimpleExpr {
    Func::min(column::<M>(name)).into()
}

pub(crate) fn max<M: Model>(name: &'static str) -> SimpleExpr {
    Func::max(column::<M>(name)).into()
}
