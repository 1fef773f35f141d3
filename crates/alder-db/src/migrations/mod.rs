//! Migrations, Django's way: each app's migration files record operations; replaying them
//! gives the state the database should have; comparing that with the compiled models gives
//! the next migration (`makemigrations`); applying or unapplying them changes the schema
//! (`migrate`), recorded in the `alder_migrations` table.

mod autodetector;
mod executor;
mod graph;
mod operations;
mod state;
mod writer;

pub use crate::meta::OnDelete;
pub use autodetector::{detect, referenced_apps, referenced_models, Rename};
pub use executor::{Executor, MigrationRecord, Target};
pub use graph::Graph;
pub use operations::{Operation, RustStep};
pub use state::{Field, ModelState, Reference, State};
pub use writer::{migration_source, next_migration, write_migration, write_mod, Written};

pub use crate::meta::FieldKind;

use crate::meta::ModelMeta;

/// Errors of the migration engine; each says what to fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MigrationError {
    /// A migration depends on one that does not exist.
    #[error("migration {migration} depends on {dependency}, which does not exist; restore it or fix the dependency")]
    MissingDependency {
        /// `app.name` of the migration.
        migration: String,
        /// `app.name` it depends on.
        dependency: String,
    },
    /// An app's migrations branch: two of them have no successor.
    #[error("conflicting migrations in app `{app}`: {} are all leaves; make one depend on the other (or merge them)", leaves.join(", "))]
    Conflict {
        /// The app.
        app: String,
        /// Its leaf migrations.
        leaves: Vec<String>,
    },
    /// Migrations depend on each other in a circle.
    #[error("migrations depend on each other in a circle: {0}")]
    Cycle(String),
    /// The migration files contradict themselves (a field added twice, a model missing…).
    #[error("the migration history is inconsistent: {0}")]
    Inconsistent(String),
    /// A migration cannot be unapplied.
    #[error("cannot unapply `{0}`: it gives no backward step")]
    Irreversible(String),
    /// The target of `migrate` does not exist.
    #[error("unknown migration target `{0}`; `showmigrations` lists them")]
    UnknownTarget(String),
    /// A new NOT NULL field has no default, so existing rows could not be filled.
    #[error("field `{model}.{field}` is new, NOT NULL and has no default: existing rows cannot be filled. Make it `Option<…>`, or give it a default for those rows: `#[model(default = 0)]` (filled once), or a database default as SQL, `#[model(db_default = \"0\")]`")]
    NeedsDefault {
        /// The model.
        model: String,
        /// The field.
        field: String,
    },
    /// A NOT NULL field without a default was added and one of the same definition removed:
    /// most likely a rename, which `--rename` writes without losing the column's data.
    #[error("{model}.{old} was removed and {model}.{new} added with the same definition: if it was renamed, run again with --rename {model}.{old}={new} to keep its data; if not, give `{new}` a `db_default = \"…\"` (existing rows need a value) or make it an `Option<…>`")]
    LikelyRename {
        /// The model.
        model: String,
        /// The field removed.
        old: String,
        /// The field added.
        new: String,
    },
    /// A rename asked for on the command line does not match the change found.
    #[error("--rename {0}: no such removal and addition in the models")]
    BadRename(String),
    /// Writing a migration file failed.
    #[error("writing {path}: {source}")]
    Write {
        /// The file.
        path: String,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// The database said no.
    #[error(transparent)]
    Db(#[from] crate::DbError),
}

/// One migration: operations of an app, applied in order, after its dependencies.
#[derive(Debug, Clone, PartialEq)]
pub struct Migration {
    /// The app it belongs to.
    pub app: String,
    /// Its name, e.g. `0002_post_slug`.
    pub name: String,
    /// `(app, name)` of migrations that must be applied first.
    pub dependencies: Vec<(String, String)>,
    /// What it does.
    pub operations: Vec<Operation>,
}

impl Migration {
    /// An empty migration `name` of `app`.
    ///
    /// ```
    /// use alder_db::migrations::{Migration, Operation};
    /// let m = Migration::new("blog", "0002_data")
    ///     .depends_on("blog", "0001_initial")
    ///     .operation(Operation::run_sql("UPDATE post SET views = 0", None));
    /// assert_eq!(m.dependencies.len(), 1);
    /// ```
    pub fn new(app: &str, name: &str) -> Self {
        Migration {
            app: app.to_string(),
            name: name.to_string(),
            dependencies: Vec::new(),
            operations: Vec::new(),
        }
    }

    /// Must run after `app`'s migration `name`.
    pub fn depends_on(mut self, app: &str, name: &str) -> Self {
        self.dependencies.push((app.to_string(), name.to_string()));
        self
    }

    /// Adds an operation.
    pub fn operation(mut self, operation: Operation) -> Self {
        self.operations.push(operation);
        self
    }

    /// `app.name`.
    pub fn key(&self) -> String {
        format!("{}.{}", self.app, self.name)
    }
}

/// What the migration engine knows about one app: its models (the target state) and its
/// migrations (the recorded history), plus where to write new migration files.
#[derive(Debug, Clone, Default)]
pub struct AppMigrations {
    /// The app's name.
    pub app: String,
    /// Its models.
    pub models: Vec<&'static ModelMeta>,
    /// Its migrations.
    pub migrations: Vec<Migration>,
    /// Its `migrations/` folder in the source tree, for `makemigrations`.
    pub dir: Option<std::path::PathBuf>,
}

impl AppMigrations {
    /// The state this app's models describe (references resolved within the app).
    pub fn model_state(&self) -> State {
        State::from_apps(std::slice::from_ref(self))
    }
}

impl State {
    /// The state the models of all `apps` describe; a foreign key's target is found in
    /// whichever app registers it.
    pub fn from_apps(apps: &[AppMigrations]) -> State {
        let app_of = |target: &ModelMeta| {
            apps.iter()
                .find(|a| {
                    a.models
                        .iter()
                        .any(|m| m.table == target.table && m.name == target.name)
                })
                .map(|a| a.app.clone())
        };
        let mut state = State::default();
        for app in apps {
            for meta in &app.models {
                state.models.insert(
                    (app.app.clone(), meta.name.to_string()),
                    ModelState::from_meta(meta, &app_of),
                );
                // An explicit through model is one of the app's models already.
                for many in meta.many_to_many.iter().filter(|m| m.auto_through) {
                    let through = through_model(&app.app, meta, many, &app_of);
                    state
                        .models
                        .insert((app.app.clone(), through.name.clone()), through);
                }
            }
        }
        state
    }
}

/// The automatic through model of a many-to-many field: a key, a foreign key to each side
/// (cascading), and each pair at most once.
fn through_model(
    app: &str,
    meta: &ModelMeta,
    many: &crate::meta::ManyToManyMeta,
    app_of: &dyn Fn(&ModelMeta) -> Option<String>,
) -> ModelState {
    let target = (many.target)();
    let target_app = app_of(target).unwrap_or_else(|| format!("<unregistered:{}>", target.name));
    ModelState {
        name: format!("{}_{}", meta.name, many.name),
        table: many.through_table.to_string(),
        fields: vec![
            Field::new("id", FieldKind::BigInteger).primary_key().auto(),
            // Each side's column holds that side's key, whatever its type.
            Field::new(many.source_column, meta.pk().kind).references(
                app,
                meta.name,
                OnDelete::Cascade,
            ),
            Field::new(many.target_column, target.pk().kind).references(
                &target_app,
                target.name,
                OnDelete::Cascade,
            ),
        ],
        unique_together: vec![vec![
            many.source_column.to_string(),
            many.target_column.to_string(),
        ]],
        indexes: Vec::new(),
    }
}

/// Builders the generated migration files call.
impl Operation {
    /// Create a model.
    pub fn create_model(name: &str, table: &str, fields: Vec<Field>) -> Self {
        Operation::CreateModel(ModelState {
            name: name.to_string(),
            table: table.to_string(),
            fields,
            unique_together: Vec::new(),
            indexes: Vec::new(),
        })
    }

    /// Create a model with `unique_together` sets and indexes.
    pub fn create_model_with(
        name: &str,
        table: &str,
        fields: Vec<Field>,
        unique_together: &[&[&str]],
        indexes: &[&[&str]],
    ) -> Self {
        let owned = |sets: &[&[&str]]| {
            sets.iter()
                .map(|s| s.iter().map(|n| (*n).to_string()).collect())
                .collect()
        };
        Operation::CreateModel(ModelState {
            name: name.to_string(),
            table: table.to_string(),
            fields,
            unique_together: owned(unique_together),
            indexes: owned(indexes),
        })
    }

    /// Delete a model.
    pub fn delete_model(name: &str) -> Self {
        Operation::DeleteModel {
            name: name.to_string(),
        }
    }

    /// Add a field.
    pub fn add_field(model: &str, field: Field) -> Self {
        Operation::AddField {
            model: model.to_string(),
            field,
        }
    }

    /// Remove a field.
    pub fn remove_field(model: &str, name: &str) -> Self {
        Operation::RemoveField {
            model: model.to_string(),
            name: name.to_string(),
        }
    }

    /// Alter a field.
    pub fn alter_field(model: &str, field: Field) -> Self {
        Operation::AlterField {
            model: model.to_string(),
            field,
        }
    }

    /// Rename a field.
    pub fn rename_field(model: &str, old: &str, new: &str) -> Self {
        Operation::RenameField {
            model: model.to_string(),
            old: old.to_string(),
            new: new.to_string(),
        }
    }

    /// Rename a model (its table is renamed by an `alter_table` of its own): what
    /// `makemigrations --rename Post=Article` writes, keeping the rows.
    ///
    /// ```
    /// use alder_db::migrations::Operation;
    /// let op = Operation::rename_model("Post", "Article");
    /// assert_eq!(op.describe(), "Rename model Post to Article");
    /// ```
    pub fn rename_model(old: &str, new: &str) -> Self {
        Operation::RenameModel {
            old: old.to_string(),
            new: new.to_string(),
        }
    }

    /// Rename a model's table.
    pub fn alter_table(model: &str, table: &str) -> Self {
        Operation::AlterTable {
            model: model.to_string(),
            table: table.to_string(),
        }
    }

    /// Set a model's `unique_together`.
    pub fn alter_unique_together(model: &str, sets: &[&[&str]]) -> Self {
        Operation::AlterUniqueTogether {
            model: model.to_string(),
            sets: sets
                .iter()
                .map(|s| s.iter().map(|n| (*n).to_string()).collect())
                .collect(),
        }
    }

    /// Set a model's extra indexes.
    pub fn alter_indexes(model: &str, indexes: &[&[&str]]) -> Self {
        Operation::AlterIndexes {
            model: model.to_string(),
            indexes: indexes
                .iter()
                .map(|s| s.iter().map(|n| (*n).to_string()).collect())
                .collect(),
        }
    }

    /// Run SQL, with an optional backward statement.
    pub fn run_sql(forward: &str, backward: Option<&str>) -> Self {
        Operation::RunSql {
            forward: forward.to_string(),
            backward: backward.map(str::to_string),
        }
    }

    /// Run Rust functions (a data migration).
    pub fn run_rust<F, Fut>(description: &str, forward: F) -> Self
    where
        F: Fn(crate::Database) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = crate::Result<()>> + Send + 'static,
    {
        Operation::RunRust {
            description: description.to_string(),
            forward: std::sync::Arc::new(move |db| Box::pin(forward(db))),
            backward: None,
        }
    }

    /// Gives a `RunRust` operation its backward step.
    pub fn reverse<F, Fut>(self, backward: F) -> Self
    where
        F: Fn(crate::Database) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = crate::Result<()>> + Send + 'static,
    {
        match self {
            Operation::RunRust {
                description,
                forward,
                ..
            } => Operation::RunRust {
                description,
                forward,
                backward: Some(std::sync::Arc::new(move |db| Box::pin(backward(db)))),
            },
            other => other,
        }
    }
}
