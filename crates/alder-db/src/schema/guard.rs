//! What the schema editor checks before it changes a table, so that no change loses data
//! silently: text that would no longer fit a shorter `max_length`, and NULLs in a column that
//! becomes NOT NULL without a `db_default` to fill them. Rows that do not fit stop the
//! migration (it runs in a transaction, so nothing is changed) with the table, the column and
//! how many rows.

use super::quote;
use super::{Column, Table};
use crate::meta::FieldKind;
use crate::{Database, DbError, Result};

/// Checks each field kept from `old` to `new`, then fills NULLs that a new NOT NULL column
/// takes its `db_default` for.
pub(super) async fn prepare(db: &Database, old: &Table, new: &Table) -> Result<()> {
    for field in &new.columns {
        let Some(before) = old.column_for(&field.field) else {
            continue;
        };
        // The data is still in the old column (a changed `db_column` is renamed later).
        let column = quote(&before.name);
        let where_rows = |condition: String| Rows {
            table: &old.name,
            column: &before.name,
            condition,
        };
        if let Some(limit) = shrunk_to(before, field) {
            where_rows(format!("LENGTH({column}) > {limit}"))
                .refuse(
                    db,
                    format!(
                        "hold more than {limit} characters, the new max_length; shorten them \
                         first or keep the longer max_length (a Choices enum takes the length \
                         of its longest value)"
                    ),
                )
                .await?;
        }
        if before.nullable && !field.nullable && !field.primary_key {
            match &field.default {
                Some(fill) => {
                    db.execute_unprepared(&format!(
                        "UPDATE {} SET {column} = {fill} WHERE {column} IS NULL",
                        quote(&old.name)
                    ))
                    .await?;
                }
                None => {
                    where_rows(format!("{column} IS NULL"))
                        .refuse(
                            db,
                            "hold NULL, which the field no longer allows; give it a \
                             `db_default = \"…\"` to fill them with, or update those rows first"
                                .into(),
                        )
                        .await?;
                }
            }
        }
    }
    Ok(())
}

/// The rows of a table's column that meet a condition, which a change would not survive.
struct Rows<'a> {
    table: &'a str,
    column: &'a str,
    condition: String,
}

impl Rows<'_> {
    /// `DbError::DataDoesNotFit` with `problem` when any row meets the condition.
    async fn refuse(&self, db: &Database, problem: String) -> Result<()> {
        let sql = format!(
            "SELECT COUNT(*) FROM {} WHERE {}",
            quote(self.table),
            self.condition
        );
        let rows = count(db, &sql).await?;
        if rows == 0 {
            return Ok(());
        }
        Err(DbError::DataDoesNotFit {
            table: self.table.to_string(),
            column: self.column.to_string(),
            rows,
            problem,
        })
    }
}

/// SQLite keeps a value its new column cannot convert (`'abc'` copied into an INTEGER column
/// stays text), and the model then cannot read the row. After the copy into the rebuilt table
/// `temp`, a column that became a number must hold only numbers: otherwise the migration stops
/// naming the rows, as PostgreSQL's failing cast stops it there.
pub(super) async fn converted_sqlite(
    db: &Database,
    old: &Table,
    new: &Table,
    temp: &str,
) -> Result<()> {
    for field in &new.columns {
        let Some(before) = old.column_for(&field.field) else {
            continue;
        };
        let numeric = matches!(
            field.kind,
            FieldKind::SmallInteger
                | FieldKind::Integer
                | FieldKind::BigInteger
                | FieldKind::Float
                | FieldKind::Decimal
                | FieldKind::Boolean
        );
        if before.kind == field.kind || !numeric {
            continue;
        }
        let column = quote(&field.name);
        // Counted in the rebuilt table, reported under the table's own name.
        let rows = count(
            db,
            &format!(
                "SELECT COUNT(*) FROM {} WHERE {column} IS NOT NULL \
                 AND typeof({column}) NOT IN ('integer', 'real')",
                quote(temp)
            ),
        )
        .await?;
        if rows > 0 {
            return Err(DbError::DataDoesNotFit {
                table: old.name.clone(),
                column: before.name.clone(),
                rows,
                problem: format!(
                    "hold values that are not numbers, which the new {:?} column cannot \
                     keep; change or clear them first",
                    field.kind
                ),
            });
        }
    }
    Ok(())
}

/// An index or trigger of a SQLite table that the migrations did not create: (kind, name, SQL).
pub(super) type Extra = (String, String, String);

/// The indexes and triggers on `old`'s table other than the migrations' own (`ours`), which a
/// table rebuild would drop with the old table.
pub(super) async fn extras_sqlite(
    db: &Database,
    old: &Table,
    ours: &[(String, Vec<String>, bool)],
) -> Result<Vec<Extra>> {
    let sql = "SELECT type, name, sql FROM sqlite_master \
               WHERE tbl_name = ? AND sql IS NOT NULL AND type IN ('index', 'trigger')";
    let rows = db
        .fetch_all("?", sql, sea_query::Values(vec![old.name.clone().into()]))
        .await?;
    refuse_checks_sqlite(db, &old.name).await?;
    let mut extras = Vec::new();
    for row in rows {
        let read = |i| {
            row.get::<String>(i).map_err(|source| DbError::Query {
                sql: sql.to_string(),
                source,
            })
        };
        let (kind, name, text) = (read(0)?, read(1)?, read(2)?);
        if kind == "index" && ours.iter().any(|(n, ..)| *n == name) {
            continue;
        }
        extras.push((kind, name, text));
    }
    Ok(extras)
}

/// Stops a rebuild of a SQLite table whose definition holds a CHECK constraint: Alder never
/// writes one, so it was made by hand (a RunSql that recreated the table), and the rebuilt
/// table, made from the model state, would silently lose it.
async fn refuse_checks_sqlite(db: &Database, table: &str) -> Result<()> {
    static CHECK: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i)\bCHECK\s*\(").expect("a valid pattern")
    });
    let sql = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?";
    let rows = db
        .fetch_all("?", sql, sea_query::Values(vec![table.to_string().into()]))
        .await?;
    let definition = match rows.first() {
        Some(row) => row
            .get::<Option<String>>(0)
            .ok()
            .flatten()
            .unwrap_or_default(),
        None => String::new(),
    };
    if CHECK.is_match(&definition) {
        return Err(DbError::other_sql(
            "migration",
            format!(
                "table {table} has a CHECK constraint the migrations did not create; SQLite \
                 changes a table by rebuilding it from the model, which would drop the \
                 constraint. Recreate the table without it (or make this change) in a RunSql \
                 step: its definition is {definition}"
            ),
        ));
    }
    Ok(())
}

/// Makes the extras again on the rebuilt table; one that no longer fits (it names a column
/// that is gone) stops the migration, which is rolled back, rather than vanishing.
pub(super) async fn restore_sqlite(db: &Database, table: &str, extras: Vec<Extra>) -> Result<()> {
    for (kind, name, sql) in extras {
        if let Err(err) = db.execute_unprepared(&sql).await {
            return Err(DbError::other_sql(
                "migration",
                format!(
                    "table {table} has the {kind} `{name}`, which the migrations did not create \
                     (a RunSql?); rebuilding the table would drop it, and it cannot be made \
                     again on the new table ({err}). Drop or change it in a RunSql step before \
                     this migration"
                ),
            ));
        }
    }
    Ok(())
}

/// The new, smaller length limit of a text field that stays text, if it shrinks.
fn shrunk_to(before: &Column, after: &Column) -> Option<u32> {
    if before.kind != FieldKind::Text || after.kind != FieldKind::Text {
        return None;
    }
    let limit = after.max_length?;
    match before.max_length {
        Some(old) if old <= limit => None,
        _ => Some(limit),
    }
}

async fn count(db: &Database, sql: &str) -> Result<u64> {
    let rows = db
        .fetch_all("?", sql, sea_query::Values(Vec::new()))
        .await?;
    let n: i64 = rows
        .first()
        .map(|row| row.get(0))
        .transpose()
        .map_err(|source| DbError::Query {
            sql: sql.to_string(),
            source,
        })?
        .unwrap_or(0);
    Ok(u64::try_from(n).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(max_length: Option<u32>) -> Column {
        Column {
            kind: FieldKind::Text,
            max_length,
            ..Column::new("title", FieldKind::Text)
        }
    }

    #[test]
    fn only_a_smaller_limit_on_text_is_a_shrink() {
        assert_eq!(shrunk_to(&text(Some(20)), &text(Some(10))), Some(10));
        assert_eq!(shrunk_to(&text(None), &text(Some(10))), Some(10));
        assert_eq!(shrunk_to(&text(Some(10)), &text(Some(20))), None);
        assert_eq!(shrunk_to(&text(Some(10)), &text(None)), None);
        assert_eq!(shrunk_to(&text(Some(10)), &text(Some(10))), None);
    }
}
