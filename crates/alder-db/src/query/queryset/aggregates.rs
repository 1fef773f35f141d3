//! Aggregates over the matching rows, whole or grouped by a column.

use sea_query::Query;

use super::QuerySet;
use crate::{Database, DbError, FieldType, Model, Result};

impl<M: Model> QuerySet<M> {
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
    pub async fn aggregate<A: crate::query::Aggregates<M>>(
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
        group: crate::query::Column<M, G>,
        aggregate: crate::query::Aggregate<M, T>,
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
}
