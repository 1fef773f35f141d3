//! Forms as a person and a server meet them: what `{{ form }}` draws, what comes back after a
//! bad submission, each kind of bad input, and a page's round trip through a handler.

mod common;

use alder_web::db::{Choices, ValidationError, ValidationErrors};
use alder_web::forms::{BoundForm, Form, FormData};
use alder_web::routing::get;
use alder_web::test::TestClient;
use alder_web::{context, App, Project, Redirect, Result, Settings, Templates};

#[derive(Choices, Debug, Clone, Copy, PartialEq)]
enum Topic {
    Rust,
    Web,
    #[choice(label = "Databases & SQL")]
    Databases,
}

fn no_spam(body: &str) -> std::result::Result<(), ValidationError> {
    if body.to_lowercase().contains("buy now") {
        Err(ValidationError::new("spam", "No advertising, please."))
    } else {
        Ok(())
    }
}

fn passwords_match(form: &Signup) -> std::result::Result<(), ValidationError> {
    if form.password == form.again {
        Ok(())
    } else {
        Err(ValidationError::invalid("The two passwords differ."))
    }
}

#[derive(Form, Debug)]
struct Comment {
    #[form(max_length = 40, help_text = "Shown beside your comment.")]
    name: String,
    #[form(email)]
    email: Option<String>,
    #[form(widget = "textarea", min_length = 3, validate = "no_spam")]
    body: String,
    #[form(min = 1, max = 5, initial = 3)]
    stars: i32,
    topic: Topic,
    #[form(required = false)]
    topics: Vec<Topic>,
    #[form(label = "Notify me")]
    notify: bool,
    visited: Option<alder_web::db::chrono::NaiveDate>,
}

#[derive(Form, Debug)]
#[form(clean = "passwords_match")]
struct Signup {
    #[form(slug, max_length = 20)]
    username: String,
    #[form(widget = "password", min_length = 8)]
    password: String,
    #[form(widget = "password", label = "Password again")]
    again: String,
    #[form(required, label = "I accept the terms")]
    terms: bool,
}

fn data(text: &str) -> FormData {
    FormData::parse(text)
}

fn errors_of<F: alder_web::forms::FromForm>(text: &str) -> BoundForm {
    match F::validate(&data(text)) {
        Ok(_) => panic!("{text} was accepted"),
        Err(form) => form,
    }
}

fn codes(form: &BoundForm, field: &str) -> Vec<String> {
    form.errors()
        .field(field)
        .iter()
        .map(|e| e.code().to_string())
        .collect()
}

#[test]
fn a_valid_submission_becomes_the_struct() {
    let comment = Comment::validate(&data(
        "name=+Ada+&body=Lovely+post&stars=5&topic=web&topics=rust&topics=databases&notify=on&visited=2026-12-01",
    ))
    .unwrap();
    assert_eq!(comment.name, "Ada", "text is trimmed");
    assert_eq!(comment.email, None);
    assert_eq!(comment.stars, 5);
    assert_eq!(comment.topic, Topic::Web);
    assert_eq!(comment.topics, [Topic::Rust, Topic::Databases]);
    assert!(comment.notify);
    assert_eq!(comment.visited.unwrap().to_string(), "2026-12-01");
}

#[test]
fn each_bad_input_gets_its_field_error() {
    let form = errors_of::<Comment>(
        "name=&email=nope&body=hi&stars=9&topic=cooking&topics=web&topics=sport&visited=01%2F12%2F2026",
    );
    assert_eq!(codes(&form, "name"), ["required"]);
    assert_eq!(codes(&form, "email"), ["invalid"]);
    assert_eq!(codes(&form, "body"), ["min_length"]);
    assert_eq!(codes(&form, "stars"), ["max_value"]);
    assert_eq!(codes(&form, "topic"), ["invalid_choice"]);
    assert_eq!(
        codes(&form, "topics"),
        ["invalid_choice"],
        "one bad value among good ones"
    );
    assert_eq!(codes(&form, "visited"), ["invalid"]);
    assert_eq!(
        form.errors().field("visited")[0].message(),
        "Enter a valid date (YYYY-MM-DD)."
    );
    assert!(
        form.errors().field("notify").is_empty(),
        "an unticked checkbox is false"
    );

    let form = errors_of::<Comment>("name=A&body=abc&stars=99999999999&topic=rust");
    assert_eq!(
        form.errors().field("stars")[0].message(),
        "Enter a whole number from -2147483648 to 2147483647."
    );
    let long = "x".repeat(41);
    let form = errors_of::<Comment>(&format!("name={long}&body=abc&stars=1&topic=rust"));
    assert_eq!(codes(&form, "name"), ["max_length"]);
}

#[test]
fn custom_checks_run_after_the_rules_and_the_whole_form_last() {
    let form = errors_of::<Comment>("name=A&body=Buy+now%21&stars=1&topic=rust");
    assert_eq!(
        form.errors().field("body")[0].message(),
        "No advertising, please."
    );
    // The custom check is skipped when a rule already failed.
    let form = errors_of::<Comment>("name=A&body=by&stars=1&topic=rust");
    assert_eq!(codes(&form, "body"), ["min_length"]);

    let form = errors_of::<Signup>("username=ada&password=longenough&again=different&terms=on");
    assert_eq!(
        form.errors().non_field()[0].message(),
        "The two passwords differ."
    );
    let form = errors_of::<Signup>("username=ada+l&password=short&again=short");
    assert_eq!(codes(&form, "username"), ["invalid"]);
    assert_eq!(codes(&form, "password"), ["min_length"]);
    assert_eq!(
        codes(&form, "terms"),
        ["required"],
        "a required checkbox must be ticked"
    );
    assert!(
        form.errors().non_field().is_empty(),
        "clean runs only on valid fields"
    );
}

#[test]
fn odd_bytes_and_floods_are_errors_not_panics() {
    // Invalid UTF-8 percent-encoded: replaced, then judged as text.
    let form = errors_of::<Signup>("username=%FF%FE&password=12345678&again=12345678&terms=on");
    assert_eq!(codes(&form, "username"), ["invalid"]);
    let flood: String = (0..10_000).map(|i| format!("f{i}=x&")).collect();
    let form = errors_of::<Comment>(&flood);
    assert_eq!(codes(&form, "name"), ["required"]);
    // A repeated single-value field: the last value counts, as Django's QueryDict.get.
    let comment = Comment::validate(&data("name=A&name=B&body=abc&stars=1&topic=rust")).unwrap();
    assert_eq!(comment.name, "B");
}

fn render(template: &str, form: &BoundForm) -> String {
    common::render(template, context! { form })
}

#[test]
fn the_whole_form_draws_labels_controls_and_the_rules_as_html5() {
    let html = render("{{ form }}", &Comment::unbound());
    for part in [
        r#"<label for="id_name">Name</label>"#,
        r#"<div class="helptext" id="id_name_helptext">Shown beside your comment.</div>"#,
        r#"<input type="text" name="name" id="id_name" required aria-describedby="id_name_helptext" maxlength="40">"#,
        r#"<input type="email" name="email" id="id_email">"#,
        r#"<textarea name="body" id="id_body" required cols="40" rows="10" minlength="3">"#,
        r#"<input type="number" name="stars" id="id_stars" required value="3" min="1" max="5">"#,
        r#"<select name="topic" id="id_topic" required><option value="" selected disabled>---------</option><option value="rust">Rust</option>"#,
        r#"<option value="databases">Databases &amp; SQL</option>"#,
        r#"<select name="topics" id="id_topics" multiple>"#,
        r#"<label for="id_notify">Notify me</label>"#,
        r#"<input type="checkbox" name="notify" id="id_notify">"#,
        r#"<input type="date" name="visited" id="id_visited">"#,
        r#"<div class="field required">"#,
    ] {
        assert!(html.contains(part), "missing {part}\nin {html}");
    }
}

#[test]
fn a_refused_form_shows_what_was_sent_and_why_but_never_the_password() {
    let form = errors_of::<Comment>(
        "name=%3Cb%3EAda%3C%2Fb%3E&body=hi&stars=2&topic=web&topics=rust&topics=web&notify=on",
    );
    let html = render("{{ form }}", &form);
    for part in [
        r#"value="&lt;b&gt;Ada&lt;/b&gt;""#,
        r#"<ul class="errorlist" id="id_body_error"><li>Ensure this value has at least 3 characters (it has 2).</li></ul>"#,
        r#"<textarea name="body" id="id_body" required aria-invalid="true" aria-describedby="id_body_error""#,
        "\nhi</textarea>",
        r#"<option value="web" selected>Web</option>"#,
        r#"<input type="checkbox" name="notify" id="id_notify" checked>"#,
        r#"<div class="field field-error required">"#,
    ] {
        assert!(html.contains(part), "missing {part}\nin {html}");
    }
    assert!(!html.contains("<b>Ada"), "the value is escaped");

    let form = errors_of::<Signup>("username=ada&password=secret-pass&again=other-pass&terms=on");
    let html = render("{{ form }}", &form);
    assert!(
        !html.contains("secret-pass") && !html.contains("other-pass"),
        "{html}"
    );
    assert!(
        html.starts_with(r#"<ul class="errorlist"><li>The two passwords differ.</li></ul>"#),
        "{html}"
    );
}

#[test]
fn fields_can_be_laid_out_by_hand() {
    let form = errors_of::<Comment>("name=Ada&body=hi&stars=2&topic=web");
    let html = render(
        "{% for field in form %}[{{ field.name }}]{% endfor %}|{{ form.body.label_tag }}|{{ form.body.errors|length }}|{% for e in form.body.errors %}{{ e }}{% endfor %}|{{ form.name.value }}|{{ form.name.as_field_group }}|{{ form.is_bound }}",
        &form,
    );
    let parts: Vec<&str> = html.split('|').collect();
    assert_eq!(
        parts[0],
        "[name][email][body][stars][topic][topics][notify][visited]"
    );
    assert_eq!(parts[1], r#"<label for="id_body">Body</label>"#);
    assert_eq!(parts[2], "1");
    assert_eq!(
        parts[3],
        "Ensure this value has at least 3 characters (it has 2)."
    );
    assert_eq!(parts[4], "Ada");
    assert!(
        parts[5].starts_with(r#"<label for="id_name">Name</label>"#),
        "{}",
        parts[5]
    );
    assert_eq!(parts[6], "True", "minijinja prints booleans as Jinja does");
}

#[test]
fn an_object_fills_the_form_for_editing() {
    let signup = Signup {
        username: "ada".into(),
        password: "x".into(),
        again: "x".into(),
        terms: true,
    };
    let form = signup.initial();
    assert_eq!(form.field("username").unwrap().value(), "ada");
    let html = render("{{ form.terms }}", &form);
    assert!(html.contains("checked"), "{html}");
}

#[test]
fn a_project_overrides_the_form_templates() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("alder/forms")).unwrap();
    std::fs::write(
        dir.path().join("alder/forms/field.html"),
        r#"<p class="mine">{{ field.label_tag }}{{ field }}</p>"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("page.html"), "{{ form }}").unwrap();
    let mut settings = Settings::debug();
    settings.templates_dir = dir.path().into();
    let site = Project::new(settings).build().unwrap();
    let html = site
        .templates()
        .render_to_string("page.html", context! { form => Signup::unbound() })
        .unwrap();
    assert!(
        html.contains(r#"<p class="mine"><label for="id_username">Username</label><input"#),
        "{html}"
    );
}

// A page's round trip: GET the empty form, POST a bad one, POST a good one.

async fn comment_page(
    t: Templates,
    method: http::Method,
    sent: FormData,
) -> Result<axum::response::Response> {
    use axum::response::IntoResponse;
    if method == http::Method::GET {
        return Ok(t
            .render("comment.html", context! { form => Comment::unbound() })?
            .into_response());
    }
    match Comment::validate(&sent) {
        Ok(comment) => Ok(Redirect::to(&format!("/thanks/?name={}", comment.name)).into_response()),
        Err(form) => Ok(t.render("comment.html", context! { form })?.into_response()),
    }
}

fn site() -> (tempfile::TempDir, Project) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("comment.html"),
        r#"<form method="post">{{ csrf_input }}{{ form }}<button>Send</button></form>"#,
    )
    .unwrap();
    let mut settings = Settings::debug();
    settings.templates_dir = dir.path().into();
    let project = Project::new(settings).app(App::new("site").route(
        "/comment/",
        get(comment_page).post(comment_page),
        "comment",
    ));
    (dir, project)
}

#[tokio::test]
async fn a_form_page_round_trip_with_csrf_enforced() {
    let (_dir, project) = site();
    let client = TestClient::new(project).enforce_csrf_checks();
    let page = client.get("/comment/").await;
    page.assert_ok()
        .assert_contains(r#"<input type="text" name="name" id="id_name" required"#);
    let token = page
        .text()
        .split(r#"name="csrfmiddlewaretoken" value=""#)
        .nth(1)
        .unwrap()[..64]
        .to_string();
    let bad = client
        .post("/comment/")
        .form(&[
            ("csrfmiddlewaretoken", token.as_str()),
            ("name", "Ada"),
            ("body", "hi"),
            ("stars", "4"),
            ("topic", "rust"),
        ])
        .await;
    bad.assert_ok()
        .assert_contains(r#"value="Ada""#)
        .assert_contains("Ensure this value has at least 3 characters");
    let good = client
        .post("/comment/")
        .form(&[
            ("csrfmiddlewaretoken", token.as_str()),
            ("name", "Ada"),
            ("body", "Lovely"),
            ("stars", "4"),
            ("topic", "rust"),
        ])
        .await;
    good.assert_status(303);
    assert_eq!(good.header("location"), Some("/thanks/?name=Ada"));
}

#[tokio::test]
async fn the_form_extractor_refuses_what_is_not_a_form() {
    let (_dir, project) = site();
    let client = TestClient::new(project);
    client
        .post("/comment/")
        .json(&serde_json::json!({"name": "Ada"}))
        .await
        .assert_status(415)
        .assert_contains("expected a form");
    client
        .post("/comment/")
        .body("--x\r\n", "multipart/form-data; boundary=x")
        .await
        .assert_status(400)
        .assert_contains("the multipart form could not be read");
    // A GET form reads the query string.
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::debug();
    settings.max_body_size = 64;
    settings.templates_dir = dir.path().into();
    let client = TestClient::new(
        Project::new(settings).app(
            App::new("s").route(
                "/q/",
                get(|d: FormData| async move { d.get_all("t").collect::<Vec<_>>().join(",") })
                    .post(|d: FormData| async move { d.pairs().count().to_string() }),
                "q",
            ),
        ),
    );
    client
        .get("/q/?t=a&t=b")
        .await
        .assert_ok()
        .assert_contains("a,b");
    client
        .post("/q/")
        .form(&[("a", "x".repeat(100))])
        .await
        .assert_status(413);
}

#[test]
fn errors_from_elsewhere_join_the_form() {
    let mut form = errors_of::<Signup>("username=ada");
    let mut taken = ValidationErrors::new();
    taken.add(
        "username",
        ValidationError::new("unique", "This username is taken."),
    );
    form.add_errors(taken);
    assert!(codes(&form, "username").contains(&"unique".to_string()));
}

// What the review of the forms found, each pinned.

#[derive(Form, Debug)]
#[allow(dead_code)]
struct Awkward {
    data: String,
    errors: String,
    r#type: String,
    #[form(widget = "hidden", min_length = 3)]
    token: String,
}

#[test]
fn fields_named_like_the_generated_code_still_work() {
    let form = Awkward::validate(&data("data=a&errors=b&type=c&token=abc")).unwrap();
    assert_eq!(
        (
            form.data.as_str(),
            form.errors.as_str(),
            form.r#type.as_str()
        ),
        ("a", "b", "c")
    );
    assert_eq!(Awkward::FIELDS[2].name(), "type");
    // A hidden field's error is shown (above the visible fields), not lost.
    let refused = errors_of::<Awkward>("data=a&errors=b&type=c&token=x");
    let html = render("{{ form }}", &refused);
    assert!(
        html.contains("Ensure this value has at least 3 characters"),
        "{html}"
    );
    assert!(
        html.contains(r#"<input type="hidden" name="token" id="id_token" value="x">"#),
        "{html}"
    );
}

#[derive(Form, Debug)]
struct Preferences {
    #[form(initial = true)]
    notify: bool,
    #[form(initial = 5)]
    limit: Option<i32>,
    #[form(widget = "password")]
    secret: String,
    #[form(widget = "radio")]
    topics: Vec<Topic>,
    #[form(widget = "time")]
    at: alder_web::db::chrono::NaiveTime,
}

#[test]
fn an_edit_form_shows_the_object_as_stored_and_never_its_password() {
    let stored = Preferences {
        notify: false,
        limit: None,
        secret: "hunter2".into(),
        topics: vec![Topic::Web],
        at: alder_web::db::chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
    };
    let html = render("{{ form }}", &stored.initial());
    assert!(!html.contains("hunter2"), "{html}");
    assert!(
        html.contains(r#"<input type="checkbox" name="notify" id="id_notify">"#),
        "unticked as stored: {html}"
    );
    assert!(
        html.contains(r#"<input type="number" name="limit" id="id_limit">"#),
        "empty as stored: {html}"
    );
    assert!(html.contains(r#"value="09:00""#), "{html}");
    // A required list of checkboxes: no `required` on each box (the browser would want all).
    assert!(
        html.contains(
            r#"<input type="checkbox" name="topics" value="web" id="id_topics_1" checked>"#
        ),
        "{html}"
    );
    // The blank form does show the defaults.
    let blank = render("{{ form.notify }}{{ form.limit }}", &Preferences::unbound());
    assert!(
        blank.contains("checked") && blank.contains(r#"value="5""#),
        "{blank}"
    );
}

#[test]
fn nul_characters_and_repeated_values() {
    let form = errors_of::<Comment>("name=A%00B&body=abc&stars=1&topic=rust");
    assert_eq!(codes(&form, "name"), ["null_characters_not_allowed"]);
    // The page shows the value the form read: the last one.
    let form = errors_of::<Comment>("name=A&body=ab&stars=1&topic=rust&topic=web");
    let html = render("{{ form.topic }}", &form);
    assert!(
        html.contains(r#"<option value="web" selected>"#)
            && !html.contains(r#"<option value="rust" selected>"#),
        "{html}"
    );
}

#[derive(alder_web::db::Model, Form, Debug)]
#[allow(dead_code)]
struct Price {
    id: i64,
    #[model(max_digits = 5, decimal_places = 2)]
    amount: alder_web::db::Decimal,
    note: Option<String>,
    #[model(blank)]
    remark: Option<String>,
}

#[test]
fn a_model_form_leaves_out_a_key_found_by_name_and_keeps_the_models_rules() {
    let names: Vec<&str> = Price::FIELDS.iter().map(|f| f.name()).collect();
    assert_eq!(
        names,
        ["amount", "note", "remark"],
        "`id` is the key: never typed in"
    );
    let mut price = Price {
        id: 7,
        amount: Default::default(),
        note: None,
        remark: None,
    };
    let Err(form) = price.update(&data("amount=1234.5&note=")) else {
        panic!()
    };
    assert_eq!(codes(&form, "amount"), ["max_whole_digits"]);
    assert_eq!(
        codes(&form, "note"),
        ["required"],
        "an Option without blank is required, as Django"
    );
    assert!(codes(&form, "remark").is_empty());
    price.update(&data("amount=12.50&note=ok")).unwrap();
    assert_eq!((price.id, price.amount.to_string().as_str()), (7, "12.50"));
    let html = render("{{ form.amount }}", &Price::unbound());
    assert!(html.contains(r#"step="0.01""#), "{html}");
}
