//! The auth app through the test client, on SQLite and on PostgreSQL when the test script
//! starts it: Django's behaviours — the session key changes on login, logout flushes it, a
//! password change ends other sessions, inactive users cannot log in, a user without the
//! permission gets 403 — and the bad inputs: wrong passwords, forged fingerprints, `next=`
//! to another site, a brute force against one account.

use alder_auth::models::{Group, Permission, User};
use alder_auth::{AuthConfig, CurrentUser, LoginRequired};
use alder_db::{crud, testing, Database};
use alder_sessions::models::StoredSession;
use alder_web::routing::get;
use alder_web::test::TestClient;
use alder_web::{context, App, Project, Result, Settings, TemplateResponse, Templates};

const PASSWORD: &str = "correct horse battery staple";

async fn home(t: Templates, user: CurrentUser) -> Result<TemplateResponse> {
    let name = user.get().map(|u| u.username.clone()).unwrap_or_default();
    t.render("home.html", context! { name })
}

async fn members(user: LoginRequired) -> String {
    format!("members: {}", user.username)
}

fn site() -> App {
    App::new("site")
        .route("/", get(home), "home")
        .route("/members/", get(members), "members")
}

fn editing() -> App {
    App::new("editing")
        .prefix("/edit")
        .route("/", get(|| async { "editing" }), "edit")
        .layer_with_state(|state| alder_auth::permission_required(state, "auth.change_group"))
}

struct Harness {
    client: TestClient,
    db: Database,
    url: String,
    _dir: tempfile::TempDir,
}

fn settings(url: &str, dir: &std::path::Path) -> Settings {
    std::fs::write(
        dir.join("home.html"),
        "handler={{ name }} template={{ user.username }} auth={% if user.is_authenticated %}true{% else %}false{% endif %} perms={% if perms.auth.change_group %}group{% endif %}{% if perms['auth.delete_group'] %}+delete{% endif %}{% if perms.auth %} some{% endif %};",
    )
    .unwrap();
    let mut settings = Settings::debug();
    settings.database_url = Some(url.into());
    settings.templates_dir = dir.into();
    settings
}

fn project(url: &str, dir: &std::path::Path, config: AuthConfig) -> Project {
    Project::new(settings(url, dir))
        .app(alder_sessions::app())
        .app(alder_auth::app_with(config))
        .app(alder_mail::app_with(alder_mail::MailConfig::memory()))
        .app(site())
        .app(editing())
}

/// One harness per backend, migrated, with the user `ada` (password [`PASSWORD`]).
async fn harnesses(config: AuthConfig) -> Vec<Harness> {
    let sqlite_dir = tempfile::tempdir().unwrap();
    let mut urls = vec![(
        format!(
            "sqlite://{}",
            sqlite_dir.path().join("db.sqlite3").display()
        ),
        sqlite_dir,
    )];
    if let Some(pg) = testing::postgres().await.unwrap() {
        urls.push((pg.url().to_string(), tempfile::tempdir().unwrap()));
    }
    let mut out = Vec::new();
    for (url, dir) in urls {
        let client = TestClient::new(project(&url, dir.path(), config.clone()));
        client.site().migrate().await.unwrap();
        let db = client.site().state().database().await.unwrap();
        let mut ada = User::new("ada", "ada@example.com");
        ada.set_password(PASSWORD);
        crud::insert(&db, &mut ada).await.unwrap();
        out.push(Harness {
            client,
            db,
            url,
            _dir: dir,
        });
    }
    out
}

async fn log_in(
    client: &TestClient,
    username: &str,
    password: &str,
) -> alder_web::test::TestResponse {
    client
        .post("/accounts/login/")
        .form(&[("username", username), ("password", password)])
        .await
}

async fn ada(db: &Database) -> User {
    User::objects()
        .filter(User::username().eq("ada"))
        .get(db)
        .await
        .unwrap()
}

#[tokio::test]
async fn logging_in_cycles_the_session_key_and_shows_the_user_everywhere() {
    for h in harnesses(AuthConfig::default()).await {
        let client = &h.client;
        client
            .get("/")
            .await
            .assert_contains("handler= template= auth=false");
        client
            .get("/accounts/login/")
            .await
            .assert_ok()
            .assert_contains(r#"type="password" name="password""#);

        // Wrong password, unknown user: the same refusal, nothing logged in.
        for (name, password) in [("ada", "wrong"), ("nobody", PASSWORD), ("ADA", PASSWORD)] {
            log_in(client, name, password)
                .await
                .assert_status(422)
                .assert_contains("Please enter a correct username and password.")
                .assert_not_contains(password);
        }

        // A real session from before the login (one an attacker planted) is not kept: the
        // login gets a new key and the old row is gone.
        let mut planted = serde_json::Map::new();
        planted.insert("cart".into(), serde_json::json!([1]));
        let before = alder_sessions::testing::create(client.site(), planted)
            .await
            .unwrap();
        client.set_cookie("sessionid", &before);
        log_in(client, "ada", PASSWORD)
            .await
            .assert_redirects_to("/");
        let after = client.cookie("sessionid").unwrap();
        assert_ne!(after, before);
        let keys: Vec<String> = StoredSession::objects()
            .all(&h.db)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.session_key)
            .collect();
        assert_eq!(keys, vec![after.clone()], "the planted session is deleted");
        // Its values came along (Django's cycle_key keeps them).
        let data = alder_sessions::testing::load(client.site(), &after)
            .await
            .unwrap();
        assert_eq!(data["cart"], serde_json::json!([1]));
        client
            .get("/")
            .await
            .assert_contains("handler=ada template=ada auth=true");
        client
            .get("/members/")
            .await
            .assert_contains("members: ada");
        assert!(ada(&h.db).await.last_login.is_some());

        // Logging in again never keeps the key either; as someone else, nothing of the
        // first user's session is kept.
        log_in(client, "ada", PASSWORD).await.assert_status(303);
        assert_ne!(client.cookie("sessionid").unwrap(), after);
        let mut bob = User::new("bob", "");
        bob.set_password("bob's own passphrase");
        crud::insert(&h.db, &mut bob).await.unwrap();
        log_in(client, "bob", "bob's own passphrase")
            .await
            .assert_status(303);
        let data =
            alder_sessions::testing::load(client.site(), &client.cookie("sessionid").unwrap())
                .await
                .unwrap();
        assert!(!data.contains_key("cart"), "{data:?}");
        assert_eq!(data[alder_auth::SESSION_USER_ID], bob.id.get().unwrap());
        client.get("/").await.assert_contains("handler=bob");
    }
}

#[tokio::test]
async fn the_account_pages_are_csrf_protected_and_login_rotates_the_token() {
    for h in harnesses(AuthConfig::default()).await {
        let client = h.client.clone().enforce_csrf_checks();
        let page = client.get("/accounts/login/").await;
        let body = page.text();
        let token = body
            .split(r#"name="csrfmiddlewaretoken" value=""#)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_string();
        let secret = client.cookie("csrftoken").unwrap();
        log_in(&client, "ada", PASSWORD).await.assert_status(403);
        client
            .post("/accounts/login/")
            .form(&[
                ("csrfmiddlewaretoken", token.as_str()),
                ("username", "ada"),
                ("password", PASSWORD),
            ])
            .await
            .assert_status(303);
        assert_ne!(
            client.cookie("csrftoken").unwrap(),
            secret,
            "rotated at login"
        );
        client.post("/accounts/logout/").await.assert_status(403);
        client
            .post("/accounts/password_change/")
            .form(&[("old_password", PASSWORD)])
            .await
            .assert_status(403);
    }
}

#[tokio::test]
async fn next_is_followed_only_within_the_site() {
    for h in harnesses(AuthConfig::default()).await {
        let client = &h.client;
        let sent = |next: &'static str| {
            client.post("/accounts/login/").form(&[
                ("username", "ada"),
                ("password", PASSWORD),
                ("next", next),
            ])
        };
        sent("/members/").await.assert_redirects_to("/members/");
        for evil in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "javascript:alert(1)",
        ] {
            sent(evil).await.assert_redirects_to("/");
            // Logging out follows the same rule (Django's LogoutView `next`).
            client
                .post("/accounts/logout/")
                .form(&[("next", evil)])
                .await
                .assert_redirects_to("/");
            log_in(client, "ada", PASSWORD).await.assert_status(303);
        }
        client
            .post("/accounts/logout/")
            .form(&[("next", "/members/")])
            .await
            .assert_redirects_to("/members/");
        // By default a logged-in user still sees the login form (to switch accounts).
        log_in(client, "ada", PASSWORD).await.assert_status(303);
        client
            .get("/accounts/login/?next=/members/")
            .await
            .assert_ok();
    }
    let config = AuthConfig {
        redirect_authenticated_user: true,
        ..AuthConfig::default()
    };
    for h in harnesses(config).await {
        let client = &h.client;
        client.get("/accounts/login/").await.assert_ok();
        log_in(client, "ada", PASSWORD).await.assert_status(303);
        client
            .get("/accounts/login/?next=/members/")
            .await
            .assert_redirects_to("/members/");
        client
            .get("/accounts/login/?next=https://evil.example/")
            .await
            .assert_redirects_to("/");
    }
}

#[tokio::test]
async fn login_required_sends_browsers_to_the_login_page_and_scripts_get_401() {
    for h in harnesses(AuthConfig::default()).await {
        let client = &h.client;
        client
            .get("/members/?tab=1")
            .await
            .assert_redirects_to("/accounts/login/?next=/members/%3Ftab%3D1");
        client
            .get("/members/")
            .header("accept", "application/json")
            .await
            .assert_status(401)
            .assert_contains("Authentication credentials were not provided.");
        // The login page keeps `next` for the form.
        client
            .get("/accounts/login/?next=/members/")
            .await
            .assert_contains(r#"name="next" value="/members/""#);
    }
}

#[tokio::test]
async fn logout_flushes_the_session_and_a_replayed_cookie_is_anonymous() {
    for h in harnesses(AuthConfig::default()).await {
        let client = &h.client;
        log_in(client, "ada", PASSWORD).await.assert_status(303);
        let cookie = client.cookie("sessionid").unwrap();
        client.get("/accounts/logout/").await.assert_status(405);
        client
            .post("/accounts/logout/")
            .await
            .assert_redirects_to("/");
        assert_eq!(client.cookie("sessionid"), None);
        let rows = StoredSession::objects().count(&h.db).await.unwrap();
        assert_eq!(rows, 0);
        client.set_cookie("sessionid", &cookie);
        client.get("/").await.assert_contains("auth=false");
        client.get("/members/").await.assert_status(303);
    }
}

#[tokio::test]
async fn inactive_users_cannot_log_in_and_are_logged_out() {
    for h in harnesses(AuthConfig::default()).await {
        let client = &h.client;
        log_in(client, "ada", PASSWORD).await.assert_status(303);
        User::objects()
            .filter(User::username().eq("ada"))
            .update(&h.db, [User::is_active().set(false)])
            .await
            .unwrap();
        client.get("/").await.assert_contains("auth=false");
        log_in(client, "ada", PASSWORD)
            .await
            .assert_status(422)
            .assert_contains("Please enter a correct username and password.");
    }
}

#[tokio::test]
async fn a_password_change_ends_the_other_sessions_only() {
    for h in harnesses(AuthConfig::default()).await {
        let dir = tempfile::tempdir().unwrap();
        let laptop = &h.client;
        let phone = TestClient::new(project(&h.url, dir.path(), AuthConfig::default()));
        log_in(laptop, "ada", PASSWORD).await.assert_status(303);
        log_in(&phone, "ada", PASSWORD).await.assert_status(303);
        phone.get("/members/").await.assert_ok();

        // Refused: wrong old password, confirmation that differs, a weak password.
        let change = |old: &'static str, new1: &'static str, new2: &'static str| {
            laptop.post("/accounts/password_change/").form(&[
                ("old_password", old),
                ("new_password1", new1),
                ("new_password2", new2),
            ])
        };
        change("wrong", "a brand new passphrase", "a brand new passphrase")
            .await
            .assert_status(422)
            .assert_contains("Your old password was entered incorrectly.");
        change(PASSWORD, "a brand new passphrase", "another one")
            .await
            .assert_status(422)
            .assert_contains("The two password fields didn\u{2019}t match.");
        change(PASSWORD, "password", "password")
            .await
            .assert_status(422)
            .assert_contains("This password is too common.");
        change(PASSWORD, "ada", "ada")
            .await
            .assert_contains("This password is too short.")
            .assert_contains("The password is too similar to the username.");

        change(PASSWORD, "a brand new passphrase", "a brand new passphrase")
            .await
            .assert_redirects_to("/accounts/password_change/done/");
        // This session stays in; the phone's is over.
        laptop.get("/members/").await.assert_ok();
        phone.get("/members/").await.assert_status(303);
        phone.get("/").await.assert_contains("auth=false");
        log_in(&phone, "ada", PASSWORD).await.assert_status(422);
        log_in(&phone, "ada", "a brand new passphrase")
            .await
            .assert_status(303);
        // Anonymous visitors are sent to log in first.
        let stranger = TestClient::new(project(&h.url, dir.path(), AuthConfig::default()));
        stranger
            .get("/accounts/password_change/")
            .await
            .assert_redirects_to("/accounts/login/?next=/accounts/password_change/");
    }
}

#[tokio::test]
async fn a_forged_fingerprint_or_user_key_is_logged_out() {
    for h in harnesses(AuthConfig::default()).await {
        let client = &h.client;
        log_in(client, "ada", PASSWORD).await.assert_status(303);
        let key = client.cookie("sessionid").unwrap();
        // Edit the stored session as an attacker with database access to the session table
        // (but not the secret key) might: point it at another user, keep the fingerprint.
        let mut bob = User::new("bob", "");
        bob.set_password("bob's own passphrase");
        crud::insert(&h.db, &mut bob).await.unwrap();
        let forged = format!(
            r#"{{"_auth_user_id":{},"_auth_user_hash":"00ff"}}"#,
            bob.id.get().unwrap()
        );
        StoredSession::objects()
            .filter(StoredSession::session_key().eq(key.as_str()))
            .update(&h.db, [StoredSession::session_data().set(forged)])
            .await
            .unwrap();
        client.get("/").await.assert_contains("auth=false");
        assert_eq!(
            StoredSession::objects().count(&h.db).await.unwrap(),
            0,
            "the forged session is ended"
        );
    }
}

#[tokio::test]
async fn permissions_come_from_the_user_their_groups_or_superuser_status() {
    for h in harnesses(AuthConfig::default()).await {
        let client = &h.client;
        // Four permissions per model of every app, made after migrate, made once.
        let codenames: Vec<String> = Permission::objects()
            .filter(Permission::app_label().eq("auth"))
            .all(&h.db)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.codename)
            .collect();
        for expected in [
            "add_user",
            "change_user",
            "delete_user",
            "view_user",
            "change_group",
        ] {
            assert!(codenames.iter().any(|c| c == expected), "{codenames:?}");
        }
        let sessions = Permission::objects()
            .filter(Permission::app_label().eq("sessions"))
            .count(&h.db)
            .await
            .unwrap();
        assert_eq!(sessions, 4);
        h.client.site().migrate().await.unwrap();
        let total = Permission::objects().count(&h.db).await.unwrap();
        assert_eq!(
            total, 16,
            "auth's three models and sessions' one, four each, once"
        );

        client.get("/edit/").await.assert_status(303);
        log_in(client, "ada", PASSWORD).await.assert_status(303);
        client.get("/edit/").await.assert_status(403);

        // Given to her directly.
        let change_group = alder_auth::permission(&h.db, "auth.change_group")
            .await
            .unwrap();
        let ada = ada(&h.db).await;
        User::user_permissions()
            .add(&h.db, &ada, &change_group)
            .await
            .unwrap();
        client
            .get("/edit/")
            .await
            .assert_ok()
            .assert_contains("editing");
        // `perms` in templates, as Django's.
        client.get("/").await.assert_contains("perms=group some;");
        assert!(ada.has_perm(&h.db, "auth.change_group").await.unwrap());
        assert!(!ada.has_perm(&h.db, "auth.delete_group").await.unwrap());
        User::user_permissions().clear(&h.db, &ada).await.unwrap();
        client.get("/edit/").await.assert_status(403);
        client.get("/").await.assert_contains("perms=;");

        // Through a group.
        let mut editors = Group {
            id: alder_db::Auto::new(),
            name: "Editors".into(),
            permissions: alder_db::ManyToMany::new(),
        };
        crud::insert(&h.db, &mut editors).await.unwrap();
        Group::permissions()
            .add(&h.db, &editors, &change_group)
            .await
            .unwrap();
        User::groups().add(&h.db, &ada, &editors).await.unwrap();
        client.get("/edit/").await.assert_ok();
        let all = ada.all_permissions(&h.db).await.unwrap();
        assert_eq!(all.into_iter().collect::<Vec<_>>(), ["auth.change_group"]);

        // A superuser has them all; a bad permission name is an error, not a "no".
        User::groups().clear(&h.db, &ada).await.unwrap();
        User::objects()
            .filter(User::username().eq("ada"))
            .update(&h.db, [User::is_superuser().set(true)])
            .await
            .unwrap();
        client.get("/edit/").await.assert_ok();
        client
            .get("/")
            .await
            .assert_contains("perms=group+delete some;");
        assert!(ada.has_perm(&h.db, "nonsense").await.is_err());
        assert!(alder_auth::permission(&h.db, "blog.nothing").await.is_err());
    }
}

#[tokio::test]
async fn a_brute_force_is_locked_out_and_the_real_user_gets_in_after_the_window() {
    let config = AuthConfig {
        login_attempts: 5,
        login_window: 60,
        ..Default::default()
    };
    for h in harnesses(config).await {
        let client = &h.client;
        let mut refused = 0;
        let mut throttled = 0;
        for i in 0..10_000 {
            let response = client
                .post("/accounts/login/")
                .header(
                    "x-forwarded-for",
                    &format!("10.{}.{}.{}", i / 62_500, i / 250 % 250, i % 250),
                )
                .form(&[("username", "ada"), ("password", "guess")])
                .await;
            match response.status().as_u16() {
                422 => refused += 1,
                429 => throttled += 1,
                other => panic!("unexpected {other}"),
            }
        }
        assert_eq!((refused, throttled), (5, 9_995));
        // The right password is refused too while the lock lasts: a brute force learns
        // nothing from it.
        let locked = log_in(client, "ada", PASSWORD).await;
        locked
            .assert_status(429)
            .assert_contains("Too many failed login attempts. Try again in");
        assert!(locked.header("retry-after").is_some());
        // Another account is not affected.
        log_in(client, "nobody", "guess").await.assert_status(422);

        // After the window (the throttle's clock is tokio's: moved on, not slept).
        tokio::time::pause();
        tokio::time::advance(std::time::Duration::from_secs(61)).await;
        tokio::time::resume();
        log_in(client, "ada", PASSWORD).await.assert_status(303);
    }
}

#[tokio::test]
async fn a_hash_made_with_weaker_parameters_is_upgraded_at_login() {
    use argon2::password_hash::PasswordHasher;
    for h in harnesses(AuthConfig::default()).await {
        let weak = argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            argon2::Params::new(1024, 1, 1, None).unwrap(),
        )
        .hash_password(PASSWORD.as_bytes())
        .unwrap()
        .to_string();
        User::objects()
            .filter(User::username().eq("ada"))
            .update(&h.db, [User::password().set(weak.clone())])
            .await
            .unwrap();
        log_in(&h.client, "ada", PASSWORD).await.assert_status(303);
        let stored = ada(&h.db).await.password;
        assert_ne!(stored, weak);
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
    }
}

#[tokio::test]
async fn sign_up_checks_the_username_and_password_and_logs_in() {
    let config = AuthConfig {
        signup: true,
        ..Default::default()
    };
    for h in harnesses(config).await {
        let client = &h.client;
        let sign_up = |name: &'static str, p1: &'static str, p2: &'static str| {
            client.post("/accounts/signup/").form(&[
                ("username", name),
                ("email", ""),
                ("password1", p1),
                ("password2", p2),
            ])
        };
        sign_up("ada", "a long new passphrase", "a long new passphrase")
            .await
            .assert_status(422)
            .assert_contains("already exists");
        sign_up("ADA", "a long new passphrase", "a long new passphrase")
            .await
            .assert_status(422)
            .assert_contains("A user with that username already exists.");
        sign_up(
            "grace hopper",
            "a long new passphrase",
            "a long new passphrase",
        )
        .await
        .assert_status(422)
        .assert_contains("Enter a valid value");
        sign_up("grace", "12345678", "12345678")
            .await
            .assert_status(422)
            .assert_contains("This password is entirely numeric.");
        sign_up("grace", "a long new passphrase", "a long new passphrase")
            .await
            .assert_redirects_to("/");
        client
            .get("/")
            .await
            .assert_contains("template=grace auth=true");
    }
    // Off by default: no page.
    for h in harnesses(AuthConfig::default()).await {
        h.client.get("/accounts/signup/").await.assert_status(404);
    }
}

#[tokio::test]
async fn createsuperuser_without_input_reads_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("db.sqlite3").display());
    let run = |args: &'static [&'static str]| {
        let project = project(&url, dir.path(), AuthConfig::default());
        async move {
            let mut argv = vec!["manage"];
            argv.extend_from_slice(args);
            project.execute(argv, &mut Vec::new()).await
        }
    };
    run(&["migrate"]).await.unwrap();
    // One test sets these variables; no other test reads them.
    std::env::set_var("ALDER_SUPERUSER_USERNAME", "root");
    std::env::set_var("ALDER_SUPERUSER_EMAIL", "root@example.com");
    std::env::set_var("ALDER_SUPERUSER_PASSWORD", "12345678");
    let weak = run(&["createsuperuser", "--no-input"]).await.unwrap_err();
    assert!(weak.to_string().contains("entirely numeric"), "{weak}");
    std::env::set_var("ALDER_SUPERUSER_PASSWORD", "a root passphrase of length");
    run(&["createsuperuser", "--no-input"]).await.unwrap();
    let taken = run(&["createsuperuser", "--no-input"]).await.unwrap_err();
    assert!(taken.to_string().contains("already taken"), "{taken}");

    let client = TestClient::new(project(&url, dir.path(), AuthConfig::default()));
    let db = client.site().state().database().await.unwrap();
    let root = User::objects()
        .filter(User::username().eq("root"))
        .get(&db)
        .await
        .unwrap();
    assert!(root.is_superuser && root.is_staff && root.is_active);
    assert_eq!(root.email, "root@example.com");
    log_in(&client, "root", "a root passphrase of length")
        .await
        .assert_status(303);
}

#[tokio::test]
async fn the_app_needs_sessions_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let url = "sqlite::memory:";
    let alone = Project::new(settings(url, dir.path()))
        .app(alder_auth::app())
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        alone.contains("add `.app(alder_sessions::app())`"),
        "{alone}"
    );
    let wrong_order = TestClient::new(
        Project::new(settings(url, dir.path()))
            .app(alder_auth::app())
            .app(alder_sessions::app())
            .app(site()),
    );
    wrong_order
        .get("/")
        .await
        .assert_status(500)
        .assert_contains("alder_auth comes before the sessions app");
}

#[tokio::test]
async fn tests_can_log_a_client_in_without_the_login_page() {
    for h in harnesses(AuthConfig::default()).await {
        let ada = ada(&h.db).await;
        alder_auth::testing::force_login(&h.client, &ada)
            .await
            .unwrap();
        h.client
            .get("/members/")
            .await
            .assert_contains("members: ada");
        let dir = tempfile::tempdir().unwrap();
        let other = TestClient::new(project(&h.url, dir.path(), AuthConfig::default()));
        assert!(!alder_auth::testing::login(&other, "ada", "wrong")
            .await
            .unwrap());
        other.get("/members/").await.assert_status(303);
        assert!(alder_auth::testing::login(&other, "ada", PASSWORD)
            .await
            .unwrap());
        other.get("/members/").await.assert_ok();
        // The session is there to read, as Django's `client.session`.
        let value = other.cookie("sessionid").unwrap();
        let data = alder_sessions::testing::load(other.site(), &value)
            .await
            .unwrap();
        assert_eq!(data[alder_auth::SESSION_USER_ID], ada.id.get().unwrap());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_guesses_cannot_slip_past_the_throttle() {
    let config = AuthConfig {
        login_attempts: 3,
        ..Default::default()
    };
    for h in harnesses(config).await {
        let guesses: Vec<_> = (0..12)
            .map(|_| {
                let client = h.client.clone();
                tokio::spawn(async move {
                    client
                        .post("/accounts/login/")
                        .form(&[("username", "ada"), ("password", "guess")])
                        .await
                        .status()
                        .as_u16()
                })
            })
            .collect();
        let mut statuses = Vec::new();
        for guess in guesses {
            statuses.push(guess.await.unwrap());
        }
        assert_eq!(
            statuses.iter().filter(|s| **s == 422).count(),
            3,
            "{statuses:?}"
        );
        assert_eq!(
            statuses.iter().filter(|s| **s == 429).count(),
            9,
            "{statuses:?}"
        );
    }
}

/// The reset link in the last e-mail of the outbox, as a path.
fn reset_link(client: &TestClient) -> String {
    let outbox = alder_mail::outbox(client.site());
    let sent = outbox.last().expect("an e-mail");
    let start = sent
        .text
        .find("http://testserver/accounts/reset/")
        .expect("a link");
    let rest = &sent.text[start + "http://testserver".len()..];
    rest.split_whitespace().next().unwrap().to_string()
}

#[tokio::test]
async fn a_password_reset_link_works_once_and_dies_with_the_password() {
    for h in harnesses(AuthConfig::default()).await {
        let client = &h.client;
        let ask = |email: &'static str| {
            client
                .post("/accounts/password_reset/")
                .form(&[("email", email)])
        };
        // Unknown addresses get the same answer and no e-mail: no account is revealed.
        ask("nobody@example.com")
            .await
            .assert_redirects_to("/accounts/password_reset/done/");
        assert!(alder_mail::outbox(client.site()).is_empty());
        ask("ADA@example.com")
            .await
            .assert_redirects_to("/accounts/password_reset/done/");
        let outbox = alder_mail::outbox(client.site());
        assert_eq!(outbox.len(), 1);
        assert_eq!(outbox[0].to, ["ada@example.com"]);
        assert!(
            outbox[0].subject.starts_with("Password reset on"),
            "{}",
            outbox[0].subject
        );
        assert!(
            outbox[0].contains("Your username, in case you've forgotten: ada"),
            "{}",
            outbox[0].text
        );
        let link = reset_link(client);

        // The token leaves the URL for the session; a stranger's browser cannot use the
        // set-password step without it.
        let set_password = client.get(&link).await;
        set_password.assert_status(302);
        let form_url = set_password.header("location").unwrap().to_string();
        assert!(form_url.ends_with("/set-password/"), "{form_url}");
        let dir = tempfile::tempdir().unwrap();
        let stranger = TestClient::new(project(&h.url, dir.path(), AuthConfig::default()));
        stranger
            .get(&form_url)
            .await
            .assert_status(400)
            .assert_contains("The password reset link was invalid");

        client
            .get(&form_url)
            .await
            .assert_ok()
            .assert_contains("Enter new password");
        let set = |p1: &'static str, p2: &'static str| {
            client
                .post(&form_url)
                .form(&[("new_password1", p1), ("new_password2", p2)])
        };
        set("password", "password")
            .await
            .assert_status(422)
            .assert_contains("This password is too common.");
        set("a fresh passphrase", "a fresh passphrase")
            .await
            .assert_redirects_to("/accounts/reset/done/");
        log_in(client, "ada", PASSWORD).await.assert_status(422);
        log_in(client, "ada", "a fresh passphrase")
            .await
            .assert_status(303);

        // Used once: dead, for the form and for the link.
        client.post("/accounts/logout/").await.assert_status(303);
        client.get(&link).await.assert_status(400);

        // A link dies when the password changes another way.
        ask("ada@example.com").await.assert_status(303);
        let second = reset_link(client);
        let mut ada = ada(&h.db).await;
        ada.set_password("changed elsewhere entirely");
        User::objects()
            .filter(User::id().eq(ada.id))
            .update(&h.db, [User::password().set(ada.password.clone())])
            .await
            .unwrap();
        client.get(&second).await.assert_status(400);

        // Forged tokens and keys.
        let uid = second.split('/').nth(3).unwrap().to_string();
        for bad in [
            format!("/accounts/reset/{uid}/0-0000000000000000000000000000000000000000/"),
            format!("/accounts/reset/{uid}/garbage/"),
            "/accounts/reset/zz/garbage/".to_string(),
            "/accounts/reset/ffffff/set-password/".to_string(),
        ] {
            client.get(&bad).await.assert_status(400);
        }
    }
}

/// A group whose members may rename it, whatever their permissions say.
struct Owned {
    owner: i64,
}

impl alder_auth::ObjectPermission for Owned {
    fn object_permission(&self, user: &User, perm: &str) -> Option<bool> {
        (perm == "auth.change_group" && user.id.get() == Some(self.owner)).then_some(true)
    }
}

#[tokio::test]
async fn object_rules_decide_before_the_model_permissions() {
    for h in harnesses(AuthConfig::default()).await {
        let ada = ada(&h.db).await;
        let id = ada.id.get().unwrap();
        let hers = Owned { owner: id };
        let theirs = Owned { owner: id + 1 };
        assert!(ada
            .has_perm_for(&h.db, "auth.change_group", &hers)
            .await
            .unwrap());
        assert!(!ada
            .has_perm_for(&h.db, "auth.change_group", &theirs)
            .await
            .unwrap());
        assert!(!ada
            .has_perm_for(&h.db, "auth.delete_group", &hers)
            .await
            .unwrap());
        // Undecided: the model-level permission answers.
        let delete = alder_auth::permission(&h.db, "auth.delete_group")
            .await
            .unwrap();
        User::user_permissions()
            .add(&h.db, &ada, &delete)
            .await
            .unwrap();
        assert!(ada
            .has_perm_for(&h.db, "auth.delete_group", &theirs)
            .await
            .unwrap());
        // Inactive: never, whatever the rule says.
        let mut gone = ada.clone();
        gone.is_active = false;
        assert!(!gone
            .has_perm_for(&h.db, "auth.change_group", &hers)
            .await
            .unwrap());
        assert!(ada.has_perm_for(&h.db, "bad name", &hers).await.is_err());
    }
}

/// A profile model in an app of the project's own: how Django users keep more about each
/// user than `User` holds.
#[derive(alder_db::Model)]
#[model(app = "accounts")]
struct Profile {
    id: alder_db::Auto<i64>,
    user: alder_db::OneToOne<User>,
    #[model(max_length = 200, blank)]
    bio: String,
}

/// The accounts app's first migration, as `makemigrations` writes it: after auth's, whose
/// table its key points to.
fn profile_migration() -> alder_db::migrations::Migration {
    use alder_db::migrations::{Field, FieldKind, Migration, OnDelete, Operation};
    Migration::new("accounts", "0001_initial")
        .depends_on("auth", "0001_initial")
        .operation(Operation::create_model(
            "Profile",
            "accounts_profile",
            vec![
                Field::new("id", FieldKind::BigInteger).primary_key().auto(),
                Field::new("user", FieldKind::BigInteger)
                    .column("user_id")
                    .unique()
                    .references("auth", "User", OnDelete::Cascade),
                Field::new("bio", FieldKind::Text).max_length(200),
            ],
        ))
}

async fn bio(db: alder_web::Db, user: LoginRequired) -> Result<String> {
    let profile = Profile::objects()
        .filter(Profile::user().eq(user.id.get().unwrap_or_default()))
        .first(&db)
        .await?;
    Ok(profile.map_or_else(|| "no profile".into(), |p| p.bio))
}

#[tokio::test]
async fn a_profile_model_extends_users_one_to_one() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("db.sqlite3").display());
    let accounts = App::new("accounts")
        .route("/bio/", get(bio), "bio")
        .model::<Profile>()
        .migrations(vec![profile_migration()], dir.path());
    let client = TestClient::new(project(&url, dir.path(), AuthConfig::default()).app(accounts));
    client.site().migrate().await.unwrap();
    // The migration says what the model says.
    let mut out = Vec::new();
    project(&url, dir.path(), AuthConfig::default())
        .app(
            App::new("accounts")
                .model::<Profile>()
                .migrations(vec![profile_migration()], dir.path()),
        )
        .execute(["manage", "makemigrations", "--check"], &mut out)
        .await
        .unwrap_or_else(|err| panic!("{err:?}: {}", String::from_utf8_lossy(&out)));

    let db = client.site().state().database().await.unwrap();
    let mut ada = User::new("ada", "ada@example.com");
    ada.set_password(PASSWORD);
    crud::insert(&db, &mut ada).await.unwrap();
    let mut profile = Profile {
        id: alder_db::Auto::new(),
        user: alder_db::ForeignKey::new(ada.id.get().unwrap()),
        bio: "Wrote the first program.".into(),
    };
    crud::insert(&db, &mut profile).await.unwrap();
    assert_eq!(profile.user.get(&db).await.unwrap().username, "ada");

    alder_auth::testing::force_login(&client, &ada)
        .await
        .unwrap();
    client
        .get("/bio/")
        .await
        .assert_ok()
        .assert_contains("Wrote the first program.");

    // One profile per user: a second is refused by the database's unique key.
    let mut second = Profile {
        id: alder_db::Auto::new(),
        user: alder_db::ForeignKey::new(ada.id.get().unwrap()),
        bio: String::new(),
    };
    let err = crud::insert(&db, &mut second).await.unwrap_err();
    assert!(
        matches!(err, alder_db::DbError::UniqueViolation { .. }),
        "{err:?}"
    );
    // Deleting the user deletes the profile with it.
    crud::delete(&db, &ada).await.unwrap();
    assert_eq!(Profile::objects().count(&db).await.unwrap(), 0);
}
