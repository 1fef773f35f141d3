//! Inline formsets against real databases: a parent's children shown with their keys,
//! edited, added and deleted in one transaction, and nothing written when any form is
//! refused or names a child that is not the parent's.

mod common;

use alder_web::context;
use alder_web::db::{testing, Auto, Database, ForeignKey, Model};
use alder_web::forms::{Form, FormData, InlineFormSet};

#[derive(Model, Debug)]
struct Order {
    id: Auto<i64>,
    #[model(max_length = 20)]
    client: String,
}

#[derive(Model, Debug)]
#[model(display = "{name}")]
struct Product {
    id: Auto<i64>,
    #[model(max_length = 20)]
    name: String,
}

#[derive(Model, Form, Debug)]
#[model(
    table = "inline_line",
    ordering = "id",
    unique_together = "order, product"
)]
#[form(fields = "product, quantity")]
struct Line {
    id: Auto<i64>,
    order: ForeignKey<Order>,
    product: ForeignKey<Product>,
    #[model(min = 1)]
    quantity: i32,
}

/// A refund protects the line it refunds from being deleted.
#[derive(Model, Debug)]
struct Refund {
    id: Auto<i64>,
    #[model(on_delete = "protect")]
    line: ForeignKey<Line>,
}

/// The same table through a form that (wrongly) offers the order.
#[derive(Model, Form, Debug)]
#[model(table = "inline_line")]
#[form(fields = "order, product, quantity")]
struct MovableLine {
    id: Auto<i64>,
    order: ForeignKey<Order>,
    product: ForeignKey<Product>,
    quantity: i32,
}

fn lines() -> InlineFormSet<Order, Line> {
    InlineFormSet::new(Line::order(), |order| Line {
        id: Auto::new(),
        order,
        product: ForeignKey::new(0),
        quantity: 1,
    })
}

/// Per backend: orders 1 (Ann) and 2 (Bob); products tea = 1, cake = 2, jam = 3; Ann's
/// order has lines 1 (tea × 2) and 2 (cake × 1), Bob's line 3 (jam × 5).
async fn databases() -> Vec<(Database, Order)> {
    let mut out = Vec::new();
    for db in testing::all().await.unwrap() {
        testing::migrate_models(
            &db,
            "inline_formsets",
            vec![Order::META, Product::META, Line::META, Refund::META],
        )
        .await
        .unwrap();
        for client in ["Ann", "Bob"] {
            Order {
                id: Auto::new(),
                client: client.into(),
            }
            .save(&db)
            .await
            .unwrap();
        }
        for name in ["tea", "cake", "jam"] {
            Product {
                id: Auto::new(),
                name: name.into(),
            }
            .save(&db)
            .await
            .unwrap();
        }
        for (order, product, quantity) in [(1, 1, 2), (1, 2, 1), (2, 3, 5)] {
            Line {
                id: Auto::new(),
                order: ForeignKey::new(order),
                product: ForeignKey::new(product),
                quantity,
            }
            .save(&db)
            .await
            .unwrap();
        }
        let ann = Order::objects()
            .filter(Order::id().eq(1))
            .get(&db)
            .await
            .unwrap();
        out.push((db, ann));
    }
    out
}

async fn stored(db: &Database) -> Vec<(i64, i64, i64, i32)> {
    Line::objects()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|l| {
            (
                l.id.get().unwrap(),
                l.order.id(),
                l.product.id(),
                l.quantity,
            )
        })
        .collect()
}

fn data(text: &str) -> FormData {
    FormData::parse(text)
}

#[tokio::test]
async fn the_parents_children_are_shown_with_their_keys_then_blank_forms() {
    for (db, ann) in databases().await {
        let set = lines()
            .with(|set| set.extra(1))
            .unbound(&db, &ann)
            .await
            .unwrap();
        assert_eq!(
            set.forms().len(),
            3,
            "two lines of Ann's, one blank ({:?})",
            db.backend()
        );
        assert_eq!(set.forms()[1].field("quantity").unwrap().value(), "1");
        for form in set.forms() {
            assert_eq!(
                form.related_choices("product").unwrap().len(),
                3,
                "loaded once, shown by each"
            );
        }
        let html = common::render("{{ formset }}", context! { formset => set });
        for part in [
            r#"<input type="hidden" name="line_set-TOTAL_FORMS" id="id_line_set-TOTAL_FORMS" value="3">"#,
            r#"<input type="hidden" name="line_set-INITIAL_FORMS" id="id_line_set-INITIAL_FORMS" value="2">"#,
            r#"<input type="hidden" name="line_set-0-id" id="id_line_set-0-id" value="1">"#,
            r#"<input type="hidden" name="line_set-1-id" id="id_line_set-1-id" value="2">"#,
            r#"name="line_set-1-DELETE""#,
            r#"<option value="2" selected>cake</option>"#,
        ] {
            assert!(html.contains(part), "{part} missing from {html}");
        }
        assert!(
            !html.contains(r#"name="line_set-2-id""#),
            "a blank form has no key: {html}"
        );
    }
}

#[tokio::test]
async fn deleting_a_protected_child_is_the_set_s_error_and_writes_nothing() {
    for (db, ann) in databases().await {
        Refund {
            id: Auto::new(),
            line: ForeignKey::new(2),
        }
        .save(&db)
        .await
        .unwrap();
        let sent = data(
            "line_set-TOTAL_FORMS=2&line_set-INITIAL_FORMS=2\
             &line_set-0-id=1&line_set-0-product=1&line_set-0-quantity=9\
             &line_set-1-id=2&line_set-1-product=2&line_set-1-quantity=1&line_set-1-DELETE=on",
        );
        let refused = lines().save(&db, &ann, &sent).await.unwrap().unwrap_err();
        let errors: Vec<&str> = refused.non_form_errors().iter().map(|e| e.code()).collect();
        assert_eq!(errors, ["protected"], "{:?}", db.backend());
        assert!(refused.non_form_errors()[0]
            .message()
            .contains("would require deleting"));
        assert_eq!(
            stored(&db).await,
            [(1, 1, 1, 2), (2, 1, 2, 1), (3, 2, 3, 5)],
            "nothing written, the edit of line 1 neither ({:?})",
            db.backend()
        );
    }
}

#[tokio::test]
async fn edits_additions_and_deletions_are_saved_together() {
    for (db, ann) in databases().await {
        let sent = data(
            "line_set-TOTAL_FORMS=4&line_set-INITIAL_FORMS=2\
             &line_set-0-id=1&line_set-0-product=1&line_set-0-quantity=3\
             &line_set-1-id=2&line_set-1-product=2&line_set-1-quantity=1&line_set-1-DELETE=on\
             &line_set-2-product=3&line_set-2-quantity=4\
             &line_set-3-product=&line_set-3-quantity=",
        );
        let done = lines().save(&db, &ann, &sent).await.unwrap().unwrap();
        assert_eq!(done.saved.len(), 2, "{:?}", done.saved);
        assert_eq!(done.deleted.len(), 1);
        assert_eq!(
            stored(&db).await,
            [(1, 1, 1, 3), (3, 2, 3, 5), (4, 1, 3, 4)],
            "line 1 edited, 2 deleted, a jam line added to Ann's order, Bob's untouched ({:?})",
            db.backend()
        );

        // Sending the lines back unchanged writes nothing.
        let again = data(
            "line_set-TOTAL_FORMS=2&line_set-INITIAL_FORMS=2\
             &line_set-0-id=1&line_set-0-product=1&line_set-0-quantity=3\
             &line_set-1-id=4&line_set-1-product=3&line_set-1-quantity=4",
        );
        let done = lines().save(&db, &ann, &again).await.unwrap().unwrap();
        assert!(done.saved.is_empty() && done.deleted.is_empty(), "{done:?}");
    }
}

#[tokio::test]
async fn a_refused_form_writes_nothing_and_the_set_comes_back_with_its_errors() {
    for (db, ann) in databases().await {
        let before = stored(&db).await;
        let sent = data(
            "line_set-TOTAL_FORMS=3&line_set-INITIAL_FORMS=2\
             &line_set-0-id=1&line_set-0-product=1&line_set-0-quantity=9\
             &line_set-1-id=2&line_set-1-product=2&line_set-1-quantity=1&line_set-1-DELETE=on\
             &line_set-2-product=3&line_set-2-quantity=0",
        );
        let Err(set) = lines().save(&db, &ann, &sent).await.unwrap() else {
            panic!("a quantity of 0 is refused")
        };
        assert_eq!(
            set.forms()[2].errors().field("quantity")[0].code(),
            "min_value"
        );
        assert_eq!(stored(&db).await, before, "no edit, no deletion, no insert");
        let html = common::render("{{ formset }}", context! { formset => set });
        assert!(
            html.contains(r#"name="line_set-0-id" id="id_line_set-0-id" value="1""#),
            "{html}"
        );
        assert!(
            html.contains(r#"name="line_set-1-DELETE" id="id_line_set-1-DELETE" checked"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<option value="3" selected>jam</option>"#),
            "choices loaded: {html}"
        );

        // A product on offer twice in one order clashes with unique_together.
        let twice = data(
            "line_set-TOTAL_FORMS=1&line_set-INITIAL_FORMS=0\
             &line_set-0-product=1&line_set-0-quantity=1",
        );
        let Err(set) = lines().save(&db, &ann, &twice).await.unwrap() else {
            panic!("tea is on Ann's order already")
        };
        assert_eq!(
            set.forms()[0].errors().non_field()[0].code(),
            "unique_together"
        );
        assert_eq!(stored(&db).await, before);
    }
}

#[tokio::test]
async fn a_form_that_names_another_parents_child_is_refused() {
    for (db, ann) in databases().await {
        let before = stored(&db).await;
        for key in ["3", "99", "x", ""] {
            for delete in ["", "&line_set-0-DELETE=on"] {
                let sent = data(&format!(
                    "line_set-TOTAL_FORMS=1&line_set-INITIAL_FORMS=1\
                     &line_set-0-id={key}&line_set-0-product=3&line_set-0-quantity=1{delete}"
                ));
                let Err(set) = lines().save(&db, &ann, &sent).await.unwrap() else {
                    panic!("line {key:?} is not Ann's")
                };
                let errors = set.forms()[0].errors().non_field();
                assert_eq!(errors[0].code(), "invalid_choice", "{key}");
                assert_eq!(stored(&db).await, before, "Bob's line {key:?} untouched");
            }
        }

        // A form that offers the order cannot move a line to Bob's.
        let movable = InlineFormSet::new(MovableLine::order(), |order| MovableLine {
            id: Auto::new(),
            order,
            product: ForeignKey::new(0),
            quantity: 1,
        })
        .with(|set| set.prefix("line_set"));
        let sent = data(
            "line_set-TOTAL_FORMS=1&line_set-INITIAL_FORMS=1\
             &line_set-0-id=1&line_set-0-order=2&line_set-0-product=1&line_set-0-quantity=2",
        );
        let Err(set) = movable.save(&db, &ann, &sent).await.unwrap() else {
            panic!("the line stays Ann's")
        };
        assert_eq!(
            set.forms()[0].errors().non_field()[0].code(),
            "invalid_choice"
        );
        assert_eq!(stored(&db).await, before);
        // Keeping it on Ann's order is fine.
        let stays = data(
            "line_set-TOTAL_FORMS=1&line_set-INITIAL_FORMS=1\
             &line_set-0-id=1&line_set-0-order=1&line_set-0-product=1&line_set-0-quantity=2",
        );
        let done = movable.save(&db, &ann, &stays).await.unwrap().unwrap();
        assert!(done.saved.is_empty(), "nothing changed");
    }
}

#[tokio::test]
async fn management_data_and_limits_are_checked() {
    for (db, ann) in databases().await {
        let Err(set) = lines()
            .save(&db, &ann, &data("line_set-0-id=1"))
            .await
            .unwrap()
        else {
            panic!("no management data")
        };
        assert_eq!(set.non_form_errors()[0].code(), "missing_management_form");

        let at_least_one = lines().with(|set| set.min_num(1));
        let sent = data(
            "line_set-TOTAL_FORMS=2&line_set-INITIAL_FORMS=2\
             &line_set-0-id=1&line_set-0-product=1&line_set-0-quantity=2&line_set-0-DELETE=on\
             &line_set-1-id=2&line_set-1-product=2&line_set-1-quantity=1&line_set-1-DELETE=on",
        );
        let Err(set) = at_least_one.save(&db, &ann, &sent).await.unwrap() else {
            panic!("deleting every line leaves fewer than one")
        };
        assert_eq!(set.non_form_errors()[0].code(), "too_few_forms");
        assert_eq!(stored(&db).await.len(), 3);

        let unsaved = Order {
            id: Auto::new(),
            client: "Cy".into(),
        };
        assert!(
            lines().save(&db, &unsaved, &sent).await.is_err(),
            "an unsaved parent is a mistake"
        );
    }
}

#[tokio::test]
async fn two_forms_asking_for_the_same_unique_values_are_refused_together_not_by_the_database() {
    for (db, ann) in databases().await {
        let before = stored(&db).await;
        // Two new jam lines for Ann's order: each alone passes (no stored jam line of Ann's),
        // together they break `unique_together = "order, product"`.
        let sent = data(
            "line_set-TOTAL_FORMS=4&line_set-INITIAL_FORMS=2\
             &line_set-0-id=1&line_set-0-product=1&line_set-0-quantity=2\
             &line_set-1-id=2&line_set-1-product=2&line_set-1-quantity=1\
             &line_set-2-product=3&line_set-2-quantity=4\
             &line_set-3-product=3&line_set-3-quantity=1",
        );
        let Err(set) = lines().save(&db, &ann, &sent).await.unwrap() else {
            panic!("duplicates are refused ({:?})", db.backend())
        };
        let messages: Vec<&str> = set.non_form_errors().iter().map(|e| e.message()).collect();
        assert_eq!(
            messages,
            ["Please correct the duplicate data for order and product, which must be unique."]
        );
        assert!(
            set.forms()[2].errors().is_empty(),
            "the first of the two is fine"
        );
        assert_eq!(
            set.forms()[3].errors().non_field()[0].message(),
            "Please correct the duplicate values below."
        );
        assert_eq!(stored(&db).await, before, "nothing written");

        // An existing line moved onto a product a new form also asks for: the same.
        let sent = data(
            "line_set-TOTAL_FORMS=3&line_set-INITIAL_FORMS=2\
             &line_set-0-id=1&line_set-0-product=3&line_set-0-quantity=2\
             &line_set-1-id=2&line_set-1-product=2&line_set-1-quantity=1\
             &line_set-2-product=3&line_set-2-quantity=4",
        );
        let Err(set) = lines().save(&db, &ann, &sent).await.unwrap() else {
            panic!("duplicates are refused")
        };
        assert_eq!(set.non_form_errors().len(), 1);
        assert_eq!(stored(&db).await, before);

        // A deleted form's values are not counted: its product may repeat another form's.
        let sent = data(
            "line_set-TOTAL_FORMS=3&line_set-INITIAL_FORMS=2\
             &line_set-0-id=1&line_set-0-product=3&line_set-0-quantity=2&line_set-0-DELETE=on\
             &line_set-1-id=2&line_set-1-product=2&line_set-1-quantity=1\
             &line_set-2-product=3&line_set-2-quantity=4",
        );
        lines().save(&db, &ann, &sent).await.unwrap().unwrap();
    }
}
