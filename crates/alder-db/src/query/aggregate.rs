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

/// A column whose values can be added up, and the type of their total: integers sum to
/// `i64`, `f64` to `f64`, `Decimal` stays `Decimal`; text does not compile.
///
/// ```
/// use alder_db::{Auto, Decimal, Model};
/// #[derive(Model)]
/// struct Order { id: Auto<i64>, items: i32, #[model(max_digits = 8, decimal_places = 2)] total: Decimal }
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// # let db = alder_db::Database::connect("sqlite::memory:").await.unwrap();
/// # alder_db::schema::create_model(&db, Order::META).await.unwrap();
/// let (items, total): (Option<i64>, Option<Decimal>) = Order::objects()
///     .aggregate(&db, (Order::items().sum(), Order::total().sum()))
///     .await
///     .unwrap();
/// assert_eq!((items, total), (None, None)); // no rows yet: SQL's NULL
/// # });
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` values cannot be summed",
    label = "sum() applies to number columns (integers, f64, Decimal)"
)]
pub trait Summable: FieldType {
    /// The total's Rust type: `i64` for integers, `f64`, `Decimal`.
    type Total: FieldType;
    /// The SQL type the total is cast to, the same on both backends.
    #[doc(hidden)]
    const TOTAL_SQL: &'static str;
}

macro_rules! summable {
    ($($ty:ty => $total:ty, $sql:literal;)*) => {
        $(impl Summable for $ty {
            type Total = $total;
            const TOTAL_SQL: &'static str = $sql;
        })*
    };
}

summable! {
    i16 => i64, "BIGINT";
    i32 => i64, "BIGINT";
    i64 => i64, "BIGINT";
    f64 => f64, "DOUBLE PRECISION";
    rust_decimal::Decimal => rust_decimal::Decimal, "NUMERIC";
}

impl<T: Summable> Summable for Option<T> {
    type Total = T::Total;
    const TOTAL_SQL: &'static str = T::TOTAL_SQL;
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
