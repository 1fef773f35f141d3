//! The project command line: routes, check, usage errors and app commands.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use alder_web::routing::{get, post};
use alder_web::{App, Error, Files, Project, Settings};

mod common;
use common::{settings_in, write_files};

async fn run(project: Project, args: &[&str]) -> (alder_web::Result<()>, String) {
    let mut out = Vec::new();
    let mut argv = vec!["manage"];
    argv.extend_from_slice(args);
    let result = project.execute(argv, &mut out).await;
    (result, String::from_utf8(out).unwrap())
}

async fn index() -> &'static str {
    "x"
}

#[tokio::test]
async fn routes_lists_name_method_path_and_handler() {
    let project = Project::new(Settings::debug()).app(
        App::new("blog")
            .prefix("/blog")
            .route("/", get(index), "index")
            .route("/new/", get(index).post(index), "new")
            .route("/hook/", post(index).csrf_exempt(), "hook"),
    );
    let (result, out) = run(project, &["routes"]).await;
    result.unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("NAME") && lines[0].contains("HANDLER"),
        "{out}"
    );
    assert!(
        lines[1].starts_with("blog:index")
            && lines[1].contains("GET")
            && lines[1].contains("/blog/")
            && lines[1].contains("cli::index"),
        "{out}"
    );
    assert!(
        lines[2].contains("blog:new") && lines[2].contains("GET"),
        "{out}"
    );
    assert!(
        lines[3].contains("blog:new") && lines[3].contains("POST"),
        "{out}"
    );
    assert!(
        lines[4].contains("blog:hook") && lines[4].ends_with("[csrf exempt]"),
        "{out}"
    );
    assert!(!lines[3].contains("csrf"), "{out}");
    assert!(out.contains("static:serve"), "{out}");
}

#[tokio::test]
async fn check_compiles_every_template_and_reports_errors_with_lines() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[("t/ok.html", "fine"), ("t/bad.html", "a\n{% for %}")],
    );
    let project = || {
        Project::new(settings_in(dir.path(), false))
            .app(App::new("a").templates(Files::dir(dir.path().join("t"))))
    };
    let (result, out) = run(project(), &["check"]).await;
    assert!(
        matches!(result, Err(Error::Config(ref m)) if m.contains("1 error")),
        "{result:?}"
    );
    assert!(
        out.contains("ERROR templates.E001: template `bad.html`, line 2: syntax error"),
        "{out}"
    );

    std::fs::write(dir.path().join("t/bad.html"), "now fine").unwrap();
    let (result, out) = run(project(), &["check"]).await;
    result.unwrap();
    assert!(out.contains("no issues (2 templates compiled)"), "{out}");
}

#[tokio::test]
async fn usage_errors_and_help() {
    let (result, _) = run(Project::new(Settings::debug()), &["frobnicate"]).await;
    let Err(Error::Usage(text)) = result else {
        panic!("{result:?}")
    };
    assert!(
        text.contains("unrecognized subcommand 'frobnicate'"),
        "{text}"
    );
    let (result, out) = run(Project::new(Settings::debug()), &["--help"]).await;
    result.unwrap();
    assert!(
        out.contains("runserver") && out.contains("collectstatic"),
        "{out}"
    );
}

#[tokio::test]
async fn apps_add_commands_with_arguments() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let app = App::new("blog").command(
        alder_web::clap::Command::new("publish").arg(
            alder_web::clap::Arg::new("count").value_parser(alder_web::clap::value_parser!(usize)),
        ),
        move |site, args| {
            let seen = seen.clone();
            async move {
                assert!(site.settings().debug);
                seen.fetch_add(*args.get_one::<usize>("count").unwrap(), Ordering::SeqCst);
                Ok(())
            }
        },
    );
    let (result, _) = run(Project::new(Settings::debug()).app(app), &["publish", "3"]).await;
    result.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn production_without_a_secret_key_refuses_to_start() {
    let (result, _) = run(Project::new(Settings::default()), &["routes"]).await;
    let Err(Error::Config(message)) = result else {
        panic!("{result:?}")
    };
    assert!(message.contains("no SECRET_KEY"), "{message}");
    let mut short = Settings::default();
    short.secret_key = "short".into();
    let (result, _) = run(Project::new(short), &["routes"]).await;
    assert!(
        matches!(result, Err(Error::Config(ref m)) if m.contains("at least 32")),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_app_command_named_like_a_builtin_is_a_clear_error() {
    let app = App::new("a").command(clap::Command::new("check"), |_, _| async { Ok(()) });
    let (result, _) = run(Project::new(Settings::debug()).app(app), &["routes"]).await;
    assert!(
        matches!(result, Err(Error::Config(ref m)) if m.contains("the command `check`")),
        "{result:?}"
    );
}

#[tokio::test]
async fn check_deploy_lists_insecure_settings_by_id_with_hints() {
    let mut settings = common::production();
    settings.secret_key = "k".repeat(40);
    let (result, out) = run(Project::new(settings), &["check", "--deploy"]).await;
    assert!(
        matches!(result, Err(Error::Config(ref m)) if m.contains("1 error")),
        "{result:?}\n{out}"
    );
    for id in [
        "security.W009",
        "security.W004",
        "security.W008",
        "security.W016",
    ] {
        assert!(out.contains(id), "{id} missing from:\n{out}");
    }
    assert!(out.contains("ERROR security.W009: secret_key"), "{out}");
    assert!(out.contains("    HINT: "), "{out}");

    // With a strong key only warnings are left: they fail only at --fail-level warning.
    let mut settings = common::production();
    settings.secret_key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTU".into();
    let (result, out) = run(Project::new(settings.clone()), &["check", "--deploy"]).await;
    result.unwrap();
    assert!(
        out.contains("System check identified 3 warning(s)"),
        "{out}"
    );
    let (result, _) = run(
        Project::new(settings),
        &["check", "--deploy", "--fail-level", "warning"],
    )
    .await;
    assert!(result.is_err());

    // Debug on is an error for a deployment.
    let (result, out) = run(Project::new(Settings::debug()), &["check", "--deploy"]).await;
    assert!(
        result.is_err() && out.contains("ERROR security.W018"),
        "{out}"
    );
}

#[tokio::test]
async fn apps_add_their_own_checks_and_deploy_checks() {
    let app = App::new("shop")
        .check(|_| {
            vec![alder_web::checks::Finding::error("shop.E001", "no products").hint("add one")]
        })
        .deploy_check(|_| {
            vec![alder_web::checks::Finding::warning(
                "shop.W001",
                "test mode",
            )]
        });
    let (result, out) = run(Project::new(common::production()).app(app), &["check"]).await;
    assert!(result.is_err(), "{out}");
    assert!(
        out.contains("ERROR shop.E001: no products\n    HINT: add one"),
        "{out}"
    );
    assert!(!out.contains("shop.W001"), "{out}");
}
