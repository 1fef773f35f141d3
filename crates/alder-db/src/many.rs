//! Many-to-many relations with an automatic through table (Django's `ManyToManyField`).

use std::marker::PhantomData;

use sea_query::{Expr, ExprTrait, OnConflict, Query, Value};
use serde::{Deserialize, Serialize};

use crate::query::through_has;
use crate::{Database, DbError, Model, QuerySet, Result};

/// A many-to-many relation to `T`. The field holds nothing itself: the pairs live in a
/// through table that migrations create (`<table>_<field>`), and
/// `Post::tags()` adds, removes and queries them.
///
/// ```
/// use alder_db::{Auto, ManyToMany, Model};
/// #[derive(Model)]
/// struct Tag { id: Auto<i64>, name: String }
/// #[derive(Model)]
/// #[model(app = "blog")]
/// struct Post { id: Auto<i64>, tags: ManyToMany<Tag> }
/// let m2m = &Post::META.many_to_many[0];
/// assert_eq!((m2m.through_table, m2m.source_column, m2m.target_column), ("blog_post_tags", "post_id", "tag_id"));
/// ```
pub struct ManyToMany<T> {
    _target: PhantomData<fn() -> T>,
}

impl<T> ManyToMany<T> {
    /// The field's value (it holds nothing; the pairs are in the through table).
    pub const fn new() -> Self {
        ManyToMany {
            _target: PhantomData,
        }
    }
}

impl<T> Default for ManyToMany<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Clone for ManyToMany<T> {
    fn clone(&self) -> Self {
        Self::new()
    }
}

impl<T> PartialEq for ManyToMany<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<T> std::fmt::Debug for ManyToMany<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ManyToMany")
    }
}

/// Serialized as `null`: the related objects are fetched with the field's accessor.
impl<T> Serialize for ManyToMany<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_unit()
    }
}

impl<'de, T> Deserialize<'de> for ManyToMany<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| Self::new())
    }
}

/// The accessor of a many-to-many field: `Post::tags().add(&db, &post, &tag)`.
pub struct ManyToManyField<M, T> {
    through: &'static str,
    source: &'static str,
    target: &'static str,
    _marker: PhantomData<fn() -> (M, T)>,
}

impl<M, T> std::fmt::Debug for ManyToManyField<M, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ManyToManyField({})", self.through)
    }
}

fn key<X: Model>(object: &X) -> Result<Value> {
    object.pk_value().ok_or(DbError::Unsaved {
        model: X::META.name,
    })
}

impl<M: Model, T: Model> ManyToManyField<M, T> {
    /// Used by `#[derive(Model)]`.
    #[doc(hidden)]
    pub const fn new(through: &'static str, source: &'static str, target: &'static str) -> Self {
        ManyToManyField {
            through,
            source,
            target,
            _marker: PhantomData,
        }
    }

    /// Relates `owner` to `target`; relating them twice changes nothing.
    pub async fn add(&self, db: &Database, owner: &M, target: &T) -> Result<()> {
        self.add_key(db, key(owner)?, key(target)?).await
    }

    async fn add_key(&self, db: &Database, owner: Value, target: Value) -> Result<()> {
        // INSERT … SELECT … WHERE NOT EXISTS: a through model of one's own need not have a
        // unique constraint on the pair, so ON CONFLICT cannot be relied on.
        let mut existing = Query::select();
        existing
            .expr(Expr::val(1))
            .from(self.through)
            .and_where(Expr::col(self.source).eq(owner.clone()))
            .and_where(Expr::col(self.target).eq(target.clone()));
        let mut pair = Query::select();
        pair.exprs([Expr::val(owner), Expr::val(target)])
            .and_where(Expr::exists(existing).not());
        let mut insert = Query::insert();
        insert
            .into_table(self.through)
            .columns([self.source, self.target])
            .select_from(pair)
            .map_err(|e| DbError::other_sql(M::META.name, e.to_string()))?
            // Two adds of the same pair at once: the automatic through table's unique
            // constraint stops the second, which is what it asked for anyway. Skipped in the
            // statement rather than caught as an error, which on PostgreSQL would abort the
            // caller's transaction.
            .on_conflict(OnConflict::new().do_nothing().to_owned());
        let (sql, values) = db.build(&insert);
        db.execute(M::META.name, &sql, values).await.map(|_| ())
    }

    /// The keys of the objects related to `owner`, in key order: what a form's multiple
    /// choice shows as chosen.
    ///
    /// ```
    /// # use alder_db::{Auto, Database, ManyToMany, Model, schema};
    /// # #[derive(Model)] #[model(app = "blog")] struct Tag { id: Auto<i64>, name: String }
    /// # #[derive(Model)] #[model(app = "blog")] struct Post { id: Auto<i64>, tags: ManyToMany<Tag> }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// # let db = Database::connect("sqlite::memory:").await.unwrap();
    /// # schema::create_model(&db, Tag::META).await.unwrap();
    /// # schema::create_model(&db, Post::META).await.unwrap();
    /// let mut post = Post { id: Auto::new(), tags: ManyToMany::new() };
    /// alder_db::crud::insert(&db, &mut post).await.unwrap();
    /// for name in ["a", "b", "c"] {
    ///     alder_db::crud::insert(&db, &mut Tag { id: Auto::new(), name: name.into() }).await.unwrap();
    /// }
    /// Post::tags().set(&db, &post, [1, 3]).await.unwrap();
    /// assert_eq!(Post::tags().keys(&db, &post).await.unwrap(), [1, 3]);
    /// Post::tags().set(&db, &post, [2, 3]).await.unwrap();
    /// assert_eq!(Post::tags().keys(&db, &post).await.unwrap(), [2, 3]);
    /// # });
    /// ```
    pub async fn keys(&self, db: &Database, owner: &M) -> Result<Vec<T::Key>> {
        let mut select = Query::select();
        select
            .column(self.target)
            .from(self.through)
            .and_where(Expr::col(self.source).eq(key(owner)?))
            .order_by(self.target, sea_query::Order::Asc);
        let (sql, values) = db.build(&select);
        db.fetch_decoded(M::META.name, &sql, values, |row| {
            <T::Key as crate::FieldType>::decode(&row, 0).map_err(|source| DbError::Query {
                sql: sql.clone(),
                source,
            })
        })
        .await
    }

    /// Makes `owner` related to exactly the objects whose keys are `keys` (Django's
    /// `post.tags.set(…)`): pairs no longer wanted are deleted, new ones added, the rest
    /// left alone. Run it in a transaction with the save it belongs to.
    pub async fn set(
        &self,
        db: &Database,
        owner: &M,
        keys: impl IntoIterator<Item = T::Key>,
    ) -> Result<()> {
        let owner_key = key(owner)?;
        let mut wanted: Vec<T::Key> = keys.into_iter().collect();
        wanted.sort_unstable();
        wanted.dedup();
        let current = self.keys(db, owner).await?;
        let gone: Vec<Value> = current
            .iter()
            .filter(|k| wanted.binary_search(k).is_err())
            .map(crate::FieldType::to_value)
            .collect();
        if !gone.is_empty() {
            let mut delete = Query::delete();
            delete
                .from_table(self.through)
                .and_where(Expr::col(self.source).eq(owner_key.clone()))
                .and_where(Expr::col(self.target).is_in(gone));
            let (sql, values) = db.build(&delete);
            db.execute(M::META.name, &sql, values).await?;
        }
        for new in wanted.iter().filter(|k| !current.contains(k)) {
            self.add_key(db, owner_key.clone(), crate::FieldType::to_value(new))
                .await?;
        }
        Ok(())
    }

    /// Unrelates them; returns whether they were related.
    pub async fn remove(&self, db: &Database, owner: &M, target: &T) -> Result<bool> {
        let mut delete = Query::delete();
        delete
            .from_table(self.through)
            .and_where(Expr::col(self.source).eq(key(owner)?))
            .and_where(Expr::col(self.target).eq(key(target)?));
        let (sql, values) = db.build(&delete);
        Ok(db.execute(M::META.name, &sql, values).await? > 0)
    }

    /// Unrelates `owner` from everything; returns how many pairs went.
    pub async fn clear(&self, db: &Database, owner: &M) -> Result<u64> {
        let mut delete = Query::delete();
        delete
            .from_table(self.through)
            .and_where(Expr::col(self.source).eq(key(owner)?));
        let (sql, values) = db.build(&delete);
        db.execute(M::META.name, &sql, values).await
    }

    /// The `M`s related to at least one `T` meeting `q` (Django's
    /// `Post.objects.filter(tags__name="rust")`).
    ///
    /// ```
    /// # use alder_db::{Auto, ManyToMany, Model};
    /// # #[derive(Model)] struct Tag { id: Auto<i64>, name: String }
    /// # #[derive(Model)] struct Post { id: Auto<i64>, tags: ManyToMany<Tag> }
    /// let about_rust = Post::objects().filter(Post::tags().has(Tag::name().eq("rust")));
    /// ```
    pub fn has(&self, q: crate::Q<T>) -> crate::Q<M> {
        let through = (self.through, self.source, self.target);
        crate::Q::new(through_has(M::META, through, T::META, q.into_condition()))
    }

    /// The other side: the `T`s related to at least one `M` meeting `q` (Django's
    /// `Tag.objects.filter(post__title="…")`).
    pub fn reverse_has(&self, q: crate::Q<M>) -> crate::Q<T> {
        let through = (self.through, self.target, self.source);
        crate::Q::new(through_has(T::META, through, M::META, q.into_condition()))
    }

    /// The objects related to `owner`, as a `QuerySet` to filter and order further.
    pub fn of(&self, owner: &M) -> Result<QuerySet<T>> {
        let mut related = Query::select();
        related
            .column(self.target)
            .from(self.through)
            .and_where(Expr::col(self.source).eq(key(owner)?));
        let pk = Expr::col((T::META.table, T::META.pk().column));
        Ok(QuerySet::new().filter(crate::Q::expr(pk.in_subquery(related))))
    }
}
