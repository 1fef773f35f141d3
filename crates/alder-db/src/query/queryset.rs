//! `QuerySet`: a lazy, cloneable description of a query on one model; nothing runs until a
//! method that takes the database (`all`, `get`, `count`, …) is awaited.

use std::marker::PhantomData;
use std::sync::Arc;

use sea_query::{
    Alias, Asterisk, Condition, Expr, ExprTrait, Func, Query, SelectStatement, Values,
};

use super::order::{OrderBy, OrderTerm};
use super::paths::FieldPaths;
use super::q::{Node, Op};
use super::statement::{self, Shape};
use super::{Assignment, Q};
use crate::{Database, DbError, FieldType, Model, Result};

/// A query on model `M`, like Django's `QuerySet`.
///
/// ```
/// use alder_db::{Auto, Database, Model};
/// #[derive(Model)]
/// struct Post { id: Auto<i64>, title: String, views: i32 }
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let db = Database::connect("sqlite::memory:").await.unwrap();
/// alder_db::schema::create_model(&db, Post::META).await.unwrap();
/// let popular = Post::objects()
///     .filter(Post::views().gte(100))
///     .exclude(Post::title().icontains("draft"))
///     .order_by(Post::views().desc())
///     .limit(10)
///     .all(&db)
///     .await
///     .unwrap();
/// assert!(popular.is_empty());
/// # });
/// ```
#[derive(Debug)]
pub struct QuerySet<M> {
    /// Conditions that must all hold.
    filters: Vec<Node>,
    ordering: Vec<OrderBy<M>>,
    limit: Option<u64>,
    offset: Option<u64>,
    for_update: bool,
    distinct: bool,
    _model: PhantomData<fn() -> M>,
}

impl<M> Clone for QuerySet<M> {
    fn clone(&self) -> Self {
        QuerySet {
            filters: self.filters.clone(),
            ordering: self.ordering.clone(),
            limit: self.limit,
            offset: self.offset,
            for_update: self.for_update,
            distinct: self.distinct,
            _model: PhantomData,
        }
    }
}

impl<M: Model> Default for QuerySet<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: Model> QuerySet<M> {
    /// Every row of the model's table.
    pub fn new() -> Self {
        QuerySet {
            filters: Vec::new(),
            ordering: Vec::new(),
            limit: None,
            offset: None,
            for_update: false,
            distinct: false,
            _model: PhantomData,
        }
    }

    /// Keeps the rows that meet `q`.
    pub fn filter(mut self, q: Q<M>) -> Self {
        match q.node {
            Node::All(nodes) => self.filters.extend(nodes),
            node => self.filters.push(node),
        }
        self
    }

    /// Drops the rows that meet `q`.
    pub fn exclude(mut self, q: Q<M>) -> Self {
        self.filters.push((!q).node);
        self
    }

    /// Orders by this term (after any given before); replaces the model's default ordering.
    pub fn order_by(mut self, term: OrderBy<M>) -> Self {
        self.ordering.push(term);
        self
    }

    /// Orders by one of the model's own fields named in a string, `-` first for descending
    /// (`"-published_at"`), as URLs and the admin give them; the name is checked against the
    /// model's fields. A path through a relation needs [`order_by_path`](Self::order_by_path).
    pub fn order_by_name(self, name: &str) -> Result<Self> {
        self.order_by_path(&FieldPaths::own_fields(), name)
    }

    /// Orders by a path `allowed` lists (`"-author__name"`); any other is a
    /// [`DbError::PathNotAllowed`].
    pub fn order_by_path(mut self, allowed: &FieldPaths, name: &str) -> Result<Self> {
        allowed.check_order(M::META, name)?;
        self.ordering.push(OrderBy::parse(name)?);
        Ok(self)
    }

    /// Keeps the rows matching a filter on the model's own fields given as strings, Django
    /// style: `key` is `field` or `field__lookup` (`title__icontains`, `published_at__isnull`,
    /// `id__in` with comma-separated values), `value` is parsed for the field's type. Unknown
    /// fields, lookups and unparsable values are errors naming what was expected, so filters
    /// taken from a URL are safe; a path through relations needs
    /// [`filter_path`](Self::filter_path) and a list of the paths allowed.
    ///
    /// ```
    /// use alder_db::{Auto, Model};
    /// #[derive(Model)]
    /// struct Post { id: Auto<i64>, title: String, views: i32 }
    /// let q = Post::objects().filter_str("title__icontains", "rust").unwrap();
    /// assert!(Post::objects().filter_str("views__gt", "many").is_err());
    /// assert!(Post::objects().filter_str("nope", "1").is_err());
    /// ```
    pub fn filter_str(self, key: &str, value: &str) -> Result<Self> {
        self.filter_path(&FieldPaths::own_fields(), key, value)
    }

    /// Like [`filter_str`](Self::filter_str), excluding the matching rows.
    pub fn exclude_str(self, key: &str, value: &str) -> Result<Self> {
        self.exclude_path(&FieldPaths::own_fields(), key, value)
    }

    /// A string-keyed filter whose path may follow the relations `allowed` lists
    /// (`author__name__icontains`, `tags__name`); any other path is a
    /// [`DbError::PathNotAllowed`], so a URL cannot reach a column the code did not offer.
    pub fn filter_path(self, allowed: &FieldPaths, key: &str, value: &str) -> Result<Self> {
        allowed.check_filter(M::META, key)?;
        Ok(self.filter(Q::from_node(
            super::dynamic::condition(M::META, key, value)?.node,
        )))
    }

    /// Like [`filter_path`](Self::filter_path), excluding the matching rows.
    pub fn exclude_path(self, allowed: &FieldPaths, key: &str, value: &str) -> Result<Self> {
        allowed.check_filter(M::META, key)?;
        Ok(self.exclude(Q::from_node(
            super::dynamic::condition(M::META, key, value)?.node,
        )))
    }

    /// Locks the rows it reads until the end of the transaction (Django's
    /// `select_for_update`), so that a read-modify-write inside `atomic` cannot race another
    /// instance. PostgreSQL locks the rows; SQLite locks the whole database for a writer, so
    /// there run the read-modify-write in [`Database::atomic_immediate`], which takes that
    /// lock before the read (works on both backends).
    pub fn select_for_update(mut self) -> Self {
        self.for_update = true;
        self
    }

    /// Each row once (Django's `distinct()`): with [`values`](Self::values), each distinct
    /// combination of the columns asked for.
    pub fn distinct(mut self) -> Self {
        self.distinct = true;
        self
    }

    /// At most `n` rows.
    pub fn limit(mut self, n: u64) -> Self {
        self.limit = Some(n);
        self
    }

    /// Skips the first `n` rows.
    pub fn offset(mut self, n: u64) -> Self {
        self.offset = Some(n);
        self
    }

    /// Rows `start..end`, like slicing a Django `QuerySet`.
    pub fn slice(self, range: std::ops::Range<u64>) -> Self {
        let count = range.end.saturating_sub(range.start);
        self.offset(range.start).limit(count)
    }

    fn table() -> &'static str {
        M::META.table
    }

    /// The WHERE condition; an error when a filter compares with an unsaved object.
    fn condition(&self) -> Result<Condition> {
        if let Some(model) = self.filters.iter().find_map(Node::unsaved) {
            return Err(DbError::Unsaved { model });
        }
        Ok(self.filters.iter().fold(Condition::all(), |all, node| {
            all.add(node.clone().into_condition())
        }))
    }

    fn select(&self) -> Result<SelectStatement> {
        self.select_limit(self.limit)
    }

    /// The SELECT with another LIMIT than the query's own.
    fn select_limit(&self, limit: Option<u64>) -> Result<SelectStatement> {
        let mut query = Query::select();
        for field in M::META.fields {
            query.column((Self::table(), field.column));
        }
        query.from(Self::table()).cond_where(self.condition()?);
        let ordering = if self.ordering.is_empty() {
            M::META
                .ordering
                .iter()
                .map(|name| OrderBy::parse(name))
                .collect::<Result<Vec<_>>>()?
        } else {
            self.ordering.clone()
        };
        for term in ordering {
            query.order_by_expr(term.term.expr(M::META.table, 1), term.order());
        }
        if self.for_update {
            query.lock(sea_query::LockType::Update);
        }
        if self.distinct {
            query.distinct();
        }
        if let Some(limit) = limit {
            query.limit(limit);
        }
        if let Some(offset) = self.offset {
            if limit.is_none() {
                // SQLite needs a LIMIT before an OFFSET; -1 means none.
                query.limit(u64::MAX >> 1);
            }
            query.offset(offset);
        }
        Ok(query)
    }

    /// The SELECT's SQL and values: from the statement cache when the query has a shape
    /// (see [`super::statement`]), else rendered now.
    fn select_sql(&self, db: &Database, limit: Option<u64>) -> Result<(Arc<str>, Values)> {
        self.statement_sql("select", db, limit, || self.select_limit(limit))
    }

    /// The SQL and values of a statement of `kind` built by `build` from this query with
    /// `limit`, from the statement cache when the query has a shape.
    fn statement_sql(
        &self,
        kind: &'static str,
        db: &Database,
        limit: Option<u64>,
        build: impl FnOnce() -> Result<SelectStatement>,
    ) -> Result<(Arc<str>, Values)> {
        let render = || Ok(db.build(&build()?));
        match self.shape(kind, db, limit) {
            Some(shape) => shape.sql(render),
            None => statement::render(render),
        }
    }

    /// The shape of a statement of `kind` on this query with `limit`: everything but the
    /// values, which it collects in the order `select_limit` renders them. `None` for a
    /// condition that has no shape.
    fn shape(&self, kind: &'static str, db: &Database, limit: Option<u64>) -> Option<Shape> {
        let mut shape = Shape::new(kind, std::any::TypeId::of::<M>(), db.backend() as usize);
        shape.number(self.filters.len());
        if !self.filters.iter().all(|node| shape.condition(node)) {
            return None;
        }
        // The default ordering is the model's, which the shape already names.
        shape.number(self.ordering.len());
        for term in &self.ordering {
            shape.order(&term.term, term.descending);
        }
        let flags = [
            limit.is_some(),
            self.offset.is_some(),
            self.for_update,
            self.distinct,
        ];
        shape.number(
            flags
                .iter()
                .fold(0, |bits, &flag| bits << 1 | usize::from(flag)),
        );
        match (limit, self.offset) {
            (Some(limit), _) => {
                shape.value(limit.into());
            }
            (None, Some(_)) => {
                shape.value((u64::MAX >> 1).into());
            }
            (None, None) => {}
        }
        if let Some(offset) = self.offset {
            shape.value(offset.into());
        }
        Some(shape)
    }

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
        relation: super::Column<M, crate::ForeignKey<R>>,
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

    /// Computes one aggregate over the matching rows (Django's `aggregate`).
    ///
    /// ```
    /// # use alder_db::{Auto, Database, Model};
    /// # #[derive(Model)] struct Post { id: Auto<i64>, views: i32 }
    /// # async fn run(db: &Database) -> alder_db::Result<()> {
    /// let most: Option<i32> = Post::objects().aggregate(db, Post::views().max()).await?;
    /// let total: Option<i64> = Post::objects().aggregate(db, Post::views().sum()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn aggregate<A: super::Aggregates<M>>(
        &self,
        db: &Database,
        aggregates: A,
    ) -> Result<A::Output> {
        if self.limit.is_some() || self.offset.is_some() {
            return Err(DbError::Sliced("aggregate"));
        }
        let mut query = Query::select();
        query
            .exprs(aggregates.exprs())
            .from(Self::table())
            .cond_where(self.condition()?);
        let (sql, values) = db.build(&query);
        let mut rows = db
            .fetch_decoded(M::META.name, &sql, values, |row| {
                A::decode(&row).map_err(|source| DbError::Query {
                    sql: sql.clone(),
                    source,
                })
            })
            .await?;
        rows.pop().ok_or(DbError::NotFound {
            model: M::META.name,
        })
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
    pub async fn values<C: super::Columns<M>>(
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

    /// One aggregate per distinct value of `group` (Django's
    /// `values(group).annotate(…)`), ordered by the group's value.
    ///
    /// ```
    /// # use alder_db::{Auto, Database, Model};
    /// # #[derive(Model)] struct Post { id: Auto<i64>, author: i64, views: i32 }
    /// # async fn run(db: &Database) -> alder_db::Result<()> {
    /// let per_author: Vec<(i64, i64)> = Post::objects().group_by(db, Post::author(), Post::id().count()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn group_by<G: FieldType, T: FieldType>(
        &self,
        db: &Database,
        group: super::Column<M, G>,
        aggregate: super::Aggregate<M, T>,
    ) -> Result<Vec<(G, T)>> {
        if self.limit.is_some() || self.offset.is_some() {
            return Err(DbError::Sliced("group"));
        }
        let column = (Self::table(), group.name());
        let mut query = Query::select();
        query
            .column(column)
            .expr(aggregate.expr)
            .from(Self::table())
            .cond_where(self.condition()?)
            .group_by_col(column)
            .order_by(column, sea_query::Order::Asc);
        let (sql, values) = db.build(&query);
        db.fetch_decoded(M::META.name, &sql, values, |row| {
            let decode = |source| DbError::Query {
                sql: sql.clone(),
                source,
            };
            Ok((
                G::decode(&row, 0).map_err(decode)?,
                T::decode(&row, 1).map_err(decode)?,
            ))
        })
        .await
    }

    /// The values of one column of the matching rows (Django's `values_list(…, flat=True)`);
    /// with `distinct`, each value once.
    pub async fn values_list<T: FieldType>(
        &self,
        db: &Database,
        column: super::Column<M, T>,
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
    ) -> Result<std::collections::HashMap<i64, M>>
    where
        K: Into<i64>,
    {
        let keys: Vec<i64> = keys.into_iter().map(Into::into).collect();
        let mut out = std::collections::HashMap::with_capacity(keys.len());
        if keys.is_empty() {
            return Ok(out);
        }
        let pk = M::META.pk();
        let mut unique = keys;
        unique.sort_unstable();
        unique.dedup();
        // Batches of keys, well under both backends' parameter limits (SQLite 32 766,
        // PostgreSQL 65 535), whatever the number asked for.
        let mut objects = Vec::with_capacity(unique.len());
        for chunk in unique.chunks(IN_BATCH) {
            let keys = chunk.iter().copied().map(sea_query::Value::from).collect();
            let query = QuerySet::<M> {
                filters: self.filters.clone(),
                ..QuerySet::new()
            }
            .filter(Q::lookup(Self::table(), pk.column, Op::In(keys)));
            objects.extend(query.all(db).await?);
        }
        for object in objects {
            match object.pk_value() {
                Some(sea_query::Value::BigInt(Some(id))) => {
                    out.insert(id, object);
                }
                Some(sea_query::Value::Int(Some(id))) => {
                    out.insert(i64::from(id), object);
                }
                _ => {}
            }
        }
        Ok(out)
    }

    /// The one object matching `q`, or a new one from `create` saved now; the flag says
    /// whether it was created. A concurrent insert of the same unique values is caught and
    /// answered with the row that won (Django's `get_or_create`).
    pub async fn get_or_create(
        &self,
        db: &Database,
        q: Q<M>,
        create: impl FnOnce() -> M,
    ) -> Result<(M, bool)> {
        let query = self.clone().filter(q);
        match query.get(db).await {
            Ok(found) => return Ok((found, false)),
            Err(DbError::NotFound { .. }) => {}
            Err(err) => return Err(err),
        }
        let mut object = create();
        let inserted = db
            .atomic(|tx| async move {
                crate::crud::insert(&tx, &mut object).await?;
                Ok::<_, DbError>(object)
            })
            .await;
        match inserted {
            Ok(object) => Ok((object, true)),
            // Someone else inserted it meanwhile: answer with theirs. If the lookup still finds
            // nothing, the clash was on another unique field: report that one.
            Err(violation @ DbError::UniqueViolation { .. }) => match query.get(db).await {
                Ok(found) => Ok((found, false)),
                Err(DbError::NotFound { .. }) => Err(violation),
                Err(err) => Err(err),
            },
            Err(err) => Err(err),
        }
    }

    /// Updates the one object matching `q` with `change` and saves it, or saves a new one
    /// from `create`; the flag says whether it was created (Django's `update_or_create`).
    /// Atomic: it runs in one transaction with the row locked (`select_for_update`) while it
    /// is changed, so two callers cannot both read it and one overwrite the other's change;
    /// a concurrent creation of the same unique values is answered by updating the row that
    /// won.
    pub async fn update_or_create(
        &self,
        db: &Database,
        q: Q<M>,
        change: impl FnOnce(&mut M),
        create: impl FnOnce() -> M,
    ) -> Result<(M, bool)> {
        let query = self.clone().filter(q).select_for_update();
        // Immediate: on SQLite the write lock is taken before the read, as the row lock of
        // `select_for_update` is on PostgreSQL.
        db.atomic_immediate(|tx| async move {
            let mut found = match query.get(&tx).await {
                Ok(found) => found,
                Err(DbError::NotFound { .. }) => {
                    let mut object = create();
                    // In a savepoint: a clash must not abort the whole transaction.
                    let inserted = tx
                        .atomic(|inner| async move {
                            crate::crud::insert(&inner, &mut object).await?;
                            Ok::<_, DbError>(object)
                        })
                        .await;
                    match inserted {
                        Ok(object) => return Ok((object, true)),
                        // Someone created it meanwhile: update theirs.
                        Err(violation @ DbError::UniqueViolation { .. }) => {
                            match query.get(&tx).await {
                                Ok(found) => found,
                                Err(DbError::NotFound { .. }) => return Err(violation),
                                Err(err) => return Err(err),
                            }
                        }
                        Err(err) => return Err(err),
                    }
                }
                Err(err) => return Err(err),
            };
            change(&mut found);
            crate::crud::save(&tx, &mut found).await?;
            Ok((found, false))
        })
        .await
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

    /// Deletes every matching row; returns how many. A sliced query is refused (as Django
    /// does), rather than deleting more than the slice.
    pub async fn delete(&self, db: &Database) -> Result<u64> {
        if self.limit.is_some() || self.offset.is_some() {
            return Err(DbError::Sliced("delete"));
        }
        let mut query = Query::delete();
        query
            .from_table(Self::table())
            .cond_where(self.condition()?);
        let (sql, values) = db.build(&query);
        db.execute(M::META.name, &sql, values).await
    }

    /// Sets columns on every matching row; returns how many rows changed.
    pub async fn update(
        &self,
        db: &Database,
        assignments: impl IntoIterator<Item = Assignment<M>>,
    ) -> Result<u64> {
        if self.limit.is_some() || self.offset.is_some() {
            return Err(DbError::Sliced("update"));
        }
        let mut query = Query::update();
        query.table(Self::table()).cond_where(self.condition()?);
        let mut any = false;
        for assignment in assignments {
            if let Some(model) = assignment.unsaved {
                return Err(DbError::Unsaved { model });
            }
            let field = M::META
                .fields
                .iter()
                .find(|f| f.column == assignment.column);
            let value = match field {
                Some(field) => crate::crud::prepare_value(M::META.name, field, assignment.value)?,
                None => assignment.value,
            };
            query.value(assignment.column, value);
            any = true;
        }
        if !any {
            return Ok(0);
        }
        let (sql, values) = db.build(&query);
        db.execute(M::META.name, &sql, values).await
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
