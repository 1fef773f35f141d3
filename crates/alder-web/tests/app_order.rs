//! `makemigrations` across apps that point at each other: each new migration depends on the
//! migration that creates the model it needs, whatever order the apps are listed in.

use alder_web::db::migrations::{detect, next_migration, AppMigrations, Graph, Migration, State};
use alder_web::db::{Auto, ForeignKey, Model, ModelMeta};
use alder_web::{App, Project, Settings};

mod before {
    use super::*;

    /// The roster app's player, before teams exist.
    #[derive(Model, Debug)]
    #[model(table = "player")]
    pub(crate) struct Player {
        pub(crate) id: Auto<i64>,
    }

    /// Something the clubs app had from the start.
    #[derive(Model, Debug)]
    pub(crate) struct Club {
        pub(crate) id: Auto<i64>,
    }
}

mod after {
    use super::*;

    /// Now in a team.
    #[derive(Model, Debug)]
    #[model(table = "player")]
    pub(crate) struct Player {
        pub(crate) id: Auto<i64>,
        #[model(on_delete = "set_null")]
        pub(crate) team: Option<ForeignKey<Team>>,
    }

    /// New in the clubs app, with a captain from the roster app.
    #[derive(Model, Debug)]
    pub(crate) struct Team {
        pub(crate) id: Auto<i64>,
        pub(crate) captain: ForeignKey<Player>,
    }
}

/// The first migration of `app` for `models`.
fn initial(app: &str, models: Vec<&'static ModelMeta>) -> Migration {
    let bare = AppMigrations {
        app: app.into(),
        models,
        ..Default::default()
    };
    let graph = Graph::new(std::slice::from_ref(&bare)).unwrap();
    let (ops, _) = detect(app, &State::default(), &bare.model_state(), &[]).unwrap();
    next_migration(app, &graph, ops, None)
}

#[tokio::test]
async fn a_new_model_is_created_before_the_app_that_points_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let roster_dir = dir.path().join("roster");
    let clubs_dir = dir.path().join("clubs");
    let mut settings = Settings::debug();
    settings.database_url = Some("sqlite::memory:".into());
    // The roster app is listed first, though its new field needs the clubs app's new model.
    let project = Project::new(settings)
        .app(App::new("roster").model::<after::Player>().migrations(
            vec![initial("roster", vec![before::Player::META])],
            &roster_dir,
        ))
        .app(
            App::new("clubs")
                .model::<before::Club>()
                .model::<after::Team>()
                .migrations(vec![initial("clubs", vec![before::Club::META])], &clubs_dir),
        );
    let mut out = Vec::new();
    project
        .execute(vec!["manage", "makemigrations"], &mut out)
        .await
        .unwrap();
    let out = String::from_utf8(out).unwrap();
    let clubs_at = out.find("clubs").expect("clubs migration written");
    let roster_at = out.find("roster").expect("roster migration written");
    assert!(
        clubs_at < roster_at,
        "clubs first, as roster needs Team:\n{out}"
    );
    let roster = std::fs::read_to_string(roster_dir.join("0002_auto.rs"))
        .or_else(|_| {
            let name = std::fs::read_dir(&roster_dir)
                .unwrap()
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().into_string().unwrap())
                .find(|n| n.starts_with("0002"))
                .unwrap();
            std::fs::read_to_string(roster_dir.join(name))
        })
        .unwrap();
    assert!(
        roster.contains(".depends_on(\"clubs\", \"0002"),
        "roster's migration depends on the clubs migration that creates Team:\n{roster}"
    );
}
