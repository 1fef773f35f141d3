//! Formsets: the management fields, extra forms, limits, deletion, and what a refused set
//! shows again.

mod common;

use alder_web::context;
use alder_web::forms::{BoundFormSet, Form, FormData, FormSet};

#[derive(Form, Debug)]
struct Line {
    #[form(max_length = 20)]
    product: String,
    #[form(min = 1, initial = 1)]
    quantity: i32,
}

fn data(text: &str) -> FormData {
    FormData::parse(text)
}

fn render(set: &BoundFormSet, template: &str) -> String {
    common::render(template, context! { formset => set })
}

#[test]
fn filled_forms_are_read_and_untouched_extra_ones_skipped() {
    let lines = FormSet::<Line>::new().extra(3);
    let items = lines
        .validate(&data(
            "form-TOTAL_FORMS=3&form-INITIAL_FORMS=0&form-0-product=Tea&form-0-quantity=2\
             &form-1-product=Cake&form-1-quantity=1&form-2-product=&form-2-quantity=1",
        ))
        .unwrap();
    let got: Vec<(&str, i32, usize)> = items
        .iter()
        .map(|i| (i.value.product.as_str(), i.value.quantity, i.index))
        .collect();
    assert_eq!(got, [("Tea", 2, 0), ("Cake", 1, 1)]);
}

#[test]
fn a_set_with_a_bad_form_comes_back_with_its_errors_under_prefixed_names() {
    let lines = FormSet::<Line>::new().prefix("lines");
    let Err(set) = lines.validate(&data(
        "lines-TOTAL_FORMS=2&lines-INITIAL_FORMS=0&lines-0-product=Tea&lines-0-quantity=2\
         &lines-1-product=%3Cb%3E&lines-1-quantity=0",
    )) else {
        panic!("a quantity of 0 is refused")
    };
    assert_eq!(
        set.forms()[1].errors().field("quantity")[0].code(),
        "min_value"
    );
    let html = render(&set, "{{ formset }}");
    for part in [
        r#"<input type="hidden" name="lines-TOTAL_FORMS" id="id_lines-TOTAL_FORMS" value="2">"#,
        r#"<input type="hidden" name="lines-INITIAL_FORMS" id="id_lines-INITIAL_FORMS" value="0">"#,
        r#"<label for="id_lines-1-quantity">Quantity</label>"#,
        r#"<ul class="errorlist" id="id_lines-1-quantity_error"><li>Ensure this value is greater than or equal to 1.</li></ul>"#,
        r#"name="lines-1-product" id="id_lines-1-product" required value="&lt;b&gt;""#,
        r#"name="lines-0-quantity" id="id_lines-0-quantity" required value="2""#,
    ] {
        assert!(html.contains(part), "missing {part}\nin {html}");
    }
    let by_hand = render(&set, "{{ formset.management_form }}{% for form in formset %}[{{ form.product.html_name }}]{% endfor %}");
    assert!(
        by_hand.ends_with("[lines-0-product][lines-1-product]"),
        "{by_hand}"
    );
}

#[test]
fn tampered_or_oversized_management_data_is_the_sets_error() {
    let lines = FormSet::<Line>::new().max_num(10);
    for sent in [
        "form-0-product=Tea",
        "form-TOTAL_FORMS=x&form-INITIAL_FORMS=0",
    ] {
        let Err(set) = lines.validate(&data(sent)) else {
            panic!("{sent}")
        };
        assert_eq!(
            set.non_form_errors()[0].message(),
            "ManagementForm data is missing or has been tampered with."
        );
    }
    // A claim of a million forms is refused before any is read.
    let Err(set) = lines.validate(&data("form-TOTAL_FORMS=1000000&form-INITIAL_FORMS=0")) else {
        panic!()
    };
    assert_eq!(
        set.non_form_errors()[0].message(),
        "Please submit at most 10 forms."
    );
    assert!(set.forms().is_empty());
}

#[test]
fn deleted_forms_are_marked_not_checked_and_min_num_counts_the_rest() {
    let lines = FormSet::<Line>::new().can_delete().min_num(1);
    let items = lines
        .validate(&data(
            "form-TOTAL_FORMS=2&form-INITIAL_FORMS=2&form-0-product=Tea&form-0-quantity=2\
             &form-1-product=Cake&form-1-quantity=0&form-1-DELETE=on",
        ))
        .unwrap();
    assert_eq!(
        items.len(),
        1,
        "the deleted form's bad quantity is not checked"
    );
    assert!(!items[0].deleted);
    let Err(set) = lines.validate(&data(
        "form-TOTAL_FORMS=1&form-INITIAL_FORMS=1&form-0-product=Tea&form-0-quantity=2&form-0-DELETE=on",
    )) else {
        panic!("every form deleted leaves fewer than min_num")
    };
    assert_eq!(
        set.non_form_errors()[0].message(),
        "Please submit at least 1 forms."
    );
    let html = render(&set, "{{ formset }}");
    assert!(
        html.contains(
            r#"<input type="checkbox" name="form-0-DELETE" id="id_form-0-DELETE" checked> Delete"#
        ),
        "{html}"
    );
}

#[test]
fn an_unbound_set_shows_the_objects_then_the_extra_forms() {
    let lines = FormSet::<Line>::new().extra(2).max_num(3);
    let set = lines.unbound(&[
        Line {
            product: "Tea".into(),
            quantity: 2,
        },
        Line {
            product: "Cake".into(),
            quantity: 1,
        },
    ]);
    assert_eq!(set.forms().len(), 3, "max_num caps the extra forms");
    let html = render(&set, "{{ formset.management_form }}|{{ formset.forms[0].product.value }}|{{ formset.forms[2].quantity.value }}");
    assert!(
        html.contains(r#"name="form-TOTAL_FORMS" id="id_form-TOTAL_FORMS" value="3""#),
        "{html}"
    );
    assert!(
        html.contains(r#"name="form-INITIAL_FORMS" id="id_form-INITIAL_FORMS" value="2""#),
        "{html}"
    );
    assert!(html.ends_with("|Tea|1"), "{html}");
}

#[test]
fn an_ordered_set_sorts_its_items_and_refuses_an_order_that_is_not_a_number() {
    let lines = FormSet::<Line>::new().can_order().extra(1);
    let items = lines
        .validate(&data(
            "form-TOTAL_FORMS=4&form-INITIAL_FORMS=0\
             &form-0-product=Tea&form-0-quantity=1&form-0-ORDER=\
             &form-1-product=Cake&form-1-quantity=1&form-1-ORDER=3\
             &form-2-product=Jam&form-2-quantity=1&form-2-ORDER=-1\
             &form-3-product=Bun&form-3-quantity=1&form-3-ORDER=3",
        ))
        .unwrap();
    let got: Vec<(&str, Option<i64>)> = items
        .iter()
        .map(|i| (i.value.product.as_str(), i.order))
        .collect();
    assert_eq!(
        got,
        [
            ("Jam", Some(-1)),
            ("Cake", Some(3)),
            ("Bun", Some(3)),
            ("Tea", None)
        ]
    );

    let Err(set) = lines.validate(&data(
        "form-TOTAL_FORMS=1&form-INITIAL_FORMS=0&form-0-product=Tea&form-0-quantity=1&form-0-ORDER=first",
    )) else {
        panic!("an order must be a number")
    };
    assert_eq!(
        set.forms()[0].errors().non_field()[0].message(),
        "Enter a whole number."
    );
    let html = render(&set, "{{ formset }}");
    assert!(
        html.contains(
            r#"<input type="number" name="form-0-ORDER" id="id_form-0-ORDER" value="first">"#
        ),
        "{html}"
    );

    let shown = render(
        &lines.unbound(&[Line {
            product: "Tea".into(),
            quantity: 2,
        }]),
        "{{ formset }}",
    );
    assert!(
        shown.contains(r#"name="form-0-ORDER" id="id_form-0-ORDER" value="1">"#),
        "{shown}"
    );
    assert!(
        shown.contains(r#"name="form-1-ORDER" id="id_form-1-ORDER" value="">"#),
        "{shown}"
    );
}
