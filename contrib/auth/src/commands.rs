//! `createsuperuser` and `changepassword` (Django's commands of the same names).

use std::io::{BufRead, Write};

use alder_db::crud;
use alder_web::{Error, Result, Site};

use crate::models::User;

/// `createsuperuser`: asks for a username, an address and a password (twice), or reads them
/// from `ALDER_SUPERUSER_USERNAME`, `ALDER_SUPERUSER_EMAIL` and `ALDER_SUPERUSER_PASSWORD`
/// with `--no-input`.
pub(crate) fn createsuperuser() -> clap::Command {
    clap::Command::new("createsuperuser")
        .about("Creates a user who can do everything (and log in to the admin)")
        .arg(
            clap::Arg::new("username")
                .long("username")
                .help("The username"),
        )
        .arg(
            clap::Arg::new("email")
                .long("email")
                .help("The email address"),
        )
        .arg(
            clap::Arg::new("no-input")
                .long("no-input")
                .alias("noinput")
                .action(clap::ArgAction::SetTrue)
                .help("Ask nothing: read ALDER_SUPERUSER_USERNAME, _EMAIL and _PASSWORD"),
        )
}

/// `changepassword USERNAME`.
pub(crate) fn changepassword() -> clap::Command {
    clap::Command::new("changepassword")
        .about("Changes a user's password")
        .arg(clap::Arg::new("username").required(true).help("The user"))
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// One line from the terminal after `prompt`.
fn ask(prompt: &str) -> Result<String> {
    print!("{prompt}");
    std::io::stdout().flush().ok();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::other("reading the terminal", e))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// A password from the terminal, not shown as it is typed, as Python's `getpass`. The line
/// is read by a small `sh` that turns echo off with `stty` and traps Ctrl-C: the shell lives
/// through the interrupt long enough to turn echo back on, which this process, killed by the
/// signal, could not. Without a terminal (a pipe) the line is read as it comes; where `sh`
/// or `stty` is missing the typing shows, and a warning says so.
fn ask_secret(prompt: &str) -> Result<String> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return ask(prompt);
    }
    print!("{prompt}");
    std::io::stdout().flush().ok();
    const READ_HIDDEN: &str = "trap 'stty echo; exit 130' INT TERM; stty -echo || exit 3; \
        IFS= read -r line; status=$?; stty echo; printf '%s' \"$line\"; exit $status";
    let output = std::process::Command::new("sh")
        .args(["-c", READ_HIDDEN])
        .stdin(std::process::Stdio::inherit())
        .stderr(std::process::Stdio::inherit())
        .output();
    println!();
    match output {
        Ok(out) if out.status.success() => Ok(String::from_utf8_lossy(&out.stdout)
            .trim_end_matches('\r')
            .to_owned()),
        Ok(out) if out.status.code() == Some(130) => {
            Err(Error::Usage("interrupted; nothing was changed".into()))
        }
        Ok(out) if out.status.code() == Some(1) => Err(Error::Usage(
            "the input ended before a password was typed; nothing was changed".into(),
        )),
        // 3: `stty` could not turn echo off; or no `sh` at all.
        _ => {
            eprintln!("Warning: the password will be shown as you type it.");
            ask(prompt)
        }
    }
}

/// The validators' refusals as one sentence, or nothing.
fn check_password(user: &User, password: &str, min_length: usize) -> Result<()> {
    let problems = crate::validate_password(
        password,
        min_length,
        &[("username", &user.username), ("email address", &user.email)],
    );
    if problems.is_empty() {
        return Ok(());
    }
    let text: Vec<&str> = problems.iter().map(|p| p.message()).collect();
    Err(Error::Usage(text.join(" ")))
}

fn min_length(site: &Site, given: &Option<crate::AuthConfig>) -> Result<usize> {
    Ok(crate::config_of(given, site.settings())?.password_min_length)
}

pub(crate) async fn run_createsuperuser(
    site: Site,
    args: clap::ArgMatches,
    given: Option<crate::AuthConfig>,
) -> Result<()> {
    let no_input = args.get_flag("no-input");
    let from_args =
        |arg: &str, var: &str| args.get_one::<String>(arg).cloned().or_else(|| env(var));
    let (username, email, password) = if no_input {
        let username = from_args("username", "ALDER_SUPERUSER_USERNAME").ok_or_else(|| {
            Error::Usage("--no-input needs --username or ALDER_SUPERUSER_USERNAME".into())
        })?;
        let email = from_args("email", "ALDER_SUPERUSER_EMAIL").unwrap_or_default();
        let password = env("ALDER_SUPERUSER_PASSWORD")
            .ok_or_else(|| Error::Usage("--no-input needs ALDER_SUPERUSER_PASSWORD".into()))?;
        (username, email, password)
    } else {
        let username = match args.get_one::<String>("username") {
            Some(name) => name.clone(),
            None => ask("Username: ")?,
        };
        let email = match args.get_one::<String>("email") {
            Some(email) => email.clone(),
            None => ask("Email address: ")?,
        };
        let password = ask_secret("Password: ")?;
        if ask_secret("Password (again): ")? != password {
            return Err(Error::Usage("Error: Your passwords didn't match.".into()));
        }
        (username, email, password)
    };
    let mut user = User::new(username, email);
    user.is_staff = true;
    user.is_superuser = true;
    let db = site.state().database().await?;
    if crate::username_taken(&db, &user.username).await? {
        return Err(Error::Usage(
            "Error: That username is already taken.".into(),
        ));
    }
    let checked = match crud::full_clean(&db, &user).await {
        Ok(()) => None,
        Err(alder_db::DbError::Invalid { errors, .. }) => Some(errors),
        Err(other) => return Err(other.into()),
    };
    if let Some(errors) = checked {
        let text: Vec<String> = errors
            .fields()
            .flat_map(|(field, errors)| {
                errors
                    .iter()
                    .map(move |e| format!("{field}: {}", e.message()))
            })
            .collect();
        return Err(Error::Usage(format!("Error: {}", text.join(" "))));
    }
    check_password(&user, &password, min_length(&site, &given)?)?;
    user.set_password_async(&password).await;
    crud::insert(&db, &mut user).await?;
    println!("Superuser created successfully.");
    Ok(())
}

pub(crate) async fn run_changepassword(
    site: Site,
    args: clap::ArgMatches,
    given: Option<crate::AuthConfig>,
) -> Result<()> {
    let username = args
        .get_one::<String>("username")
        .cloned()
        .unwrap_or_default();
    let db = site.state().database().await?;
    let Some(mut user) = User::objects()
        .filter(User::username().eq(username.as_str()))
        .first(&db)
        .await?
    else {
        return Err(Error::Usage(format!("user '{username}' does not exist")));
    };
    println!("Changing password for user '{username}'");
    let password = ask_secret("Password: ")?;
    if ask_secret("Password (again): ")? != password {
        return Err(Error::Usage("Passwords do not match.".into()));
    }
    check_password(&user, &password, min_length(&site, &given)?)?;
    user.set_password_async(&password).await;
    User::objects()
        .filter(User::id().eq(user.id))
        .update(&db, [User::password().set(user.password.clone())])
        .await?;
    println!("Password changed successfully for user '{username}'.");
    Ok(())
}
