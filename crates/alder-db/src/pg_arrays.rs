//! Columns of values bound as PostgreSQL arrays, for statements that take many rows in a
//! fixed number of parameters (`UPDATE … FROM unnest($1, $2)`): one prepared statement
//! whatever the number of rows, and no per-row parameters to plan.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use sea_query::Value;
use sqlx::postgres::PgArguments;
use sqlx::Arguments;

use crate::meta::FieldKind;

/// One column of values, typed for its PostgreSQL array.
#[derive(Debug)]
pub(crate) enum ArrayColumn {
    SmallInt(Vec<Option<i16>>),
    Int(Vec<Option<i32>>),
    BigInt(Vec<Option<i64>>),
    Double(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
    Text(Vec<Option<String>>),
    Decimal(Vec<Option<rust_decimal::Decimal>>),
    Date(Vec<Option<NaiveDate>>),
    Time(Vec<Option<NaiveTime>>),
    Timestamp(Vec<Option<NaiveDateTime>>),
    TimestampTz(Vec<Option<DateTime<Utc>>>),
    Uuid(Vec<Option<uuid::Uuid>>),
}

macro_rules! collect {
    ($values:expr, $variant:ident, $value:ident) => {{
        let mut out = Vec::with_capacity($values.len());
        for value in $values {
            match value {
                Value::$value(v) => out.push(v),
                _ => return None,
            }
        }
        ArrayColumn::$variant(out)
    }};
}

impl ArrayColumn {
    /// The values of a column of `kind`, or `None` when the kind has no array form here
    /// (JSON, bytes) or a value is not of the kind's type.
    pub(crate) fn new(kind: FieldKind, values: Vec<Value>) -> Option<Self> {
        Some(match kind {
            FieldKind::SmallInteger => collect!(values, SmallInt, SmallInt),
            FieldKind::Integer => collect!(values, Int, Int),
            FieldKind::BigInteger => collect!(values, BigInt, BigInt),
            FieldKind::Float => collect!(values, Double, Double),
            FieldKind::Boolean => collect!(values, Bool, Bool),
            FieldKind::Text => collect!(values, Text, String),
            FieldKind::Decimal => collect!(values, Decimal, Decimal),
            FieldKind::Date => collect!(values, Date, ChronoDate),
            FieldKind::Time => collect!(values, Time, ChronoTime),
            FieldKind::NaiveDateTime => collect!(values, Timestamp, ChronoDateTime),
            FieldKind::DateTime => collect!(values, TimestampTz, ChronoDateTimeUtc),
            FieldKind::Uuid => collect!(values, Uuid, Uuid),
            _ => return None,
        })
    }

    /// The SQL array type the parameter is cast to.
    pub(crate) fn sql_type(&self) -> &'static str {
        match self {
            ArrayColumn::SmallInt(_) => "smallint[]",
            ArrayColumn::Int(_) => "integer[]",
            ArrayColumn::BigInt(_) => "bigint[]",
            ArrayColumn::Double(_) => "double precision[]",
            ArrayColumn::Bool(_) => "boolean[]",
            ArrayColumn::Text(_) => "text[]",
            ArrayColumn::Decimal(_) => "numeric[]",
            ArrayColumn::Date(_) => "date[]",
            ArrayColumn::Time(_) => "time[]",
            ArrayColumn::Timestamp(_) => "timestamp[]",
            ArrayColumn::TimestampTz(_) => "timestamptz[]",
            ArrayColumn::Uuid(_) => "uuid[]",
        }
    }

    fn bind(self, args: &mut PgArguments) -> Result<(), sqlx::error::BoxDynError> {
        match self {
            ArrayColumn::SmallInt(v) => args.add(v),
            ArrayColumn::Int(v) => args.add(v),
            ArrayColumn::BigInt(v) => args.add(v),
            ArrayColumn::Double(v) => args.add(v),
            ArrayColumn::Bool(v) => args.add(v),
            ArrayColumn::Text(v) => args.add(v),
            ArrayColumn::Decimal(v) => args.add(v),
            ArrayColumn::Date(v) => args.add(v),
            ArrayColumn::Time(v) => args.add(v),
            ArrayColumn::Timestamp(v) => args.add(v),
            ArrayColumn::TimestampTz(v) => args.add(v),
            ArrayColumn::Uuid(v) => args.add(v),
        }
    }
}

/// The columns as arguments `$1, $2, …`.
pub(crate) fn arguments(columns: Vec<ArrayColumn>) -> Result<PgArguments, sqlx::Error> {
    let mut args = PgArguments::default();
    for column in columns {
        column.bind(&mut args).map_err(sqlx::Error::Encode)?;
    }
    Ok(args)
}
