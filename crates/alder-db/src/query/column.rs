//! Typed columns: `Post::title()` is a `Column<Post, String>` whose lookups only accept
//! values of the field's type, so a wrong field or type fails to compile.

use std::marker::PhantomData;

use sea_query::{Alias, Expr, ExprTrait, Func, LikeExpr, Value};

use super::order::{OrderBy, OrderTerm};
use super::q::Op;
use super::Q;
use crate::{Auto, FieldType, Model};

/// A value usable where a field of type `T` is expected: `T` itself, `&str` for text,
/// a plain value for an `Option<T>` or an `Auto<T>` field.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a value for a field of type `{T}`",
    label = "expected a value of type `{T}` here",
    note = "a field, filter or default of type `{T}` takes a `{T}` (or `&str` for text, a plain value for `Option`/`Auto`)"
)]
pub trait IntoFieldValue<T> {
    /// The query parameter.
    fn into_field_value(self) -> Value;

    /// For a related object given as the value: its model's name when it is not saved yet
    /// (it has no key to compare with), which makes a filter an error rather than `IS NULL`.
    #[doc(hidden)]
    fn unsaved_model(&self) -> Option<&'static str> {
        None
    }
}

impl<T: FieldType> IntoFieldValue<T> for T {
    fn into_field_value(self) -> Value {
        self.to_value()
    }
}

impl<T: FieldType> IntoFieldValue<Option<T>> for T {
    fn into_field_value(self) -> Value {
        self.to_value()
    }
}

impl IntoFieldValue<String> for &str {
    fn into_field_value(self) -> Value {
        Value::String(Some(self.to_string()))
    }
}

impl IntoFieldValue<Option<String>> for &str {
    fn into_field_value(self) -> Value {
        Value::String(Some(self.to_string()))
    }
}

impl<T> IntoFieldValue<Auto<T>> for T
where
    T: FieldType,
    Auto<T>: FieldType,
{
    fn into_field_value(self) -> Value {
        self.to_value()
    }
}

/// Text fields, which have the string lookups (`contains`, `startswith`, …).
pub trait TextField {}
impl TextField for String {}
impl TextField for Option<String> {}

/// A column of model `M` holding `T`, with Django's lookups as methods. A value of the wrong
/// type does not compile:
///
/// ```compile_fail,E0277
/// use alder_db::{Auto, Model};
/// #[derive(Model)]
/// struct Note { id: Auto<i64>, views: i32 }
/// let _ = Note::objects().filter(Note::views().eq("many"));
/// ```
///
/// nor does a text lookup on a number:
///
/// ```compile_fail,E0599
/// use alder_db::{Auto, Model};
/// #[derive(Model)]
/// struct Note { id: Auto<i64>, views: i32 }
/// let _ = Note::objects().filter(Note::views().contains("1"));
/// ```
pub struct Column<M, T> {
    column: &'static str,
    _marker: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Clone for Column<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, T> Copy for Column<M, T> {}

impl<M, T> std::fmt::Debug for Column<M, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Column({})", self.column)
    }
}

/// One `column = value` of an `update` on model `M`: the model is part of the type, so an
/// assignment to another model's column does not compile.
///
/// (`tests/ui/model/fail/update_other_model.rs` checks that it does not.)
///
/// ```
/// use alder_db::{Auto, Model};
/// #[derive(Model)] struct Post { id: Auto<i64>, title: String, views: i32 }
/// # async fn run(db: &alder_db::Database) -> alder_db::Result<()> {
/// Post::objects()
///     .filter(Post::title().eq("Hi"))
///     .update(db, [Post::views().set(0), Post::title().set("Hello")])
///     .await?;
/// # Ok(()) }
/// ```
pub struct Assignment<M> {
    pub(crate) column: &'static str,
    pub(crate) value: Value,
    /// The model of an unsaved object assigned to a foreign key: the update is refused.
    pub(crate) unsaved: Option<&'static str>,
    _model: PhantomData<fn() -> M>,
}

impl<M> Clone for Assignment<M> {
    fn clone(&self) -> Self {
        Assignment {
            column: self.column,
            value: self.value.clone(),
            unsaved: self.unsaved,
            _model: PhantomData,
        }
    }
}

impl<M> std::fmt::Debug for Assignment<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Assignment")
            .field("column", &self.column)
            .field("value", &self.value)
            .finish()
    }
}

use super::dynamic::escape_like as like_escape;

impl<M: Model, T: FieldType> Column<M, T> {
    /// The column named `column` (the derive calls this).
    #[doc(hidden)]
    pub const fn new(column: &'static str) -> Self {
        Column {
            column,
            _marker: PhantomData,
        }
    }

    /// The column's name.
    pub fn name(&self) -> &'static str {
        self.column
    }

    pub(crate) fn expr(self) -> Expr {
        Expr::col((M::META.table, self.column))
    }

    fn lookup(self, op: Op) -> Q<M> {
        Q::lookup(M::META.table, self.column, op)
    }

    /// `= value` (Django's `exact`); `eq(None)` is `IS NULL`, as in Django.
    pub fn eq(self, value: impl IntoFieldValue<T>) -> Q<M> {
        if let Some(model) = value.unsaved_model() {
            return Q::unsaved(model);
        }
        let value = value.into_field_value();
        if is_null(&value) {
            return self.is_null();
        }
        self.lookup(Op::Eq(value))
    }

    /// `<> value`; `ne(None)` is `IS NOT NULL`.
    pub fn ne(self, value: impl IntoFieldValue<T>) -> Q<M> {
        if let Some(model) = value.unsaved_model() {
            return Q::unsaved(model);
        }
        let value = value.into_field_value();
        if is_null(&value) {
            return self.is_not_null();
        }
        self.lookup(Op::Ne(value))
    }

    /// `< value`.
    pub fn lt(self, value: impl IntoFieldValue<T>) -> Q<M> {
        self.lookup(Op::Lt(value.into_field_value()))
    }

    /// `<= value`.
    pub fn lte(self, value: impl IntoFieldValue<T>) -> Q<M> {
        self.lookup(Op::Lte(value.into_field_value()))
    }

    /// `> value`.
    pub fn gt(self, value: impl IntoFieldValue<T>) -> Q<M> {
        self.lookup(Op::Gt(value.into_field_value()))
    }

    /// `>= value`.
    pub fn gte(self, value: impl IntoFieldValue<T>) -> Q<M> {
        self.lookup(Op::Gte(value.into_field_value()))
    }

    /// `IN (values…)`; an empty list matches nothing.
    pub fn is_in<V: IntoFieldValue<T>>(self, values: impl IntoIterator<Item = V>) -> Q<M> {
        let mut unsaved = None;
        let values: Vec<Value> = values
            .into_iter()
            .map(|v| {
                unsaved = unsaved.or(v.unsaved_model());
                v.into_field_value()
            })
            .collect();
        if let Some(model) = unsaved {
            return Q::unsaved(model);
        }
        if values.is_empty() {
            return !Q::all();
        }
        self.lookup(Op::In(values))
    }

    /// `BETWEEN low AND high`, both included (Django's `range`).
    pub fn range(self, low: impl IntoFieldValue<T>, high: impl IntoFieldValue<T>) -> Q<M> {
        self.lookup(Op::Between(low.into_field_value(), high.into_field_value()))
    }

    /// `IS NULL`.
    pub fn is_null(self) -> Q<M> {
        self.lookup(Op::IsNull)
    }

    /// `IS NOT NULL`.
    pub fn is_not_null(self) -> Q<M> {
        self.lookup(Op::IsNotNull)
    }

    /// Ascending order.
    pub fn asc(self) -> OrderBy<M> {
        OrderBy::new(OrderTerm::Column(self.column), false)
    }

    /// Descending order.
    pub fn desc(self) -> OrderBy<M> {
        OrderBy::new(OrderTerm::Column(self.column), true)
    }

    /// How many rows have a non-NULL value here (Django's `Count`).
    pub fn count(self) -> super::Aggregate<M, i64> {
        super::Aggregate::new(super::aggregate::count::<M>(self.column))
    }

    /// The smallest value (`None` when no row matches).
    pub fn min(self) -> super::Aggregate<M, Option<T>> {
        super::Aggregate::new(super::aggregate::min::<M>(self.column))
    }

    /// The largest value (`None` when no row matches).
    pub fn max(self) -> super::Aggregate<M, Option<T>> {
        super::Aggregate::new(super::aggregate::max::<M>(self.column))
    }

    /// The total (Django's `Sum`), in the column's own kind of number: `i64` for integer
    /// columns, `f64` for floats, `Decimal` for decimals (`None` when no row matches). Only
    /// number columns have one: `Post::title().sum()` does not compile.
    pub fn sum(self) -> super::Aggregate<M, Option<T::Total>>
    where
        T: super::aggregate::Summable,
    {
        super::Aggregate::new(super::aggregate::sum::<M>(self.column, T::TOTAL_SQL))
    }

    /// The total as `f64`, whatever kind of number the column holds.
    pub fn sum_float(self) -> super::Aggregate<M, Option<f64>>
    where
        T: super::aggregate::Summable,
    {
        super::Aggregate::new(super::aggregate::sum::<M>(self.column, "DOUBLE PRECISION"))
    }

    /// The mean, as `f64` (`None` when no row matches).
    pub fn avg(self) -> super::Aggregate<M, Option<f64>> {
        super::Aggregate::new(super::aggregate::avg::<M>(self.column))
    }

    /// `column = value`, for [`QuerySet::update`](crate::QuerySet::update).
    pub fn set(self, value: impl IntoFieldValue<T>) -> Assignment<M> {
        Assignment {
            column: self.column,
            unsaved: value.unsaved_model(),
            value: value.into_field_value(),
            _model: PhantomData,
        }
    }
}

impl<M: Model, T: FieldType + TextField> Column<M, T> {
    fn like(self, pattern: String, insensitive: bool) -> Q<M> {
        if insensitive {
            let lowered = pattern.to_lowercase();
            Q::expr(Expr::expr(Func::lower(self.expr())).like(LikeExpr::new(lowered).escape('\\')))
        } else {
            Q::expr(self.expr().like(LikeExpr::new(pattern).escape('\\')))
        }
    }

    /// Contains `text`, case-sensitively.
    pub fn contains(self, text: &str) -> Q<M> {
        self.like(format!("%{}%", like_escape(text)), false)
    }

    /// Contains `text`, ignoring case.
    pub fn icontains(self, text: &str) -> Q<M> {
        self.like(format!("%{}%", like_escape(text)), true)
    }

    /// Starts with `text`.
    pub fn startswith(self, text: &str) -> Q<M> {
        self.like(format!("{}%", like_escape(text)), false)
    }

    /// Starts with `text`, ignoring case.
    pub fn istartswith(self, text: &str) -> Q<M> {
        self.like(format!("{}%", like_escape(text)), true)
    }

    /// Ends with `text`.
    pub fn endswith(self, text: &str) -> Q<M> {
        self.like(format!("%{}", like_escape(text)), false)
    }

    /// Ends with `text`, ignoring case.
    pub fn iendswith(self, text: &str) -> Q<M> {
        self.like(format!("%{}", like_escape(text)), true)
    }

    /// Equal to `text`, ignoring case.
    pub fn iexact(self, text: &str) -> Q<M> {
        self.like(like_escape(text), true)
    }
}

/// Date and time fields, which have the `year`, `month` and `day` lookups.
pub trait DateField {
    /// The first instant of `year` and of the year after, as query values.
    fn year_bounds(year: i32) -> Option<(Value, Value)>;
}

fn first_day(year: i32) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::from_ymd_opt(year, 1, 1)
}

impl DateField for chrono::NaiveDate {
    fn year_bounds(year: i32) -> Option<(Value, Value)> {
        Some((
            first_day(year)?.to_value(),
            first_day(year.checked_add(1)?)?.to_value(),
        ))
    }
}

impl DateField for chrono::NaiveDateTime {
    fn year_bounds(year: i32) -> Option<(Value, Value)> {
        let at = |y| first_day(y).and_then(|d| d.and_hms_opt(0, 0, 0));
        Some((at(year)?.to_value(), at(year.checked_add(1)?)?.to_value()))
    }
}

impl DateField for chrono::DateTime<chrono::Utc> {
    fn year_bounds(year: i32) -> Option<(Value, Value)> {
        let at = |y| {
            first_day(y)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|d| d.and_utc())
        };
        Some((at(year)?.to_value(), at(year.checked_add(1)?)?.to_value()))
    }
}

impl<T: DateField> DateField for Option<T> {
    fn year_bounds(year: i32) -> Option<(Value, Value)> {
        T::year_bounds(year)
    }
}

impl<M: Model, T: FieldType + DateField> Column<M, T> {
    /// In the calendar year `year` (Django's `__year`), as a range so that an index on the
    /// column serves it; an impossible year matches nothing.
    pub fn year(self, year: i32) -> Q<M> {
        match T::year_bounds(year) {
            Some((start, end)) => self.lookup(Op::Gte(start)).and(self.lookup(Op::Lt(end))),
            None => !Q::all(),
        }
    }

    /// In month `month` (1–12) of any year (Django's `__month`).
    pub fn month(self, month: u32) -> Q<M> {
        Q::expr(date_part(self.expr(), DatePart::Month).eq(i64::from(month)))
    }

    /// On day `day` (1–31) of any month (Django's `__day`).
    pub fn day(self, day: u32) -> Q<M> {
        Q::expr(date_part(self.expr(), DatePart::Day).eq(i64::from(day)))
    }
}

/// A part of a date, for the `month` and `day` lookups.
#[derive(Debug, Clone, Copy)]
pub(crate) enum DatePart {
    Month,
    Day,
}

/// The month or day of a date or timestamp column as an integer, in SQL both backends
/// understand: both write dates as ISO text (`2026-01-31…`; PostgreSQL sessions are set to
/// ISO dates and UTC), so the part is a fixed slice of the text. It cannot use an index on
/// the column, as in Django.
pub(crate) fn date_part(column: Expr, part: DatePart) -> Expr {
    let start = match part {
        DatePart::Month => "6",
        DatePart::Day => "9",
    };
    let text = Func::cast_as(column, Alias::new("TEXT"));
    let slice =
        Func::cust(Alias::new("SUBSTR")).args([text.into(), Expr::cust(start), Expr::cust("2")]);
    Func::cast_as(slice, Alias::new("INTEGER")).into()
}

/// Whether a query value is SQL NULL (of any type Alder's fields produce).
fn is_null(value: &Value) -> bool {
    matches!(
        value,
        Value::Bool(None)
            | Value::SmallInt(None)
            | Value::Int(None)
            | Value::BigInt(None)
            | Value::Float(None)
            | Value::Double(None)
            | Value::Decimal(None)
            | Value::String(None)
            | Value::Bytes(None)
            | Value::Json(None)
            | Value::ChronoDate(None)
            | Value::ChronoTime(None)
            | Value::ChronoDateTime(None)
            | Value::ChronoDateTimeUtc(None)
            | Value::Uuid(None)
    )
}
