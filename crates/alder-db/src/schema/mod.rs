//! The schema editor: DDL that takes a table from one model state to another, on each
//! backend. SQLite cannot alter most column properties, so there a changed table is rebuilt
//! (new table, copy, drop, rename), as Django does.

use sea_query::{
    Alias, ColumnDef, ForeignKey, ForeignKeyAction, Index, Table as SeaTable, TableCreateStatement,
};

use crate::meta::{FieldKind, ModelMeta, OnDelete};
use crate::{Backend, Database, Result};

mod guard;
mod table;

pub use table::{Column, ColumnReference, Table};

fn column_def(field: &Column, backend: Backend) -> ColumnDef {
    let mut def = ColumnDef::new(Alias::new(&field.name));
    match field.kind {
        FieldKind::SmallInteger => def.small_integer(),
        FieldKind::Integer => def.integer(),
        // SQLite only auto-increments an INTEGER PRIMARY KEY (which is 64-bit there).
        FieldKind::BigInteger if field.auto && backend == Backend::Sqlite => def.integer(),
        FieldKind::BigInteger => def.big_integer(),
        FieldKind::Float => def.double(),
        FieldKind::Decimal => {
            let (digits, places) = field.decimal.unwrap_or((20, 10));
            def.decimal_len(digits, places)
        }
        FieldKind::Boolean => def.boolean(),
        FieldKind::Text => match field.max_length {
            Some(n) => def.string_len(n),
            None => def.text(),
        },
        FieldKind::Date => def.date(),
        FieldKind::Time => def.time(),
        FieldKind::DateTime => def.timestamp_with_time_zone(),
        FieldKind::NaiveDateTime => def.date_time(),
        FieldKind::Uuid => def.uuid(),
        FieldKind::Json => def.json_binary(),
        FieldKind::Bytes => def.blob(),
    };
    if field.primary_key {
        def.primary_key();
        if field.auto {
            def.auto_increment();
        }
    } else if field.nullable {
        def.null();
    } else {
        def.not_null();
    }
    if field.unique && !field.primary_key {
        def.unique_key();
    }
    if let Some(default) = &field.default {
        def.default(sea_query::Expr::cust(default.clone()));
    }
    def
}

/// The PostgreSQL type of a field, for `ALTER COLUMN … TYPE`.
fn pg_type(field: &Column) -> String {
    match field.kind {
        FieldKind::SmallInteger => "smallint".into(),
        FieldKind::Integer => "integer".into(),
        FieldKind::BigInteger => "bigint".into(),
        FieldKind::Float => "double precision".into(),
        FieldKind::Decimal => {
            let (digits, places) = field.decimal.unwrap_or((20, 10));
            format!("numeric({digits}, {places})")
        }
        FieldKind::Boolean => "boolean".into(),
        FieldKind::Text => field
            .max_length
            .map_or_else(|| "text".into(), |n| format!("varchar({n})")),
        FieldKind::Date => "date".into(),
        FieldKind::Time => "time".into(),
        FieldKind::DateTime => "timestamp with time zone".into(),
        FieldKind::NaiveDateTime => "timestamp".into(),
        FieldKind::Uuid => "uuid".into(),
        FieldKind::Json => "jsonb".into(),
        FieldKind::Bytes => "bytea".into(),
    }
}

/// What existing rows get in a NOT NULL column without a default that is added back (when a
/// removal is unapplied): the type's zero, as Django's schema editor does for strings.
fn fill_value(field: &Column, backend: Backend) -> Option<String> {
    if field.nullable || field.default.is_some() || field.primary_key {
        return None;
    }
    // The model's typed default, when makemigrations recorded one.
    if let Some(fill) = &field.fill {
        return Some(fill.clone());
    }
    Some(match field.kind {
        FieldKind::SmallInteger
        | FieldKind::Integer
        | FieldKind::BigInteger
        | FieldKind::Float
        | FieldKind::Decimal => "0".into(),
        FieldKind::Boolean if backend == Backend::Sqlite => "0".into(),
        FieldKind::Boolean => "false".into(),
        FieldKind::Text => "''".into(),
        FieldKind::Json => "'{}'".into(),
        _ => return None,
    })
}

/// Quotes an identifier for SQL (both backends accept double quotes).
pub(crate) fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn action(rule: OnDelete) -> ForeignKeyAction {
    match rule {
        OnDelete::Cascade => ForeignKeyAction::Cascade,
        OnDelete::Protect | OnDelete::Restrict => ForeignKeyAction::Restrict,
        OnDelete::SetNull => ForeignKeyAction::SetNull,
        OnDelete::SetDefault => ForeignKeyAction::SetDefault,
    }
}

fn fk_name(table: &str, column: &str) -> String {
    format!("{table}_{column}_fk")
}

fn create_table(model: &Table, table: &str, backend: Backend) -> TableCreateStatement {
    let mut stmt = SeaTable::create();
    stmt.table(Alias::new(table));
    for field in &model.columns {
        stmt.col(column_def(field, backend));
        if let Some(r) = &field.references {
            // A table pointing to itself while it is rebuilt points to its final name.
            stmt.foreign_key(
                ForeignKey::create()
                    .name(fk_name(&model.name, &field.name))
                    .from(Alias::new(table), Alias::new(&field.name))
                    .to(Alias::new(&r.table), Alias::new(&r.column))
                    .on_delete(action(r.on_delete)),
            );
        }
    }
    stmt
}

/// A model's indexes as (name, columns, unique): `db_index` fields, `indexes` sets and
/// `unique_together` sets. Kept out of `CREATE TABLE` so that every one can be dropped by name.
fn index_specs(model: &Table) -> Vec<(String, Vec<String>, bool)> {
    let single = model
        .columns
        .iter()
        .filter(|f| f.db_index && !f.unique && !f.primary_key)
        .map(|f| (vec![f.name.clone()], false));
    let sets = model.indexes.iter().map(|set| (set.clone(), false));
    let unique = model.unique_together.iter().map(|set| (set.clone(), true));
    single
        .chain(sets)
        .chain(unique)
        .map(|(cols, unique)| {
            let suffix = if unique { "uniq" } else { "idx" };
            (
                format!("{}_{}_{suffix}", model.name, cols.join("_")),
                cols,
                unique,
            )
        })
        .collect()
}

async fn create_indexes(db: &Database, model: &Table) -> Result<()> {
    for (name, columns, unique) in index_specs(model) {
        let mut index = Index::create();
        if unique {
            index.unique();
        }
        index.name(name).table(Alias::new(&model.name));
        for column in &columns {
            index.col(Alias::new(column));
        }
        db.execute_unprepared(&db.build_ddl(&index)).await?;
    }
    Ok(())
}

async fn drop_indexes(db: &Database, model: &Table) -> Result<()> {
    for (name, _, _) in index_specs(model) {
        db.execute_unprepared(&format!("DROP INDEX IF EXISTS {}", quote(&name)))
            .await?;
    }
    Ok(())
}

/// Creates a table and its indexes.
pub async fn create(db: &Database, model: &Table) -> Result<()> {
    let sql = db.build_ddl(&create_table(model, &model.name, db.backend()));
    db.execute_unprepared(&sql).await?;
    create_indexes(db, model).await
}

/// Creates the table of a compiled model (for tests and quick scripts; projects use migrations).
///
/// A foreign key of the model gets no constraint here (its target is not created with it):
/// use [`create_models`] with the targets first, or migrations for real projects.
pub async fn create_model(db: &Database, meta: &'static ModelMeta) -> Result<()> {
    create_models(db, &[meta]).await
}

/// Creates the tables of compiled models, in the order given (targets of foreign keys first),
/// then their automatic many-to-many tables. A foreign key gets its constraint when its target
/// is among `metas`.
pub async fn create_models(db: &Database, metas: &[&'static ModelMeta]) -> Result<()> {
    let known: Vec<&str> = metas.iter().map(|m| m.table).collect();
    let keep_known = |mut table: Table| {
        for column in &mut table.columns {
            if column
                .references
                .as_ref()
                .is_some_and(|r| !known.contains(&r.table.as_str()))
            {
                column.references = None;
            }
        }
        table
    };
    for meta in metas {
        create(db, &keep_known(Table::from_meta(meta))).await?;
    }
    for meta in metas {
        for many in meta.many_to_many.iter().filter(|m| m.auto_through) {
            create(db, &keep_known(Table::through(meta, many))).await?;
        }
    }
    Ok(())
}

/// Drops a model's table.
pub async fn drop(db: &Database, model: &Table) -> Result<()> {
    db.execute_unprepared(&format!("DROP TABLE {}", quote(&model.name)))
        .await?;
    Ok(())
}

/// Renames a table.
pub async fn rename_table(db: &Database, old: &str, new: &str) -> Result<()> {
    db.execute_unprepared(&format!(
        "ALTER TABLE {} RENAME TO {}",
        quote(old),
        quote(new)
    ))
    .await?;
    Ok(())
}

/// Gives a model's indexes the names its new state derives (from the table and columns) after
/// a table or column rename, so that no index keeps a stale name that later changes would not
/// find (a `unique_together` removed after a rename must drop its index). PostgreSQL renames
/// them; SQLite, which cannot, drops and recreates them.
///
/// ```
/// use alder_db::schema::{self, Column, Table};
/// use alder_db::FieldKind;
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let db = alder_db::Database::connect("sqlite::memory:").await.unwrap();
/// let old = Table {
///     name: "post".into(),
///     columns: vec![Column { db_index: true, ..Column::new("slug", FieldKind::Text) }],
///     indexes: vec![],
///     unique_together: vec![],
/// };
/// schema::create(&db, &old).await.unwrap();
/// schema::rename_table(&db, "post", "blog_post").await.unwrap();
/// let new = Table { name: "blog_post".into(), ..old.clone() };
/// schema::rename_indexes(&db, &old, &new).await.unwrap(); // post_slug_idx → blog_post_slug_idx
/// # });
/// ```
pub async fn rename_indexes(db: &Database, old: &Table, new: &Table) -> Result<()> {
    let (before, after) = (index_specs(old), index_specs(new));
    if db.backend() == Backend::Sqlite || before.len() != after.len() {
        drop_indexes(db, old).await?;
        return create_indexes(db, new).await;
    }
    for ((old_name, ..), (new_name, ..)) in before.iter().zip(&after) {
        if old_name != new_name {
            db.execute_unprepared(&format!(
                "ALTER INDEX IF EXISTS {} RENAME TO {}",
                quote(old_name),
                quote(new_name)
            ))
            .await?;
        }
    }
    Ok(())
}

/// Renames a column.
pub async fn rename_column(db: &Database, table: &str, old: &str, new: &str) -> Result<()> {
    db.execute_unprepared(&format!(
        "ALTER TABLE {} RENAME COLUMN {} TO {}",
        quote(table),
        quote(old),
        quote(new)
    ))
    .await?;
    Ok(())
}

/// Takes a table from `old` to `new` (same table name, fields added, removed or changed;
/// a field is matched by name). Data in kept columns is kept.
pub async fn alter(db: &Database, old: &Table, new: &Table) -> Result<()> {
    guard::prepare(db, old, new).await?;
    match db.backend() {
        Backend::Sqlite => rebuild(db, old, new).await,
        Backend::Postgres => alter_postgres(db, old, new).await,
    }
}

/// SQLite: create the new table beside the old one, copy the kept columns, swap.
async fn rebuild(db: &Database, old: &Table, new: &Table) -> Result<()> {
    let temp = format!("{}__alder_new", new.name);
    // Indexes and triggers the migrations did not make (a `RunSql`) go with the old table:
    // noted here and made again on the new one, or the migration stops.
    let extras = guard::extras_sqlite(db, old, &index_specs(old)).await?;
    drop_indexes(db, old).await?;
    let sql = db.build_ddl(&create_table(new, &temp, Backend::Sqlite));
    db.execute_unprepared(&sql).await?;
    // (expression from the old table, column of the new table)
    let kept: Vec<(String, String)> = new
        .columns
        .iter()
        .filter_map(|f| match old.column_for(&f.field) {
            Some(o) => Some((quote(&o.name), f.name.clone())),
            None => fill_value(f, Backend::Sqlite).map(|fill| (fill, f.name.clone())),
        })
        .collect();
    if !kept.is_empty() {
        let to: Vec<String> = kept.iter().map(|(_, n)| quote(n)).collect();
        let from: Vec<String> = kept.iter().map(|(o, _)| o.clone()).collect();
        db.execute_unprepared(&format!(
            "INSERT INTO {} ({}) SELECT {} FROM {}",
            quote(&temp),
            to.join(", "),
            from.join(", "),
            quote(&old.name)
        ))
        .await?;
        guard::converted_sqlite(db, old, new, &temp).await?;
    }
    db.execute_unprepared(&format!("DROP TABLE {}", quote(&old.name)))
        .await?;
    rename_table(db, &temp, &new.name).await?;
    create_indexes(db, new).await?;
    guard::restore_sqlite(db, &new.name, extras).await
}

async fn add_fk_postgres(db: &Database, table: &str, field: &Column) -> Result<()> {
    let Some(r) = &field.references else {
        return Ok(());
    };
    let (target_table, target_column) = (&r.table, &r.column);
    let rule = match r.on_delete {
        OnDelete::Cascade => "CASCADE",
        OnDelete::Protect | OnDelete::Restrict => "RESTRICT",
        OnDelete::SetNull => "SET NULL",
        OnDelete::SetDefault => "SET DEFAULT",
    };
    db.execute_unprepared(&format!(
        "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE {rule}",
        quote(table),
        quote(&fk_name(table, &field.name)),
        quote(&field.name),
        quote(target_table),
        quote(target_column)
    ))
    .await?;
    Ok(())
}

/// Drops the single-column constraints of kind `kind` (`f` foreign key, `u` unique) on a
/// column, found in the catalog by what they constrain rather than by name: a table or
/// column renamed since they were created keeps their old names.
async fn drop_pg_constraints(db: &Database, table: &str, column: &str, kind: char) -> Result<()> {
    let sql = "SELECT c.conname::text FROM pg_constraint c \
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
               WHERE c.conrelid = $1::regclass AND c.contype = $2 \
               AND array_length(c.conkey, 1) = 1 AND a.attname = $3";
    let values = sea_query::Values(vec![
        quote(table).into(),
        kind.to_string().into(),
        column.into(),
    ]);
    drop_constraints_found(db, table, sql, values).await
}

/// Drops the constraints of `table` whose names the catalog query `sql` returns.
async fn drop_constraints_found(
    db: &Database,
    table: &str,
    sql: &str,
    values: sea_query::Values,
) -> Result<()> {
    for row in db.fetch_all("?", sql, values).await? {
        let name: String = row.get(0).map_err(|source| crate::DbError::Query {
            sql: sql.to_string(),
            source,
        })?;
        db.execute_unprepared(&format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            quote(table),
            quote(&name)
        ))
        .await?;
    }
    Ok(())
}

/// Moves a PostgreSQL table's primary key to `key` (or removes it): the old constraint is
/// found in the catalog, whatever its name. Rows the new key does not fit (NULLs, duplicates)
/// and foreign keys still pointing to the old one make PostgreSQL refuse, and the migration
/// stops.
async fn replace_pg_primary_key(db: &Database, table: &str, key: Option<&Column>) -> Result<()> {
    let sql =
        "SELECT conname::text FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'p'";
    drop_constraints_found(db, table, sql, sea_query::Values(vec![quote(table).into()])).await?;
    if let Some(key) = key {
        db.execute_unprepared(&format!(
            "ALTER TABLE {} ADD PRIMARY KEY ({})",
            quote(table),
            quote(&key.name)
        ))
        .await?;
    }
    Ok(())
}

/// Makes a PostgreSQL column an identity column (what an `Auto` key is created as), numbering
/// after the largest value already there, or stops it being one (its sequence goes with it).
async fn set_pg_auto(db: &Database, table: &str, column: &str, auto: bool) -> Result<()> {
    let (t, c) = (quote(table), quote(column));
    if auto {
        let literal = |text: &str| format!("'{}'", text.replace('\'', "''"));
        db.execute_unprepared(&format!(
            "ALTER TABLE {t} ALTER COLUMN {c} ADD GENERATED BY DEFAULT AS IDENTITY; \
             SELECT setval(pg_get_serial_sequence({}, {}), COALESCE((SELECT MAX({c}) FROM {t}), 0) + 1, false)",
            literal(&t),
            literal(column),
        ))
        .await?;
    } else {
        db.execute_unprepared(&format!(
            "ALTER TABLE {t} ALTER COLUMN {c} DROP IDENTITY IF EXISTS"
        ))
        .await?;
    }
    Ok(())
}

async fn alter_postgres(db: &Database, old: &Table, new: &Table) -> Result<()> {
    let table = quote(&new.name);
    drop_indexes(db, old).await?;
    for field in &old.columns {
        if new.column_for(&field.field).is_none() {
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} DROP COLUMN {}",
                quote(&field.name)
            ))
            .await?;
        }
    }
    for field in &new.columns {
        let column = quote(&field.name);
        if let Some(before) = old
            .column_for(&field.field)
            .filter(|b| b.name != field.name)
        {
            // A changed `db_column`: the data stays, under the new name.
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} RENAME COLUMN {} TO {column}",
                quote(&before.name)
            ))
            .await?;
        }
        let Some(before) = old.column_for(&field.field) else {
            let fill = fill_value(field, Backend::Postgres);
            let mut def = column_def(field, Backend::Postgres);
            if let Some(fill) = &fill {
                def.default(sea_query::Expr::cust(fill.clone()));
            }
            let sql = db.build_ddl(
                SeaTable::alter()
                    .table(Alias::new(&new.name))
                    .add_column(def),
            );
            db.execute_unprepared(&sql).await?;
            if fill.is_some() {
                db.execute_unprepared(&format!(
                    "ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT"
                ))
                .await?;
            }
            add_fk_postgres(db, &new.name, field).await?;
            continue;
        };
        if before == field {
            continue;
        }
        if before.references != field.references {
            drop_pg_constraints(db, &new.name, &field.name, 'f').await?;
            add_fk_postgres(db, &new.name, field).await?;
        }
        if pg_type(before) != pg_type(field) {
            let ty = pg_type(field);
            // An explicit cast truncates (`'abcdef'::varchar(3)` is `'abc'`), so it is used only
            // when the base type changes, as Django does; within one base type PostgreSQL's
            // assignment cast refuses a value that does not fit instead.
            let base = |t: &str| t.split('(').next().unwrap_or_default().to_string();
            let using = if base(&pg_type(before)) == base(&ty) {
                String::new()
            } else {
                format!(" USING {column}::{ty}")
            };
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} ALTER COLUMN {column} TYPE {ty}{using}"
            ))
            .await?;
        }
        if before.auto != field.auto {
            set_pg_auto(db, &new.name, &field.name, field.auto).await?;
        }
        if before.nullable != field.nullable && !field.primary_key {
            let change = if field.nullable {
                "DROP NOT NULL"
            } else {
                "SET NOT NULL"
            };
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} ALTER COLUMN {column} {change}"
            ))
            .await?;
        }
        if before.default != field.default {
            let change = match &field.default {
                Some(sql) => format!("SET DEFAULT {sql}"),
                None => "DROP DEFAULT".into(),
            };
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} ALTER COLUMN {column} {change}"
            ))
            .await?;
        }
        if before.unique != field.unique && !field.primary_key {
            if field.unique {
                let constraint = quote(&format!("{}_{}_key", new.name, field.name));
                db.execute_unprepared(&format!(
                    "ALTER TABLE {table} ADD CONSTRAINT {constraint} UNIQUE ({column})"
                ))
                .await?;
            } else {
                drop_pg_constraints(db, &new.name, &field.name, 'u').await?;
            }
        }
    }
    let pk_of = |m: &Table| {
        m.columns
            .iter()
            .find(|f| f.primary_key)
            .map(|f| f.field.clone())
    };
    if pk_of(old) != pk_of(new) {
        replace_pg_primary_key(db, &new.name, new.primary_key()).await?;
    }
    create_indexes(db, new).await
}
