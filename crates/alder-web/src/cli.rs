//! The project's command line, its `manage.py`: `runserver`, `check`, `routes`,
//! `collectstatic` and the commands apps add.

use std::ffi::OsString;
use std::io::Write;

use clap::{Arg, ArgAction, ArgMatches};

use crate::{staticfiles, Error, Project, Result, Site};

const DEFAULT_ADDR: &str = "127.0.0.1:8000";

fn command_line(site: &Site) -> clap::Command {
    let mut cmd = clap::Command::new("manage")
        .about("Manage this Alder project")
        .subcommand(
            clap::Command::new("runserver")
                .about("Serve the project (the default command)")
                .arg(
                    Arg::new("addr")
                        .help("address to listen on")
                        .default_value(DEFAULT_ADDR),
                ),
        )
        .subcommand(
            clap::Command::new("check")
                .about("Check settings, templates, migrations and apps for problems")
                .arg(
                    Arg::new("deploy")
                        .long("deploy")
                        .action(ArgAction::SetTrue)
                        .help("also run the deployment checks (security settings)"),
                )
                .arg(
                    Arg::new("fail-level")
                        .long("fail-level")
                        .value_parser(["error", "warning"])
                        .default_value("error")
                        .help("the level of finding that makes the command fail"),
                ),
        )
        .subcommand(
            clap::Command::new("routes").about("List every route: name, methods, path, handler"),
        )
        .subcommand(
            clap::Command::new("collectstatic")
                .about(
                    "Copy static files, with content-hashed names and a manifest, to static_root",
                )
                .arg(
                    Arg::new("clear")
                        .long("clear")
                        .action(ArgAction::SetTrue)
                        .help("delete static_root first"),
                ),
        );
    for command in crate::cli_db::commands() {
        cmd = cmd.subcommand(command);
    }
    for command in site.commands.iter() {
        cmd = cmd.subcommand(command.cli.clone());
    }
    cmd
}

/// Refuses app commands whose names are taken, before clap would panic on them.
fn check_command_names(site: &Site) -> Result<()> {
    let builtin = crate::cli_db::commands();
    let mut seen: Vec<&str> = vec!["runserver", "check", "routes", "collectstatic", "help"];
    seen.extend(builtin.iter().map(clap::Command::get_name));
    for command in site.commands.iter() {
        let name = command.cli.get_name();
        if seen.contains(&name) {
            return Err(Error::Config(format!(
                "an app adds the command `{name}`, but a command of that name exists already; rename it"
            )));
        }
        seen.push(name);
    }
    Ok(())
}

/// Runs the command in `args` (`args[0]` is the program name), writing its output to `out`.
pub(crate) async fn execute(
    project: Project,
    args: Vec<OsString>,
    out: &mut (dyn Write + Send),
) -> Result<()> {
    let site = project.build()?;
    check_command_names(&site)?;
    let matches = match command_line(&site).try_get_matches_from(args) {
        Ok(matches) => matches,
        // `--help` and `--version` are answers, not errors.
        Err(e) if !e.use_stderr() => {
            return write!(out, "{}", e.render()).map_err(|e| Error::io("writing output", e));
        }
        Err(e) => return Err(Error::Usage(e.render().to_string())),
    };
    match matches.subcommand() {
        None => runserver(site, DEFAULT_ADDR, out).await,
        Some(("runserver", sub)) => {
            let addr = sub
                .get_one::<String>("addr")
                .map_or(DEFAULT_ADDR, String::as_str);
            runserver(site, addr, out).await
        }
        Some(("check", sub)) => check(
            &site,
            sub.get_flag("deploy"),
            sub.get_one::<String>("fail-level").map(String::as_str) == Some("warning"),
            out,
        ),
        Some(("routes", _)) => routes(&site, out),
        Some(("collectstatic", sub)) => {
            let count = staticfiles::collect(
                site.settings(),
                site.state().static_files(),
                sub.get_flag("clear"),
            )?;
            writeln!(
                out,
                "{count} static files copied to {}",
                site.settings().static_root.display()
            )
            .map_err(|e| Error::io("writing output", e))
        }
        Some((name, sub)) => match crate::cli_db::run(&site, name, sub, out).await {
            Some(result) => result,
            None => run_app_command(&site, name, sub.clone()).await,
        },
    }
}

async fn runserver(site: Site, addr: &str, out: &mut (dyn Write + Send)) -> Result<()> {
    if site.settings().migrate_on_start {
        crate::cli_db::migrate_all(&site, out).await?;
    }
    crate::server::serve(site, addr).await
}

async fn run_app_command(site: &Site, name: &str, args: ArgMatches) -> Result<()> {
    let command = site
        .commands
        .iter()
        .find(|c| c.cli.get_name() == name)
        .ok_or_else(|| Error::Config(format!("unknown command `{name}`")))?;
    (command.run)(site.clone(), args).await
}

fn routes(site: &Site, out: &mut (dyn Write + Send)) -> Result<()> {
    let rows: Vec<[String; 4]> = site
        .urls()
        .routes()
        .iter()
        .flat_map(|r| {
            r.handlers.iter().map(move |(method, handler)| {
                [
                    r.name.clone(),
                    (*method).to_string(),
                    r.path.clone(),
                    if r.csrf_exempt {
                        format!("{handler}  [csrf exempt]")
                    } else {
                        (*handler).to_string()
                    },
                ]
            })
        })
        .collect();
    let header = ["NAME", "METHOD", "PATH", "HANDLER"].map(String::from);
    let mut widths = [0; 4];
    for row in std::iter::once(&header).chain(&rows) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let io = |e| Error::io("writing output", e);
    for row in std::iter::once(&header).chain(&rows) {
        let line = format!(
            "{:w0$}  {:w1$}  {:w2$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
        writeln!(out, "{}", line.trim_end()).map_err(io)?;
    }
    Ok(())
}

/// `models.W001`: a model installed in one app whose module belongs to another gets the
/// other's table prefix (the derive reads the module path, it cannot see the project).
fn app_label_findings(site: &Site) -> Vec<crate::checks::Finding> {
    let mut out = Vec::new();
    for app in site.state().apps() {
        for meta in &app.models {
            let derived = format!("{}_", meta.app_label);
            if meta.app_label != app.app && meta.table.starts_with(&derived) {
                out.push(
                    crate::checks::Finding::warning(
                        "models.W001",
                        format!(
                            "model `{}` is installed in app `{}` but defined in a module of app `{}`, so its table is `{}`",
                            meta.name, app.app, meta.app_label, meta.table
                        ),
                    )
                    .hint(format!(
                        "add #[model(app = \"{}\")] to the model (its table becomes `{}_{}`), or name the table with #[model(table = \"…\")]",
                        app.app,
                        app.app,
                        &meta.table[derived.len()..]
                    )),
                );
            }
        }
    }
    out
}

fn check(
    site: &Site,
    deploy: bool,
    fail_on_warnings: bool,
    out: &mut (dyn Write + Send),
) -> Result<()> {
    use crate::checks::{Finding, Level};
    let io = |e| Error::io("writing output", e);
    let (names, errors) = site.templates().engine().check_all();
    for err in &errors {
        writeln!(out, "ERROR templates.E001: {err}").map_err(io)?;
    }
    let migration_errors = crate::cli_db::check(site, out)?;
    let mut findings: Vec<Finding> = Vec::new();
    if deploy {
        findings.extend(crate::checks::deploy(site.settings()));
    } else if site.settings().debug {
        findings.push(Finding::warning(
            "settings.W001",
            "debug is on; turn it off in production (`check --deploy` lists what else to set)",
        ));
    }
    findings.extend(app_label_findings(site));
    for registered in site.checks.iter() {
        if deploy || !registered.deploy_only {
            findings.extend((registered.run)(site));
        }
    }
    for finding in &findings {
        writeln!(out, "{finding}").map_err(io)?;
    }
    let failing = findings
        .iter()
        .filter(|f| f.level == Level::Error || fail_on_warnings)
        .count();
    let total = errors.len() + migration_errors + failing;
    if total == 0 {
        let warnings = findings.len();
        writeln!(
            out,
            "System check identified {} ({} templates compiled).",
            match warnings {
                0 => "no issues".to_string(),
                n => format!("{n} warning(s)"),
            },
            names.len()
        )
        .map_err(io)?;
        Ok(())
    } else {
        Err(Error::Config(format!(
            "system check identified {total} error(s){}",
            if fail_on_warnings {
                " or warning(s)"
            } else {
                ""
            }
        )))
    }
}

/// Entry point of [`Project::run_cli`]: sets up logging, runs the command, and on failure
/// prints the error chain and exits with status 1.
pub(crate) async fn run(project: Project, args: Vec<OsString>) -> Result<()> {
    init_logging(&project);
    let mut stdout = std::io::stdout();
    if let Err(err) = execute(project, args, &mut stdout).await {
        if let Error::Usage(text) = &err {
            eprint!("{text}");
            std::process::exit(2);
        }
        let chain = err.chain();
        eprintln!("error: {}", chain[0]);
        for cause in &chain[1..] {
            eprintln!("  caused by: {cause}");
        }
        std::process::exit(1);
    }
    Ok(())
}

fn init_logging(project: &Project) {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .or_else(|| project.log_filter())
        .unwrap_or_else(|| "info".into());
    // Colours only for a person at a terminal: none in files, pipes and CI logs, or with
    // NO_COLOR set (no-color.org).
    let colour = std::io::IsTerminal::is_terminal(&std::io::stdout())
        && std::env::var_os("NO_COLOR").is_none();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_ansi(colour)
        .try_init();
}
