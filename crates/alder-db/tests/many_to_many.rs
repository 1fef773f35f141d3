//! Many-to-many fields: the through table from migrations, add/remove/clear/query.

use alder_db::{crud, testing, Auto, Database, ManyToMany, Model};

#[derive(Model, Debug, Clone)]
struct Tag {
    id: Auto<i64>,
    #[model(max_length = 20)]
    name: String,
}

#[derive(Model, Debug, Clone)]
struct Post {
    id: Auto<i64>,
    #[model(max_length = 20)]
    title: String,
    tags: ManyToMany<Tag>,
}

#[derive(Model, Debug, Clone)]
struct Person {
    id: Auto<i64>,
    friends: ManyToMany<Person>,
}

async fn migrated() -> Vec<Database> {
    let mut out = Vec::new();
    for db in testing::all().await.unwrap() {
        let models = vec![Post::META, Tag::META, Person::META];
        let migration = testing::migrate_models(&db, "blog", models).await.unwrap();
        let names: Vec<String> = migration.operations.iter().map(|o| o.describe()).collect();
        assert_eq!(
            names,
            [
                "Create model Person",
                "Create model Person_friends",
                "Create model Post",
                "Create model Tag",
                "Create model Post_tags"
            ],
            "the through tables come after the models they join"
        );
        out.push(db);
    }
    out
}

#[tokio::test]
async fn add_remove_clear_and_query() {
    for db in migrated().await {
        let mut post = Post {
            id: Auto::new(),
            title: "Hi".into(),
            tags: ManyToMany::new(),
        };
        crud::save(&db, &mut post).await.unwrap();
        let mut tags = vec![
            Tag {
                id: Auto::new(),
                name: "rust".into(),
            },
            Tag {
                id: Auto::new(),
                name: "web".into(),
            },
            Tag {
                id: Auto::new(),
                name: "db".into(),
            },
        ];
        crud::bulk_create(&db, &mut tags).await.unwrap();
        for tag in &tags {
            Post::tags().add(&db, &post, tag).await.unwrap();
        }
        Post::tags().add(&db, &post, &tags[0]).await.unwrap();
        assert_eq!(
            Post::tags().of(&post).unwrap().count(&db).await.unwrap(),
            3,
            "adding twice changes nothing"
        );
        let some = Post::tags()
            .of(&post)
            .unwrap()
            .filter(Tag::name().ne("web"))
            .order_by(Tag::name().asc())
            .all(&db)
            .await
            .unwrap();
        assert_eq!(
            some.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
            ["db", "rust"],
            "{:?}",
            db.backend()
        );

        assert!(Post::tags().remove(&db, &post, &tags[1]).await.unwrap());
        assert!(!Post::tags().remove(&db, &post, &tags[1]).await.unwrap());
        crud::delete(&db, &tags[2]).await.unwrap();
        assert_eq!(
            Post::tags().of(&post).unwrap().count(&db).await.unwrap(),
            1,
            "a deleted tag leaves its pairs"
        );
        assert_eq!(Post::tags().clear(&db, &post).await.unwrap(), 1);

        let mut ann = Person {
            id: Auto::new(),
            friends: ManyToMany::new(),
        };
        let mut bob = Person {
            id: Auto::new(),
            friends: ManyToMany::new(),
        };
        crud::save(&db, &mut ann).await.unwrap();
        crud::save(&db, &mut bob).await.unwrap();
        Person::friends().add(&db, &ann, &bob).await.unwrap();
        let friends = Person::friends().of(&ann).unwrap().all(&db).await.unwrap();
        assert_eq!(friends.len(), 1);
        assert_eq!(
            Person::friends()
                .of(&bob)
                .unwrap()
                .count(&db)
                .await
                .unwrap(),
            0,
            "a relation has a direction"
        );
    }
}

#[test]
fn metadata_names_the_through_tables() {
    let friends = &Person::META.many_to_many[0];
    assert_eq!(
        (
            friends.through_table,
            friends.source_column,
            friends.target_column
        ),
        (
            "many_to_many_person_friends",
            "from_person_id",
            "to_person_id"
        )
    );
    assert!(
        Post::META.fields.iter().all(|f| f.name != "tags"),
        "a many-to-many field is no column"
    );
}

#[tokio::test]
async fn adding_a_pair_twice_inside_a_transaction_keeps_it_committable() {
    for db in migrated().await {
        let mut post = Post {
            id: Auto::new(),
            title: "Tx".into(),
            tags: ManyToMany::new(),
        };
        crud::save(&db, &mut post).await.unwrap();
        let mut tag = Tag {
            id: Auto::new(),
            name: "once".into(),
        };
        crud::save(&db, &mut tag).await.unwrap();
        let tx = db.begin().await.unwrap();
        Post::tags().add(tx.db(), &post, &tag).await.unwrap();
        Post::tags().add(tx.db(), &post, &tag).await.unwrap();
        tx.commit()
            .await
            .expect("no statement failed, so the commit is real");
        assert_eq!(Post::tags().of(&post).unwrap().count(&db).await.unwrap(), 1);
    }
}
