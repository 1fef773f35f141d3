//! Reading rows: all, first, get, count, values, exists, in_bulk, related rows and raw SQL.

use sea_query::{Alias, Asterisk, Expr, ExprTrait, Func, Query};

use super::QuerySet;
use crate::query::order::{OrderBy, OrderTerm};
use crate::query::q::{Node, Op};
use crate::query::Q;
use crate::{Database, DbError, FieldType, Model, Result};

impl<M: Model> QuerySet<M> {
    /// The SQL this query runs on `db`'s backend (parameters as `$1`/`?`).
    pub fn sql(&self, db: &Database) -> Result<String> {
        Ok(db.build(&self.select()?).0)
    }

    /// Runs the query and decodes every row.
    pub async fn all(&self, db: &Database) -> Result<Vec<M>> {
        self.fetch(db, self.limit).await
    }

    async fn fetch(&self, db: &Database, limit: Option<u64>) -> Result<Vec<M>> {
        let (sql, values) = self.select_sql(db, limit)?;
        // A LIMIT says how many rows can come: reserve room for them up front.
        let expected = limit.map_or(0, |n| Ord::min(n, 1024) as usize);
        db.fetch_decoded_sized(M::META.name, sql, values, expected, |row| M::from_row(&row))
            .await
    }

    /// The first row of the query with `limit`, which must allow at most one.
    async fn fetch_one(&self, db: &Database, limit: Option<u64>) -> Result<Option<M>> {
        let (sql, values) = self.select_sql(db, limit)?;
        db.fetch_optional_decoded(M::META.name, sql, values, |row| M::from_row(&row))
            .await
    }

    /// The first row (by the ordering, else by primary key), if any.
    pub async fn first(&self, db: &Database) -> Result<Option<M>> {
        if !self.ordering.is_empty() || !M::META.ordering.is_empty() {
            return self.fetch_one(db, Some(1)).await;
        }
        // Unordered, "first" would mean any row: order by primary key, as Django does.
        let pk = M::META.pk().column;
        let by_key = self
            .clone()
            .order_by(OrderBy::new(OrderTerm::Column(pk), false));
        by_key.fetch_one(db, Some(1)).await
    }

    /// Whether a filter pins a unique column (the primary key, a `unique` field) to one
    /// value, so that at most one row can match.
    fn matches_at_most_one(&self) -> bool {
        self.filters.iter().any(|node| match node {
            Node::Lookup {
                table,
                column,
                op: Op::Eq(_),
            } => {
                *table == M::META.table
                    && M::META
                        .fields
                        .iter()
                        .any(|f| f.column == *column && (f.primary_key || f.unique))
            }
            _ => false,
        })
    }

    /// The one row that matches; [`DbError::NotFound`] or
    /// [`DbError::MultipleObjectsReturned`] otherwise.
    pub async fn get(&self, db: &Database) -> Result<M> {
        if self.matches_at_most_one() {
            return self
                .fetch_one(db, self.limit)
                .await?
                .ok_or(DbError::NotFound {
                    model: M::META.name,
                });
        }
        // Fetch a few more than one, to report how many matched as Django does.
        let limit = self.limit.map_or(21, |n| Ord::min(n, 21));
        let mut rows = self.fetch(db, Some(limit)).await?;
        match rows.len() {
            0 => Err(DbError::NotFound {
                model: M::META.name,
            }),
            1 => Ok(rows.remove(0)),
            count => Err(DbError::MultipleObjectsReturned {
                model: M::META.name,
                count,
            }),
        }
    }

    /// How many rows match.
    pub async fn count(&self, db: &Database) -> Result<i64> {
        let sliced = self.limit.is_some() || self.offset.is_some();
        let build = || {
            let mut query = Query::select();
            query.expr(Func::count(Expr::col(Asterisk)));
            if sliced {
                let mut inner = self.select()?;
                inner.clear_order_by();
                query.from_subquery(inner, Alias::new("sliced"));
            } else {
                query.from(Self::table()).cond_where(self.condition()?);
            }
            Ok(query)
        };
        let (kind, limit) = if sliced {
            ("count sliced", self.limit)
        } else {
            ("count", None)
        };
        let (sql, values) = self.statement_sql(kind, db, limit, build)?;
        let rows = db.fetch_all(M::META.name, &sql, values).await?;
        rows.first()
            .map(|row| row.get::<i64>(0))
            .transpose()
            .map_err(|source| DbError::Query {
                sql: sql.to_string(),
                source,
            })
            .map(Option::unwrap_or_default)
    }

    /// Fetches each row with the row its foreign key points to, in one query with a join
    /// (Django's `select_related`).
    ///
    /// ```
    /// # use alder_db::{Auto, Database, ForeignKey, Model};
    /// # #[derive(Model)] struct Author { id: Auto<i64>, name: String }
    /// # #[derive(Model)] struct Post { id: Auto<i64>, title: String, author: ForeignKey<Author> }
    /// # async fn run(db: &Database) -> alder_db::Result<()> {
    /// for (post, author) in Post::objects().select_related(db, Post::author()).await? {
    ///     println!("{} by {}", post.title, author.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn select_related<R: Model>(
        &self,
        db: &Database,
        relation: crate::query::Column<M, crate::ForeignKey<R>>,
    ) -> Result<Vec<(M, R)>> {
        let mut select = self.select()?;
        let joined = Alias::new(format!("{}__related", R::META.table));
        for field in R::META.fields {
            select.column((joined.clone(), field.column));
        }
        select.join_as(
            sea_query::JoinType::InnerJoin,
            R::META.table,
            joined.clone(),
            Expr::col((joined.clone(), R::META.pk().column))
                .equals((Self::table(), relation.name())),
        );
        let (sql, values) = db.build(&select);
        let width = M::META.fields.len();
        db.fetch_decoded(M::META.name, &sql, values, |row| {
            Ok((M::from_row(&row)?, R::from_row_at(&row, width)?))
        })
        .await
    }

    /// The values of some columns of the matching rows, one tuple per row, in the query's
    /// order (Django's `values_list("id", "title")`); with [`distinct`](Self::distinct),
    /// each combination once.
    ///
    /// ```
    /// # use alder_db::{Auto, Database, Model};
    /// # #[derive(Model)] struct Post { id: Auto<i64>, title: String, views: i32 }
    /// # async fn run(db: &Database) -> alder_db::Result<()> {
    /// let rows: Vec<(Auto<i64>, String)> =
    ///     Post::objects().values(db, (Post::id(), Post::title())).await?;
    /// # Ok(()) }
    /// ```
    pub async fn values<C: crate::query::Columns<M>>(
        &self,
        db: &Database,
        columns: C,
    ) -> Result<Vec<C::Output>> {
        let mut select = self.select()?;
        select.clear_selects();
        select.exprs(columns.exprs());
        if self.distinct && self.ordering.is_empty() {
            // The model's default ordering names columns that are not selected, which
            // PostgreSQL refuses with DISTINCT.
            select.clear_order_by();
        }
        let (sql, values) = db.build(&select);
        db.fetch_decoded(M::META.name, &sql, values, |row| {
            C::decode(&row).map_err(|source| DbError::Query {
                sql: sql.clone(),
                source,
            })
        })
        .await
    }

    /// The values of one column of the matching rows (Django's `values_list(…, flat=True)`);
    /// with `distinct`, each value once.
    pub async fn values_list<T: FieldType>(
        &self,
        db: &Database,
        column: crate::query::Column<M, T>,
        distinct: bool,
    ) -> Result<Vec<T>> {
        let mut select = self.select()?;
        select.clear_selects();
        select.column((Self::table(), column.name()));
        if distinct {
            select.distinct();
            select.clear_order_by();
            select.order_by((Self::table(), column.name()), sea_query::Order::Asc);
        }
        let (sql, values) = db.build(&select);
        db.fetch_decoded(M::META.name, &sql, values, |row| {
            T::decode(&row, 0).map_err(|source| DbError::Query {
                sql: sql.clone(),
                source,
            })
        })
        .await
    }

    /// Whether any row matches.
    pub async fn exists(&self, db: &Database) -> Result<bool> {
        // A slice counts: `offset(10).exists()` asks for an eleventh row.
        let limit = self.limit.map_or(1, |n| Ord::min(n, 1));
        let build = || {
            let mut query = Query::select();
            query
                .expr(Expr::cust("1"))
                .from(Self::table())
                .cond_where(self.condition()?)
                .limit(limit);
            if let Some(offset) = self.offset {
                query.offset(offset);
            }
            Ok(query)
        };
        let (sql, values) = self.statement_sql("exists", db, Some(limit), build)?;
        Ok(!db.fetch_all(M::META.name, &sql, values).await?.is_empty())
    }

    /// The objects whose primary keys are in `keys`, by key (Django's `in_bulk`): one
    /// query for many objects, e.g. the targets of the foreign keys of a list.
    pub async fn in_bulk<K>(
        &self,
        db: &Database,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<std::collections::HashMap<M::Key, M>>
    where
        K: Into<M::Key>,
    {
        let mut unique: Vec<M::Key> = keys.into_iter().map(Into::into).collect();
        let mut out = std::collections::HashMap::with_capacity(unique.len());
        if unique.is_empty() {
            return Ok(out);
        }
        let pk = M::META.pk();
        unique.sort_unstable();
        unique.dedup();
        // Batches of keys, well under both backends' parameter limits (SQLite 32 766,
        // PostgreSQL 65 535), whatever the number asked for.
        let mut objects = Vec::with_capacity(unique.len());
        for chunk in unique.chunks(IN_BATCH) {
            let keys = chunk.iter().map(FieldType::to_value).collect();
            let query = QuerySet::<M> {
                filters: self.filters.clone(),
                ..QuerySet::new()
            }
            .filter(Q::lookup(Self::table(), pk.column, Op::In(keys)));
            objects.extend(query.all(db).await?);
        }
        for object in objects {
            if let Some(key) = object.pk() {
                out.insert(key, object);
            }
        }
        Ok(out)
    }

    /// Runs hand-written SQL whose columns are the model's, in order, and decodes the rows:
    /// the escape hatch for queries the `QuerySet` cannot express. Parameters are bound,
    /// never pasted: write `?` for each (Alder numbers them `$1…` on PostgreSQL).
    ///
    /// ```
    /// # use alder_db::{Auto, Model, Value};
    /// # #[derive(Model)] struct Post { id: Auto<i64>, title: String }
    /// # async fn run(db: &alder_db::Database) -> alder_db::Result<()> {
    /// let posts = Post::objects()
    ///     .raw(db, "SELECT id, title FROM post WHERE length(title) > ?", vec![Value::from(10)])
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn raw(
        &self,
        db: &Database,
        sql: &str,
        params: Vec<sea_query::Value>,
    ) -> Result<Vec<M>> {
        let sql = match db.backend() {
            crate::Backend::Postgres => number_placeholders(sql),
            _ => sql.to_string(),
        };
        db.fetch_decoded(M::META.name, &sql, sea_query::Values(params), |row| {
            M::from_row(&row)
        })
        .await
    }
}

/// Keys per `IN (…)` list of `in_bulk` (and so of `ForeignKey::prefetch`).
const IN_BATCH: usize = 10_000;

/// `?` → `$1`, `$2`, … outside quoted strings and identifiers.
fn number_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let (mut n, mut quote) = (0, None);
    for c in sql.chars() {
        match (c, quote) {
            ('\'' | '"', None) => quote = Some(c),
            (c, Some(q)) if c == q => quote = None,
            ('?', None) => {
                n += 1;
                out.push_str(&format!("${n}"));
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}
