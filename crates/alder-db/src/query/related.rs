//! Lookups across relations, Django's `author__name="Ann"`: typed as
//! `Post::author().has(Author::name().eq("Ann"))`, with the reverse side
//! (`Post::author().reverse_has(…)`: authors with such a post) and ordering by a related
//! column.
//!
//! A condition on a related model becomes `key IN (SELECT …)`: the subquery does not refer
//! to the outer query, so it composes with `&`, `|` and `!` like any condition (an
//! excluded row whose key is NULL is kept, as in Django), chains through several relations
//! and works for a model that points to itself.

use sea_query::{Condition, Expr, ExprTrait, Query};

use super::order::{OrderBy, OrderTerm};
use super::IntoFieldValue;
use super::{Column, QuerySet, Q};
use crate::meta::ModelMeta;
use crate::{Database, FieldType, ForeignKey, Model, Result};
use sea_query::Value;

/// A field that points to another model: `ForeignKey<T>`, `OneToOne<T>`, and the same in
/// an `Option`.
pub trait Relation {
    /// The model pointed to.
    type Target: Model;
}

impl<T: Model> Relation for ForeignKey<T> {
    type Target = T;
}

impl<T: Model> Relation for Option<ForeignKey<T>> {
    type Target = T;
}

/// `column IN (SELECT key FROM table WHERE condition)`.
pub(crate) fn in_select<M>(
    column: Expr,
    key: (&'static str, &'static str),
    condition: Condition,
) -> Q<M> {
    let mut select = Query::select();
    select
        .column((key.0, key.1))
        .from(key.0)
        .cond_where(condition);
    Q::expr(column.in_subquery(select))
}

/// The rows of `from` related through the table `through` (`from_column` pointing to
/// them, `to_column` to `to`) to a row of `to` meeting `condition`: the two directions of a
/// many-to-many lookup.
pub(crate) fn through_has(
    from: &'static ModelMeta,
    (through, from_column, to_column): (&'static str, &'static str, &'static str),
    to: &'static ModelMeta,
    condition: Condition,
) -> Condition {
    let targets = in_select::<()>(
        Expr::col((through, to_column)),
        (to.table, to.pk().column),
        condition,
    );
    let owners = Expr::col((from.table, from.pk().column));
    in_select::<()>(owners, (through, from_column), targets.into_condition()).into_condition()
}

impl<M: Model, R: FieldType + Relation> Column<M, R> {
    /// The rows whose related row meets `q` (Django's `filter(author__name="Ann")`).
    ///
    /// ```
    /// # use alder_db::{Auto, ForeignKey, Model};
    /// # #[derive(Model)] struct Author { id: Auto<i64>, name: String }
    /// # #[derive(Model)] struct Post { id: Auto<i64>, author: ForeignKey<Author> }
    /// let by_ann = Post::objects().filter(Post::author().has(Author::name().eq("Ann")));
    /// ```
    pub fn has(self, q: Q<R::Target>) -> Q<M> {
        let target = R::Target::META;
        in_select(
            self.expr(),
            (target.table, target.pk().column),
            q.into_condition(),
        )
    }

    /// The other side: the related rows that at least one row meeting `q` points to
    /// (Django's `Author.objects.filter(post__title__contains="rust")`).
    ///
    /// ```
    /// # use alder_db::{Auto, ForeignKey, Model};
    /// # #[derive(Model)] struct Author { id: Auto<i64>, name: String }
    /// # #[derive(Model)] struct Post { id: Auto<i64>, title: String, author: ForeignKey<Author> }
    /// let rust_authors =
    ///     Author::objects().filter(Post::author().reverse_has(Post::title().contains("rust")));
    /// ```
    pub fn reverse_has(self, q: Q<M>) -> Q<R::Target> {
        let target = R::Target::META;
        let pk = Expr::col((target.table, target.pk().column));
        in_select(pk, (M::META.table, self.name()), q.into_condition())
    }

    /// Orders by a column of the related row (Django's `order_by("author__name")`); rows
    /// whose key is NULL sort as a NULL value.
    ///
    /// ```
    /// # use alder_db::{Auto, ForeignKey, Model};
    /// # #[derive(Model)] struct Author { id: Auto<i64>, name: String }
    /// # #[derive(Model)] struct Post { id: Auto<i64>, author: ForeignKey<Author> }
    /// let by_author = Post::objects().order_by(Post::author().order(Author::name().asc()));
    /// ```
    pub fn order(self, term: OrderBy<R::Target>) -> OrderBy<M> {
        OrderBy::new(
            OrderTerm::Related {
                column: self.name(),
                target: R::Target::META,
                inner: Box::new(term.term),
            },
            term.descending,
        )
    }

    /// The `M`s that point to `target` through this relation: the reverse side of the
    /// relation (Django's `author.post_set`).
    ///
    /// ```
    /// # use alder_db::{Auto, ForeignKey, Model};
    /// # #[derive(Model)] struct Author { id: Auto<i64> }
    /// # #[derive(Model)] struct Post { id: Auto<i64>, author: ForeignKey<Author> }
    /// # async fn run(db: &alder_db::Database, author: &Author) -> alder_db::Result<()> {
    /// let posts = Post::author().reverse(author).all(db).await?;
    /// # Ok(()) }
    /// ```
    pub fn reverse(self, target: &R::Target) -> QuerySet<M> {
        // An unsaved target has no rows pointing to it: asking is a mistake, as a filter by it.
        let condition = match target.pk_value() {
            Some(key) => Q::expr(self.expr().eq(key)),
            None => Q::unsaved(<R::Target as Model>::META.name),
        };
        QuerySet::new().filter(condition)
    }
}

// The query side of `ForeignKey`: here rather than in `relation`, so that the relation types
// do not depend on the query code that uses them.
impl<T: Model> ForeignKey<T> {
    /// Fetches the rows the objects point to in one query, by key: no query per object
    /// (Django's `prefetch_related` for a foreign key).
    ///
    /// ```
    /// # use alder_db::{Auto, Database, ForeignKey, Model};
    /// # #[derive(Model)] struct Author { id: Auto<i64>, name: String }
    /// # #[derive(Model)] struct Post { id: Auto<i64>, title: String, author: ForeignKey<Author> }
    /// async fn list(db: &Database) -> alder_db::Result<()> {
    ///     let posts = Post::objects().all(db).await?;
    ///     let authors = ForeignKey::prefetch(db, &posts, |p| p.author).await?;
    ///     for post in &posts {
    ///         println!("{} by {}", post.title, authors[&post.author.id()].name);
    ///     }
    ///     Ok(())
    /// }
    /// ```
    pub async fn prefetch<S>(
        db: &Database,
        objects: &[S],
        key: impl Fn(&S) -> Self,
    ) -> Result<std::collections::HashMap<T::Key, T>> {
        QuerySet::<T>::new()
            .in_bulk(db, objects.iter().map(|o| key(o).id()))
            .await
    }
}

/// A bare key compares with a foreign key to a model with keys of that type
/// (`Post::author().eq(7)`).
macro_rules! key_values {
    ($($ty:ty),*) => {$(
        // Not offered as a fix when some other value is wrong (a float for an i32 field).
        #[diagnostic::do_not_recommend]
        impl<T: Model<Key = $ty>> IntoFieldValue<ForeignKey<T>> for $ty {
            fn into_field_value(self) -> Value {
                self.to_value()
            }
        }
        #[diagnostic::do_not_recommend]
        impl<T: Model<Key = $ty>> IntoFieldValue<Option<ForeignKey<T>>> for $ty {
            fn into_field_value(self) -> Value {
                self.to_value()
            }
        }
    )*};
}

key_values!(i16, i32, i64, String, uuid::Uuid);

/// A saved object's `Auto` key compares with a pointer to its model (`Loan::book().eq(book.id)`);
/// an unset one makes the query an error, as an unsaved object does.
macro_rules! auto_key_values {
    ($($ty:ty),*) => {$(
        #[diagnostic::do_not_recommend]
        impl<T: Model<Key = $ty>> IntoFieldValue<ForeignKey<T>> for crate::Auto<$ty> {
            fn into_field_value(self) -> Value {
                self.to_value()
            }
            fn unsaved_model(&self) -> Option<&'static str> {
                self.get().is_none().then_some(T::META.name)
            }
        }
        #[diagnostic::do_not_recommend]
        impl<T: Model<Key = $ty>> IntoFieldValue<Option<ForeignKey<T>>> for crate::Auto<$ty> {
            fn into_field_value(self) -> Value {
                self.to_value()
            }
            fn unsaved_model(&self) -> Option<&'static str> {
                self.get().is_none().then_some(T::META.name)
            }
        }
    )*};
}

auto_key_values!(i32, i64);

impl<T: Model<Key = String>> IntoFieldValue<ForeignKey<T>> for &str {
    fn into_field_value(self) -> Value {
        Value::String(Some(self.to_string()))
    }
}

impl<T: Model> IntoFieldValue<ForeignKey<T>> for &T {
    fn into_field_value(self) -> Value {
        self.pk_value().unwrap_or_else(<T::Key as FieldType>::null)
    }

    fn unsaved_model(&self) -> Option<&'static str> {
        self.pk_value().is_none().then_some(T::META.name)
    }
}

impl<T: Model> IntoFieldValue<Option<ForeignKey<T>>> for &T {
    fn into_field_value(self) -> Value {
        self.pk_value().unwrap_or_else(<T::Key as FieldType>::null)
    }

    fn unsaved_model(&self) -> Option<&'static str> {
        self.pk_value().is_none().then_some(T::META.name)
    }
}
