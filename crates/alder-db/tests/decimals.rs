//! Decimal fields: exact on PostgreSQL, NUMERIC on SQLite, rounded to their places and
//! refused when too large, on both backends.

use alder_db::{crud, schema, testing, Auto, DbError, Decimal, FieldKind, Model};

#[derive(Model, Debug, Clone)]
struct Invoice {
    id: Auto<i64>,
    #[model(max_digits = 8, decimal_places = 2)]
    total: Decimal,
    #[model(max_digits = 5, decimal_places = 3)]
    rate: Option<Decimal>,
}

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

#[test]
fn metadata_and_migration_state_know_the_precision() {
    let total = Invoice::META.field("total").unwrap();
    assert_eq!(total.kind, FieldKind::Decimal);
    assert_eq!(total.decimal, Some((8, 2)));
    assert!(Invoice::META.field("rate").unwrap().nullable);
}

#[tokio::test]
async fn decimals_round_trip_compare_and_round() {
    for db in testing::all().await.unwrap() {
        schema::create_model(&db, Invoice::META).await.unwrap();
        for (total, rate) in [("19.99", Some("0.125")), ("100", None), ("0.10", Some("1"))] {
            let mut i = Invoice {
                id: Auto::new(),
                total: d(total),
                rate: rate.map(d),
            };
            crud::save(&db, &mut i).await.unwrap();
        }
        let all = Invoice::objects()
            .order_by(Invoice::total().asc())
            .all(&db)
            .await
            .unwrap();
        let totals: Vec<Decimal> = all.iter().map(|i| i.total).collect();
        assert_eq!(
            totals,
            [d("0.10"), d("19.99"), d("100")],
            "{:?}",
            db.backend()
        );
        assert_eq!(all[1].rate, Some(d("0.125")));
        assert_eq!(all[2].rate, None);

        // `eq(None)` is IS NULL, as for every other type.
        let no_rate = Invoice::objects().filter(Invoice::rate().eq(None::<Decimal>));
        assert_eq!(no_rate.count(&db).await.unwrap(), 1);
        let over = Invoice::objects().filter(Invoice::total().gt(d("19.98")));
        assert_eq!(over.count(&db).await.unwrap(), 2);
        let by_str = Invoice::objects()
            .filter_str("total__lte", "19.99")
            .unwrap();
        assert_eq!(by_str.count(&db).await.unwrap(), 2);
        assert!(Invoice::objects().filter_str("total__gt", "lots").is_err());

        // A decimal total stays a Decimal, exact: 19.99 + 100 + 0.10.
        let total: Option<Decimal> = Invoice::objects()
            .aggregate(&db, Invoice::total().sum())
            .await
            .unwrap();
        assert_eq!(total, Some(d("120.09")), "{:?}", db.backend());
        let rates: Option<Decimal> = Invoice::objects()
            .aggregate(&db, Invoice::rate().sum())
            .await
            .unwrap();
        assert_eq!(rates, Some(d("1.125")), "NULL rates are left out");
        // An aggregate of a sliced query is refused rather than computed over every row.
        let sliced = Invoice::objects()
            .limit(1)
            .aggregate(&db, Invoice::total().sum())
            .await;
        assert!(matches!(sliced, Err(DbError::Sliced(_))), "{sliced:?}");
        let sliced = Invoice::objects()
            .offset(1)
            .group_by(&db, Invoice::rate(), Invoice::id().count())
            .await;
        assert!(matches!(sliced, Err(DbError::Sliced(_))), "{sliced:?}");

        // Rounded to two places, half away from zero, before it is stored.
        let mut i = Invoice {
            id: Auto::new(),
            total: d("2.345"),
            rate: None,
        };
        crud::save(&db, &mut i).await.unwrap();
        crud::refresh(&db, &mut i).await.unwrap();
        assert_eq!(i.total, d("2.35"));

        // Six digits before the point at most (8 - 2): a seventh is refused, nothing stored.
        let mut big = Invoice {
            id: Auto::new(),
            total: d("1234567.5"),
            rate: None,
        };
        let err = crud::save(&db, &mut big).await.unwrap_err();
        assert!(
            matches!(err, DbError::DecimalTooLarge { max_digits: 8, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("Invoice.total"), "{err}");
        assert_eq!(Invoice::objects().count(&db).await.unwrap(), 4);
        let mut fits = big.clone();
        fits.total = d("999999.99");
        crud::save(&db, &mut fits).await.unwrap();
        crud::refresh(&db, &mut fits).await.unwrap();
        assert_eq!(fits.total, d("999999.99"));

        // bulk_update rounds and checks the same way.
        fits.total = d("1.005");
        fits.rate = Some(d("0.5"));
        crud::bulk_update(&db, &[fits.clone()], &["total", "rate"])
            .await
            .unwrap();
        crud::refresh(&db, &mut fits).await.unwrap();
        assert_eq!((fits.total, fits.rate), (d("1.01"), Some(d("0.5"))));
        fits.total = d("7654321");
        let err = crud::bulk_update(&db, &[fits], &["total"])
            .await
            .unwrap_err();
        assert!(matches!(err, DbError::DecimalTooLarge { .. }), "{err}");
    }
}
