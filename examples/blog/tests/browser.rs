//! The demo in a real browser: headless Chromium driven over WebDriver against the project
//! served on 127.0.0.1. Each page is checked for what a reader sees and saved as a screenshot
//! under `target/screenshots/` to look at. Needs ChromeDriver (`scripts/chromium` starts it
//! and the test script exports its URL); without it the test is skipped, except under CI.

use std::path::PathBuf;

use alder::test::LiveServer;
use alder::Settings;
use fantoccini::{Client, ClientBuilder, Locator};

const WEBDRIVER_VAR: &str = "ALDER_TEST_WEBDRIVER_URL";

fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).expect("a screenshots folder");
    dir
}

/// A headless Chromium session, or `None` when no WebDriver is running (outside CI).
async fn browser(profile: &tempfile::TempDir) -> Option<Client> {
    let Ok(url) = std::env::var(WEBDRIVER_VAR) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "{WEBDRIVER_VAR} is not set under CI: the test script must start ChromeDriver"
        );
        eprintln!("skipped: {WEBDRIVER_VAR} is not set (run scripts/chromium)");
        return None;
    };
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1100,900",
                format!("--user-data-dir={}", profile.path().display()),
            ],
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&url)
        .await
        .expect("a WebDriver session");
    Some(client)
}

async fn live_blog() -> LiveServer {
    live_blog_with(Settings::debug()).await
}

async fn live_blog_with(mut settings: Settings) -> LiveServer {
    settings.database_url = Some("sqlite::memory:".into());
    let site = blog::project_with(settings)
        .build()
        .expect("the demo builds");
    site.migrate().await.expect("migrations apply");
    LiveServer::start(site).await.expect("the demo serves")
}

async fn submit(browser: &Client) {
    browser
        .find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn shoot(browser: &Client, name: &str) {
    let png = browser.screenshot().await.expect("a screenshot");
    std::fs::write(screenshots().join(format!("{name}.png")), png).expect("saved");
}

/// The text of the first element matching `css`, waiting (up to 10 s) for it to appear: after
/// a click that submits a form, the next page may still be loading.
async fn text_of(browser: &Client, css: &str) -> String {
    browser
        .wait()
        .at_most(std::time::Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no `{css}` on the page: {e}"))
        .text()
        .await
        .expect("its text")
}

/// Waits (up to 10 s) until the first element matching `css` starts with `start`; panics
/// with what the page shows otherwise.
async fn wait_for_text(browser: &Client, css: &str, start: &str) {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(element) = browser.find(Locator::Css(css)).await {
            last = element.text().await.unwrap_or_default();
            if last.starts_with(start) {
                return;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("`{css}` never started with {start:?}; last seen {last:?}");
}

#[tokio::test]
async fn a_reader_goes_from_the_index_to_a_post_and_its_author() {
    let profile = tempfile::tempdir().unwrap();
    let Some(browser) = browser(&profile).await else {
        return;
    };
    let server = live_blog().await;

    browser.goto(&server.url("/")).await.unwrap();
    let link = browser
        .find(Locator::LinkText("Welcome to Alder"))
        .await
        .expect("the welcome post is listed");
    shoot(&browser, "blog-index").await;

    link.click().await.unwrap();
    assert_eq!(
        browser.current_url().await.unwrap().path(),
        "/posts/welcome/"
    );
    assert_eq!(text_of(&browser, "h1").await, "Welcome to Alder");
    assert!(text_of(&browser, "body")
        .await
        .contains("This post was written by a data migration."));
    shoot(&browser, "blog-post").await;

    browser
        .find(Locator::LinkText("The Alder team"))
        .await
        .expect("the author is linked")
        .click()
        .await
        .unwrap();
    let page = text_of(&browser, "body").await;
    assert!(page.contains("The Alder team"), "{page}");
    assert!(
        page.contains("cannot be deleted"),
        "the delete preview shows: {page}"
    );
    shoot(&browser, "blog-author").await;

    // A post that is not there: the debug 404 page, as a developer sees it, says which
    // handler found nothing and what it looked for, not that no route matched.
    browser.goto(&server.url("/posts/nope/")).await.unwrap();
    let page = text_of(&browser, "body").await;
    assert!(page.contains("No Post matches the given query."), "{page}");
    assert!(page.contains("blog::blog::views::detail"), "{page}");
    assert!(!page.contains("No route matched"), "{page}");
    shoot(&browser, "debug-404-handler").await;
    browser.goto(&server.url("/nowhere/")).await.unwrap();
    assert!(text_of(&browser, "#routes").await.contains("blog:detail"));
    shoot(&browser, "debug-404-no-route").await;

    browser.close().await.unwrap();
    server.stop().await.unwrap();
}

/// The browser test: the browser refuses an empty required field itself, the server
/// refuses what the browser lets through, then a good comment is saved and shown.
#[tokio::test]
async fn a_reader_leaves_a_comment_through_the_form() {
    let profile = tempfile::tempdir().unwrap();
    let Some(browser) = browser(&profile).await else {
        return;
    };
    let server = live_blog().await;
    browser.goto(&server.url("/posts/welcome/")).await.unwrap();
    let field = |css: &'static str| {
        let browser = browser.clone();
        async move {
            browser
                .find(Locator::Css(css))
                .await
                .unwrap_or_else(|e| panic!("no {css}: {e}"))
        }
    };
    shoot(&browser, "blog-comment-form").await;

    // Empty name: the browser's own check stops the submission (the page does not change).
    field("#id_body")
        .await
        .send_keys("A thoughtful comment.")
        .await
        .unwrap();
    field("button[type=submit]").await.click().await.unwrap();
    let missing = browser
        .execute(
            "return document.querySelector('#id_name').validity.valueMissing",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(missing, serde_json::json!(true));
    assert!(text_of(&browser, "h2").await.starts_with("0 comments"));

    // An address the browser accepts (`type=email` takes `ada@example`) but the server does not.
    field("#id_name").await.send_keys("Ada").await.unwrap();
    field("#id_email")
        .await
        .send_keys("ada@example")
        .await
        .unwrap();
    field("button[type=submit]").await.click().await.unwrap();
    let errors = text_of(&browser, "#id_email_error").await;
    assert!(errors.contains("Enter a valid email address."), "{errors}");
    let kept = field("#id_body").await.prop("value").await.unwrap();
    assert_eq!(
        kept.as_deref(),
        Some("A thoughtful comment."),
        "what was typed is kept"
    );
    shoot(&browser, "blog-comment-refused").await;

    // Corrected: saved, and the post shows it.
    let email = field("#id_email").await;
    email.clear().await.unwrap();
    email.send_keys("ada@example.com").await.unwrap();
    field("button[type=submit]").await.click().await.unwrap();
    // The redirect's page may still be loading: wait until it shows the saved comment.
    wait_for_text(&browser, "h2", "1 comment").await;
    assert!(text_of(&browser, ".comment")
        .await
        .contains("A thoughtful comment."));
    assert_eq!(
        browser.current_url().await.unwrap().path(),
        "/posts/welcome/"
    );
    // The thank-you message, once; the name is remembered for the next comment.
    assert_eq!(
        text_of(&browser, ".messages .success").await,
        "Thank you: your comment is posted."
    );
    shoot(&browser, "blog-comment-saved").await;
    browser
        .execute("window.scrollTo(0, 0)", vec![])
        .await
        .unwrap();
    shoot(&browser, "blog-comment-message").await;
    browser.refresh().await.unwrap();
    wait_for_text(&browser, "h2", "1 comment").await;
    let flashes = browser
        .find_all(Locator::Css(".messages li"))
        .await
        .unwrap();
    assert!(flashes.is_empty(), "the message is shown once");
    assert_eq!(
        field("#id_name")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("Ada")
    );

    browser.close().await.unwrap();
    server.stop().await.unwrap();
}

#[tokio::test]
async fn the_debug_500_page_reads_well() {
    use alder::routing::get;
    let profile = tempfile::tempdir().unwrap();
    let Some(browser) = browser(&profile).await else {
        return;
    };
    async fn broken() -> alder::Result<&'static str> {
        let io = std::io::Error::other("disk full");
        Err(alder::Error::other("saving the upload", io))
    }
    let site = alder::Project::new(Settings::debug())
        .app(alder::App::new("files").route("/upload/", get(broken), "upload"))
        .build()
        .unwrap();
    let server = LiveServer::start(site).await.unwrap();
    browser.goto(&server.url("/upload/?page=2")).await.unwrap();
    let chain = text_of(&browser, "#error-chain").await;
    assert!(
        chain.contains("saving the upload") && chain.contains("disk full"),
        "{chain}"
    );
    shoot(&browser, "debug-500").await;
    browser.close().await.unwrap();
    server.stop().await.unwrap();
}

#[tokio::test]
async fn an_author_uploads_a_portrait_and_sees_it_on_their_page() {
    let profile = tempfile::tempdir().unwrap();
    let Some(browser) = browser(&profile).await else {
        return;
    };
    let media = tempfile::tempdir().unwrap();
    let mut settings = Settings::debug();
    settings.media_root = media.path().into();
    let server = live_blog_with(settings).await;
    browser.goto(&server.url("/authors/1/edit/")).await.unwrap();
    shoot(&browser, "blog-profile-form").await;

    // A page renamed .png: refused by the server, which read its bytes.
    let files = tempfile::tempdir().unwrap();
    let fake = files.path().join("me.png");
    std::fs::write(&fake, "<html>not an image</html>").unwrap();
    let photo = browser.find(Locator::Css("#id_photo")).await.unwrap();
    photo.send_keys(&fake.display().to_string()).await.unwrap();
    submit(&browser).await;
    let error = text_of(&browser, "#id_photo_error").await;
    assert!(error.starts_with("Upload a valid image."), "{error}");
    shoot(&browser, "blog-profile-refused").await;

    // A real portrait: stored, and shown on the author's page, served from media_url.
    let portrait = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/portrait.png");
    let photo = browser.find(Locator::Css("#id_photo")).await.unwrap();
    photo
        .send_keys(&portrait.display().to_string())
        .await
        .unwrap();
    submit(&browser).await;
    browser
        .wait()
        .at_most(std::time::Duration::from_secs(10))
        .for_element(Locator::Css("img.portrait"))
        .await
        .expect("the author page shows the portrait");
    // Loaded and decoded by the browser, not a broken-image icon.
    let width = browser
        .execute(
            "const img = document.querySelector('img.portrait'); \
             return img.complete ? img.naturalWidth : await new Promise(r => img.onload = () => r(img.naturalWidth));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(width, serde_json::json!(96));
    assert!(media
        .path()
        .join("authors_author/photo/portrait.png")
        .exists());
    shoot(&browser, "blog-profile-saved").await;

    browser.goto(&server.url("/authors/1/edit/")).await.unwrap();
    let current = text_of(&browser, ".profile-form").await;
    assert!(
        current.contains("Currently: authors_author/photo/portrait.png"),
        "{current}"
    );
    shoot(&browser, "blog-profile-current").await;

    browser.close().await.unwrap();
    server.stop().await.unwrap();
}

/// Waits (up to 10 s) until the browser is at `path`.
async fn wait_for_path(browser: &Client, path: &str) {
    let mut last = String::new();
    for _ in 0..100 {
        last = browser.current_url().await.unwrap().path().to_string();
        if last == path {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("never reached {path}; still at {last}");
}

async fn fill(browser: &Client, css: &str, text: &str) {
    let field = browser
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"));
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

async fn click(browser: &Client, css: &str) {
    browser
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// The browser test for accounts: sign up, log out, log in, comment as a member and
/// see the thank-you once, log out, and be sent to the login page from the members' page.
#[tokio::test]
async fn a_reader_signs_up_logs_in_comments_and_logs_out() {
    let profile = tempfile::tempdir().unwrap();
    let Some(browser) = browser(&profile).await else {
        return;
    };
    let server = live_blog().await;

    // Members only: sent to the login page.
    browser.goto(&server.url("/members/")).await.unwrap();
    wait_for_path(&browser, "/accounts/login/").await;
    shoot(&browser, "auth-login").await;

    // Sign up (the link in the header), and be logged in at once.
    click(&browser, "header a[href='/accounts/signup/']").await;
    wait_for_path(&browser, "/accounts/signup/").await;
    fill(&browser, "#id_username", "grace").await;
    fill(&browser, "#id_email", "grace@example.com").await;
    fill(&browser, "#id_password1", "a long enough passphrase").await;
    fill(&browser, "#id_password2", "a long enough passphrase").await;
    shoot(&browser, "auth-signup").await;
    click(&browser, ".auth-form button[type=submit]").await;
    wait_for_path(&browser, "/").await;
    assert_eq!(text_of(&browser, "header nav a").await, "grace");
    shoot(&browser, "auth-signed-up").await;

    // Log out, then in again through the members' page.
    click(&browser, "header form.logout button").await;
    wait_for_text(&browser, "header nav a", "Log in").await;
    browser.goto(&server.url("/members/")).await.unwrap();
    wait_for_path(&browser, "/accounts/login/").await;
    fill(&browser, "#id_username", "grace").await;
    fill(&browser, "#id_password", "a long enough passphrase").await;
    click(&browser, ".auth-form button[type=submit]").await;
    wait_for_path(&browser, "/members/").await;
    assert!(text_of(&browser, "main p")
        .await
        .starts_with("Welcome, grace."));
    shoot(&browser, "auth-members").await;

    // A comment as a member: no name to give, the thank-you shown once.
    browser.goto(&server.url("/posts/welcome/")).await.unwrap();
    assert_eq!(text_of(&browser, ".signed").await, "Commenting as grace.");
    fill(&browser, "#id_body", "Written while logged in.").await;
    click(&browser, ".comment-form button[type=submit]").await;
    wait_for_text(&browser, "h2", "1 comment").await;
    assert!(text_of(&browser, ".comment .meta")
        .await
        .starts_with("grace, "));
    assert_eq!(
        text_of(&browser, ".messages .success").await,
        "Thank you: your comment is posted."
    );
    browser
        .execute("window.scrollTo(0, 0)", vec![])
        .await
        .unwrap();
    shoot(&browser, "auth-commented").await;
    browser.refresh().await.unwrap();
    wait_for_text(&browser, "h2", "1 comment").await;
    assert!(browser
        .find_all(Locator::Css(".messages li"))
        .await
        .unwrap()
        .is_empty());

    // Log out: the members' page sends to the login page again.
    click(&browser, "header form.logout button").await;
    wait_for_text(&browser, "header nav a", "Log in").await;
    browser.goto(&server.url("/members/")).await.unwrap();
    wait_for_path(&browser, "/accounts/login/").await;

    browser.close().await.unwrap();
    server.stop().await.unwrap();
}

/// The account pages a member uses besides logging in: changing the password from the
/// members' page, then forgetting it and resetting it through the e-mailed link (the mail
/// app keeps mail in memory here, so the test reads the link a reader would click).
#[tokio::test]
async fn a_member_changes_and_then_resets_the_password() {
    use figment::providers::{Format, Serialized, Toml};
    let profile = tempfile::tempdir().unwrap();
    let Some(browser) = browser(&profile).await else {
        return;
    };
    let mut base = Settings::debug();
    base.database_url = Some("sqlite::memory:".into());
    let figment = figment::Figment::from(Serialized::defaults(base))
        .merge(Toml::string("[mail]\nbackend = \"memory\"\n"));
    let site = blog::project_with(Settings::from_figment(figment).unwrap())
        .build()
        .expect("the demo builds");
    site.migrate().await.expect("migrations apply");
    let server = LiveServer::start(site.clone())
        .await
        .expect("the demo serves");

    // A member, signed up and logged in.
    browser
        .goto(&server.url("/accounts/signup/"))
        .await
        .unwrap();
    fill(&browser, "#id_username", "grace").await;
    fill(&browser, "#id_email", "grace@example.com").await;
    fill(&browser, "#id_password1", "a long enough passphrase").await;
    fill(&browser, "#id_password2", "a long enough passphrase").await;
    click(&browser, ".auth-form button[type=submit]").await;
    wait_for_path(&browser, "/").await;

    // Password change, from the members' page: a wrong old password first.
    browser.goto(&server.url("/members/")).await.unwrap();
    click(&browser, "main a[href='/accounts/password_change/']").await;
    wait_for_path(&browser, "/accounts/password_change/").await;
    fill(&browser, "#id_old_password", "not my password").await;
    fill(&browser, "#id_new_password1", "a second passphrase").await;
    fill(&browser, "#id_new_password2", "a second passphrase").await;
    click(&browser, ".auth-form button[type=submit]").await;
    wait_for_text(
        &browser,
        ".errorlist",
        "Your old password was entered incorrectly",
    )
    .await;
    shoot(&browser, "auth-password-change-refused").await;
    fill(&browser, "#id_old_password", "a long enough passphrase").await;
    fill(&browser, "#id_new_password1", "a second passphrase").await;
    fill(&browser, "#id_new_password2", "a second passphrase").await;
    click(&browser, ".auth-form button[type=submit]").await;
    wait_for_path(&browser, "/accounts/password_change/done/").await;
    assert_eq!(text_of(&browser, "main h1").await, "Password changed");
    shoot(&browser, "auth-password-changed").await;

    // Forgotten: out, then the link on the login page.
    click(&browser, "header form.logout button").await;
    wait_for_text(&browser, "header nav a", "Log in").await;
    browser.goto(&server.url("/accounts/login/")).await.unwrap();
    click(&browser, "main a[href='/accounts/password_reset/']").await;
    wait_for_path(&browser, "/accounts/password_reset/").await;
    fill(&browser, "#id_email", "grace@example.com").await;
    shoot(&browser, "auth-password-reset-form").await;
    click(&browser, ".auth-form button[type=submit]").await;
    wait_for_path(&browser, "/accounts/password_reset/done/").await;
    shoot(&browser, "auth-password-reset-sent").await;

    let outbox = alder::contrib::mail::outbox(&site);
    assert_eq!(outbox.len(), 1, "one e-mail");
    let link = outbox[0]
        .text
        .split_whitespace()
        .find(|word| word.contains("/accounts/reset/"))
        .expect("a link in the e-mail")
        .to_string();
    let path = link.splitn(4, '/').nth(3).map(|p| format!("/{p}")).unwrap();
    browser.goto(&server.url(&path)).await.unwrap();
    wait_for_text(&browser, "main h1", "Enter new password").await;
    assert!(browser
        .current_url()
        .await
        .unwrap()
        .path()
        .ends_with("/set-password/"));
    fill(&browser, "#id_new_password1", "a third passphrase").await;
    fill(&browser, "#id_new_password2", "a third passphrase").await;
    shoot(&browser, "auth-password-reset-confirm").await;
    click(&browser, ".auth-form button[type=submit]").await;
    wait_for_path(&browser, "/accounts/reset/done/").await;
    shoot(&browser, "auth-password-reset-complete").await;

    // The link is spent; the new password logs in.
    browser.goto(&server.url(&path)).await.unwrap();
    wait_for_text(&browser, "main h1", "Password reset unsuccessful").await;
    shoot(&browser, "auth-password-reset-spent").await;
    browser.goto(&server.url("/accounts/login/")).await.unwrap();
    fill(&browser, "#id_username", "grace").await;
    fill(&browser, "#id_password", "a third passphrase").await;
    click(&browser, ".auth-form button[type=submit]").await;
    wait_for_path(&browser, "/").await;
    assert_eq!(text_of(&browser, "header nav a").await, "grace");

    browser.close().await.unwrap();
    server.stop().await.unwrap();
}

/// The admin, as staff use it: log in through the admin's link, the index, the posts'
/// change list searched and filtered, a new post refused then saved, and a post deleted
/// after the page listing what goes with it.
#[tokio::test]
async fn staff_manage_posts_in_the_admin() {
    use alder::contrib::auth::models::{Permission, User};
    let profile = tempfile::tempdir().unwrap();
    let Some(browser) = browser(&profile).await else {
        return;
    };
    let mut settings = Settings::debug();
    settings.database_url = Some("sqlite::memory:".into());
    let site = blog::project_with(settings)
        .build()
        .expect("the demo builds");
    site.migrate().await.expect("migrations apply");
    let db = site.state().database().await.unwrap();
    let mut boss = User::new("boss", "boss@example.com");
    boss.is_staff = true;
    boss.is_superuser = true;
    boss.set_password("a long admin passphrase");
    alder::db::crud::insert(&db, &mut boss).await.unwrap();
    let server = LiveServer::start(site.clone())
        .await
        .expect("the demo serves");

    browser.goto(&server.url("/admin/")).await.unwrap();
    wait_for_path(&browser, "/admin/login/").await;
    shoot(&browser, "admin-login").await;
    fill(&browser, "#id_username", "boss").await;
    fill(&browser, "#id_password", "a long admin passphrase").await;
    click(&browser, ".login button[type=submit]").await;
    wait_for_path(&browser, "/admin/").await;
    assert_eq!(text_of(&browser, "h1").await, "Blog administration");
    shoot(&browser, "admin-index").await;

    click(&browser, "a[href='/admin/blog/post/']").await;
    wait_for_path(&browser, "/admin/blog/post/").await;
    assert_eq!(text_of(&browser, "h1").await, "Select post to change");
    shoot(&browser, "admin-posts").await;
    fill(&browser, "#searchbar", "welcome").await;
    click(&browser, "form.search button").await;
    wait_for_text(&browser, ".count", "1 result").await;
    shoot(&browser, "admin-posts-searched").await;
    // The author filter in the sidebar, then a sort by title: the search is kept throughout.
    browser
        .find(Locator::LinkText("The Alder team"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&browser, ".filters li.selected", "The Alder team").await;
    click(&browser, "thead th a[href*='o=title']").await;
    wait_for_text(&browser, "thead th.sorted", "Title").await;
    let at = browser.current_url().await.unwrap();
    let query = at.query().unwrap_or("");
    for part in ["q=welcome", "author__exact=1", "o=title"] {
        assert!(query.contains(part), "{part} in {query}");
    }
    shoot(&browser, "admin-posts-filtered-sorted").await;

    // A new post: refused without its fields, then saved.
    browser
        .goto(&server.url("/admin/blog/post/add/"))
        .await
        .unwrap();
    click(&browser, "button[name=_save]").await;
    wait_for_text(&browser, ".errornote", "Please correct the errors below.").await;
    shoot(&browser, "admin-post-refused").await;
    // The slug is typed from the title (prepopulated), accents and punctuation taken out.
    fill(&browser, "#id_title", "Wr\u{ee}tten in the admin!").await;
    let slug = browser
        .find(Locator::Css("#id_slug"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(slug.as_deref(), Some("written-in-the-admin"));
    fill(&browser, "#id_title", "Written in the admin").await;
    fill(&browser, "#id_body", "A post added by staff.").await;
    // The author through the autocomplete box: typed, found, chosen.
    fill(&browser, "input.autocomplete-search", "alder").await;
    let found = browser
        .wait()
        .at_most(std::time::Duration::from_secs(10))
        .for_element(Locator::XPath(
            "//select[@id='id_author']/option[text()='The Alder team']",
        ))
        .await
        .unwrap();
    found.click().await.unwrap();
    shoot(&browser, "admin-post-author-autocomplete").await;
    click(&browser, "button[name=_save]").await;
    wait_for_path(&browser, "/admin/blog/post/").await;
    assert_eq!(
        text_of(&browser, ".messages .success").await,
        "The post \u{201c}Written in the admin\u{201d} was added successfully."
    );
    shoot(&browser, "admin-post-added").await;

    // Not published yet: the "publish" action on it, chosen in the action bar.
    let row = "//tr[th/a[text()='Written in the admin']]";
    browser
        .find(Locator::XPath(&format!("{row}//input[@type='checkbox']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(
        text_of(&browser, ".action-counter").await,
        "1 of 2 selected"
    );
    browser
        .find(Locator::Css("select[name=action]"))
        .await
        .unwrap()
        .select_by_value("publish")
        .await
        .unwrap();
    shoot(&browser, "admin-posts-action").await;
    click(&browser, "button.go").await;
    wait_for_text(&browser, ".messages .success", "1 post was published.").await;
    shoot(&browser, "admin-posts-published").await;

    // Its page, then deleted after the confirmation.
    browser
        .find(Locator::LinkText("Written in the admin"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&browser, "h1", "Change post").await;
    // Edited with a mistake: a title taken away is refused, the rest of the page kept.
    fill(&browser, "#id_title", "").await;
    fill(&browser, "#id_body", "Edited in the admin.").await;
    click(&browser, "button[name=_continue]").await;
    wait_for_text(&browser, ".errornote", "Please correct the errors below.").await;
    assert!(text_of(&browser, ".field-error")
        .await
        .contains("This field is required."));
    shoot(&browser, "admin-post-change-refused").await;
    fill(&browser, "#id_title", "Written in the admin").await;
    // The folded "Publishing" section opens with a click.
    click(&browser, "details.section > summary").await;
    assert!(browser
        .find(Locator::Css("#id_published_at"))
        .await
        .unwrap()
        .is_displayed()
        .await
        .unwrap());
    // A comment added through the inline, saved with the post.
    fill(&browser, "#id_comment_set-0-name", "Staff").await;
    fill(&browser, "#id_comment_set-0-body", "Added in the admin.").await;
    browser
        .execute(
            "document.querySelector('details.section').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    shoot(&browser, "admin-post-change").await;
    click(&browser, "button[name=_continue]").await;
    wait_for_text(&browser, ".messages .success", "The post").await;
    let saved = browser
        .find(Locator::Css("#id_comment_set-0-body"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(saved.as_deref(), Some("Added in the admin."));
    // The comment's name corrected in the comments' list (list_editable), then back.
    let post_page = browser.current_url().await.unwrap();
    browser
        .goto(&server.url("/admin/blog/comment/"))
        .await
        .unwrap();
    fill(
        &browser,
        "input[name^='form-'][value='Staff']",
        "Staff (edited)",
    )
    .await;
    click(&browser, "button[name=_save]").await;
    wait_for_text(
        &browser,
        ".messages .success",
        "1 comment was changed successfully.",
    )
    .await;
    shoot(&browser, "admin-comments-edited").await;
    browser.goto(post_page.as_str()).await.unwrap();
    wait_for_text(&browser, "h1", "Change post").await;
    click(&browser, "a.deletelink").await;
    wait_for_text(&browser, "h1", "Are you sure?").await;
    assert!(text_of(&browser, "ul.summary").await.contains("Posts: 1"));
    shoot(&browser, "admin-post-delete").await;
    click(&browser, "button.danger").await;
    wait_for_path(&browser, "/admin/blog/post/").await;
    assert!(text_of(&browser, ".messages .success")
        .await
        .ends_with("was deleted successfully."));

    // A group whose permissions are picked in the two boxes (filter_horizontal): filtered
    // to the posts', two chosen, saved.
    browser
        .goto(&server.url("/admin/auth/group/add/"))
        .await
        .unwrap();
    fill(&browser, "#id_name", "Editors").await;
    fill(&browser, ".selector-available input[type=search]", "post").await;
    for codename in ["Can change post", "Can view post"] {
        browser
            .find(Locator::XPath(&format!(
                "//div[@class='selector-available']//option[contains(text(), '{codename}')]"
            )))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    click(&browser, ".selector-buttons button:first-child").await;
    shoot(&browser, "admin-group-permissions").await;
    click(&browser, "button[name=_save]").await;
    wait_for_path(&browser, "/admin/auth/group/").await;
    let editors = alder::contrib::auth::models::Group::objects()
        .filter(alder::contrib::auth::models::Group::name().eq("Editors"))
        .get(&db)
        .await
        .unwrap();
    let chosen = alder::contrib::auth::models::Group::permissions()
        .of(&editors)
        .unwrap()
        .all(&db)
        .await
        .unwrap();
    let mut names: Vec<_> = chosen.iter().map(|p| p.codename.clone()).collect();
    names.sort();
    assert_eq!(names, ["change_post", "view_post"]);

    // A staff member who may only view posts: the list without actions or "Add", each
    // post's values without a form.
    let mut reader = User::new("reader", "reader@example.com");
    reader.is_staff = true;
    reader.set_password("a long reader passphrase");
    alder::db::crud::insert(&db, &mut reader).await.unwrap();
    let view_post = Permission::objects()
        .filter(Permission::codename().eq("view_post"))
        .get(&db)
        .await
        .unwrap();
    User::user_permissions()
        .set(&db, &reader, [view_post.id.get().unwrap()])
        .await
        .unwrap();
    click(&browser, "header nav button.link").await;
    wait_for_text(&browser, "h1", "Logged out").await;
    shoot(&browser, "admin-logged-out").await;
    browser
        .goto(&server.url("/admin/blog/post/"))
        .await
        .unwrap();
    wait_for_path(&browser, "/admin/login/").await;
    fill(&browser, "#id_username", "reader").await;
    fill(&browser, "#id_password", "a long reader passphrase").await;
    click(&browser, ".login button[type=submit]").await;
    wait_for_path(&browser, "/admin/blog/post/").await;
    assert!(browser
        .find(Locator::Css("input.action-select"))
        .await
        .is_err());
    assert!(browser.find(Locator::Css("a.button.add")).await.is_err());
    assert_eq!(text_of(&browser, "h1").await, "Select post to view");
    shoot(&browser, "admin-posts-view-only").await;
    browser
        .find(Locator::Css("table.list tbody th a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&browser, "h1", "View post").await;
    assert!(browser
        .find(Locator::Css("form.object-form"))
        .await
        .is_err());
    assert!(text_of(&browser, "dl.readonly").await.contains("Title"));
    shoot(&browser, "admin-post-view-only").await;

    browser.close().await.unwrap();
    server.stop().await.unwrap();
}

/// The API's docs page (FastAPI's `/docs`): Swagger UI served from the binary lists the
/// operations, and "Try it out" calls the API from the page.
#[tokio::test]
async fn the_api_docs_page_lists_the_operations_and_tries_one() {
    let profile = tempfile::tempdir().unwrap();
    let Some(browser) = browser(&profile).await else {
        return;
    };
    let server = live_blog().await;

    browser.goto(&server.url("/api/docs/")).await.unwrap();
    let title = text_of(&browser, ".info .title").await;
    assert!(title.starts_with("Alder blog"), "{title}");
    let paths = text_of(&browser, "#swagger-ui .opblock-tag-section").await;
    for path in [
        "/api/posts/",
        "/api/posts/{slug}/",
        "/api/posts/{slug}/comments/",
    ] {
        assert!(paths.contains(path), "{path} is listed: {paths}");
    }
    shoot(&browser, "api-docs").await;

    // Open "List posts", try it, and read the answer on the page.
    let operation = "#operations-blog_api-list_posts";
    for part in [".opblock-summary-control", ".try-out__btn", ".execute"] {
        // Swagger UI draws each part after the click before it.
        browser
            .wait()
            .at_most(std::time::Duration::from_secs(10))
            .for_element(Locator::Css(&format!("{operation} {part}")))
            .await
            .unwrap_or_else(|e| panic!("no {part}: {e}"))
            .click()
            .await
            .unwrap();
    }
    wait_for_text(
        &browser,
        "#operations-blog_api-list_posts .live-responses-table tr.response .response-col_status",
        "200",
    )
    .await;
    let body = text_of(
        &browser,
        "#operations-blog_api-list_posts .live-responses-table .microlight",
    )
    .await;
    assert!(body.contains("Welcome to Alder"), "{body}");
    browser
        .execute(
            "document.querySelector(arguments[0]).scrollIntoView()",
            vec![serde_json::json!(format!(
                "{operation} .live-responses-table"
            ))],
        )
        .await
        .unwrap();
    shoot(&browser, "api-docs-try-it-out").await;

    browser.close().await.unwrap();
    server.stop().await.unwrap();
}
