//! Models and queries, on SQLite and (when configured) PostgreSQL.

use alder_db::{crud, schema, testing, Auto, Database, DbError, Model};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

#[derive(Model, Debug, Clone, PartialEq)]
#[model(table = "blog_post", ordering = "-published_at, title")]
struct Post {
    id: Auto<i64>,
    #[model(max_length = 20)]
    title: String,
    #[model(unique, max_length = 50)]
    slug: String,
    body: String,
    views: i32,
    rating: Option<f64>,
    draft: bool,
    published_at: Option<DateTime<Utc>>,
    day: Option<NaiveDate>,
    #[model(db_column = "extra_data")]
    extra: Option<serde_json::Value>,
    token: Option<uuid::Uuid>,
}

fn post(title: &str, views: i32, published_day: Option<u32>) -> Post {
    Post {
        id: Auto::new(),
        title: title.into(),
        slug: title.to_lowercase().replace(' ', "-"),
        body: format!("body of {title}"),
        views,
        rating: None,
        draft: published_day.is_none(),
        published_at: published_day.map(|d| Utc.with_ymd_and_hms(2026, 1, d, 12, 0, 0).unwrap()),
        day: published_day.map(|d| NaiveDate::from_ymd_opt(2026, 1, d).unwrap()),
        extra: None,
        token: None,
    }
}

async fn databases() -> Vec<Database> {
    let dbs = testing::all().await.expect("test databases");
    for db in &dbs {
        schema::create_model(db, Post::META)
            .await
            .expect("create table");
    }
    dbs
}

async fn seed(db: &Database) -> Vec<Post> {
    let mut posts = vec![
        post("Alpha", 10, Some(3)),
        post("Beta", 20, Some(1)),
        post("Gamma 100%", 30, Some(2)),
        post("draft_one", 0, None),
    ];
    for p in &mut posts {
        crud::save(db, p).await.unwrap();
    }
    posts
}

#[tokio::test]
async fn save_assigns_keys_and_get_reads_back_every_type() {
    for db in databases().await {
        let mut p = post("Typed", 7, Some(9));
        p.rating = Some(4.5);
        p.extra = Some(serde_json::json!({"tags": ["a", "b"]}));
        p.token = Some(uuid::Uuid::new_v4());
        crud::save(&db, &mut p).await.unwrap();
        let id = p.id.get().expect("an id after save");
        let back = Post::objects()
            .filter(Post::id().eq(id))
            .get(&db)
            .await
            .unwrap();
        assert_eq!(back, p, "{:?}", db.backend());
    }
}

#[tokio::test]
async fn filter_exclude_order_and_slice() {
    for db in databases().await {
        seed(&db).await;
        let backend = db.backend();
        // Default ordering: -published_at, NULLs placement differs by backend, so filter them.
        let published = Post::objects()
            .filter(Post::published_at().is_not_null())
            .all(&db)
            .await
            .unwrap();
        let titles: Vec<_> = published.iter().map(|p| p.title.as_str()).collect();
        assert_eq!(titles, ["Alpha", "Gamma 100%", "Beta"], "{backend:?}");

        let q = Post::objects()
            .filter(Post::views().gte(20))
            .order_by(Post::views().asc());
        let titles: Vec<_> = q
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.title)
            .collect();
        assert_eq!(titles, ["Beta", "Gamma 100%"]);

        let excluded = Post::objects()
            .exclude(Post::draft().eq(true))
            .count(&db)
            .await
            .unwrap();
        assert_eq!(excluded, 3);

        let either = Post::objects()
            .filter(Post::title().eq("Alpha") | Post::views().eq(30))
            .count(&db)
            .await
            .unwrap();
        assert_eq!(either, 2);

        let not = Post::objects()
            .filter(!Post::title().startswith("A"))
            .count(&db)
            .await
            .unwrap();
        assert_eq!(not, 3);

        let page = Post::objects()
            .order_by(Post::views().asc())
            .slice(1..3)
            .all(&db)
            .await
            .unwrap();
        assert_eq!(page.iter().map(|p| p.views).collect::<Vec<_>>(), [10, 20]);
        assert_eq!(Post::objects().slice(1..3).count(&db).await.unwrap(), 2);

        let in_list = Post::objects()
            .filter(Post::views().is_in([0, 30]))
            .count(&db)
            .await
            .unwrap();
        assert_eq!(in_list, 2);
        assert_eq!(
            Post::objects()
                .filter(Post::views().is_in(Vec::<i32>::new()))
                .count(&db)
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            Post::objects()
                .filter(Post::views().range(10, 20))
                .count(&db)
                .await
                .unwrap(),
            2
        );
        assert_eq!(
            Post::objects()
                .filter(Post::published_at().year(2026))
                .count(&db)
                .await
                .unwrap(),
            3
        );
        assert_eq!(
            Post::objects()
                .filter(Post::published_at().year(2025))
                .count(&db)
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            Post::objects()
                .filter(Post::day().year(2026))
                .count(&db)
                .await
                .unwrap(),
            3
        );
        assert_eq!(
            Post::objects()
                .filter(Post::day().year(i32::MAX))
                .count(&db)
                .await
                .unwrap(),
            0
        );
        let day = NaiveDate::from_ymd_opt(2026, 1, 2).unwrap();
        assert_eq!(
            Post::objects()
                .filter(Post::day().gt(day))
                .count(&db)
                .await
                .unwrap(),
            1
        );
        assert!(Post::objects()
            .filter(Post::slug().eq("beta"))
            .exists(&db)
            .await
            .unwrap());
        assert!(!Post::objects()
            .filter(Post::slug().eq("nope"))
            .exists(&db)
            .await
            .unwrap());
    }
}

#[tokio::test]
async fn string_lookups_escape_wildcards_and_respect_case() {
    for db in databases().await {
        seed(&db).await;
        let count = |q| {
            let db = db.clone();
            async move { Post::objects().filter(q).count(&db).await.unwrap() }
        };
        assert_eq!(count(Post::title().contains("100%")).await, 1);
        assert_eq!(
            count(Post::title().contains("%")).await,
            1,
            "% is a literal, not a wildcard"
        );
        assert_eq!(
            count(Post::title().contains("_")).await,
            1,
            "_ is a literal, not a wildcard"
        );
        assert_eq!(
            count(Post::title().contains("alpha")).await,
            0,
            "contains is case-sensitive"
        );
        assert_eq!(count(Post::title().icontains("ALPHA")).await, 1);
        assert_eq!(count(Post::title().endswith("ta")).await, 1);
        assert_eq!(count(Post::title().istartswith("gAm")).await, 1);
        assert_eq!(count(Post::title().iexact("BETA")).await, 1);
    }
}

#[tokio::test]
async fn get_first_and_their_errors() {
    for db in databases().await {
        seed(&db).await;
        let err = Post::objects()
            .filter(Post::title().eq("none"))
            .get(&db)
            .await
            .unwrap_err();
        assert!(matches!(err, DbError::NotFound { model: "Post" }), "{err}");
        // A unique column pinned to a value: at most one row, read without a row stream.
        let beta = Post::objects()
            .filter(Post::views().gt(0) & Post::slug().eq("beta"))
            .get(&db)
            .await
            .unwrap();
        assert_eq!(beta.title, "Beta");
        for missing in [
            Post::objects().filter(Post::slug().eq("nope")),
            Post::objects().filter(Post::id().eq(beta.id.get().unwrap()) & Post::views().gt(100)),
            Post::objects()
                .filter(Post::id().eq(beta.id.get().unwrap()))
                .offset(1),
        ] {
            let err = missing.get(&db).await.unwrap_err();
            assert!(matches!(err, DbError::NotFound { model: "Post" }), "{err}");
        }
        let err = Post::objects()
            .filter(Post::views().gt(5))
            .get(&db)
            .await
            .unwrap_err();
        assert!(
            matches!(err, DbError::MultipleObjectsReturned { count: 3, .. }),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            "get() returned more than one Post: 3 rows matched"
        );
        let first = Post::objects()
            .order_by(Post::views().desc())
            .first(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(first.title, "Gamma 100%");
        assert!(Post::objects()
            .filter(Post::views().gt(1000))
            .first(&db)
            .await
            .unwrap()
            .is_none());
    }
}

#[tokio::test]
async fn update_delete_refresh() {
    for db in databases().await {
        let mut posts = seed(&db).await;
        let changed = Post::objects()
            .filter(Post::draft().eq(true))
            .update(&db, [Post::draft().set(false), Post::views().set(5)])
            .await
            .unwrap();
        assert_eq!(changed, 1);
        let draft = &mut posts[3];
        crud::refresh(&db, draft).await.unwrap();
        assert!(!draft.draft && draft.views == 5);

        draft.title = "Renamed".into();
        crud::save(&db, draft).await.unwrap();
        assert_eq!(
            Post::objects()
                .filter(Post::title().eq("Renamed"))
                .count(&db)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            Post::objects().count(&db).await.unwrap(),
            4,
            "saving a saved object updates it"
        );

        assert!(crud::delete(&db, &posts[0]).await.unwrap());
        assert!(!crud::delete(&db, &posts[0]).await.unwrap());
        assert_eq!(
            Post::objects()
                .filter(Post::views().lt(25))
                .delete(&db)
                .await
                .unwrap(),
            2
        );
        assert_eq!(Post::objects().count(&db).await.unwrap(), 1);
    }
}

#[tokio::test]
async fn bad_values_are_typed_errors() {
    for db in databases().await {
        seed(&db).await;
        let mut long = post("A title that is far too long", 1, None);
        let err = crud::save(&db, &mut long).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "Post.title may hold at most 20 characters, got 28"
        );
        assert!(long.id.get().is_none(), "nothing was written");

        let mut duplicate = post("Alpha", 1, None);
        let err = crud::save(&db, &mut duplicate).await.unwrap_err();
        assert!(
            matches!(err, DbError::UniqueViolation { model: "Post", .. }),
            "{err:?}"
        );

        let err = Post::objects()
            .update(&db, [Post::title().set("x".repeat(21))])
            .await
            .unwrap_err();
        assert!(
            matches!(err, DbError::ValueTooLong { field: "title", .. }),
            "{err:?}"
        );

        let err = Post::objects().order_by_name("-nope").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("Post has no field `nope`; it has: id, title, slug"),
            "{err}"
        );
        let unsaved = post("x", 1, None);
        assert!(matches!(
            crud::delete(&db, &unsaved).await,
            Err(DbError::Unsaved { .. })
        ));
    }
}

#[tokio::test]
async fn order_by_name_takes_field_names_from_strings() {
    for db in databases().await {
        seed(&db).await;
        let posts = Post::objects()
            .order_by_name("-views")
            .unwrap()
            .limit(2)
            .all(&db)
            .await
            .unwrap();
        assert_eq!(posts.iter().map(|p| p.views).collect::<Vec<_>>(), [30, 20]);
    }
}

#[test]
fn metadata_describes_the_model() {
    let meta = Post::META;
    assert_eq!(meta.table, "blog_post");
    assert_eq!(meta.pk().name, "id");
    assert!(meta.pk().auto);
    let title = meta.field("title").unwrap();
    assert_eq!(title.max_length, Some(20));
    assert!(!title.nullable);
    assert!(meta.field("slug").unwrap().unique);
    assert!(meta.field("rating").unwrap().nullable);
    assert_eq!(meta.field("extra").unwrap().column, "extra_data");
    assert_eq!(
        meta.field("published_at").unwrap().verbose_name,
        "published at"
    );
    assert_eq!(meta.verbose_name_plural, "posts");
    assert_eq!(meta.ordering, ["-published_at", "title"]);
}

#[tokio::test]
async fn an_unreachable_database_names_the_url_without_its_password() {
    let err = Database::connect_with(
        "postgres://user:hunter2@127.0.0.1:1/db",
        alder_db::PoolOptions {
            acquire_timeout: std::time::Duration::from_secs(2),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("postgres://user:***@127.0.0.1:1/db") && !text.contains("hunter2"),
        "{text}"
    );
    let err = Database::connect("mysql://x").await.unwrap_err();
    assert!(matches!(err, DbError::UnsupportedUrl { .. }));
}

#[tokio::test]
async fn month_and_day_lookups() {
    for db in databases().await {
        seed(&db).await;
        let mut late = post("Late", 1, Some(1));
        // Half an hour before midnight UTC: a session in another time zone would see April.
        late.published_at = Some(Utc.with_ymd_and_hms(2025, 3, 31, 23, 30, 0).unwrap());
        late.day = NaiveDate::from_ymd_opt(2025, 3, 31);
        crud::save(&db, &mut late).await.unwrap();

        let count = |q: alder_db::Q<Post>| {
            let db = db.clone();
            async move { Post::objects().filter(q).count(&db).await.unwrap() }
        };
        assert_eq!(count(Post::published_at().month(1)).await, 3);
        assert_eq!(count(Post::published_at().month(3)).await, 1);
        assert_eq!(count(Post::published_at().month(4)).await, 0);
        assert_eq!(count(Post::published_at().day(31)).await, 1);
        assert_eq!(count(Post::day().day(2)).await, 1);
        assert_eq!(
            count(Post::day().month(3) & Post::day().year(2025)).await,
            1
        );
        // NULL dates match no part, and are kept by exclude.
        assert_eq!(
            Post::objects()
                .exclude(Post::day().month(1))
                .count(&db)
                .await
                .unwrap(),
            2
        );

        let by_str = |key: &str, value: &str| Post::objects().filter_str(key, value);
        assert_eq!(
            by_str("published_at__month", "3")
                .unwrap()
                .count(&db)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            by_str("day__day", "31").unwrap().count(&db).await.unwrap(),
            1
        );
        assert_eq!(
            by_str("day__year", "2026")
                .unwrap()
                .count(&db)
                .await
                .unwrap(),
            3
        );
        assert_eq!(
            by_str("published_at__year", "2025")
                .unwrap()
                .count(&db)
                .await
                .unwrap(),
            1
        );
        for (key, value) in [
            ("day__month", "13"),
            ("day__day", "0"),
            ("day__month", "march"),
            ("views__month", "3"),
            ("title__year", "2026"),
        ] {
            let err = by_str(key, value).unwrap_err();
            assert!(
                matches!(err, DbError::InvalidLookup { .. }),
                "{key}={value}: {err}"
            );
        }
    }
}

/// Queries of one shape run from the SQL rendered for the first; each must still bind its
/// own values, including the LIMIT and OFFSET.
#[tokio::test]
async fn queries_of_one_shape_reuse_their_sql_with_their_own_values() {
    for db in databases().await {
        let posts = seed(&db).await;
        let ids: Vec<i64> = posts.iter().map(|p| p.id.get().unwrap()).collect();
        let titles = |found: Vec<Post>| found.into_iter().map(|p| p.title).collect::<Vec<_>>();
        let before = testing::cached_statements();
        for round in 0..2 {
            let at_least = [15, 25][round];
            let found = Post::objects()
                .filter(Post::views().gte(at_least))
                .all(&db)
                .await
                .unwrap();
            // The model's ordering: newest first.
            let expected: &[&str] = [&["Gamma 100%", "Beta"][..], &["Gamma 100%"][..]][round];
            assert_eq!(titles(found), expected, "{:?}", db.backend());

            let wanted = [[ids[0], ids[3]], [ids[1], ids[2]]][round];
            let mut found = titles(
                Post::objects()
                    .filter(Post::id().is_in(wanted))
                    .all(&db)
                    .await
                    .unwrap(),
            );
            found.sort();
            let expected: &[&str] =
                [&["Alpha", "draft_one"][..], &["Beta", "Gamma 100%"][..]][round];
            assert_eq!(found, expected);

            let (low, high, skip) = [(0, 25, 0), (5, 40, 1)][round];
            let found = Post::objects()
                .filter(Post::views().range(low, high) & Post::draft().eq(false))
                .order_by(Post::views().desc())
                .slice(skip..skip + 2)
                .all(&db)
                .await
                .unwrap();
            let expected: &[&str] = [&["Beta", "Alpha"][..], &["Beta", "Alpha"][..]][round];
            assert_eq!(titles(found), expected);

            let got = Post::objects()
                .filter(Post::id().eq(ids[round + 1]))
                .get(&db)
                .await
                .unwrap();
            assert_eq!(got, posts[round + 1]);

            let found = Post::objects()
                .filter(Post::draft().eq(false))
                .offset(round as u64 + 1)
                .all(&db)
                .await
                .unwrap();
            let expected: &[&str] = [&["Gamma 100%", "Beta"][..], &["Beta"][..]][round];
            assert_eq!(titles(found), expected);

            // Filters from strings (the admin's) have shapes too.
            let found = Post::objects()
                .filter_str("views__lt", ["15", "25"][round])
                .unwrap()
                .filter_str("title__in", "Alpha,Beta,draft_one")
                .unwrap()
                .all(&db)
                .await
                .unwrap();
            let expected: &[&str] = [
                &["Alpha", "draft_one"][..],
                &["Alpha", "Beta", "draft_one"][..],
            ][round];
            let mut found = titles(found);
            found.sort();
            assert_eq!(found, expected);

            let at_least = Post::objects().filter(Post::views().gte([15, 25][round]));
            assert_eq!(at_least.count(&db).await.unwrap(), [2, 1][round]);
            let over = Post::objects().filter(Post::views().gt([25, 30][round]));
            assert_eq!(over.exists(&db).await.unwrap(), [true, false][round]);
        }
        assert_eq!(
            testing::cached_statements(),
            before + 8,
            "each shape is cached once, on {:?}",
            db.backend()
        );
    }
}

/// A second model on the same table, with fewer columns and its own ordering: it must not
/// run SQL cached for the first.
#[derive(Model, Debug)]
#[model(table = "blog_post", ordering = "-views")]
struct PostViews {
    id: Auto<i64>,
    views: i32,
}

#[tokio::test]
async fn two_models_on_one_table_keep_their_own_sql() {
    for db in databases().await {
        let posts = seed(&db).await;
        let id = posts[1].id.get().unwrap();
        let post = Post::objects()
            .filter(Post::id().eq(id))
            .all(&db)
            .await
            .unwrap();
        assert_eq!(post[0].title, "Beta");
        let views = PostViews::objects()
            .filter(PostViews::id().eq(id))
            .all(&db)
            .await
            .unwrap();
        assert_eq!(views[0].views, 20, "{:?}", db.backend());
        let most: Vec<i32> = PostViews::objects()
            .filter(PostViews::views().gte(0))
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.views)
            .collect();
        assert_eq!(most, [30, 20, 10, 0], "PostViews' own ordering");
    }
}

#[tokio::test]
async fn exists_honours_a_slice() {
    for db in databases().await {
        seed(&db).await;
        let all = Post::objects();
        assert!(all.clone().offset(3).exists(&db).await.unwrap());
        assert!(!all.clone().offset(4).exists(&db).await.unwrap());
        assert!(!all.clone().limit(0).exists(&db).await.unwrap());
        assert!(all.clone().slice(1..3).exists(&db).await.unwrap());
    }
}
