//! The autodetector: compares the state the migrations record with the state the models
//! describe, and lists the operations that take one to the other.

use super::{Field, MigrationError, ModelState, Operation, State};

/// A rename the user confirmed: on `model`, field `old` is now called `new` (instead of
/// one field removed and another added).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    /// The model.
    pub model: String,
    /// The old field name.
    pub old: String,
    /// The new field name.
    pub new: String,
}

impl std::str::FromStr for Rename {
    type Err = MigrationError;

    /// `Post.old=new`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || MigrationError::BadRename(format!("{s} (write it as Model.old=new)"));
        let (model, rest) = s.split_once('.').ok_or_else(bad)?;
        let (old, new) = rest.split_once('=').ok_or_else(bad)?;
        Ok(Rename {
            model: model.to_string(),
            old: old.to_string(),
            new: new.to_string(),
        })
    }
}

/// The operations that take `app`'s models from `from` (the migrations) to `to` (the code).
///
/// A field whose definition is unchanged but whose name is is only treated as a rename when
/// `renames` says so; otherwise it is removed and added, and the returned hints say how to
/// keep its data.
pub fn detect(
    app: &str,
    from: &State,
    to: &State,
    renames: &[Rename],
) -> Result<(Vec<Operation>, Vec<String>), MigrationError> {
    let mut ops = Vec::new();
    let mut hints = Vec::new();
    let models = |s: &State| -> Vec<ModelState> {
        s.models
            .iter()
            .filter(|((a, _), _)| a == app)
            .map(|(_, m)| m.clone())
            .collect()
    };
    let (old_models, new_models) = (models(from), models(to));

    let created: Vec<&ModelState> = new_models
        .iter()
        .filter(|n| !old_models.iter().any(|m| m.name == n.name))
        .collect();
    for model in creation_order(&created) {
        ops.push(Operation::CreateModel(model.clone()));
    }
    for old in &old_models {
        let Some(new) = new_models.iter().find(|m| m.name == old.name) else {
            continue;
        };
        if old.table != new.table {
            ops.push(Operation::alter_table(&new.name, &new.table));
        }
        let mut old_fields: Vec<Field> = old.fields.clone();
        for rename in renames.iter().filter(|r| r.model == new.name) {
            let Some(position) = old_fields.iter().position(|f| f.name == rename.old) else {
                return Err(MigrationError::BadRename(format!(
                    "{}.{}={}",
                    rename.model, rename.old, rename.new
                )));
            };
            if new.field(&rename.new).is_none() || old.field(&rename.new).is_some() {
                return Err(MigrationError::BadRename(format!(
                    "{}.{}={}",
                    rename.model, rename.old, rename.new
                )));
            }
            ops.push(Operation::rename_field(&new.name, &rename.old, &rename.new));
            let field = &mut old_fields[position];
            if field.column == rename.old {
                field.column = rename.new.clone();
            }
            field.name = rename.new.clone();
        }
        let removed: Vec<&Field> = old_fields
            .iter()
            .filter(|f| new.field(&f.name).is_none())
            .collect();
        let added: Vec<&Field> = new
            .fields
            .iter()
            .filter(|f| !old_fields.iter().any(|o| o.name == f.name))
            .collect();
        for field in &added {
            if !field.nullable && field.default.is_none() && !field.auto {
                return Err(MigrationError::NeedsDefault {
                    model: new.name.clone(),
                    field: field.name.clone(),
                });
            }
            if let Some(twin) = removed.iter().find(|r| r.same_definition(field)) {
                hints.push(format!(
                    "{}.{} was removed and {}.{} added: if it was renamed, run again with --rename {}.{}={} to keep its data",
                    new.name, twin.name, new.name, field.name, new.name, twin.name, field.name
                ));
            }
            ops.push(Operation::add_field(&new.name, (*field).clone()));
        }
        for field in &removed {
            ops.push(Operation::remove_field(&new.name, &field.name));
        }
        for field in &new.fields {
            if let Some(before) = old_fields.iter().find(|o| o.name == field.name) {
                if before != field {
                    ops.push(Operation::alter_field(&new.name, field.clone()));
                }
            }
        }
        if old.unique_together != new.unique_together {
            ops.push(Operation::AlterUniqueTogether {
                model: new.name.clone(),
                sets: new.unique_together.clone(),
            });
        }
        if old.indexes != new.indexes {
            ops.push(Operation::AlterIndexes {
                model: new.name.clone(),
                indexes: new.indexes.clone(),
            });
        }
    }
    let deleted: Vec<&ModelState> = old_models
        .iter()
        .filter(|o| !new_models.iter().any(|m| m.name == o.name))
        .collect();
    for model in creation_order(&deleted).into_iter().rev() {
        ops.push(Operation::delete_model(&model.name));
    }
    Ok((ops, hints))
}

/// Models in an order where each comes after the models (of the same set) it points to.
fn creation_order<'a>(models: &[&'a ModelState]) -> Vec<&'a ModelState> {
    let mut placed: Vec<&ModelState> = Vec::new();
    let mut pending: Vec<&ModelState> = models.to_vec();
    while !pending.is_empty() {
        let ready = pending.iter().position(|m| {
            m.fields
                .iter()
                .filter_map(|f| f.references.as_ref())
                .all(|r| {
                    r.model == m.name
                        || !pending.iter().any(|p| p.name == r.model)
                        || placed.iter().any(|p| p.name == r.model)
                })
        });
        // A cycle of references: keep declaration order for the rest.
        let index = ready.unwrap_or(0);
        placed.push(pending.remove(index));
    }
    placed
}

/// The apps other than `app` that `ops` point into; the new migration depends on them.
pub fn referenced_apps(app: &str, ops: &[Operation]) -> Vec<String> {
    let mut apps = Vec::new();
    for op in ops {
        let fields: Vec<&Field> = match op {
            Operation::CreateModel(m) => m.fields.iter().collect(),
            Operation::AddField { field, .. } | Operation::AlterField { field, .. } => vec![field],
            _ => Vec::new(),
        };
        for r in fields.into_iter().filter_map(|f| f.references.as_ref()) {
            if r.app != app && !apps.contains(&r.app) {
                apps.push(r.app.clone());
            }
        }
    }
    apps
}
