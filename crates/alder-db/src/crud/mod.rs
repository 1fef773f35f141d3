//! Saving, deleting and reloading single objects.

use sea_query::{Expr, ExprTrait, Query, Value};

use crate::meta::FieldMeta;
use crate::{Database, DbError, Model, Result};

mod unique;

/// Makes a value ready to store in `field`: refuses a text longer than `max_length` before
/// it reaches the database (SQLite would store it; PostgreSQL would fail with a less helpful
/// message), and a decimal with more digits before the point than `max_digits -
/// decimal_places` allow; rounds a decimal to `decimal_places` (half away from zero, as
/// PostgreSQL does), so that both backends store the same number.
pub(crate) fn prepare_value(model: &'static str, field: &FieldMeta, value: Value) -> Result<Value> {
    match (&value, field.max_length, field.decimal) {
        (Value::String(Some(text)), Some(max_length), _) => {
            let length = text.chars().count();
            if length > max_length as usize {
                return Err(DbError::ValueTooLong {
                    model,
                    field: field.name,
                    max_length,
                    length,
                });
            }
            Ok(value)
        }
        (Value::Decimal(Some(number)), _, Some((max_digits, decimal_places))) => {
            let rounded = number.round_dp_with_strategy(
                decimal_places,
                rust_decimal::RoundingStrategy::MidpointAwayFromZero,
            );
            let whole = rounded.trunc().abs();
            let whole_digits = if whole.is_zero() {
                0
            } else {
                whole.to_string().len() as u32
            };
            if whole_digits > max_digits - decimal_places {
                return Err(DbError::DecimalTooLarge {
                    model,
                    field: field.name,
                    max_digits,
                    decimal_places,
                    value: number.to_string(),
                });
            }
            Ok(Value::Decimal(Some(rounded)))
        }
        _ => Ok(value),
    }
}

/// Validates `object` as a whole (Django's `full_clean`): [`Model::clean_fields`], then the
/// model's [`Model::clean`], then the unique fields and `unique_together` sets against the
/// stored rows (one query each, skipping fields already invalid). Every problem found comes
/// back in one [`DbError::Invalid`]; a database failure is returned as itself.
///
/// ```
/// use alder_db::{Auto, Database, DbError, Model, crud};
/// #[derive(Model)]
/// struct Tag {
///     id: Auto<i64>,
///     #[model(unique, max_length = 20, slug)]
///     name: String,
/// }
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let db = Database::connect("sqlite::memory:").await.unwrap();
/// alder_db::schema::create_model(&db, Tag::META).await.unwrap();
/// let mut rust = Tag { id: Auto::new(), name: "rust".into() };
/// crud::full_clean(&db, &rust).await.unwrap();
/// crud::save(&db, &mut rust).await.unwrap();
///
/// let again = Tag { id: Auto::new(), name: "rust".into() };
/// let Err(DbError::Invalid { errors, .. }) = crud::full_clean(&db, &again).await else { panic!() };
/// assert_eq!(errors.field("name")[0].message(), "Tag with this Name already exists.");
/// crud::full_clean(&db, &rust).await.unwrap(); // its own row is no clash
/// # });
/// ```
pub async fn full_clean<M: Model>(db: &Database, object: &M) -> Result<()> {
    let mut errors = object.clean_fields().err().unwrap_or_default();
    if let Err(more) = object.clean() {
        errors.merge(more);
    }
    let unique = unique::unique_errors(db, object, &errors).await?;
    errors.merge(unique);
    errors.into_result().map_err(|errors| DbError::Invalid {
        model: M::META.name,
        errors,
    })
}

/// Inserts `object`; fills in its auto primary key.
pub async fn insert<M: Model>(db: &Database, object: &mut M) -> Result<()> {
    object.touch(true);
    let meta = M::META;
    let values = object.values();
    let pk = meta.pk();
    let auto_unset = pk.auto && object.pk_value().is_none();
    let mut columns = Vec::new();
    let mut row = Vec::new();
    for (field, value) in meta.fields.iter().zip(values) {
        if field.auto && auto_unset {
            continue;
        }
        columns.push(field.column);
        row.push(Expr::val(prepare_value(meta.name, field, value)?));
    }
    let mut query = Query::insert();
    query.into_table(meta.table).columns(columns);
    if row.is_empty() {
        query.or_default_values();
    } else {
        query
            .values(row)
            .map_err(|e| DbError::other_sql(meta.name, e.to_string()))?;
    }
    if auto_unset {
        query.returning_col(pk.column);
        let (sql, values) = db.build(&query);
        let rows = db.fetch_all(meta.name, &sql, values).await?;
        let id = rows
            .first()
            .map(read_key)
            .transpose()
            .map_err(|source| DbError::Query { sql, source })?;
        if let Some(id) = id {
            object.set_auto_pk(id);
        }
    } else {
        let (sql, values) = db.build(&query);
        db.execute(meta.name, &sql, values).await?;
        if pk.auto && db.backend() == crate::Backend::Postgres {
            advance_sequence(db, meta).await?;
        }
    }
    Ok(())
}

/// After a row was inserted with a key of its own into an auto-key table, moves PostgreSQL's
/// sequence past the largest key, so that the next key it hands out is not taken (SQLite
/// takes the largest key plus one by itself). Never moves it back.
async fn advance_sequence(db: &Database, meta: &crate::ModelMeta) -> Result<()> {
    let pk = meta.pk();
    let table = crate::schema::quote(meta.table);
    let column = crate::schema::quote(pk.column);
    let sql = format!(
        "SELECT setval(s.seq, GREATEST(COALESCE((SELECT MAX({column}) FROM {table}), 0), \
         COALESCE(pg_sequence_last_value(s.seq), 0), 1)) \
         FROM (SELECT pg_get_serial_sequence($1, $2)::regclass AS seq) s"
    );
    let values = sea_query::Values(vec![table.clone().into(), pk.column.into()]);
    db.fetch_all(meta.name, &sql, values).await?;
    Ok(())
}

/// An auto key as `i64`, whether the column is BIGINT or INTEGER (`Auto<i32>` on PostgreSQL).
fn read_key(row: &crate::DbRow) -> std::result::Result<i64, sqlx::Error> {
    row.get::<i64>(0)
        .or_else(|_| row.get::<i32>(0).map(i64::from))
}

/// Writes every field of a saved object; returns how many rows changed (0 if it was deleted).
pub async fn update<M: Model>(db: &Database, object: &M) -> Result<u64> {
    let meta = M::META;
    let pk = meta.pk();
    let pk_value = object
        .pk_value()
        .ok_or(DbError::Unsaved { model: meta.name })?;
    if meta.fields.iter().all(|f| f.primary_key) {
        // Nothing to write: say whether the row is there (so `save` inserts it if not).
        let mut query = Query::select();
        query
            .expr(Expr::cust("1"))
            .from(meta.table)
            .and_where(Expr::col(pk.column).eq(pk_value));
        let (sql, values) = db.build(&query);
        return Ok(db.fetch_all(meta.name, &sql, values).await?.len() as u64);
    }
    let mut query = Query::update();
    query.table(meta.table);
    for (field, value) in meta.fields.iter().zip(object.values()) {
        if field.primary_key {
            continue;
        }
        query.value(field.column, prepare_value(meta.name, field, value)?);
    }
    query.and_where(Expr::col(pk.column).eq(pk_value));
    let (sql, values) = db.build(&query);
    db.execute(meta.name, &sql, values).await
}

/// Saves: inserts a new object, updates a saved one (inserting it again if its row is gone).
pub async fn save<M: Model>(db: &Database, object: &mut M) -> Result<()> {
    object.touch(false);
    if object.pk_value().is_some() && update(db, object).await? > 0 {
        return Ok(());
    }
    insert(db, object).await
}

/// Deletes a saved object's row; returns whether there was one.
pub async fn delete<M: Model>(db: &Database, object: &M) -> Result<bool> {
    let meta = M::META;
    let pk_value = object
        .pk_value()
        .ok_or(DbError::Unsaved { model: meta.name })?;
    let mut query = Query::delete();
    query
        .from_table(meta.table)
        .and_where(Expr::col(meta.pk().column).eq(pk_value));
    let (sql, values) = db.build(&query);
    Ok(db.execute(meta.name, &sql, values).await? > 0)
}

/// The object whose primary key is `pk`.
pub async fn get_by_pk<M: Model>(db: &Database, pk: Value) -> Result<M> {
    let meta = M::META;
    let mut query = Query::select();
    for field in meta.fields {
        query.column(field.column);
    }
    query
        .from(meta.table)
        .and_where(Expr::col(meta.pk().column).eq(pk));
    let (sql, values) = db.build(&query);
    let rows = db.fetch_all(meta.name, &sql, values).await?;
    rows.first()
        .map_or(Err(DbError::NotFound { model: meta.name }), M::from_row)
}

/// Reloads a saved object from its row.
pub async fn refresh<M: Model>(db: &Database, object: &mut M) -> Result<()> {
    let pk_value = object.pk_value().ok_or(DbError::Unsaved {
        model: M::META.name,
    })?;
    *object = get_by_pk(db, pk_value).await?;
    Ok(())
}

/// Inserts many objects in one statement, filling in their auto keys (Django's
/// `bulk_create`). Objects whose keys are already set are inserted with them.
pub async fn bulk_create<M: Model>(db: &Database, objects: &mut [M]) -> Result<()> {
    // All or nothing: a failing batch undoes the batches before it.
    let tx = db.begin().await?;
    bulk_create_in(tx.db(), objects).await?;
    tx.commit().await
}

async fn bulk_create_in<M: Model>(db: &Database, objects: &mut [M]) -> Result<()> {
    for object in objects.iter_mut() {
        object.touch(true);
    }
    let meta = M::META;
    let pk = meta.pk();
    let (unset, set): (Vec<&mut M>, Vec<&mut M>) = objects
        .iter_mut()
        .partition(|o| pk.auto && o.pk_value().is_none());
    for object in set {
        insert(db, object).await?;
    }
    // Bounded batches keep the statement under the backends' parameter limits.
    let mut unset = unset;
    let per_row = meta.fields.len().max(1);
    let batch = (30_000 / per_row).max(1);
    for chunk in unset.chunks_mut(batch) {
        let mut query = Query::insert();
        let columns: Vec<&'static str> = meta
            .fields
            .iter()
            .filter(|f| !f.auto)
            .map(|f| f.column)
            .collect();
        query.into_table(meta.table).columns(columns);
        for object in chunk.iter() {
            let mut row = Vec::new();
            for (field, value) in meta.fields.iter().zip(object.values()) {
                if field.auto {
                    continue;
                }
                row.push(Expr::val(prepare_value(meta.name, field, value)?));
            }
            query
                .values(row)
                .map_err(|e| DbError::other_sql(meta.name, e.to_string()))?;
        }
        query.returning_col(pk.column);
        let (sql, values) = db.build(&query);
        let mut ids = db
            .fetch_decoded(meta.name, &sql, values, |row| {
                read_key(&row).map_err(|source| DbError::Decode {
                    model: meta.name,
                    field: pk.name,
                    source,
                })
            })
            .await?;
        // RETURNING order is not promised (SQLite says so); keys of one multi-row INSERT
        // are increasing in the order of the rows.
        ids.sort_unstable();
        if ids.len() != chunk.len() {
            return Err(DbError::other_sql(
                meta.name,
                format!("inserted {} rows, got {} keys back", chunk.len(), ids.len()),
            ));
        }
        for (object, id) in chunk.iter_mut().zip(ids) {
            object.set_auto_pk(id);
        }
    }
    Ok(())
}

/// Writes `fields` of many saved objects in one `UPDATE` per batch (Django's
/// `bulk_update`): on PostgreSQL one `UPDATE … FROM unnest(…)` with a parameter per column,
/// elsewhere `SET field = CASE WHEN pk = … THEN … END WHERE pk IN (…)`. The result is
/// the same as saving each object in turn (an object listed twice: the last one wins), and
/// the rows are locked in key order, so two concurrent bulk updates cannot deadlock. Several
/// batches run in one transaction. Returns how many rows changed.
///
/// ```
/// # use alder_db::{crud, Auto, Database, Model};
/// # #[derive(Model)] struct World { id: Auto<i64>, number: i32 }
/// # async fn run(db: &Database, mut worlds: Vec<World>) -> alder_db::Result<()> {
/// for world in &mut worlds {
///     world.number += 1;
/// }
/// crud::bulk_update(db, &worlds, &["number"]).await?;
/// # Ok(()) }
/// ```
pub async fn bulk_update<M: Model>(db: &Database, objects: &[M], fields: &[&str]) -> Result<u64> {
    let meta = M::META;
    let bad = |reason: String| DbError::BulkUpdateFields {
        model: meta.name,
        reason,
    };
    if fields.is_empty() {
        return Err(bad("name at least one field to write".into()));
    }
    let mut columns = Vec::with_capacity(fields.len());
    for name in fields {
        let field = meta.field(name)?;
        if field.primary_key {
            return Err(bad(format!(
                "`{name}` is the primary key, which bulk_update cannot change"
            )));
        }
        let index = meta
            .fields
            .iter()
            .position(|f| f.name == field.name)
            .unwrap_or_default();
        columns.push((field, index));
    }
    let mut rows: Vec<(Value, Vec<Value>)> = Vec::with_capacity(objects.len());
    for object in objects {
        let key = object
            .pk_value()
            .ok_or(DbError::Unsaved { model: meta.name })?;
        let mut values = object.values();
        let mut picked = Vec::with_capacity(columns.len());
        for (field, index) in &columns {
            let value = std::mem::replace(&mut values[*index], Value::Bool(None));
            picked.push(prepare_value(meta.name, field, value)?);
        }
        rows.push((key, picked));
    }
    // Key order, and the last object of each key: as if they were saved one by one.
    rows.reverse();
    rows.sort_by(|a, b| key_order(&a.0, &b.0));
    rows.dedup_by(|later, earlier| later.0 == earlier.0);
    if rows.is_empty() {
        return Ok(0);
    }
    if db.backend() == crate::Backend::Postgres {
        if let Some((sql, arrays)) = unnest_update(meta, &columns, &rows) {
            return db.execute_pg_arrays(meta.name, &sql, arrays).await;
        }
    }
    // The backends' parameter limits bound a batch, and so does the CASE: each row's value
    // is found by trying the WHENs in turn, so the work grows with the square of its size.
    let per_row = 1 + 2 * columns.len();
    let batch = (30_000 / per_row).clamp(1, 1000);
    if rows.len() <= batch {
        return bulk_update_batch(db, meta, &columns, &rows).await;
    }
    let tx = db.begin().await?;
    let mut changed = 0;
    for chunk in rows.chunks(batch) {
        changed += bulk_update_batch(tx.db(), meta, &columns, chunk).await?;
    }
    tx.commit().await?;
    Ok(changed)
}

async fn bulk_update_batch(
    db: &Database,
    meta: &'static crate::ModelMeta,
    columns: &[(&'static FieldMeta, usize)],
    rows: &[(Value, Vec<Value>)],
) -> Result<u64> {
    let pk = meta.pk().column;
    let mut query = Query::update();
    query.table(meta.table);
    for (i, (field, _)) in columns.iter().enumerate() {
        let mut case = sea_query::CaseStatement::new();
        for (key, values) in rows {
            case = case.case(Expr::col(pk).eq(key.clone()), Expr::val(values[i].clone()));
        }
        let case = case.finally(Expr::col(field.column));
        query.value(field.column, case);
    }
    query.and_where(Expr::col(pk).is_in(rows.iter().map(|(key, _)| key.clone())));
    let (sql, values) = db.build(&query);
    db.execute(meta.name, &sql, values).await
}

/// On PostgreSQL, one statement with a parameter per column, whatever the number of rows:
/// `UPDATE t SET f = v.f FROM unnest($1::bigint[], $2::integer[]) AS v(pk, f) WHERE t.pk =
/// v.pk`. Planned once and cheap to plan, unlike a CASE with two parameters per row. `None`
/// when a column has no array form (JSON, bytes): the CASE form is used then.
fn unnest_update(
    meta: &'static crate::ModelMeta,
    columns: &[(&'static FieldMeta, usize)],
    rows: &[(Value, Vec<Value>)],
) -> Option<(String, Vec<crate::pg_arrays::ArrayColumn>)> {
    use crate::pg_arrays::ArrayColumn;
    use crate::schema::quote;
    let pk = meta.pk();
    let mut arrays = vec![ArrayColumn::new(
        pk.kind,
        rows.iter().map(|(key, _)| key.clone()).collect(),
    )?];
    for (i, (field, _)) in columns.iter().enumerate() {
        let values = rows.iter().map(|(_, values)| values[i].clone()).collect();
        arrays.push(ArrayColumn::new(field.kind, values)?);
    }
    let table = quote(meta.table);
    let sets: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, (field, _))| format!("{} = \"__v\".\"c{i}\"", quote(field.column)))
        .collect();
    let params: Vec<String> = arrays
        .iter()
        .enumerate()
        .map(|(i, array)| format!("${}::{}", i + 1, array.sql_type()))
        .collect();
    let names: Vec<String> = (0..columns.len()).map(|i| format!("\"c{i}\"")).collect();
    let sql = format!(
        "UPDATE {table} SET {} FROM unnest({}) AS \"__v\"(\"__pk\", {}) WHERE {table}.{} = \"__v\".\"__pk\"",
        sets.join(", "),
        params.join(", "),
        names.join(", "),
        quote(pk.column),
    );
    Some((sql, arrays))
}

/// A total order of keys: integers by value, text and UUIDs as themselves, anything else by
/// its rendering. Total, so that equal keys end up side by side for `dedup_by` (the last copy
/// of an object wins whatever the key type) and rows are locked in one order everywhere.
fn key_order(a: &Value, b: &Value) -> std::cmp::Ordering {
    let int = |v: &Value| match v {
        Value::SmallInt(Some(n)) => Some(i64::from(*n)),
        Value::Int(Some(n)) => Some(i64::from(*n)),
        Value::BigInt(Some(n)) => Some(*n),
        _ => None,
    };
    match (int(a), int(b), a, b) {
        (Some(a), Some(b), ..) => a.cmp(&b),
        (_, _, Value::String(Some(a)), Value::String(Some(b))) => a.cmp(b),
        (_, _, Value::Uuid(Some(a)), Value::Uuid(Some(b))) => a.cmp(b),
        _ => format!("{a:?}").cmp(&format!("{b:?}")),
    }
}
