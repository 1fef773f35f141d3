//! String-keyed filters, bulk operations, get_or_create, raw SQL and prefetching.

use alder_db::{crud, schema, testing, Auto, Database, DbError, ForeignKey, Model, Value};

#[derive(Model, Debug, Clone, PartialEq)]
#[model(ordering = "id")]
struct Tag {
    id: Auto<i64>,
    #[model(unique, max_length = 30)]
    name: String,
    uses: i32,
    active: bool,
    since: Option<alder_db::chrono::NaiveDate>,
}

#[derive(Model, Debug, Clone)]
struct Label {
    id: Auto<i64>,
    tag: ForeignKey<Tag>,
}

fn tag(name: &str, uses: i32, active: bool) -> Tag {
    Tag {
        id: Auto::new(),
        name: name.into(),
        uses,
        active,
        since: None,
    }
}

async fn setup() -> Vec<Database> {
    let dbs = testing::all().await.unwrap();
    for db in &dbs {
        schema::create_models(db, &[Tag::META, Label::META])
            .await
            .unwrap();
        let mut tags = vec![
            tag("rust", 10, true),
            tag("Go", 5, false),
            tag("rusty_nail", 1, true),
        ];
        crud::bulk_create(db, &mut tags).await.unwrap();
        assert!(
            tags.iter().all(|t| t.id.get().is_some()),
            "bulk_create fills the keys"
        );
        let ids: Vec<i64> = tags.iter().map(|t| t.id.get().unwrap()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    }
    dbs
}

#[tokio::test]
async fn string_filters_parse_values_for_the_field() {
    for db in setup().await {
        let count = |key: &str, value: &str| {
            let db = db.clone();
            let q = Tag::objects().filter_str(key, value).unwrap();
            async move { q.count(&db).await.unwrap() }
        };
        assert_eq!(count("name", "rust").await, 1);
        assert_eq!(count("name__icontains", "RUST").await, 2);
        assert_eq!(count("name__contains", "_").await, 1);
        assert_eq!(count("uses__gte", "5").await, 2);
        assert_eq!(count("uses__in", "1,10").await, 2);
        assert_eq!(count("uses__range", "2,10").await, 2);
        assert_eq!(count("active", "false").await, 1);
        assert_eq!(count("since__isnull", "true").await, 3);
        assert_eq!(
            Tag::objects()
                .exclude_str("active", "yes")
                .unwrap()
                .count(&db)
                .await
                .unwrap(),
            1
        );
    }
}

#[test]
fn string_filters_refuse_what_they_cannot_check() {
    let err = |k: &str, v: &str| Tag::objects().filter_str(k, v).unwrap_err().to_string();
    assert_eq!(
        err("nope", "1"),
        "Tag has no field `nope`; it has: id, name, uses, active, since"
    );
    assert_eq!(
        err("uses__gt", "many"),
        "lookup `gt` cannot be used on Tag.uses: expected an integer, got \"many\""
    );
    assert!(err("uses__contains", "1").contains("applies to text fields only"));
    assert!(err("name__regex", ".*").contains("the lookups are exact, iexact"));
    assert!(err("since", "31/01/2026").contains("expected a date like 2026-01-31"));
    assert!(err("uses__range", "1").contains("two values separated by a comma"));
    // SQL in a value is only ever a value.
    assert!(Tag::objects().filter_str("name", "x' OR '1'='1").is_ok());
}

#[tokio::test]
async fn get_or_create_and_update_or_create() {
    for db in setup().await {
        let (found, created) = Tag::objects()
            .get_or_create(&db, Tag::name().eq("rust"), || tag("rust", 0, true))
            .await
            .unwrap();
        assert!(!created);
        assert_eq!(found.uses, 10);
        let (new, created) = Tag::objects()
            .get_or_create(&db, Tag::name().eq("zig"), || tag("zig", 0, true))
            .await
            .unwrap();
        assert!(created && new.id.get().is_some());

        let (updated, created) = Tag::objects()
            .update_or_create(
                &db,
                Tag::name().eq("zig"),
                |t| t.uses = 7,
                || tag("zig", 0, true),
            )
            .await
            .unwrap();
        assert!(!created);
        assert_eq!(updated.uses, 7);
        assert_eq!(
            Tag::objects()
                .filter(Tag::name().eq("zig"))
                .get(&db)
                .await
                .unwrap()
                .uses,
            7
        );
        let (_, created) = Tag::objects()
            .update_or_create(
                &db,
                Tag::name().eq("odin"),
                |t| t.uses = 7,
                || tag("odin", 1, true),
            )
            .await
            .unwrap();
        assert!(created);
    }
}

#[tokio::test]
async fn raw_sql_decodes_into_models_with_bound_parameters() {
    for db in setup().await {
        let tags = Tag::objects()
            .raw(&db, "SELECT id, name, uses, active, since FROM more_queries_tag WHERE uses > ? AND name <> ? ORDER BY uses", vec![Value::from(1), Value::from("x'?")])
            .await
            .unwrap();
        let names: Vec<&str> = tags.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["Go", "rust"], "{:?}", db.backend());
    }
}

#[tokio::test]
async fn prefetch_fetches_the_targets_in_one_query() {
    for db in setup().await {
        let tags = Tag::objects().all(&db).await.unwrap();
        let mut labels: Vec<Label> = tags
            .iter()
            .chain(tags.iter())
            .map(|t| Label {
                id: Auto::new(),
                tag: ForeignKey::to(t).unwrap(),
            })
            .collect();
        crud::bulk_create(&db, &mut labels).await.unwrap();
        let targets = ForeignKey::prefetch(&db, &labels, |l| l.tag).await.unwrap();
        assert_eq!(targets.len(), 3);
        for label in &labels {
            assert_eq!(targets[&label.tag.id()].id, Auto::from(label.tag.id()));
        }
        let missing = Tag::objects().in_bulk(&db, [999i64]).await.unwrap();
        assert!(missing.is_empty());
        let err = crud::bulk_create(
            &db,
            &mut [Label {
                id: Auto::new(),
                tag: ForeignKey::new(999),
            }],
        )
        .await
        .unwrap_err();
        assert!(
            matches!(err, DbError::ForeignKeyViolation { .. }),
            "{err:?}"
        );
    }
}

#[tokio::test]
async fn aggregates_groups_and_values() {
    for db in setup().await {
        let backend = db.backend();
        assert_eq!(
            Tag::objects()
                .aggregate(&db, Tag::uses().max())
                .await
                .unwrap(),
            Some(10)
        );
        assert_eq!(
            Tag::objects()
                .aggregate(&db, Tag::uses().min())
                .await
                .unwrap(),
            Some(1)
        );
        assert_eq!(
            Tag::objects()
                .aggregate(&db, Tag::uses().sum())
                .await
                .unwrap(),
            Some(16),
            "{backend:?}"
        );
        let avg = Tag::objects()
            .aggregate(&db, Tag::uses().avg())
            .await
            .unwrap()
            .unwrap();
        assert!((avg - 16.0 / 3.0).abs() < 1e-9, "{avg}");
        assert_eq!(
            Tag::objects()
                .aggregate(&db, Tag::id().count())
                .await
                .unwrap(),
            3
        );
        let empty = Tag::objects().filter(Tag::uses().gt(100));
        assert_eq!(empty.aggregate(&db, Tag::uses().max()).await.unwrap(), None);
        assert_eq!(empty.aggregate(&db, Tag::uses().sum()).await.unwrap(), None);

        let by_active = Tag::objects()
            .group_by(&db, Tag::active(), Tag::id().count())
            .await
            .unwrap();
        assert_eq!(by_active, [(false, 1), (true, 2)], "{backend:?}");
        let uses_by_active = Tag::objects()
            .group_by(&db, Tag::active(), Tag::uses().sum())
            .await
            .unwrap();
        assert_eq!(uses_by_active, [(false, Some(5)), (true, Some(11))]);

        let names = Tag::objects()
            .filter(Tag::active().eq(true))
            .values_list(&db, Tag::name(), false)
            .await
            .unwrap();
        assert_eq!(names, ["rust", "rusty_nail"]);
        let flags = Tag::objects()
            .values_list(&db, Tag::active(), true)
            .await
            .unwrap();
        assert_eq!(flags, [false, true]);
    }
}

#[derive(Model, Debug, Clone)]
struct Small {
    id: Auto<i32>,
    n: i32,
}

#[tokio::test]
async fn small_auto_keys_and_sliced_writes() {
    for db in setup().await {
        schema::create_model(&db, Small::META).await.unwrap();
        let mut s = Small {
            id: Auto::new(),
            n: 1,
        };
        crud::save(&db, &mut s).await.unwrap();
        assert!(
            s.id.get().is_some(),
            "{:?}: an Auto<i32> key comes back",
            db.backend()
        );
        let mut more = vec![
            Small {
                id: Auto::new(),
                n: 2,
            },
            Small {
                id: Auto::new(),
                n: 3,
            },
        ];
        crud::bulk_create(&db, &mut more).await.unwrap();
        assert!(more[0].id.get() < more[1].id.get());

        let err = Tag::objects().limit(1).delete(&db).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot delete a sliced query (limit/offset): filter by primary key instead"
        );
        assert!(matches!(
            Tag::objects()
                .offset(1)
                .update(&db, [Tag::uses().set(0)])
                .await,
            Err(DbError::Sliced("update"))
        ));
        assert_eq!(
            Tag::objects().count(&db).await.unwrap(),
            3,
            "nothing was deleted"
        );
    }
}

#[tokio::test]
async fn bulk_update_writes_the_named_fields_in_one_statement() {
    for db in setup().await {
        let mut tags = Tag::objects().all(&db).await.unwrap();
        for t in &mut tags {
            t.uses += 100;
            t.active = !t.active;
            t.name.push('!'); // not in the field list: stays as stored
        }
        // The first tag twice: the later copy wins, as if each were saved in turn.
        let mut twice = tags[0].clone();
        twice.uses = 7;
        tags.push(twice);
        let changed = crud::bulk_update(&db, &tags, &["uses", "active"])
            .await
            .unwrap();
        assert_eq!(changed, 3);
        let stored = Tag::objects().all(&db).await.unwrap();
        let got: Vec<(&str, i32, bool)> = stored
            .iter()
            .map(|t| (t.name.as_str(), t.uses, t.active))
            .collect();
        assert_eq!(
            got,
            [
                ("rust", 7, false),
                ("Go", 105, true),
                ("rusty_nail", 101, false)
            ]
        );

        // Many objects: several batches, in one transaction.
        let mut many: Vec<Tag> = (0..12_000)
            .map(|i| tag(&format!("t{i}"), i, true))
            .collect();
        crud::bulk_create(&db, &mut many).await.unwrap();
        for t in &mut many {
            t.uses = -1;
        }
        assert_eq!(
            crud::bulk_update(&db, &many, &["uses"]).await.unwrap(),
            12_000
        );
        assert_eq!(
            Tag::objects()
                .filter(Tag::uses().eq(-1))
                .count(&db)
                .await
                .unwrap(),
            12_000
        );
        assert_eq!(
            crud::bulk_update::<Tag>(&db, &[], &["uses"]).await.unwrap(),
            0
        );

        // Text and dates, and NULL.
        let mut go = stored[1].clone();
        go.name = "Golang".into();
        go.since = alder_db::chrono::NaiveDate::from_ymd_opt(2009, 11, 10);
        crud::bulk_update(&db, &[go.clone()], &["name", "since"])
            .await
            .unwrap();
        crud::refresh(&db, &mut go).await.unwrap();
        assert_eq!((go.name.as_str(), go.since.is_some()), ("Golang", true));
        go.since = None;
        crud::bulk_update(&db, &[go.clone()], &["since"])
            .await
            .unwrap();
        crud::refresh(&db, &mut go).await.unwrap();
        assert_eq!(go.since, None);

        // Bad input: readable errors, nothing written.
        let err = crud::bulk_update(&db, &stored, &[]).await.unwrap_err();
        assert!(matches!(err, DbError::BulkUpdateFields { .. }), "{err}");
        let err = crud::bulk_update(&db, &stored, &["id"]).await.unwrap_err();
        assert!(err.to_string().contains("primary key"), "{err}");
        let err = crud::bulk_update(&db, &stored, &["nope"])
            .await
            .unwrap_err();
        assert!(matches!(err, DbError::UnknownField { .. }), "{err}");
        let err = crud::bulk_update(&db, &[tag("new", 1, true)], &["uses"])
            .await
            .unwrap_err();
        assert!(matches!(err, DbError::Unsaved { .. }), "{err}");
        let mut long = stored[0].clone();
        long.name = "x".repeat(31);
        let err = crud::bulk_update(&db, &[long], &["name"])
            .await
            .unwrap_err();
        assert!(matches!(err, DbError::ValueTooLong { .. }), "{err}");
        let first = Tag::objects().first(&db).await.unwrap().unwrap();
        assert_eq!(first.name, "rust", "a refused bulk_update writes nothing");
    }
}

#[tokio::test]
async fn several_values_and_aggregates_in_one_query() {
    for db in setup().await {
        // rust (10, active), Go (5, inactive), rusty_nail (1, active)
        let (total, count, most): (Option<i64>, i64, Option<i32>) = Tag::objects()
            .aggregate(
                &db,
                (Tag::uses().sum(), Tag::id().count(), Tag::uses().max()),
            )
            .await
            .unwrap();
        assert_eq!((total, count, most), (Some(16), 3, Some(10)));
        let (none_sum, none_count) = Tag::objects()
            .filter(Tag::uses().gt(100))
            .aggregate(&db, (Tag::uses().sum(), Tag::id().count()))
            .await
            .unwrap();
        assert_eq!((none_sum, none_count), (None, 0));

        let pairs: Vec<(String, i32)> = Tag::objects()
            .filter(Tag::active().eq(true))
            .order_by(Tag::uses().desc())
            .values(&db, (Tag::name(), Tag::uses()))
            .await
            .unwrap();
        assert_eq!(
            pairs,
            [("rust".to_string(), 10), ("rusty_nail".to_string(), 1)]
        );

        let flags: Vec<bool> = Tag::objects()
            .distinct()
            .order_by(Tag::active().asc())
            .values(&db, Tag::active())
            .await
            .unwrap();
        assert_eq!(flags, [false, true], "each value once");
        // Tag's default ordering is by id, which is not selected: dropped for DISTINCT.
        let mut unordered: Vec<bool> = Tag::objects()
            .distinct()
            .values(&db, Tag::active())
            .await
            .unwrap();
        unordered.sort();
        assert_eq!(unordered, [false, true]);
        assert_eq!(Tag::objects().distinct().count(&db).await.unwrap(), 3);
    }
}

#[tokio::test]
async fn concurrent_update_or_create_loses_no_update() {
    for db in setup().await {
        let backend = db.backend();
        // Eight callers at once, each adding one to the same row (created by the first).
        let bump = |db: Database| async move {
            Tag::objects()
                .update_or_create(
                    &db,
                    Tag::name().eq("counter"),
                    |t| t.uses += 1,
                    || tag("counter", 1, true),
                )
                .await
        };
        let results = futures_util::future::join_all((0..8).map(|_| bump(db.clone()))).await;
        for result in &results {
            assert!(result.is_ok(), "{backend:?}: {result:?}");
        }
        let created = results
            .iter()
            .filter(|r| matches!(r, Ok((_, true))))
            .count();
        assert_eq!(created, 1, "{backend:?}: created once");
        let counter = Tag::objects()
            .filter(Tag::name().eq("counter"))
            .get(&db)
            .await
            .unwrap();
        assert_eq!(counter.uses, 8, "{backend:?}: every increment landed");
    }
}

#[derive(Model, Debug, Clone)]
struct Marker {
    id: Auto<i64>,
}

#[tokio::test]
async fn explicit_keys_move_the_sequence_on_and_key_only_models_save() {
    for db in testing::all().await.unwrap() {
        let backend = db.backend();
        schema::create_models(&db, &[Tag::META, Marker::META])
            .await
            .unwrap();
        for id in 1..=3 {
            let mut t = tag(&format!("t{id}"), 0, true);
            t.id = Auto::from(id);
            crud::insert(&db, &mut t).await.unwrap();
        }
        // The next key the database hands out is past the ones given by hand.
        let mut next = tag("next", 0, true);
        crud::save(&db, &mut next)
            .await
            .expect("no clash with an explicit key");
        assert_eq!(next.id.get(), Some(4), "{backend:?}");
        // The sequence is never moved back: keys of deleted rows are not handed out again.
        crud::delete(&db, &next).await.unwrap();
        let mut low = tag("low", 0, true);
        low.id = Auto::from(2_000);
        crud::insert(&db, &mut low).await.unwrap();
        crud::delete(&db, &low).await.unwrap();
        let mut explicit = tag("explicit", 0, true);
        explicit.id = Auto::from(10);
        crud::insert(&db, &mut explicit).await.unwrap();
        let mut after = tag("after", 0, true);
        crud::save(&db, &mut after).await.unwrap();
        assert!(after.id.get().unwrap() > 10, "{backend:?}: {:?}", after.id);

        // A model with nothing but its key saves, and saves again.
        let mut marker = Marker { id: Auto::new() };
        marker.save(&db).await.unwrap();
        marker
            .save(&db)
            .await
            .expect("an update with nothing to set is no SQL error");
        assert_eq!(Marker::objects().count(&db).await.unwrap(), 1);
        marker.delete(&db).await.unwrap();
        marker
            .save(&db)
            .await
            .expect("a deleted key-only row is inserted again");
        assert_eq!(Marker::objects().count(&db).await.unwrap(), 1);
    }
}

#[tokio::test]
async fn in_bulk_takes_more_keys_than_a_statement_can_bind() {
    for db in setup().await {
        let backend = db.backend();
        let all = Tag::objects().all(&db).await.unwrap();
        let wanted = all[0].id.get().unwrap();
        // 40 000 keys: above SQLite's 32 766 parameters; all but one missing.
        let keys = (1_000_000..1_040_000_i64).chain([wanted]);
        let found = Tag::objects().in_bulk(&db, keys).await.unwrap();
        assert_eq!(found.len(), 1, "{backend:?}");
        assert!(found.contains_key(&wanted));
    }
}

#[derive(Model, Debug, Clone)]
struct Setting {
    #[model(primary_key, max_length = 20)]
    key: String,
    value: i32,
}

#[tokio::test]
async fn bulk_update_keeps_the_last_copy_for_text_keys_too() {
    for db in testing::all().await.unwrap() {
        let backend = db.backend();
        schema::create_model(&db, Setting::META).await.unwrap();
        for key in ["b", "a", "c"] {
            let mut s = Setting {
                key: key.into(),
                value: 0,
            };
            crud::insert(&db, &mut s).await.unwrap();
        }
        let set = |key: &str, value| Setting {
            key: key.into(),
            value,
        };
        // "a" twice, apart: the later copy wins, as if each were saved in turn.
        let objects = [set("a", 1), set("c", 3), set("b", 2), set("a", 9)];
        crud::bulk_update(&db, &objects, &["value"]).await.unwrap();
        let mut stored: Vec<(String, i32)> = Setting::objects()
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|s| (s.key, s.value))
            .collect();
        stored.sort();
        assert_eq!(
            stored,
            [("a".into(), 9), ("b".into(), 2), ("c".into(), 3)],
            "{backend:?}"
        );
    }
}
