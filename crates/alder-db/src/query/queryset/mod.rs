//! `QuerySet`: a lazy, cloneable description of a query on one model; nothing runs until a
//! method that takes the database (`all`, `get`, `count`, …) is awaited.

use std::marker::PhantomData;
use std::sync::Arc;

use sea_query::{Condition, Query, SelectStatement, Values};

use super::order::OrderBy;
use super::paths::FieldPaths;
use super::q::Node;
use super::statement::{self, Shape};
use super::Q;
use crate::{Database, DbError, Model, Result};

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

mod aggregates;
mod reads;
mod writes;

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
    ///
    /// ```
    /// # use alder_db::{Auto, FieldPaths, ForeignKey, Model};
    /// # #[derive(Model)] struct Author { id: Auto<i64>, name: String }
    /// # #[derive(Model)] struct Post { id: Auto<i64>, author: ForeignKey<Author> }
    /// let sortable = FieldPaths::new(["author__name"]);
    /// assert!(Post::objects().order_by_path(&sortable, "-author__name").is_ok());
    /// assert!(Post::objects().order_by_path(&sortable, "author__id").is_err());
    /// ```
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
    ///
    /// ```
    /// # use alder_db::{Auto, DbError, FieldPaths, ForeignKey, Model};
    /// # #[derive(Model)] struct Author { id: Auto<i64>, name: String, password: String }
    /// # #[derive(Model)] struct Post { id: Auto<i64>, author: ForeignKey<Author> }
    /// let searchable = FieldPaths::new(["author__name"]);
    /// assert!(Post::objects().filter_path(&searchable, "author__name__icontains", "ann").is_ok());
    /// let probe = Post::objects().filter_path(&searchable, "author__password__startswith", "a");
    /// assert!(matches!(probe, Err(DbError::PathNotAllowed { .. })));
    /// ```
    pub fn filter_path(self, allowed: &FieldPaths, key: &str, value: &str) -> Result<Self> {
        allowed.check_filter(M::META, key)?;
        Ok(self.filter(Q::from_node(
            super::dynamic::condition(M::META, key, value)?.node,
        )))
    }

    /// Keeps the rows matching a search box's text, as Django's admin `search_fields` do:
    /// the text is split into words (a `"quoted phrase"` is one), and every word must be in
    /// at least one of `fields` (case-insensitive `contains`). A field may start with `^`
    /// (starts with) or `=` (equals, case-insensitive), and may be a path through relations
    /// that `allowed` lists (`allowed` names every field searched, as `filter_path` wants).
    /// Empty text keeps every row; words past the first [`MAX_SEARCH_WORDS`] are ignored.
    ///
    /// ```
    /// # use alder_db::{Auto, FieldPaths, ForeignKey, Model};
    /// # #[derive(Model)] struct Author { id: Auto<i64>, name: String }
    /// # #[derive(Model)] struct Post { id: Auto<i64>, title: String, author: ForeignKey<Author> }
    /// let allowed = FieldPaths::new(["title", "author__name"]);
    /// let found = Post::objects().search(&allowed, &["title", "author__name"], "rust \"ada l\"");
    /// assert!(found.is_ok());
    /// assert!(Post::objects().search(&allowed, &["author__password"], "x").is_err());
    /// ```
    pub fn search(self, allowed: &FieldPaths, fields: &[&str], text: &str) -> Result<Self> {
        let mut query = self;
        // Bounded, so a long search text cannot pass the database's limit on parameters.
        for word in search_words(text).into_iter().take(MAX_SEARCH_WORDS) {
            let mut any: Option<Q<M>> = None;
            for field in fields {
                let key = match (field.strip_prefix('^'), field.strip_prefix('=')) {
                    (Some(name), _) => format!("{name}__istartswith"),
                    (_, Some(name)) => format!("{name}__iexact"),
                    _ => format!("{field}__icontains"),
                };
                allowed.check_filter(M::META, &key)?;
                let one = Q::from_node(super::dynamic::condition(M::META, &key, &word)?.node);
                any = Some(match any {
                    Some(q) => q | one,
                    None => one,
                });
            }
            if let Some(any) = any {
                query = query.filter(any);
            }
        }
        Ok(query)
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
}

impl<M: Model> Q<M> {
    /// A condition on the model's own fields from a string key and value, as
    /// [`QuerySet::filter_str`] reads them, to combine with `|` and `&`: selections from a
    /// form (`id=3 | id=7`), filters from a URL.
    ///
    /// ```
    /// use alder_db::{Auto, Model, Q};
    /// #[derive(Model)]
    /// struct Post { id: Auto<i64>, title: String }
    /// let either = Q::<Post>::parse("id", "3").unwrap() | Q::parse("title__icontains", "rust").unwrap();
    /// let posts = Post::objects().filter(either);
    /// assert!(Q::<Post>::parse("id", "three").is_err());
    /// ```
    pub fn parse(key: &str, value: &str) -> Result<Q<M>> {
        FieldPaths::own_fields().check_filter(M::META, key)?;
        Ok(Q::from_node(
            super::dynamic::condition(M::META, key, value)?.node,
        ))
    }
}

/// The most words [`QuerySet::search`] looks for; the rest of the text is ignored.
pub const MAX_SEARCH_WORDS: usize = 20;

/// The words of a search text: split on white space, a `"quoted phrase"` kept whole.
fn search_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        if let Some(quoted) = rest.strip_prefix('"') {
            let (phrase, after) = quoted.split_once('"').unwrap_or((quoted, ""));
            if !phrase.trim().is_empty() {
                words.push(phrase.trim().to_owned());
            }
            rest = after.trim_start();
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            words.push(rest[..end].to_owned());
            rest = rest[end..].trim_start();
        }
    }
    words
}

#[cfg(test)]
mod search_tests {
    #[test]
    fn words_and_quoted_phrases() {
        assert_eq!(
            super::search_words("  rust \"ada l\"  web \"unclosed"),
            ["rust", "ada l", "web", "unclosed"]
        );
        assert!(super::search_words("   ").is_empty());
        assert!(super::search_words("\"\"").is_empty());
    }
}
