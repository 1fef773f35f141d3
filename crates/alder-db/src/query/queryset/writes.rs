//! Writing through a query: get_or_create, update_or_create, update and delete.

use sea_query::Query;

use super::QuerySet;
use crate::query::{Assignment, Q};
use crate::{Database, DbError, Model, Result};

impl<M: Model> QuerySet<M> {
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
