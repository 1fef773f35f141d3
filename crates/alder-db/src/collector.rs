//! What a delete would reach (Django's `Collector`): the rows deleted with it through
//! cascading foreign keys, the pointers set to NULL or their default, the many-to-many pairs
//! removed, and the PROTECT/RESTRICT relations that block it, found with one query per
//! relation and level. The admin's "Are you sure?" page shows this; the database applies the
//! same rules itself when the delete runs.

use std::collections::HashSet;

use sea_query::{Expr, ExprTrait, Func, Query, Value};

use crate::meta::OnDelete;
use crate::meta::{FieldMeta, ModelMeta};
use crate::registry::{same_model, Registry};
use crate::{Database, DbError, Model, Result};

/// Values per `IN (…)` list, well under both backends' parameter limits.
const CHUNK: usize = 500;

/// Rows of one model that a delete removes.
#[derive(Debug, Clone)]
pub struct Deletion {
    /// The model.
    pub model: &'static ModelMeta,
    /// The primary keys of its rows.
    pub keys: Vec<Value>,
}

/// Rows whose foreign key a delete changes (`on_delete = "set_null"` or `"set_default"`).
#[derive(Debug, Clone)]
pub struct Update {
    /// The model.
    pub model: &'static ModelMeta,
    /// The foreign key set to NULL or its default.
    pub field: &'static FieldMeta,
    /// The rule applied.
    pub rule: OnDelete,
    /// The primary keys of the rows changed.
    pub keys: Vec<Value>,
}

/// Pairs of a many-to-many table a delete removes.
#[derive(Debug, Clone)]
pub struct PairsRemoved {
    /// The model declaring the many-to-many field.
    pub model: &'static ModelMeta,
    /// The field's name.
    pub field: &'static str,
    /// How many pairs.
    pub count: usize,
}

/// Rows that stop the delete: they point to a row being deleted through a `protect` or
/// `restrict` foreign key (Django's `ProtectedError`/`RestrictedError`).
#[derive(Debug, Clone)]
pub struct Blocker {
    /// The model of the rows.
    pub model: &'static ModelMeta,
    /// Their foreign key.
    pub field: &'static FieldMeta,
    /// `Protect` or `Restrict`.
    pub rule: OnDelete,
    /// The primary keys of the rows.
    pub keys: Vec<Value>,
}

/// Everything a delete would do; see [`collect`].
#[derive(Debug, Clone, Default)]
pub struct Collected {
    /// The rows deleted, the ones asked for first, then those cascading from them.
    pub deletions: Vec<Deletion>,
    /// The foreign keys set to NULL or their default.
    pub updates: Vec<Update>,
    /// The many-to-many pairs removed.
    pub pairs: Vec<PairsRemoved>,
    /// What stops the delete; empty when it can go ahead.
    pub blockers: Vec<Blocker>,
}

impl Collected {
    /// Whether a `protect` or `restrict` relation stops the delete.
    pub fn is_blocked(&self) -> bool {
        !self.blockers.is_empty()
    }

    /// How many rows of each model would be deleted, as the admin's confirmation page lists
    /// them: `[("posts", 1), ("comments", 12)]` (verbose plural names, models in order).
    pub fn summary(&self) -> Vec<(&'static str, usize)> {
        let mut out: Vec<(&'static str, usize)> = Vec::new();
        for deletion in &self.deletions {
            let name = deletion.model.verbose_name_plural;
            match out.iter_mut().find(|(n, _)| *n == name) {
                Some((_, count)) => *count += deletion.keys.len(),
                None => out.push((name, deletion.keys.len())),
            }
        }
        out
    }
}

/// What deleting `objects` would delete, change and unlink through every relation of the
/// models in `registry`, and which relations forbid it. Runs only SELECTs.
///
/// ```
/// use alder_db::{collector, Auto, ForeignKey, Model, Registry};
/// #[derive(Model)]
/// struct Author { id: Auto<i64>, name: String }
/// #[derive(Model)]
/// struct Book { id: Auto<i64>, #[model(on_delete = "protect")] author: ForeignKey<Author> }
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let db = alder_db::Database::connect("sqlite::memory:").await.unwrap();
/// alder_db::schema::create_models(&db, &[Author::META, Book::META]).await.unwrap();
/// let mut ann = Author { id: Auto::new(), name: "Ann".into() };
/// ann.save(&db).await.unwrap();
/// Book { id: Auto::new(), author: ForeignKey::to(&ann).unwrap() }.save(&db).await.unwrap();
///
/// let mut registry = Registry::new();
/// registry.register("library", Author::META).register("library", Book::META);
/// let found = collector::collect(&db, &registry, std::slice::from_ref(&ann)).await.unwrap();
/// assert!(found.is_blocked(), "a protected book points to Ann");
/// assert_eq!(found.summary(), [("authors", 1)]);
/// # });
/// ```
pub async fn collect<M: Model>(
    db: &Database,
    registry: &Registry,
    objects: &[M],
) -> Result<Collected> {
    let keys = objects
        .iter()
        .map(|o| {
            o.pk_value().ok_or(DbError::Unsaved {
                model: M::META.name,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    collect_keys(db, registry, M::META, keys).await
}

/// [`collect`] for the rows of `model` whose primary keys are `keys` (what a `QuerySet`
/// delete or the admin's "delete selected" action has in hand).
pub async fn collect_keys(
    db: &Database,
    registry: &Registry,
    model: &'static ModelMeta,
    keys: Vec<Value>,
) -> Result<Collected> {
    let mut collected = Collected::default();
    let mut seen: HashSet<(&'static str, String)> = HashSet::new();
    let mut queue = vec![Deletion { model, keys }];
    while let Some(Deletion { model, keys }) = queue.pop() {
        let keys: Vec<Value> = keys
            .into_iter()
            .filter(|k| seen.insert((model.table, key_text(k))))
            .collect();
        if keys.is_empty() {
            continue;
        }
        for related in registry.related_to(model) {
            let found = keys_pointing(db, related.model, related.field, &keys).await?;
            if found.is_empty() {
                continue;
            }
            match related.on_delete {
                OnDelete::Cascade => queue.push(Deletion {
                    model: related.model,
                    keys: found,
                }),
                OnDelete::Protect | OnDelete::Restrict => collected.blockers.push(Blocker {
                    model: related.model,
                    field: related.field,
                    rule: related.on_delete,
                    keys: found,
                }),
                OnDelete::SetNull | OnDelete::SetDefault => collected.updates.push(Update {
                    model: related.model,
                    field: related.field,
                    rule: related.on_delete,
                    keys: found,
                }),
            }
        }
        for many in registry.many_related_to(model) {
            if !many.field.auto_through {
                continue; // a through model of one's own is a model: its foreign keys count
            }
            let column = if same_model(many.model, model) {
                many.field.source_column
            } else {
                many.field.target_column
            };
            let count = count_pointing(db, many.field.through_table, column, &keys).await?;
            if count > 0 {
                collected.pairs.push(PairsRemoved {
                    model: many.model,
                    field: many.field.name,
                    count,
                });
            }
        }
        collected.deletions.push(Deletion { model, keys });
    }
    // As Django: a row restricted only by rows that the delete removes anyway is no obstacle.
    collected.blockers.retain(|b| {
        b.rule == OnDelete::Protect
            || b.keys
                .iter()
                .any(|k| !seen.contains(&(b.model.table, key_text(k))))
    });
    Ok(collected)
}

/// A key as text, to tell keys apart whatever their type.
fn key_text(key: &Value) -> String {
    format!("{key:?}")
}

/// The primary keys of `model`'s rows whose `field` is one of `keys`.
async fn keys_pointing(
    db: &Database,
    model: &'static ModelMeta,
    field: &'static FieldMeta,
    keys: &[Value],
) -> Result<Vec<Value>> {
    let pk = model.pk();
    let mut out = Vec::new();
    for chunk in keys.chunks(CHUNK) {
        let mut query = Query::select();
        query
            .column(pk.column)
            .from(model.table)
            .and_where(Expr::col(field.column).is_in(chunk.iter().cloned()));
        let (sql, values) = db.build(&query);
        let rows = db
            .fetch_decoded(model.name, &sql, values, |row| {
                crate::field::decode_kind(&row, 0, pk.kind).map_err(|source| DbError::Query {
                    sql: sql.clone(),
                    source,
                })
            })
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// How many rows of `table` have `column` in `keys`.
async fn count_pointing(
    db: &Database,
    table: &'static str,
    column: &'static str,
    keys: &[Value],
) -> Result<usize> {
    let mut total = 0;
    for chunk in keys.chunks(CHUNK) {
        let mut query = Query::select();
        query
            .expr(Func::count(Expr::col(column)))
            .from(table)
            .and_where(Expr::col(column).is_in(chunk.iter().cloned()));
        let (sql, values) = db.build(&query);
        let counts = db
            .fetch_decoded(table, &sql, values, |row| {
                row.get::<i64>(0).map_err(|source| DbError::Query {
                    sql: sql.clone(),
                    source,
                })
            })
            .await?;
        total += counts
            .into_iter()
            .map(|n| usize::try_from(n).unwrap_or(0))
            .sum::<usize>();
    }
    Ok(total)
}
