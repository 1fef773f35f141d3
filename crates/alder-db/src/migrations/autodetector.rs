//! The autodetector: compares the state the migrations record with the state the models
//! describe, and lists the operations that take one to the other.

use super::{Field, MigrationError, ModelState, Operation, State};

/// A rename the user confirmed (`makemigrations --rename …`), so that the data is kept
/// instead of one field or model being removed and another added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rename {
    /// `Post.old=new`: on `model`, field `old` is now called `new`.
    Field {
        /// The model (its name after any model rename).
        model: String,
        /// The old field name.
        old: String,
        /// The new field name.
        new: String,
    },
    /// `Post=Article`: model `old` is now called `new` (Django's `RenameModel`).
    Model {
        /// The old model name.
        old: String,
        /// The new model name.
        new: String,
    },
}

impl std::str::FromStr for Rename {
    type Err = MigrationError;

    /// `Post.old=new` (a field) or `Post=Article` (a model).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            MigrationError::BadRename(format!(
                "{s} (write Model.old=new for a field, Old=New for a model)"
            ))
        };
        let (left, new) = s.split_once('=').ok_or_else(bad)?;
        let name = |text: &str| !text.is_empty() && !text.contains(['.', '=', ' ']);
        match left.split_once('.') {
            Some((model, old)) if name(model) && name(old) && name(new) => Ok(Rename::Field {
                model: model.to_string(),
                old: old.to_string(),
                new: new.to_string(),
            }),
            None if name(left) && name(new) => Ok(Rename::Model {
                old: left.to_string(),
                new: new.to_string(),
            }),
            _ => Err(bad()),
        }
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
    let (mut old_models, new_models) = (models(from), models(to));

    check_cross_app_cycle(app, from, to)?;
    // (model, old field, new field): the user's field renames, and those a model rename
    // implies in its automatic many-to-many tables (the column naming the model).
    let mut field_renames: Vec<(String, String, String)> = renames
        .iter()
        .filter_map(|r| match r {
            Rename::Field { model, old, new } => Some((model.clone(), old.clone(), new.clone())),
            Rename::Model { .. } => None,
        })
        .collect();
    field_renames.extend(rename_models(
        app,
        &mut old_models,
        &new_models,
        renames,
        &mut ops,
    )?);
    let created: Vec<&ModelState> = new_models
        .iter()
        .filter(|n| !old_models.iter().any(|m| m.name == n.name))
        .collect();
    let creations = creation_plan(app, &created);
    for split in &creations {
        ops.push(Operation::CreateModel(split.created.clone()));
    }
    for split in &creations {
        ops.extend(split.completion());
    }
    for old in &old_models {
        let Some(new) = new_models.iter().find(|m| m.name == old.name) else {
            continue;
        };
        if old.table != new.table {
            ops.push(Operation::alter_table(&new.name, &new.table));
        }
        let mut old_fields: Vec<Field> = old.fields.clone();
        let these = field_renames
            .iter()
            .filter(|(model, ..)| *model == new.name);
        for (_, old_name, new_name) in these.cloned() {
            let bad = || MigrationError::BadRename(format!("{}.{old_name}={new_name}", new.name));
            let position = old_fields
                .iter()
                .position(|f| f.name == old_name)
                .ok_or_else(bad)?;
            if new.field(&new_name).is_none() || old.field(&new_name).is_some() {
                return Err(bad());
            }
            ops.push(Operation::rename_field(&new.name, &old_name, &new_name));
            let field = &mut old_fields[position];
            if field.column == old_name {
                field.column = new_name.clone();
            }
            field.name = new_name.clone();
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
            let twin = removed.iter().find(|r| r.same_definition(field));
            if !field.nullable && field.default.is_none() && field.fill.is_none() && !field.auto {
                // A rename is the likelier story, and the one that keeps the data: say it first.
                return Err(match twin {
                    Some(twin) => MigrationError::LikelyRename {
                        model: new.name.clone(),
                        old: twin.name.clone(),
                        new: field.name.clone(),
                    },
                    None => MigrationError::NeedsDefault {
                        model: new.name.clone(),
                        field: field.name.clone(),
                    },
                });
            }
            if let Some(twin) = twin {
                hints.push(format!(
                    "{}.{} was removed and {}.{} added: if it was renamed, run again with --rename {}.{}={} to keep its data (as written, the migration drops column `{}` and its data)",
                    new.name, twin.name, new.name, field.name, new.name, twin.name, field.name, twin.column
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
                    if before.nullable && !field.nullable && field.default.is_none() {
                        hints.push(format!(
                            "{}.{} becomes NOT NULL: rows holding NULL will stop the migration \
                             (naming how many); give the field a `db_default = \"…\"` to fill \
                             them, or fill them in a data migration before this one",
                            new.name, field.name
                        ));
                    }
                    if let (Some(old_max), Some(new_max)) = (before.max_length, field.max_length) {
                        if new_max < old_max {
                            hints.push(format!(
                                "{}.{} gets a shorter max_length ({old_max} to {new_max}): rows \
                                 with longer values will stop the migration rather than be cut",
                                new.name, field.name
                            ));
                        }
                    }
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
    // A table is never dropped without saying so; one that looks renamed says how to keep it.
    for gone in &deleted {
        let twin = created.iter().find(|c| {
            c.fields.len() == gone.fields.len()
                && c.fields
                    .iter()
                    .zip(&gone.fields)
                    .all(|(a, b)| a.name == b.name && a.kind == b.kind)
        });
        hints.push(match twin {
            Some(twin) => format!(
                "{} was removed and {} added with the same fields: if it was renamed, run again \
                 with --rename {}={} to keep its rows (as written, the migration drops table `{}`)",
                gone.name, twin.name, gone.name, twin.name, gone.table
            ),
            None => format!(
                "{} is deleted: applying this migration drops table `{}` and every row in it",
                gone.name, gone.table
            ),
        });
    }
    // The reverse of creating them: first the foreign keys that close a cycle, so that no
    // table is dropped while another still points to it.
    let deletions = creation_plan(app, &deleted);
    for split in &deletions {
        ops.extend(split.dismantling());
    }
    for split in deletions.iter().rev() {
        ops.push(Operation::delete_model(&split.full.name));
    }
    Ok((ops, hints))
}

/// Applies the model renames the user confirmed to `old_models` (and pushes a `RenameModel`
/// for each): the model takes its new name, foreign keys to it follow, and so do its
/// automatic many-to-many tables (`Post_tags` becomes `Article_tags`). Returns the field
/// renames those tables need: the column naming the model (`post_id` to `article_id`).
fn rename_models(
    app: &str,
    old_models: &mut [ModelState],
    new_models: &[ModelState],
    renames: &[Rename],
    ops: &mut Vec<Operation>,
) -> Result<Vec<(String, String, String)>, MigrationError> {
    let mut implied = Vec::new();
    for rename in renames {
        let Rename::Model { old, new } = rename else {
            continue;
        };
        let exists = |models: &[ModelState], name: &str| models.iter().any(|m| m.name == name);
        if !exists(old_models, old)
            || exists(old_models, new)
            || !exists(new_models, new)
            || exists(new_models, old)
        {
            return Err(MigrationError::BadRename(format!(
                "{old}={new} (no model {old} was removed and {new} added)"
            )));
        }
        let mut pairs = vec![(old.clone(), new.clone())];
        // Automatic through tables are named after the model: `<Model>_<field>`.
        for model in old_models.iter() {
            let Some(field) = model.name.strip_prefix(&format!("{old}_")) else {
                continue;
            };
            let renamed = format!("{new}_{field}");
            if exists(new_models, &renamed) && !exists(old_models, &renamed) {
                pairs.push((model.name.clone(), renamed));
            }
        }
        for (from, to) in pairs {
            ops.push(Operation::rename_model(&from, &to));
            for model in old_models.iter_mut() {
                if model.name == from {
                    model.name = to.clone();
                }
                for field in &mut model.fields {
                    if let Some(r) = field.references.as_mut() {
                        if r.app == app && r.model == from {
                            r.model = to.clone();
                        }
                    }
                }
            }
            if to == *new {
                continue;
            }
            // In the renamed through model, the column pointing to the renamed model.
            let (Some(before), Some(after)) = (
                old_models.iter().find(|m| m.name == to),
                new_models.iter().find(|m| m.name == to),
            ) else {
                continue;
            };
            let points_here = |f: &&Field| {
                f.references
                    .as_ref()
                    .is_some_and(|r| r.app == app && r.model == *new)
            };
            let gone = before
                .fields
                .iter()
                .filter(points_here)
                .find(|f| after.field(&f.name).is_none());
            let came = after
                .fields
                .iter()
                .filter(points_here)
                .find(|f| before.field(&f.name).is_none());
            if let (Some(gone), Some(came)) = (gone, came) {
                implied.push((to.clone(), gone.name.clone(), came.name.clone()));
            }
        }
    }
    Ok(implied)
}

/// A model to create, less the foreign keys that close a cycle of references: those are
/// added once every model of the cycle exists (and, deleting, removed before any is dropped).
struct Split<'a> {
    /// The model with all its fields.
    full: &'a ModelState,
    /// The model as `CreateModel` makes it: without the deferred fields, nor the
    /// `unique_together` sets and indexes that name them.
    created: ModelState,
    /// The deferred foreign keys, in the order they were chosen.
    deferred: Vec<Field>,
}

impl<'a> Split<'a> {
    fn new(full: &'a ModelState) -> Self {
        Split {
            full,
            created: full.clone(),
            deferred: Vec::new(),
        }
    }

    /// Leaves field `name` out of the created model.
    fn defer(&mut self, name: &str) {
        let Some(position) = self.created.fields.iter().position(|f| f.name == name) else {
            return;
        };
        self.deferred.push(self.created.fields.remove(position));
        // A set naming a column the table does not have yet cannot be created with it.
        let names_it = |set: &Vec<String>| set.iter().any(|n| n == name);
        self.created.unique_together.retain(|set| !names_it(set));
        self.created.indexes.retain(|set| !names_it(set));
    }

    /// The operations that take the created model to the full one.
    fn completion(&self) -> Vec<Operation> {
        let model = &self.full.name;
        let mut ops: Vec<Operation> = self
            .deferred
            .iter()
            .map(|f| Operation::add_field(model, f.clone()))
            .collect();
        ops.extend(self.sets_change(&self.full.unique_together, &self.full.indexes));
        ops
    }

    /// The operations that take the full model back to the created one, before it is deleted.
    fn dismantling(&self) -> Vec<Operation> {
        let model = &self.full.name;
        let mut ops = self.sets_change(&self.created.unique_together, &self.created.indexes);
        ops.extend(
            self.deferred
                .iter()
                .rev()
                .map(|f| Operation::remove_field(model, &f.name)),
        );
        ops
    }

    /// Sets the model's `unique_together` and indexes, where deferring changed them.
    fn sets_change(
        &self,
        unique_together: &[Vec<String>],
        indexes: &[Vec<String>],
    ) -> Vec<Operation> {
        let mut ops = Vec::new();
        if self.created.unique_together != self.full.unique_together {
            ops.push(Operation::AlterUniqueTogether {
                model: self.full.name.clone(),
                sets: unique_together.to_vec(),
            });
        }
        if self.created.indexes != self.full.indexes {
            ops.push(Operation::AlterIndexes {
                model: self.full.name.clone(),
                indexes: indexes.to_vec(),
            });
        }
        ops
    }
}

/// `models` (all of `app`) in an order where each comes after the models it points to.
///
/// A cycle of references cannot be ordered so; as Django does, one foreign key on the cycle
/// is left out of its `CreateModel` (the first found, nullable ones first) until the rest can
/// be ordered, and added back afterwards. A model pointing to itself needs nothing deferred:
/// its table can reference itself.
fn creation_plan<'a>(app: &str, models: &[&'a ModelState]) -> Vec<Split<'a>> {
    let mut pending: Vec<Split<'a>> = models.iter().map(|m| Split::new(m)).collect();
    let mut placed = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let ready = pending
            .iter()
            .position(|s| blockers(app, &s.created, &pending).next().is_none());
        if let Some(index) = ready {
            placed.push(pending.remove(index));
            continue;
        }
        match cycle_edge(app, &pending) {
            Some((index, field)) => pending[index].defer(&field),
            // Cannot happen: when no model is ready, each points to another pending one, so
            // following those references comes round. Placing one beats looping forever.
            None => placed.push(pending.remove(0)),
        }
    }
    placed
}

/// The foreign keys of `model` to another model of `app` still waiting to be created, with
/// the name of that model.
fn blockers<'p>(
    app: &'p str,
    model: &'p ModelState,
    pending: &'p [Split<'_>],
) -> impl Iterator<Item = (&'p Field, &'p str)> + 'p {
    model.fields.iter().filter_map(move |f| {
        let r = f.references.as_ref()?;
        let waiting = r.app == app
            && r.model != model.name
            && pending.iter().any(|p| p.created.name == r.model);
        waiting.then_some((f, r.model.as_str()))
    })
}

/// The first foreign key on a cycle among `pending`, as (index of its model, field name).
/// Nullable ones come first: a column that may stay empty is the natural one to fill later.
fn cycle_edge(app: &str, pending: &[Split<'_>]) -> Option<(usize, String)> {
    for nullable_only in [true, false] {
        for (index, split) in pending.iter().enumerate() {
            for (field, target) in blockers(app, &split.created, pending) {
                if (field.nullable || !nullable_only)
                    && reaches(app, pending, target, &split.created.name)
                {
                    return Some((index, field.name.clone()));
                }
            }
        }
    }
    None
}

/// Whether following foreign keys among `pending` leads from model `from` to model `to`.
fn reaches<'p>(app: &'p str, pending: &'p [Split<'_>], from: &'p str, to: &str) -> bool {
    let mut seen: Vec<&str> = Vec::new();
    let mut stack = vec![from];
    while let Some(name) = stack.pop() {
        if name == to {
            return true;
        }
        if seen.contains(&name) {
            continue;
        }
        seen.push(name);
        if let Some(split) = pending.iter().find(|s| s.created.name == name) {
            stack.extend(blockers(app, &split.created, pending).map(|(_, target)| target));
        }
    }
    false
}

/// A foreign key of one app to a model another app creates in this round of migrations:
/// the first app's new migration must come after the other's.
struct Need {
    app: String,
    target_app: String,
    /// `app.Model.field`.
    field: String,
    /// `target_app.Model`.
    target: String,
    nullable: bool,
}

/// Fails when `app`'s new migration and another app's would each have to be applied before
/// the other (possibly through more apps). `makemigrations` writes one migration per app,
/// which cannot be ordered then; Django would split one app's changes in two migrations.
fn check_cross_app_cycle(app: &str, from: &State, to: &State) -> Result<(), MigrationError> {
    let needs = cross_app_needs(from, to);
    let mut path = Vec::new();
    if !app_cycle(app, app, &needs, &mut vec![app.to_string()], &mut path) {
        return Ok(());
    }
    let steps: Vec<String> = path
        .iter()
        .map(|n| {
            format!(
                "app `{}`'s new migration needs app `{}`'s first: `{}` points to `{}`, which that \
                 migration creates",
                n.app, n.target_app, n.field, n.target
            )
        })
        .collect();
    let cut = path.iter().find(|n| n.nullable).unwrap_or(&path[0]);
    // Added back to a model that then exists, a NOT NULL column needs a value for its rows.
    let nullable = if cut.nullable {
        ""
    } else {
        " as an `Option<…>` (existing rows need a value)"
    };
    Err(MigrationError::Cycle(format!(
        "{}. One migration per app cannot be ordered so: create one side first. Leave `{}` \
         out of the model, run makemigrations, then put it back{nullable} and run \
         makemigrations again",
        steps.join("; and "),
        cut.field
    )))
}

/// Every app's foreign keys to models of other apps that no migration creates yet, one per
/// pair of apps (the first found).
fn cross_app_needs(from: &State, to: &State) -> Vec<Need> {
    let mut needs: Vec<Need> = Vec::new();
    for ((app, name), model) in &to.models {
        for field in &model.fields {
            let Some(r) = &field.references else {
                continue;
            };
            let target = (r.app.clone(), r.model.clone());
            let new = to.models.contains_key(&target) && !from.models.contains_key(&target);
            let known = needs.iter().any(|n| n.app == *app && n.target_app == r.app);
            if r.app != *app && new && !known {
                needs.push(Need {
                    app: app.clone(),
                    target_app: r.app.clone(),
                    field: format!("{app}.{name}.{}", field.name),
                    target: format!("{}.{}", r.app, r.model),
                    nullable: field.nullable,
                });
            }
        }
    }
    needs
}

/// Depth first from `current`: whether `needs` lead back to `start`; `path` then holds the
/// needs followed, in order.
fn app_cycle<'n>(
    start: &str,
    current: &str,
    needs: &'n [Need],
    seen: &mut Vec<String>,
    path: &mut Vec<&'n Need>,
) -> bool {
    for need in needs.iter().filter(|n| n.app == current) {
        path.push(need);
        if need.target_app == start {
            return true;
        }
        if !seen.contains(&need.target_app) {
            seen.push(need.target_app.clone());
            if app_cycle(start, &need.target_app, needs, seen, path) {
                return true;
            }
        }
        path.pop();
    }
    false
}

/// The models of other apps that the foreign keys in `ops` point to, as (app, model), each
/// once.
pub fn referenced_models(app: &str, ops: &[Operation]) -> Vec<(String, String)> {
    let mut models = Vec::new();
    for op in ops {
        let fields: Vec<&Field> = match op {
            Operation::CreateModel(m) => m.fields.iter().collect(),
            Operation::AddField { field, .. } | Operation::AlterField { field, .. } => vec![field],
            _ => Vec::new(),
        };
        for r in fields.into_iter().filter_map(|f| f.references.as_ref()) {
            let key = (r.app.clone(), r.model.clone());
            if r.app != app && !models.contains(&key) {
                models.push(key);
            }
        }
    }
    models
}

/// The apps other than `app` that `ops` point into; the new migration depends on them.
pub fn referenced_apps(app: &str, ops: &[Operation]) -> Vec<String> {
    let mut apps: Vec<String> = Vec::new();
    for (other, _) in referenced_models(app, ops) {
        if !apps.contains(&other) {
            apps.push(other);
        }
    }
    apps
}
