//! Values bound as query parameters, rows read back, and sea-query statements rendered for
//! the backend.

use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder, Value, Values};
use sqlx::postgres::PgArguments;
use sqlx::sqlite::SqliteArguments;
use sqlx::Arguments;

use super::Backend;

macro_rules! bind_all {
    ($args:ident, $values:ident, $decimal:expr) => {{
        for value in $values.0 {
            // Encoding an owned value into a fresh argument list cannot fail for these types;
            // an error would surface when the query runs.
            let _ = match value {
                Value::Bool(v) => $args.add(v),
                Value::TinyInt(v) => $args.add(v.map(i16::from)),
                Value::SmallInt(v) => $args.add(v),
                Value::Int(v) => $args.add(v),
                Value::BigInt(v) => $args.add(v),
                Value::TinyUnsigned(v) => $args.add(v.map(i16::from)),
                Value::SmallUnsigned(v) => $args.add(v.map(i32::from)),
                Value::Unsigned(v) => $args.add(v.map(i64::from)),
                // Values above i64::MAX are refused by `check_bindable` before binding.
                Value::BigUnsigned(v) => $args.add(v.map(|v| i64::try_from(v).unwrap_or(i64::MAX))),
                Value::Float(v) => $args.add(v),
                Value::Double(v) => $args.add(v),
                Value::String(v) => $args.add(v),
                Value::Char(v) => $args.add(v.map(String::from)),
                Value::Bytes(v) => $args.add(v),
                Value::Json(v) => $args.add(v.map(|j| *j)),
                Value::ChronoDate(v) => $args.add(v),
                Value::ChronoTime(v) => $args.add(v),
                Value::ChronoDateTime(v) => $args.add(v),
                Value::ChronoDateTimeUtc(v) => $args.add(v),
                Value::ChronoDateTimeLocal(v) => {
                    $args.add(v.map(|d| d.with_timezone(&chrono::Utc)))
                }
                Value::ChronoDateTimeWithTimeZone(v) => {
                    $args.add(v.map(|d| d.with_timezone(&chrono::Utc)))
                }
                Value::Uuid(v) => $args.add(v),
                Value::Decimal(v) => $args.add($decimal(v)),
                // Refused by `check_bindable` before binding.
                other => $args.add(Some(format!("{other:?}"))),
            };
        }
        $args
    }};
}

/// Refuses what `bind_all` could only bind wrongly: a value type the backends have no
/// column for (a PostgreSQL enum, or a type enabled by another crate's sea-query features),
/// and an unsigned integer too large for BIGINT. Checked before the query is sent.
pub(super) fn check_bindable(model: &'static str, values: &Values) -> crate::Result<()> {
    for value in &values.0 {
        let problem = match value {
            Value::BigUnsigned(Some(n)) if i64::try_from(*n).is_err() => {
                format!("the unsigned integer {n} is larger than a BIGINT holds")
            }
            Value::Bool(_)
            | Value::TinyInt(_)
            | Value::SmallInt(_)
            | Value::Int(_)
            | Value::BigInt(_)
            | Value::TinyUnsigned(_)
            | Value::SmallUnsigned(_)
            | Value::Unsigned(_)
            | Value::BigUnsigned(_)
            | Value::Float(_)
            | Value::Double(_)
            | Value::String(_)
            | Value::Char(_)
            | Value::Bytes(_)
            | Value::Json(_)
            | Value::ChronoDate(_)
            | Value::ChronoTime(_)
            | Value::ChronoDateTime(_)
            | Value::ChronoDateTimeUtc(_)
            | Value::ChronoDateTimeLocal(_)
            | Value::ChronoDateTimeWithTimeZone(_)
            | Value::Uuid(_)
            | Value::Decimal(_) => continue,
            other => format!("a value of this type cannot be bound as a parameter: {other:?}"),
        };
        return Err(crate::DbError::other_sql(model, problem));
    }
    Ok(())
}

pub(super) fn sqlite_args(values: Values) -> SqliteArguments {
    let mut args = SqliteArguments::default();
    // SQLite has no decimal type: the text goes to a NUMERIC column, which converts it.
    bind_all!(args, values, |d: Option<rust_decimal::Decimal>| d
        .map(|d| d.to_string()))
}

pub(super) fn pg_args(values: Values) -> PgArguments {
    let mut args = PgArguments::default();
    bind_all!(args, values, |d: Option<rust_decimal::Decimal>| d)
}

/// A sea-query statement with parameters, rendered per backend.
pub(crate) trait Statement {
    fn build_for(&self, backend: Backend) -> (String, Values);
}

/// A sea-query DDL statement, rendered per backend.
pub(crate) trait SchemaStatement {
    fn build_for(&self, backend: Backend) -> String;
}

macro_rules! statements {
    ($trait:ident, $out:ty, $($ty:ty),*) => {
        $(impl $trait for $ty {
            fn build_for(&self, backend: Backend) -> $out {
                match backend {
                    Backend::Sqlite => self.build(SqliteQueryBuilder),
                    Backend::Postgres => self.build(PostgresQueryBuilder),
                }
            }
        })*
    };
}

statements!(
    Statement,
    (String, Values),
    sea_query::SelectStatement,
    sea_query::InsertStatement,
    sea_query::UpdateStatement,
    sea_query::DeleteStatement
);
statements!(
    SchemaStatement,
    String,
    sea_query::TableCreateStatement,
    sea_query::TableDropStatement,
    sea_query::TableAlterStatement,
    sea_query::TableRenameStatement,
    sea_query::IndexCreateStatement,
    sea_query::IndexDropStatement
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_that_would_bind_wrongly_are_refused() {
        let fine = Values(vec![
            Value::from(1_i64),
            Value::from("x"),
            Value::BigUnsigned(Some(7)),
        ]);
        assert!(check_bindable("T", &fine).is_ok());
        let huge = Values(vec![Value::BigUnsigned(Some(u64::MAX))]);
        let err = check_bindable("T", &huge).unwrap_err();
        assert!(err.to_string().contains("larger than a BIGINT"), "{err}");
    }
}
