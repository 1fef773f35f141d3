//! Migration operations: each changes the recorded state and the database schema, forwards
//! and backwards.

use std::fmt;
use std::sync::Arc;

use futures_util::future::BoxFuture;

use super::state::{Field, ModelState, State};
use super::MigrationError;
use crate::{schema, Database};

/// A data migration step written in Rust (Django's `RunPython`).
pub type RustStep = Arc<dyn Fn(Database) -> BoxFuture<'static, crate::Result<()>> + Send + Sync>;

/// One change in a migration.
#[derive(Clone)]
#[non_exhaustive]
pub enum Operation {
    /// Create a model's table.
    CreateModel(ModelState),
    /// Drop a model's table.
    DeleteModel {
        /// The model.
        name: String,
    },
    /// Add a column.
    AddField {
        /// The model.
        model: String,
        /// The new field.
        field: Field,
    },
    /// Drop a column.
    RemoveField {
        /// The model.
        model: String,
        /// The field's name.
        name: String,
    },
    /// Change a column's type, nullability, default, uniqueness or index.
    AlterField {
        /// The model.
        model: String,
        /// The field as it becomes.
        field: Field,
    },
    /// Rename a field (and its column, when the column had the field's name).
    RenameField {
        /// The model.
        model: String,
        /// The old name.
        old: String,
        /// The new name.
        new: String,
    },
    /// Rename a model (Django's `RenameModel`): the recorded state and every foreign key that
    /// points to it; the table keeps its name (an `AlterTable` follows when it changes too).
    RenameModel {
        /// The old name.
        old: String,
        /// The new name.
        new: String,
    },
    /// Rename a model's table.
    AlterTable {
        /// The model.
        model: String,
        /// The new table name.
        table: String,
    },
    /// Replace the model's `unique_together` sets.
    AlterUniqueTogether {
        /// The model.
        model: String,
        /// The sets as they become.
        sets: Vec<Vec<String>>,
    },
    /// Replace the model's extra indexes.
    AlterIndexes {
        /// The model.
        model: String,
        /// The indexes as they become.
        indexes: Vec<Vec<String>>,
    },
    /// Run Rust code (a data migration); `backward` makes it reversible.
    RunRust {
        /// What it does, for `showmigrations` and `sqlmigrate`.
        description: String,
        /// Applied going forward.
        forward: RustStep,
        /// Applied going back; `None` makes the migration irreversible.
        backward: Option<RustStep>,
    },
    /// Run SQL; `backward` makes it reversible.
    RunSql {
        /// Applied going forward.
        forward: String,
        /// Applied going back.
        backward: Option<String>,
    },
}

impl fmt::Debug for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl PartialEq for Operation {
    fn eq(&self, other: &Self) -> bool {
        use Operation::*;
        match (self, other) {
            (CreateModel(a), CreateModel(b)) => a == b,
            (DeleteModel { name: a }, DeleteModel { name: b }) => a == b,
            (AddField { model: a, field: f }, AddField { model: b, field: g })
            | (AlterField { model: a, field: f }, AlterField { model: b, field: g }) => {
                a == b && f == g
            }
            (RemoveField { model: a, name: n }, RemoveField { model: b, name: m }) => {
                a == b && n == m
            }
            (
                RenameField {
                    model: a,
                    old: o,
                    new: n,
                },
                RenameField {
                    model: b,
                    old: p,
                    new: m,
                },
            ) => a == b && o == p && n == m,
            (RenameModel { old: a, new: b }, RenameModel { old: c, new: d }) => a == c && b == d,
            (AlterTable { model: a, table: t }, AlterTable { model: b, table: u }) => {
                a == b && t == u
            }
            (
                AlterUniqueTogether { model: a, sets: s },
                AlterUniqueTogether { model: b, sets: t },
            ) => a == b && s == t,
            (
                AlterIndexes {
                    model: a,
                    indexes: s,
                },
                AlterIndexes {
                    model: b,
                    indexes: t,
                },
            ) => a == b && s == t,
            (
                RunSql {
                    forward: a,
                    backward: b,
                },
                RunSql {
                    forward: c,
                    backward: d,
                },
            ) => a == c && b == d,
            _ => false,
        }
    }
}

fn missing(app: &str, model: &str) -> MigrationError {
    MigrationError::Inconsistent(format!(
        "model `{app}.{model}` does not exist at this point of the migrations"
    ))
}

impl Operation {
    /// A one-line description, e.g. `Add field title to Post`.
    pub fn describe(&self) -> String {
        match self {
            Operation::CreateModel(m) => format!("Create model {}", m.name),
            Operation::DeleteModel { name } => format!("Delete model {name}"),
            Operation::AddField { model, field } => format!("Add field {} to {model}", field.name),
            Operation::RemoveField { model, name } => format!("Remove field {name} from {model}"),
            Operation::AlterField { model, field } => {
                format!("Alter field {} on {model}", field.name)
            }
            Operation::RenameField { model, old, new } => {
                format!("Rename field {old} on {model} to {new}")
            }
            Operation::RenameModel { old, new } => format!("Rename model {old} to {new}"),
            Operation::AlterTable { model, table } => {
                format!("Rename table for {model} to {table}")
            }
            Operation::AlterUniqueTogether { model, .. } => {
                format!("Alter unique_together for {model}")
            }
            Operation::AlterIndexes { model, .. } => format!("Alter indexes for {model}"),
            Operation::RunRust { description, .. } => format!("Run Rust: {description}"),
            Operation::RunSql { forward, .. } => {
                format!("Run SQL: {}", forward.lines().next().unwrap_or(""))
            }
        }
    }

    /// Applies the operation to the recorded state of `app`.
    pub fn state_forwards(&self, app: &str, state: &mut State) -> Result<(), MigrationError> {
        self.state_forwards_unchecked(app, state)?;
        let fields: Vec<(&str, &Field)> = match self {
            Operation::CreateModel(m) => m.fields.iter().map(|f| (m.name.as_str(), f)).collect(),
            Operation::AddField { model, field } | Operation::AlterField { model, field } => {
                vec![(model.as_str(), field)]
            }
            _ => Vec::new(),
        };
        for (model, field) in fields {
            if let Some(r) = &field.references {
                if state.target(r).is_none() {
                    return Err(MigrationError::Inconsistent(format!(
                        "`{app}.{model}.{}` points to `{}.{}`, which does not exist at this point of the migrations \
                         (register the model with its app, and make this migration depend on that app's)",
                        field.name, r.app, r.model
                    )));
                }
            }
        }
        Ok(())
    }

    fn state_forwards_unchecked(&self, app: &str, state: &mut State) -> Result<(), MigrationError> {
        let key = |name: &str| (app.to_string(), name.to_string());
        match self {
            Operation::CreateModel(model) => {
                if state
                    .models
                    .insert(key(&model.name), model.clone())
                    .is_some()
                {
                    return Err(MigrationError::Inconsistent(format!(
                        "model `{app}.{}` is created twice",
                        model.name
                    )));
                }
            }
            Operation::DeleteModel { name } => {
                state
                    .models
                    .remove(&key(name))
                    .ok_or_else(|| missing(app, name))?;
            }
            Operation::AddField { model, field } => {
                let m = state
                    .model_mut(app, model)
                    .ok_or_else(|| missing(app, model))?;
                if m.field(&field.name).is_some() {
                    return Err(MigrationError::Inconsistent(format!(
                        "field `{}` is added to `{app}.{model}` twice",
                        field.name
                    )));
                }
                m.fields.push(field.clone());
            }
            Operation::RemoveField { model, name } => {
                let m = state
                    .model_mut(app, model)
                    .ok_or_else(|| missing(app, model))?;
                let before = m.fields.len();
                m.fields.retain(|f| &f.name != name);
                if m.fields.len() == before {
                    return Err(MigrationError::Inconsistent(format!(
                        "`{app}.{model}` has no field `{name}` to remove"
                    )));
                }
            }
            Operation::AlterField { model, field } => {
                let m = state
                    .model_mut(app, model)
                    .ok_or_else(|| missing(app, model))?;
                let slot = m
                    .fields
                    .iter_mut()
                    .find(|f| f.name == field.name)
                    .ok_or_else(|| {
                        MigrationError::Inconsistent(format!(
                            "`{app}.{model}` has no field `{}` to alter",
                            field.name
                        ))
                    })?;
                *slot = field.clone();
            }
            Operation::RenameField { model, old, new } => {
                let m = state
                    .model_mut(app, model)
                    .ok_or_else(|| missing(app, model))?;
                let slot = m
                    .fields
                    .iter_mut()
                    .find(|f| &f.name == old)
                    .ok_or_else(|| {
                        MigrationError::Inconsistent(format!(
                            "`{app}.{model}` has no field `{old}` to rename"
                        ))
                    })?;
                if slot.column == *old {
                    slot.column = new.clone();
                }
                slot.name = new.clone();
                for set in m.unique_together.iter_mut().chain(m.indexes.iter_mut()) {
                    for name in set.iter_mut().filter(|n| *n == old) {
                        *name = new.clone();
                    }
                }
            }
            Operation::RenameModel { old, new } => {
                if state.models.contains_key(&key(new)) {
                    return Err(MigrationError::Inconsistent(format!(
                        "cannot rename `{app}.{old}` to `{new}`: a model of that name exists"
                    )));
                }
                let mut model = state
                    .models
                    .remove(&key(old))
                    .ok_or_else(|| missing(app, old))?;
                model.name = new.clone();
                state.models.insert(key(new), model);
                // Foreign keys in every app follow the model to its new name.
                for other in state.models.values_mut() {
                    for field in &mut other.fields {
                        if let Some(r) = field.references.as_mut() {
                            if r.app == app && &r.model == old {
                                r.model = new.clone();
                            }
                        }
                    }
                }
            }
            Operation::AlterTable { model, table } => {
                state
                    .model_mut(app, model)
                    .ok_or_else(|| missing(app, model))?
                    .table = table.clone();
            }
            Operation::AlterUniqueTogether { model, sets } => {
                state
                    .model_mut(app, model)
                    .ok_or_else(|| missing(app, model))?
                    .unique_together = sets.clone();
            }
            Operation::AlterIndexes { model, indexes } => {
                state
                    .model_mut(app, model)
                    .ok_or_else(|| missing(app, model))?
                    .indexes = indexes.clone();
            }
            Operation::RunRust { .. } | Operation::RunSql { .. } => {}
        }
        Ok(())
    }

    /// Changes the schema from `before` (the state before this operation) to `after`.
    pub async fn database_forwards(
        &self,
        app: &str,
        db: &Database,
        before: &State,
        after: &State,
    ) -> Result<(), MigrationError> {
        self.run(app, db, before, after, true).await
    }

    /// Undoes the operation: changes the schema from `after` back to `before`.
    pub async fn database_backwards(
        &self,
        app: &str,
        db: &Database,
        before: &State,
        after: &State,
    ) -> Result<(), MigrationError> {
        self.run(app, db, before, after, false).await
    }

    async fn run(
        &self,
        app: &str,
        db: &Database,
        before: &State,
        after: &State,
        forwards: bool,
    ) -> Result<(), MigrationError> {
        let (from, to) = if forwards {
            (before, after)
        } else {
            (after, before)
        };
        let model_in = |state: &State, name: &str| {
            state
                .model(app, name)
                .cloned()
                .ok_or_else(|| missing(app, name))
        };
        match self {
            Operation::CreateModel(model) => {
                if forwards {
                    schema::create(db, &model.table(after)).await?;
                } else {
                    schema::drop(db, &model.table(before)).await?;
                }
            }
            Operation::DeleteModel { name } => {
                let model = model_in(before, name)?;
                if forwards {
                    schema::drop(db, &model.table(before)).await?;
                } else {
                    schema::create(db, &model.table(before)).await?;
                }
            }
            Operation::AddField { model, .. }
            | Operation::RemoveField { model, .. }
            | Operation::AlterField { model, .. }
            | Operation::AlterUniqueTogether { model, .. }
            | Operation::AlterIndexes { model, .. } => {
                let (old, new) = (model_in(from, model)?, model_in(to, model)?);
                schema::alter(db, &old.table(to), &new.table(to)).await?;
            }
            Operation::RenameField { model, .. } => {
                let (old, new) = (model_in(from, model)?, model_in(to, model)?);
                for (a, b) in old.fields.iter().zip(&new.fields) {
                    if a.column != b.column {
                        schema::rename_column(db, &new.table, &a.column, &b.column).await?;
                    }
                }
                schema::rename_indexes(db, &old.table(from), &new.table(to)).await?;
            }
            Operation::AlterTable { model, .. } => {
                let (old, new) = (model_in(from, model)?, model_in(to, model)?);
                schema::rename_table(db, &old.table, &new.table).await?;
                schema::rename_indexes(db, &old.table(from), &new.table(to)).await?;
            }
            // Names only: the table is what the database knows, and it is not renamed here.
            Operation::RenameModel { .. } => {}
            Operation::RunRust {
                description,
                forward,
                backward,
            } => {
                let step = if forwards {
                    Some(forward)
                } else {
                    backward.as_ref()
                };
                let step = step.ok_or_else(|| MigrationError::Irreversible(description.clone()))?;
                if db.is_capturing() {
                    db.execute_unprepared(&format!("-- Rust code: {description}"))
                        .await?;
                } else {
                    step(db.clone()).await?;
                }
            }
            Operation::RunSql { forward, backward } => {
                let sql = if forwards {
                    Some(forward)
                } else {
                    backward.as_ref()
                };
                let sql =
                    sql.ok_or_else(|| MigrationError::Irreversible(format!("Run SQL: {forward}")))?;
                db.execute_unprepared(sql).await?;
            }
        }
        Ok(())
    }
}
