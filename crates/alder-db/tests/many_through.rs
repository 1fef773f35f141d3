//! Many-to-many fields through a model of one's own (Django's `through=`): the through model
//! is migrated like any other, carries extra fields, and the accessor and lookups use it.

use alder_db::migrations::Operation;
use alder_db::{crud, testing, Auto, Database, ForeignKey, ManyToMany, Model};

#[derive(Model, Debug, Clone)]
struct Label {
    id: Auto<i64>,
    #[model(max_length = 20)]
    name: String,
}

#[derive(Model, Debug, Clone)]
struct Note {
    id: Auto<i64>,
    #[model(max_length = 20)]
    title: String,
    #[model(through = "Labelling")]
    labels: ManyToMany<Label>,
}

/// The through model, with a field of its own.
#[derive(Model, Debug, Clone)]
struct Labelling {
    id: Auto<i64>,
    note: ForeignKey<Note>,
    label: ForeignKey<Label>,
    #[model(max_length = 20)]
    added_by: Option<String>,
}

#[derive(Model, Debug, Clone)]
struct Person {
    id: Auto<i64>,
    #[model(max_length = 20)]
    name: String,
}

#[derive(Model, Debug, Clone)]
struct Band {
    id: Auto<i64>,
    #[model(through = "Membership", through_fields = "band, member")]
    members: ManyToMany<Person>,
}

/// Two foreign keys to `Person`: `through_fields` says which one is the member.
#[derive(Model, Debug, Clone)]
struct Membership {
    id: Auto<i64>,
    band: ForeignKey<Band>,
    member: ForeignKey<Person>,
    #[model(on_delete = "set_null")]
    invited_by: Option<ForeignKey<Person>>,
}

fn models() -> Vec<&'static alder_db::ModelMeta> {
    vec![
        Label::META,
        Note::META,
        Labelling::META,
        Person::META,
        Band::META,
        Membership::META,
    ]
}

async fn migrated() -> Vec<Database> {
    let mut out = Vec::new();
    for db in testing::all().await.unwrap() {
        let migration = testing::migrate_models(&db, "notes", models())
            .await
            .unwrap();
        let created: Vec<String> = migration
            .operations
            .iter()
            .map(Operation::describe)
            .collect();
        assert!(
            created
                .iter()
                .all(|d| !d.contains("Note_labels") && !d.contains("Band_members")),
            "no automatic through table: {created:?}"
        );
        assert_eq!(created.len(), 6, "{created:?}");
        out.push(db);
    }
    out
}

#[tokio::test]
async fn the_accessor_and_lookups_go_through_the_model() {
    for db in migrated().await {
        let mut note = Note {
            id: Auto::new(),
            title: "todo".into(),
            labels: ManyToMany::new(),
        };
        crud::save(&db, &mut note).await.unwrap();
        let mut labels = Vec::new();
        for name in ["home", "work"] {
            let mut l = Label {
                id: Auto::new(),
                name: name.into(),
            };
            crud::save(&db, &mut l).await.unwrap();
            labels.push(l);
        }
        // Through the accessor (extra fields left NULL) and as a row of the through model.
        Note::labels().add(&db, &note, &labels[0]).await.unwrap();
        let mut row = Labelling {
            id: Auto::new(),
            note: ForeignKey::to(&note).unwrap(),
            label: ForeignKey::to(&labels[1]).unwrap(),
            added_by: Some("ann".into()),
        };
        crud::save(&db, &mut row).await.unwrap();

        let names: Vec<String> = Note::labels()
            .of(&note)
            .unwrap()
            .order_by(Label::name().asc())
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|l| l.name)
            .collect();
        assert_eq!(names, ["home", "work"]);
        let at_work = Note::objects().filter(Note::labels().has(Label::name().eq("work")));
        assert_eq!(at_work.count(&db).await.unwrap(), 1);
        let by_str = Note::objects()
            .filter_path(
                &alder_db::FieldPaths::new(["labels__name"]),
                "labels__name",
                "home",
            )
            .unwrap();
        assert_eq!(by_str.count(&db).await.unwrap(), 1);
        let by_ann = Labelling::objects().filter(Labelling::added_by().eq("ann"));
        assert_eq!(
            by_ann.get(&db).await.unwrap().label.id(),
            labels[1].id.get().unwrap()
        );
        assert!(Note::labels().remove(&db, &note, &labels[0]).await.unwrap());
        assert_eq!(
            Note::labels().of(&note).unwrap().count(&db).await.unwrap(),
            1
        );
    }
}

#[tokio::test]
async fn through_fields_pick_the_keys_when_there_are_more() {
    for db in migrated().await {
        let mut people = Vec::new();
        for name in ["Ann", "Bob"] {
            let mut p = Person {
                id: Auto::new(),
                name: name.into(),
            };
            crud::save(&db, &mut p).await.unwrap();
            people.push(p);
        }
        let mut band = Band {
            id: Auto::new(),
            members: ManyToMany::new(),
        };
        crud::save(&db, &mut band).await.unwrap();
        let mut joined = Membership {
            id: Auto::new(),
            band: ForeignKey::to(&band).unwrap(),
            member: ForeignKey::to(&people[1]).unwrap(),
            invited_by: Some(ForeignKey::to(&people[0]).unwrap()),
        };
        crud::save(&db, &mut joined).await.unwrap();
        let members = Band::members().of(&band).unwrap().all(&db).await.unwrap();
        assert_eq!(members.len(), 1);
        assert_eq!(
            members[0].name, "Bob",
            "the member, not the one who invited"
        );
        let bands = Band::objects().filter(Band::members().has(Person::name().eq("Ann")));
        assert_eq!(bands.count(&db).await.unwrap(), 0);
    }
}
