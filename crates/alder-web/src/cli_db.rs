//! The database commands of the project command line: `makemigrations`, `migrate`,
//! `showmigrations`, `sqlmigrate`, `dbshell`, and the migration checks of `check`.

use std::io::Write;

use alder_db::migrations::{
    detect, next_migration, referenced_apps, referenced_models, write_migration, Executor, Graph,
    MigrationError, Rename, State, Target,
};
use clap::{Arg, ArgAction, ArgMatches};

use crate::{Error, Result, Site};

/// The path generated migration files use to reach Alder's migration types.
const GENERATED_CRATE_PATH: &str = "alder::db";

pub(crate) fn commands() -> Vec<clap::Command> {
    vec![
        clap::Command::new("makemigrations")
            .about("Write new migrations for model changes")
            .arg(Arg::new("app").help("only this app"))
            .arg(
                Arg::new("check")
                    .long("check")
                    .action(ArgAction::SetTrue)
                    .help("write nothing; exit 1 if models and migrations differ"),
            )
            .arg(
                Arg::new("empty")
                    .long("empty")
                    .action(ArgAction::SetTrue)
                    .help("write an empty migration, for a data migration"),
            )
            .arg(
                Arg::new("name")
                    .long("name")
                    .help("the new migration's name"),
            )
            .arg(
                Arg::new("rename")
                    .long("rename")
                    .action(ArgAction::Append)
                    .help(
                        "Model.old=new (a field) or Old=New (a model) was renamed: keeps the data",
                    ),
            ),
        clap::Command::new("migrate")
            .about("Apply or unapply migrations")
            .arg(Arg::new("app").help("only this app"))
            .arg(Arg::new("target").help("migration name (or prefix) to go to, or `zero`")),
        clap::Command::new("showmigrations").about("List migrations and whether they are applied"),
        clap::Command::new("sqlmigrate")
            .about("Print the SQL of a migration")
            .arg(Arg::new("app").required(true))
            .arg(Arg::new("migration").required(true))
            .arg(
                Arg::new("backwards")
                    .long("backwards")
                    .action(ArgAction::SetTrue),
            ),
        clap::Command::new("dbshell")
            .about("Open the database's command-line client (sqlite3 or psql)"),
    ]
}

fn mig(err: MigrationError) -> Error {
    match err {
        MigrationError::Db(db) => db.into(),
        other => Error::other("migrations", other),
    }
}

fn io(e: std::io::Error) -> Error {
    Error::io("writing output", e)
}

/// Runs a database command; `None` when `name` is not one.
pub(crate) async fn run(
    site: &Site,
    name: &str,
    args: &ArgMatches,
    out: &mut (dyn Write + Send),
) -> Option<Result<()>> {
    Some(match name {
        "makemigrations" => makemigrations(site, args, out),
        "migrate" => migrate(site, args, out).await,
        "showmigrations" => showmigrations(site, out).await,
        "sqlmigrate" => sqlmigrate(site, args, out).await,
        "dbshell" => dbshell(site),
        _ => return None,
    })
}

fn graph(site: &Site) -> Result<Graph> {
    Graph::new(site.state().apps()).map_err(mig)
}

fn model_state(site: &Site) -> State {
    State::from_apps(site.state().apps())
}

fn makemigrations(site: &Site, args: &ArgMatches, out: &mut (dyn Write + Send)) -> Result<()> {
    let graph = graph(site)?;
    let recorded = graph.state().map_err(mig)?;
    let wanted = model_state(site);
    let renames = args
        .get_many::<String>("rename")
        .into_iter()
        .flatten()
        .map(|r| r.parse::<Rename>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(mig)?;
    let only = args.get_one::<String>("app");
    if let Some(app) = only {
        if !site.state().apps().iter().any(|a| &a.app == app) {
            return Err(Error::Config(format!("no app is named `{app}`")));
        }
    }
    // Detect first, then write apps whose models others point to before those others, so
    // that each new migration can depend on the one it needs.
    let mut pending = Vec::new();
    for app in site
        .state()
        .apps()
        .iter()
        .filter(|a| only.is_none_or(|o| *o == a.app))
    {
        let (ops, hints) = if args.get_flag("empty") {
            (Vec::new(), Vec::new())
        } else {
            detect(&app.app, &recorded, &wanted, &renames).map_err(mig)?
        };
        for hint in &hints {
            writeln!(out, "hint: {hint}").map_err(io)?;
        }
        if !ops.is_empty() || args.get_flag("empty") {
            pending.push((app, ops));
        }
    }
    let mut new_leaves: std::collections::HashMap<String, String> =
        std::collections::HashMap::new();
    let mut changed = Vec::new();
    while !pending.is_empty() {
        // An app is ready when every model it newly needs from another app exists: already
        // recorded, or created by a migration written in this run. Models that are already
        // recorded do not order the apps, so two apps pointing at each other's existing
        // models are no cycle.
        let index = pending
            .iter()
            .position(|(app, ops)| {
                referenced_models(&app.app, ops)
                    .iter()
                    .all(|(other, model)| {
                        recorded.model(other, model).is_some()
                            || !pending.iter().any(|(p, _)| &p.app == other)
                            || new_leaves.contains_key(other)
                    })
            })
            .unwrap_or(0);
        let (app, ops) = pending.remove(index);
        let referenced = referenced_apps(&app.app, &ops);
        let mut migration = next_migration(
            &app.app,
            &graph,
            ops,
            args.get_one::<String>("name").map(String::as_str),
        );
        for other in referenced {
            let leaf = new_leaves
                .get(&other)
                .cloned()
                .or_else(|| graph.leaves(&other).into_iter().next());
            if let Some(leaf) = leaf {
                migration = migration.depends_on(&other, &leaf);
            }
        }
        new_leaves.insert(app.app.clone(), migration.name.clone());
        changed.push(app.app.clone());
        if args.get_flag("check") {
            writeln!(out, "Migrations needed for '{}':", app.app).map_err(io)?;
        } else {
            let dir = app.dir.as_ref().ok_or_else(|| {
                Error::Config(format!(
                    "app `{}` has models but no migrations folder: give it `.migrations(migrations::all(), alder::migrations_dir!())`",
                    app.app
                ))
            })?;
            let written = write_migration(dir, &migration, GENERATED_CRATE_PATH).map_err(mig)?;
            writeln!(
                out,
                "Migrations for '{}':\n  {}",
                app.app,
                written.path.display()
            )
            .map_err(io)?;
        }
        for op in &migration.operations {
            writeln!(out, "    - {}", op.describe()).map_err(io)?;
        }
    }
    if changed.is_empty() {
        writeln!(out, "No changes detected").map_err(io)?;
        return Ok(());
    }
    if args.get_flag("check") {
        return Err(Error::Config(format!(
            "models of {} have changes that no migration records: run `makemigrations`",
            changed.join(", ")
        )));
    }
    writeln!(
        out,
        "Rebuild the project (cargo run …) so that `migrate` sees the new files."
    )
    .map_err(io)
}

async fn executor(site: &Site) -> Result<Executor> {
    let graph = graph(site)?;
    let db = site.state().database().await?;
    Ok(Executor::new(db, graph))
}

/// Applies every pending migration (`migrate` with no arguments); used by `migrate_on_start`.
pub(crate) async fn migrate_all(site: &Site, out: &mut (dyn Write + Send)) -> Result<()> {
    let executor = executor(site).await?;
    report(executor.migrate(&Target::All).await.map_err(mig)?, out)?;
    site.after_migrate().await
}

fn report(
    steps: Vec<alder_db::migrations::MigrationRecord>,
    out: &mut (dyn Write + Send),
) -> Result<()> {
    if steps.is_empty() {
        return writeln!(out, "No migrations to apply.").map_err(io);
    }
    for step in steps {
        let verb = if step.forwards {
            "Applied"
        } else {
            "Unapplied"
        };
        writeln!(out, "  {verb} {}.{}", step.app, step.name).map_err(io)?;
    }
    Ok(())
}

async fn migrate(site: &Site, args: &ArgMatches, out: &mut (dyn Write + Send)) -> Result<()> {
    let executor = executor(site).await?;
    let target = match (
        args.get_one::<String>("app"),
        args.get_one::<String>("target"),
    ) {
        (None, _) => Target::All,
        (Some(app), None) => Target::App(app.clone()),
        (Some(app), Some(t)) if t == "zero" => Target::Zero(app.clone()),
        (Some(app), Some(prefix)) => {
            let matches: Vec<String> = executor
                .graph()
                .of_app(app)
                .filter(|m| m.name.starts_with(prefix.as_str()))
                .map(|m| m.name.clone())
                .collect();
            match matches.as_slice() {
                [one] => Target::Migration(app.clone(), one.clone()),
                [] => {
                    return Err(Error::Config(format!(
                        "app `{app}` has no migration `{prefix}`; `showmigrations` lists them"
                    )))
                }
                many => {
                    return Err(Error::Config(format!(
                        "`{prefix}` matches several migrations of `{app}`: {}",
                        many.join(", ")
                    )))
                }
            }
        }
    };
    writeln!(out, "Running migrations:").map_err(io)?;
    report(executor.migrate(&target).await.map_err(mig)?, out)?;
    site.after_migrate().await
}

async fn showmigrations(site: &Site, out: &mut (dyn Write + Send)) -> Result<()> {
    let executor = executor(site).await?;
    let applied = executor.applied().await.map_err(mig)?;
    for app in site.state().apps() {
        writeln!(out, "{}", app.app).map_err(io)?;
        let mut any = false;
        for m in executor.graph().of_app(&app.app) {
            any = true;
            let mark = if applied.contains(&(m.app.clone(), m.name.clone())) {
                "X"
            } else {
                " "
            };
            writeln!(out, " [{mark}] {}", m.name).map_err(io)?;
        }
        if !any {
            writeln!(out, " (no migrations)").map_err(io)?;
        }
    }
    Ok(())
}

async fn sqlmigrate(site: &Site, args: &ArgMatches, out: &mut (dyn Write + Send)) -> Result<()> {
    let executor = executor(site).await?;
    let app = args.get_one::<String>("app").map_or("", String::as_str);
    let name = args
        .get_one::<String>("migration")
        .map_or("", String::as_str);
    let full = executor
        .graph()
        .of_app(app)
        .find(|m| m.name.starts_with(name))
        .map(|m| m.name.clone())
        .ok_or_else(|| Error::Config(format!("app `{app}` has no migration `{name}`")))?;
    for sql in executor
        .sql(app, &full, args.get_flag("backwards"))
        .await
        .map_err(mig)?
    {
        writeln!(out, "{sql};").map_err(io)?;
    }
    Ok(())
}

fn dbshell(site: &Site) -> Result<()> {
    let url =
        site.settings().database_url.clone().ok_or_else(|| {
            Error::Config("this project has no database: set DATABASE_URL".into())
        })?;
    let (program, arg) = if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        (
            "sqlite3",
            path.split('?').next().unwrap_or(path).to_string(),
        )
    } else {
        ("psql", url.clone())
    };
    let status = std::process::Command::new(program)
        .arg(&arg)
        .status()
        .map_err(|e| {
            Error::io(
                format!(
                    "starting `{program}` (is it installed? e.g. `apt-get install {}`)",
                    if program == "psql" {
                        "postgresql-client"
                    } else {
                        "sqlite3"
                    }
                ),
                e,
            )
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::Config(format!("{program} exited with {status}")))
    }
}

/// `check`'s migration checks: a broken history is an error; models that differ from the
/// migrations are a warning.
pub(crate) fn check(site: &Site, out: &mut (dyn Write + Send)) -> Result<usize> {
    let graph = match Graph::new(site.state().apps()).and_then(|g| g.state().map(|s| (g, s))) {
        Ok((_, state)) => state,
        Err(err) => {
            writeln!(out, "ERROR migrations.E001: {err}").map_err(io)?;
            return Ok(1);
        }
    };
    let wanted = model_state(site);
    for app in site.state().apps() {
        match detect(&app.app, &graph, &wanted, &[]) {
            Ok((ops, _)) if !ops.is_empty() => {
                writeln!(
                    out,
                    "WARNING migrations.W001: app `{}` has model changes no migration records ({}); run `makemigrations`",
                    app.app,
                    ops.iter().map(|o| o.describe()).collect::<Vec<_>>().join("; ")
                )
                .map_err(io)?;
            }
            Ok(_) => {}
            Err(err) => {
                writeln!(out, "WARNING migrations.W001: app `{}`: {err}", app.app).map_err(io)?
            }
        }
    }
    Ok(0)
}
