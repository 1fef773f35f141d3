//! Models that point to each other in a circle: the tables are created without the foreign
//! keys that close the circle, which are added once every table exists (and removed first
//! when the models are deleted), on every backend.

use alder_db::migrations::{
    detect, migration_source, next_migration, AppMigrations, Executor, Field, FieldKind, Graph,
    Migration, MigrationError, ModelState, OnDelete, Operation, State, Target,
};
use alder_db::{crud, testing, Auto, Database, ForeignKey, Model};

#[derive(Model, Debug, Clone)]
struct Team {
    id: Auto<i64>,
    #[model(max_length = 50)]
    name: String,
    #[model(on_delete = "set_null")]
    captain: Option<ForeignKey<Player>>,
}

#[derive(Model, Debug, Clone)]
struct Player {
    id: Auto<i64>,
    #[model(max_length = 50)]
    name: String,
    team: ForeignKey<Team>,
}

/// Three models in a circle: a company's CEO lives in a city whose biggest employer is a
/// company.
mod three {
    use alder_db::{Auto, ForeignKey, Model};

    #[derive(Model, Debug, Clone)]
    pub(crate) struct Company {
        pub(crate) id: Auto<i64>,
        #[model(on_delete = "set_null")]
        pub(crate) ceo: Option<ForeignKey<Person>>,
    }

    #[derive(Model, Debug, Clone)]
    pub(crate) struct Person {
        pub(crate) id: Auto<i64>,
        pub(crate) home: ForeignKey<City>,
    }

    #[derive(Model, Debug, Clone)]
    pub(crate) struct City {
        pub(crate) id: Auto<i64>,
        pub(crate) biggest_employer: ForeignKey<Company>,
    }
}

/// Two models in a circle, registered with two different apps.
mod league {
    use alder_db::{Auto, ForeignKey, Model};

    #[derive(Model, Debug, Clone)]
    pub(crate) struct Club {
        pub(crate) id: Auto<i64>,
        #[model(on_delete = "set_null")]
        pub(crate) captain: Option<ForeignKey<Member>>,
    }

    #[derive(Model, Debug, Clone)]
    pub(crate) struct Member {
        pub(crate) id: Auto<i64>,
        pub(crate) club: ForeignKey<Club>,
    }
}

fn club_app(migrations: Vec<Migration>) -> Vec<AppMigrations> {
    vec![AppMigrations {
        app: "club".into(),
        models: vec![Team::META, Player::META],
        migrations,
        dir: None,
    }]
}

fn described(ops: &[Operation]) -> Vec<String> {
    ops.iter().map(Operation::describe).collect()
}

/// `makemigrations` for `app`: the operations from the history of `apps` to `wanted`.
fn changes(app: &str, apps: &[AppMigrations], wanted: &State) -> Vec<Operation> {
    let graph = Graph::new(apps).unwrap();
    detect(app, &graph.state().unwrap(), wanted, &[]).unwrap().0
}

async fn tables(db: &Database) -> Vec<String> {
    alder_db::testing::tables(db).await.unwrap()
}

#[tokio::test]
async fn two_models_pointing_to_each_other_are_created_then_linked() {
    let ops = changes(
        "club",
        &club_app(vec![]),
        &State::from_apps(&club_app(vec![])),
    );
    assert_eq!(
        described(&ops),
        [
            "Create model Team",
            "Create model Player",
            "Add field captain to Team"
        ]
    );
    let Operation::CreateModel(team) = &ops[0] else {
        panic!("{ops:?}")
    };
    assert!(team.field("captain").is_none(), "{team:?}");
    let m1 = next_migration("club", &Graph::new(&club_app(vec![])).unwrap(), ops, None);
    let source = migration_source(&m1, "alder::db").unwrap();
    assert!(
        source.contains(r#"Operation::add_field("Team", Field::new("captain""#),
        "{source}"
    );
    let apps = club_app(vec![m1]);
    assert!(
        changes("club", &apps, &State::from_apps(&apps)).is_empty(),
        "makemigrations --check is clean"
    );

    for db in testing::all().await.unwrap() {
        let backend = db.backend();
        let executor = Executor::new(db.clone(), Graph::new(&apps).unwrap());
        executor.migrate(&Target::All).await.unwrap();
        assert_eq!(
            tables(&db).await,
            ["circular_relations_player", "circular_relations_team"],
            "{backend:?}"
        );

        let mut reds = Team {
            id: Auto::new(),
            name: "Reds".into(),
            captain: None,
        };
        crud::save(&db, &mut reds).await.unwrap();
        let mut ann = Player {
            id: Auto::new(),
            name: "Ann".into(),
            team: ForeignKey::to(&reds).unwrap(),
        };
        crud::save(&db, &mut ann).await.unwrap();
        reds.captain = Some(ForeignKey::to(&ann).unwrap());
        crud::save(&db, &mut reds).await.unwrap();
        let read = Team::objects().get(&db).await.unwrap();
        assert_eq!(read.captain, reds.captain, "{backend:?}");
        assert_eq!(read.captain.unwrap().get(&db).await.unwrap().name, "Ann");

        // The added column is a real foreign key, with its delete rule.
        let mut orphan = read.clone();
        orphan.captain = Some(ForeignKey::new(999));
        assert!(
            crud::update(&db, &orphan).await.is_err(),
            "{backend:?}: the captain must exist"
        );
        crud::delete(&db, &ann).await.unwrap();
        let read = Team::objects().get(&db).await.unwrap();
        assert_eq!(read.captain, None, "{backend:?}: on_delete set_null");

        executor
            .migrate(&Target::Zero("club".into()))
            .await
            .unwrap();
        assert!(tables(&db).await.is_empty(), "{backend:?}");
        executor.migrate(&Target::All).await.unwrap();
        assert_eq!(
            tables(&db).await,
            ["circular_relations_player", "circular_relations_team"],
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn a_circle_of_three_defers_one_foreign_key() {
    let apps = vec![AppMigrations {
        app: "town".into(),
        models: vec![three::Company::META, three::Person::META, three::City::META],
        migrations: vec![],
        dir: None,
    }];
    let ops = changes("town", &apps, &State::from_apps(&apps));
    assert_eq!(
        described(&ops),
        [
            "Create model Company",
            "Create model City",
            "Create model Person",
            "Add field ceo to Company"
        ],
        "the nullable foreign key is the one deferred"
    );
    let m1 = next_migration("town", &Graph::new(&apps).unwrap(), ops, None);
    let apps = vec![AppMigrations {
        migrations: vec![m1],
        ..apps[0].clone()
    }];
    assert!(changes("town", &apps, &State::from_apps(&apps)).is_empty());

    for db in testing::all().await.unwrap() {
        let executor = Executor::new(db.clone(), Graph::new(&apps).unwrap());
        executor.migrate(&Target::All).await.unwrap();
        let mut acme = three::Company {
            id: Auto::new(),
            ceo: None,
        };
        crud::save(&db, &mut acme).await.unwrap();
        let mut town = three::City {
            id: Auto::new(),
            biggest_employer: ForeignKey::to(&acme).unwrap(),
        };
        crud::save(&db, &mut town).await.unwrap();
        let mut boss = three::Person {
            id: Auto::new(),
            home: ForeignKey::to(&town).unwrap(),
        };
        crud::save(&db, &mut boss).await.unwrap();
        acme.ceo = Some(ForeignKey::to(&boss).unwrap());
        crud::save(&db, &mut acme).await.unwrap();
        let read = three::Company::objects().get(&db).await.unwrap();
        assert_eq!(read.ceo, acme.ceo, "{:?}", db.backend());

        executor
            .migrate(&Target::Zero("town".into()))
            .await
            .unwrap();
        assert!(tables(&db).await.is_empty(), "{:?}", db.backend());
    }
}

#[tokio::test]
async fn deleting_models_in_a_circle_unlinks_them_first() {
    let m1 = next_migration(
        "club",
        &Graph::new(&club_app(vec![])).unwrap(),
        changes(
            "club",
            &club_app(vec![]),
            &State::from_apps(&club_app(vec![])),
        ),
        None,
    );
    let ops = changes("club", &club_app(vec![m1.clone()]), &State::default());
    assert_eq!(
        described(&ops),
        [
            "Remove field captain from Team",
            "Delete model Player",
            "Delete model Team"
        ]
    );
    let m2 = next_migration(
        "club",
        &Graph::new(&club_app(vec![m1.clone()])).unwrap(),
        ops,
        None,
    );
    // The models are gone from the code; only the history knows them.
    let apps = vec![AppMigrations {
        app: "club".into(),
        models: vec![],
        migrations: vec![m1.clone(), m2],
        dir: None,
    }];
    assert!(changes("club", &apps, &State::default()).is_empty());

    for db in testing::all().await.unwrap() {
        let backend = db.backend();
        let executor = Executor::new(db.clone(), Graph::new(&apps).unwrap());
        executor
            .migrate(&Target::Migration("club".into(), m1.name.clone()))
            .await
            .unwrap();
        let mut reds = Team {
            id: Auto::new(),
            name: "Reds".into(),
            captain: None,
        };
        crud::save(&db, &mut reds).await.unwrap();
        let mut ann = Player {
            id: Auto::new(),
            name: "Ann".into(),
            team: ForeignKey::to(&reds).unwrap(),
        };
        crud::save(&db, &mut ann).await.unwrap();
        reds.captain = Some(ForeignKey::to(&ann).unwrap());
        crud::save(&db, &mut reds).await.unwrap();

        executor.migrate(&Target::All).await.unwrap();
        assert!(tables(&db).await.is_empty(), "{backend:?}");
        // Unapplying the deletion creates the tables again, linked.
        executor
            .migrate(&Target::Migration("club".into(), m1.name.clone()))
            .await
            .unwrap();
        assert_eq!(
            tables(&db).await,
            ["circular_relations_player", "circular_relations_team"],
            "{backend:?}"
        );
        executor
            .migrate(&Target::Zero("club".into()))
            .await
            .unwrap();
        assert!(tables(&db).await.is_empty(), "{backend:?}");
    }
}

fn key(name: &str) -> Field {
    Field::new(name, FieldKind::BigInteger).primary_key().auto()
}

fn model(name: &str, fields: Vec<Field>) -> ModelState {
    ModelState {
        name: name.into(),
        table: name.to_lowercase(),
        fields,
        unique_together: Vec::new(),
        indexes: Vec::new(),
    }
}

fn state(app: &str, models: Vec<ModelState>) -> State {
    let mut state = State::default();
    for m in models {
        state.models.insert((app.into(), m.name.clone()), m);
    }
    state
}

#[test]
fn only_a_foreign_key_on_the_circle_is_deferred() {
    // Aardvark points into the circle Bear ↔ Cat (first, and nullable) without being on it;
    // Bear also points to itself, which needs no deferring.
    let fk = |name: &str, to: &str| {
        Field::new(name, FieldKind::BigInteger).references("zoo", to, OnDelete::Cascade)
    };
    let wanted = state(
        "zoo",
        vec![
            model("Aardvark", vec![key("id"), fk("bear", "Bear").nullable()]),
            model(
                "Bear",
                vec![key("id"), fk("mother", "Bear").nullable(), fk("cat", "Cat")],
            ),
            model("Cat", vec![key("id"), fk("bear", "Bear").nullable()]),
        ],
    );
    let (ops, _) = detect("zoo", &State::default(), &wanted, &[]).unwrap();
    assert_eq!(
        described(&ops),
        [
            "Create model Cat",
            "Create model Bear",
            "Create model Aardvark",
            "Add field bear to Cat"
        ]
    );
}

#[tokio::test]
async fn a_deferred_foreign_key_brings_its_unique_together_and_indexes_after_it() {
    // No nullable foreign key: the first one found on the circle is deferred.
    let fk = |name: &str, to: &str| {
        Field::new(name, FieldKind::BigInteger).references("shop", to, OnDelete::Cascade)
    };
    let mut basket = model(
        "Basket",
        vec![
            key("id"),
            fk("invoice", "Invoice"),
            Field::new("code", FieldKind::Text).max_length(10),
        ],
    );
    basket.unique_together = vec![vec!["invoice".into(), "code".into()]];
    basket.indexes = vec![vec!["code".into()], vec!["code".into(), "invoice".into()]];
    let invoice = model("Invoice", vec![key("id"), fk("basket", "Basket")]);
    let wanted = state("shop", vec![basket, invoice]);

    let (ops, _) = detect("shop", &State::default(), &wanted, &[]).unwrap();
    assert_eq!(
        described(&ops),
        [
            "Create model Basket",
            "Create model Invoice",
            "Add field invoice to Basket",
            "Alter unique_together for Basket",
            "Alter indexes for Basket"
        ]
    );
    let Operation::CreateModel(created) = &ops[0] else {
        panic!("{ops:?}")
    };
    assert!(created.unique_together.is_empty());
    assert_eq!(created.indexes, [vec!["code".to_string()]]);

    let bare = |migrations| {
        vec![AppMigrations {
            app: "shop".into(),
            models: vec![],
            migrations,
            dir: None,
        }]
    };
    let m1 = next_migration("shop", &Graph::new(&bare(vec![])).unwrap(), ops, None);
    let apps = bare(vec![m1]);
    assert!(changes("shop", &apps, &wanted).is_empty());
    let ops = changes("shop", &apps, &State::default());
    assert_eq!(
        described(&ops),
        [
            "Alter unique_together for Basket",
            "Alter indexes for Basket",
            "Remove field invoice from Basket",
            "Delete model Invoice",
            "Delete model Basket"
        ]
    );
    for db in testing::all().await.unwrap() {
        let executor = Executor::new(db.clone(), Graph::new(&apps).unwrap());
        executor.migrate(&Target::All).await.unwrap();
        assert_eq!(
            tables(&db).await,
            ["basket", "invoice"],
            "{:?}",
            db.backend()
        );
        executor
            .migrate(&Target::Zero("shop".into()))
            .await
            .unwrap();
        assert!(tables(&db).await.is_empty(), "{:?}", db.backend());
    }
}

#[test]
fn a_circle_across_two_apps_is_a_clear_error() {
    let apps = vec![
        AppMigrations {
            app: "clubs".into(),
            models: vec![league::Club::META],
            ..Default::default()
        },
        AppMigrations {
            app: "members".into(),
            models: vec![league::Member::META],
            ..Default::default()
        },
    ];
    let wanted = State::from_apps(&apps);
    for app in ["clubs", "members"] {
        let err = detect(app, &State::default(), &wanted, &[]).unwrap_err();
        assert!(matches!(err, MigrationError::Cycle(_)), "{err:?}");
        let text = err.to_string();
        for part in [
            "`clubs.Club.captain` points to `members.Member`",
            "`members.Member.club` points to `clubs.Club`",
            "Leave `clubs.Club.captain` out of the model",
        ] {
            assert!(text.contains(part), "{part:?} missing from: {text}");
        }
    }

    // The way out the error gives: first without the captain, then with it.
    let mut first = wanted.clone();
    first
        .models
        .get_mut(&("clubs".to_string(), "Club".to_string()))
        .unwrap()
        .fields
        .retain(|f| f.name != "captain");
    let ops = |app, from: &State, to: &State| described(&detect(app, from, to, &[]).unwrap().0);
    assert_eq!(
        ops("clubs", &State::default(), &first),
        ["Create model Club"]
    );
    assert_eq!(
        ops("members", &State::default(), &first),
        ["Create model Member"]
    );
    assert_eq!(ops("clubs", &first, &wanted), ["Add field captain to Club"]);
    assert!(ops("members", &first, &wanted).is_empty());
}
