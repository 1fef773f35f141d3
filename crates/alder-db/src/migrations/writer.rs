//! Writes migrations as Rust source: `migrations/NNNN_name.rs` files and the `mod.rs` that
//! lists them, so they compile into the project binary.

use std::path::{Path, PathBuf};

use super::{Field, Graph, Migration, MigrationError, Operation};

/// A migration file that was written.
#[derive(Debug, Clone)]
pub struct Written {
    /// The file.
    pub path: PathBuf,
    /// The migration's name.
    pub name: String,
}

/// The next migration of `app`: numbered after its latest, depending on it, named `name`
/// or after what it does.
pub fn next_migration(
    app: &str,
    graph: &Graph,
    operations: Vec<Operation>,
    name: Option<&str>,
) -> Migration {
    let existing: Vec<&Migration> = graph.of_app(app).collect();
    let number = existing
        .iter()
        .filter_map(|m| m.name.split('_').next()?.parse::<u32>().ok())
        .max()
        .unwrap_or(0)
        + 1;
    let suffix = match name {
        Some(name) => sanitize(name),
        None if existing.is_empty() => "initial".to_string(),
        // Sanitized like a given name: a model or field named outside ASCII (`größe`) would
        // make a file name `write_mod` cannot turn into a module, and the migration would
        // never be compiled in.
        None => sanitize(&auto_name(&operations)),
    };
    let mut migration = Migration::new(app, &format!("{number:04}_{suffix}"));
    for leaf in graph.leaves(app) {
        migration = migration.depends_on(app, &leaf);
    }
    migration.operations = operations;
    migration
}

fn sanitize(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if cleaned.is_empty() {
        "migration".into()
    } else {
        cleaned
    }
}

fn auto_name(ops: &[Operation]) -> String {
    let part = |op: &Operation| -> String {
        match op {
            Operation::CreateModel(m) => m.name.to_lowercase(),
            Operation::DeleteModel { name } => format!("delete_{}", name.to_lowercase()),
            Operation::AddField { model, field } => {
                format!("{}_{}", model.to_lowercase(), field.name)
            }
            Operation::RemoveField { model, name } => {
                format!("remove_{}_{name}", model.to_lowercase())
            }
            Operation::AlterField { model, field } => {
                format!("alter_{}_{}", model.to_lowercase(), field.name)
            }
            Operation::RenameField { model, new, .. } => {
                format!("rename_{}_{new}", model.to_lowercase())
            }
            Operation::RenameModel { old, new } => {
                format!("rename_{}_{}", old.to_lowercase(), new.to_lowercase())
            }
            Operation::AlterTable { model, .. } => format!("alter_{}_table", model.to_lowercase()),
            Operation::AlterUniqueTogether { model, .. } => {
                format!("alter_{}_unique_together", model.to_lowercase())
            }
            Operation::AlterIndexes { model, .. } => {
                format!("alter_{}_indexes", model.to_lowercase())
            }
            Operation::RunRust { .. } | Operation::RunSql { .. } => "data".into(),
        }
    };
    match ops {
        [] => "empty".into(),
        [one] => part(one),
        [first, second] => format!("{}_{}", part(first), part(second)),
        _ => format!("{}_and_more", part(&ops[0])),
    }
}

fn string_list(sets: &[Vec<String>]) -> String {
    let inner: Vec<String> = sets
        .iter()
        .map(|s| {
            format!(
                "&[{}]",
                s.iter()
                    .map(|n| format!("{n:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect();
    format!("&[{}]", inner.join(", "))
}

fn field_code(field: &Field) -> String {
    let mut code = format!("Field::new({:?}, FieldKind::{:?})", field.name, field.kind);
    if field.column != field.name {
        code += &format!(".column({:?})", field.column);
    }
    if field.primary_key {
        code += ".primary_key()";
    }
    if field.auto {
        code += ".auto()";
    }
    if field.nullable {
        code += ".nullable()";
    }
    if field.unique {
        code += ".unique()";
    }
    if field.db_index {
        code += ".db_index()";
    }
    if let Some(n) = field.max_length {
        code += &format!(".max_length({n})");
    }
    if let Some((digits, places)) = field.decimal {
        code += &format!(".decimal({digits}, {places})");
    }
    if let Some(d) = &field.default {
        code += &format!(".default({d:?})");
    }
    if let Some(r) = &field.references {
        code += &format!(
            ".references({:?}, {:?}, OnDelete::{:?})",
            r.app, r.model, r.on_delete
        );
    }
    code
}

fn operation_code(op: &Operation) -> Result<String, MigrationError> {
    Ok(match op {
        Operation::CreateModel(m) => {
            let fields: Vec<String> = m
                .fields
                .iter()
                .map(|f| format!("                {},", field_code(f)))
                .collect();
            let fields = format!("vec![\n{}\n            ]", fields.join("\n"));
            if m.unique_together.is_empty() && m.indexes.is_empty() {
                format!("Operation::create_model(\n            {:?},\n            {:?},\n            {fields},\n        )", m.name, m.table)
            } else {
                format!(
                    "Operation::create_model_with(\n            {:?},\n            {:?},\n            {fields},\n            {},\n            {},\n        )",
                    m.name,
                    m.table,
                    string_list(&m.unique_together),
                    string_list(&m.indexes)
                )
            }
        }
        Operation::DeleteModel { name } => format!("Operation::delete_model({name:?})"),
        Operation::AddField { model, field } => {
            // Only an added field fills existing rows; a created table has none.
            let fill = field
                .fill
                .as_ref()
                .map_or_else(String::new, |sql| format!(".fill({sql:?})"));
            format!(
                "Operation::add_field({model:?}, {}{fill})",
                field_code(field)
            )
        }
        Operation::RemoveField { model, name } => {
            format!("Operation::remove_field({model:?}, {name:?})")
        }
        Operation::AlterField { model, field } => {
            format!("Operation::alter_field({model:?}, {})", field_code(field))
        }
        Operation::RenameField { model, old, new } => {
            format!("Operation::rename_field({model:?}, {old:?}, {new:?})")
        }
        Operation::RenameModel { old, new } => format!("Operation::rename_model({old:?}, {new:?})"),
        Operation::AlterTable { model, table } => {
            format!("Operation::alter_table({model:?}, {table:?})")
        }
        Operation::AlterUniqueTogether { model, sets } => {
            format!(
                "Operation::alter_unique_together({model:?}, {})",
                string_list(sets)
            )
        }
        Operation::AlterIndexes { model, indexes } => format!(
            "Operation::alter_indexes({model:?}, {})",
            string_list(indexes)
        ),
        Operation::RunSql { forward, backward } => {
            format!("Operation::run_sql({forward:?}, {backward:?})")
        }
        Operation::RunRust { description, .. } => {
            return Err(MigrationError::Inconsistent(format!(
                "a Rust step ({description}) cannot be written by makemigrations; write it by hand"
            )))
        }
    })
}

/// The source of a migration file; `krate` is the path the project reaches Alder's
/// migrations by (`alder::db`).
pub fn migration_source(migration: &Migration, krate: &str) -> Result<String, MigrationError> {
    let mut out = String::new();
    out += &format!(
        "//! Migration {} of app `{}`, written by `makemigrations`.\n//!\n//! Edit with care: `makemigrations --check` compares the models with what these files record.\n\n",
        migration.name, migration.app
    );
    out += "#![allow(unreachable_pub)]\n\n";
    out += &format!("#[allow(unused_imports)]\nuse {krate}::migrations::{{Field, FieldKind, Migration, OnDelete, Operation}};\n\n");
    out += "/// This migration.\npub fn migration() -> Migration {\n";
    out += &format!(
        "    Migration::new({:?}, {:?})",
        migration.app, migration.name
    );
    for (app, name) in &migration.dependencies {
        out += &format!("\n        .depends_on({app:?}, {name:?})");
    }
    for op in &migration.operations {
        out += &format!("\n        .operation({})", operation_code(op)?);
    }
    if migration.operations.is_empty() {
        out += "\n        // Add operations here, e.g. a data migration:\n        // .operation(Operation::run_rust(\"fill slugs\", |db| async move { Ok(()) }))";
    }
    out += "\n}\n";
    Ok(out)
}

/// Writes `migration` into `dir` and rewrites `dir/mod.rs` to list every migration file.
pub fn write_migration(
    dir: &Path,
    migration: &Migration,
    krate: &str,
) -> Result<Written, MigrationError> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| MigrationError::Write { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let path = dir.join(format!("{}.rs", migration.name));
    std::fs::write(&path, migration_source(migration, krate)?).map_err(io(&path))?;
    write_mod(dir, krate)?;
    rustfmt(&[&path, &dir.join("mod.rs")]);
    Ok(Written {
        path,
        name: migration.name.clone(),
    })
}

/// Formats written files as `cargo fmt` would, when rustfmt is installed (it is with every
/// rustup toolchain), as Django runs black on its migrations: the files are the project's
/// code and read like it. Without rustfmt they stay as written, valid and unformatted.
fn rustfmt(files: &[&Path]) {
    let run = std::process::Command::new("rustfmt")
        .args(["--edition", "2021"])
        .args(files)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    if !matches!(run, Ok(status) if status.success()) {
        tracing::debug!("rustfmt did not format the written migration");
    }
}

/// Rewrites `dir/mod.rs` from the `NNNN_*.rs` files in `dir`.
pub fn write_mod(dir: &Path, krate: &str) -> Result<(), MigrationError> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| MigrationError::Write { path, source }
    };
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".rs") && n.chars().next().is_some_and(|c| c.is_ascii_digit()))
        // Only names that make a Rust module name (`0002 copy.rs` is not a migration).
        .filter(|n| {
            n.trim_end_matches(".rs")
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
        .map(|n| n.trim_end_matches(".rs").to_string())
        .collect();
    names.sort();
    let mut out = String::from(
        "//! This app's migrations, listed by `makemigrations` (which rewrites this file).\n\n#![allow(unreachable_pub)]\n\n",
    );
    for name in &names {
        out += &format!("#[path = \"{name}.rs\"]\nmod m{name};\n");
    }
    out += &format!("\n/// Every migration of this app, in order.\npub fn all() -> Vec<{krate}::migrations::Migration> {{\n    vec![");
    out += &names
        .iter()
        .map(|n| format!("m{n}::migration()"))
        .collect::<Vec<_>>()
        .join(", ");
    out += "]\n}\n";
    let path = dir.join("mod.rs");
    std::fs::write(&path, out).map_err(io(&path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrations::{AppMigrations, FieldKind};

    #[test]
    fn names_made_from_non_ascii_fields_are_module_names() {
        let first = Migration::new("shop", "0001_initial");
        let apps = [AppMigrations {
            app: "shop".into(),
            migrations: vec![first],
            ..Default::default()
        }];
        let graph = Graph::new(&apps).unwrap();
        let op = Operation::add_field("Größe", Field::new("höhe", FieldKind::Integer));
        let next = next_migration("shop", &graph, vec![op], None);
        assert!(
            next.name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{}",
            next.name
        );
        assert!(next.name.starts_with("0002_"), "{}", next.name);
    }
}
