//! `#[derive(Choices)]`: enums stored as text, with labels in the metadata.

use alder_db::{crud, schema, testing, Auto, Choices, DbError, Model};

#[derive(Choices, Clone, Copy, Debug, PartialEq)]
enum Status {
    Draft,
    #[choice(label = "Live on the site")]
    Published,
    #[choice(value = "gone")]
    Archived,
}

#[derive(Model, Debug, Clone)]
struct Article {
    id: Auto<i64>,
    status: Status,
    previous: Option<Status>,
}

#[tokio::test]
async fn choices_round_trip_and_filter() {
    for db in testing::all().await.unwrap() {
        schema::create_model(&db, Article::META).await.unwrap();
        for (status, previous) in [
            (Status::Draft, None),
            (Status::Published, Some(Status::Draft)),
            (Status::Archived, Some(Status::Published)),
        ] {
            crud::save(
                &db,
                &mut Article {
                    id: Auto::new(),
                    status,
                    previous,
                },
            )
            .await
            .unwrap();
        }
        let live = Article::objects()
            .filter(Article::status().eq(Status::Published))
            .get(&db)
            .await
            .unwrap();
        assert_eq!(live.previous, Some(Status::Draft));
        assert_eq!(
            Article::objects()
                .filter(Article::previous().is_null())
                .count(&db)
                .await
                .unwrap(),
            1
        );
        let stored = Article::objects()
            .filter(Article::status().eq(Status::Archived))
            .get(&db)
            .await
            .unwrap();
        assert_eq!(stored.status, Status::Archived);
        assert_eq!(
            Article::objects()
                .filter_str("status", "gone")
                .unwrap()
                .count(&db)
                .await
                .unwrap(),
            1
        );

        db.execute_unprepared("UPDATE choices_article SET status = 'bogus' WHERE status = 'draft'")
            .await
            .unwrap();
        let err = Article::objects().all(&db).await.unwrap_err();
        assert!(
            matches!(
                err,
                DbError::Decode {
                    field: "status",
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .contains("`bogus` is not a choice of Status (choices: draft, published, gone)"),
            "{err}"
        );
    }
}

#[test]
fn metadata_lists_values_and_labels() {
    let status = Article::META.field("status").unwrap();
    assert_eq!(
        status.choices,
        [
            ("draft", "Draft"),
            ("published", "Live on the site"),
            ("gone", "Archived")
        ]
    );
    assert_eq!(status.max_length, Some(9));
    assert_eq!(Article::META.field("previous").unwrap().choices.len(), 3);
    assert_eq!(Status::Published.label(), "Live on the site");
    let err = Article::objects()
        .filter_str("status", "deleted")
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("expected one of draft, published, gone"),
        "{err}"
    );
}
