//! E-mail through every backend: the in-memory outbox, files, and a real SMTP server (the
//! aiosmtpd sink the test script starts on 127.0.0.1, which files what it receives in a
//! Maildir); text with an HTML alternative, attachments, templates, and the bad inputs.

use std::time::Duration;

use alder_mail::{Backend, Email, MailConfig, MailError, Mailer, Tls};
use alder_web::routing::get;
use alder_web::test::TestClient;
use alder_web::{App, Project, Settings, Templates};

const SMTP_VAR: &str = "ALDER_TEST_SMTP";

fn project(config: MailConfig, templates: Option<&std::path::Path>) -> Project {
    let mut settings = Settings::debug();
    settings.database_url = None;
    if let Some(dir) = templates {
        settings.templates_dir = dir.into();
    }
    Project::new(settings).app(alder_mail::app_with(config))
}

fn mailer(client: &TestClient) -> Mailer {
    alder_mail::mailer(client.site().state()).unwrap()
}

fn full_email(subject: &str) -> Email {
    Email::new(subject)
        .from("Blog <noreply@example.com>")
        .to("Ada Lovelace <ada@example.com>")
        .cc("grace@example.com")
        .bcc("hidden@example.com")
        .reply_to("editors@example.com")
        .text("Hello Ada,\n\nyour post is live.")
        .html("<p>Hello Ada,</p><p>your post is <b>live</b>.</p>")
        .attach("notes.txt", "text/plain", b"attached notes".to_vec())
}

#[tokio::test]
async fn the_memory_outbox_keeps_text_html_and_attachments() {
    let client = TestClient::new(project(MailConfig::memory(), None));
    mailer(&client).send(full_email("Live")).await.unwrap();
    let outbox = alder_mail::outbox(client.site());
    assert_eq!(outbox.len(), 1);
    let sent = &outbox[0];
    assert_eq!(sent.subject, "Live");
    assert_eq!(
        sent.to,
        [
            "Ada Lovelace <ada@example.com>",
            "grace@example.com",
            "hidden@example.com"
        ]
    );
    for part in [
        "multipart/alternative",
        "text/plain",
        "text/html",
        "multipart/mixed",
        "filename=\"notes.txt\"",
        "Reply-To: editors@example.com",
        "Cc: grace@example.com",
    ] {
        assert!(sent.contains(part), "{part} missing:\n{}", sent.raw);
    }
    // Blind copies go to their address, never into the headers the others see.
    assert!(!sent.contains("hidden@example.com"), "{}", sent.raw);
    alder_mail::clear_outbox(client.site());
    assert!(alder_mail::outbox(client.site()).is_empty());
}

#[tokio::test]
async fn bad_addresses_header_injection_and_no_recipients_are_refused() {
    let client = TestClient::new(project(MailConfig::memory(), None));
    let mail = mailer(&client);
    let err = mail
        .send(Email::new("Hi").to("not an address").text("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, MailError::Address { field: "to", .. }),
        "{err}"
    );
    let err = mail
        .send(Email::new("Hi\r\nBcc: victim@example.com").to("ada@example.com"))
        .await
        .unwrap_err();
    assert!(matches!(err, MailError::BadHeader("subject")), "{err}");
    let err = mail.send(Email::new("Hi").text("x")).await.unwrap_err();
    assert!(matches!(err, MailError::NoRecipients), "{err}");
    let err = mail
        .send(
            Email::new("Hi")
                .to("ada@example.com")
                .attach("x", "not a type", vec![]),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, MailError::Attachment(_)), "{err}");
    assert!(
        alder_mail::outbox(client.site()).is_empty(),
        "nothing half-sent"
    );
}

#[tokio::test]
async fn the_file_backend_writes_one_eml_per_email() {
    let dir = tempfile::tempdir().unwrap();
    let config = MailConfig {
        backend: Backend::File,
        file_path: dir.path().join("outbox"),
        ..MailConfig::default()
    };
    let client = TestClient::new(project(config, None));
    mailer(&client).send(full_email("One")).await.unwrap();
    mailer(&client).send(full_email("Two")).await.unwrap();
    let files: Vec<_> = std::fs::read_dir(dir.path().join("outbox"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(files.len(), 2);
    assert!(files.iter().any(|f| f.contains("Subject: One")));
}

#[tokio::test]
async fn emails_render_from_templates_and_handlers_take_the_mailer() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("mail")).unwrap();
    for (name, text) in [
        ("mail/welcome_subject.txt", "Welcome, {{ name }}\n"),
        ("mail/welcome.txt", "Hello {{ name }}, & welcome."),
        (
            "mail/welcome.html",
            "<p>Hello {{ name }}, &amp; welcome.</p>",
        ),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    async fn welcome(t: Templates, mailer: Mailer) -> alder_web::Result<&'static str> {
        let email =
            alder_mail::render(&t, "mail/welcome", minijinja::context! { name => "<Ada>" })?
                .to("ada@example.com");
        mailer.send(email).await?;
        Ok("sent")
    }
    let client = TestClient::new(
        project(MailConfig::memory(), Some(dir.path())).app(App::new("site").route(
            "/",
            get(welcome),
            "welcome",
        )),
    );
    client.get("/").await.assert_ok();
    let sent = &alder_mail::outbox(client.site())[0];
    assert_eq!(sent.subject, "Welcome, <Ada>");
    // The HTML part is escaped; both parts are there.
    assert!(sent.contains("&lt;Ada&gt;"), "{}", sent.raw);
    assert!(sent.contains("text/html"), "{}", sent.raw);
}

#[tokio::test]
async fn settings_the_app_cannot_use_fail_the_build() {
    for (config, expected) in [
        (
            MailConfig {
                default_from: "nobody".into(),
                ..MailConfig::memory()
            },
            "mail.default_from is `nobody`",
        ),
        (
            MailConfig {
                admins: vec!["ops at example".into()],
                ..MailConfig::memory()
            },
            "mail.admins holds `ops at example`",
        ),
        (
            MailConfig {
                subject_prefix: "[Blog]\nBcc: all@example.com ".into(),
                ..MailConfig::memory()
            },
            "mail.subject_prefix holds a line break",
        ),
        #[cfg(not(feature = "tls"))]
        (
            MailConfig {
                backend: Backend::Smtp,
                tls: Tls::Starttls,
                ..MailConfig::default()
            },
            "built without TLS for mail",
        ),
    ] {
        let err = project(config, None).build().unwrap_err().to_string();
        assert!(err.contains(expected), "{err}");
    }
    let _ = Tls::None;
}

/// A production project (debug off) whose admins hear of server errors, with a route that
/// fails with a database error and one that fails with another.
fn failing_project(debug: bool, config: MailConfig) -> Project {
    let mut settings = Settings::default();
    settings.debug = debug;
    settings.secret_key = "k".repeat(50);
    settings.allowed_hosts = vec!["localhost".into()];
    settings.database_url = None;
    let down = || async {
        Err::<&str, _>(alder_web::Error::other(
            "database",
            std::io::Error::other("connection refused"),
        ))
    };
    let site = App::new("site")
        .route("/", get(|| async { "home" }), "home")
        .route("/posts/{id}/", get(down), "post")
        .route(
            "/upload/",
            get(|| async {
                Err::<&str, _>(alder_web::Error::other(
                    "storage",
                    std::io::Error::other("disk full"),
                ))
            }),
            "upload",
        );
    Project::new(settings)
        .app(alder_mail::app_with(config))
        .app(site)
}

fn admins() -> MailConfig {
    MailConfig {
        admins: vec!["ops@example.com".into(), "Grace <grace@example.com>".into()],
        subject_prefix: "[Blog] ".into(),
        ..MailConfig::memory()
    }
}

/// The outbox once the mailing tasks have run: they are spawned so the response does not
/// wait for the SMTP server.
async fn settled_outbox(client: &TestClient) -> Vec<alder_mail::Sent> {
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
    alder_mail::outbox(client.site())
}

#[tokio::test(start_paused = true)]
async fn server_errors_in_production_are_mailed_to_the_admins_once_per_error_each_ten_minutes() {
    let client = TestClient::new(failing_project(false, admins()));
    client.get("/").await.assert_ok();
    client.get("/nothing/").await.assert_status(404);
    assert!(
        settled_outbox(&client).await.is_empty(),
        "no mail for 2xx and 4xx"
    );

    client
        .get("/posts/1/?token=s3cret")
        .header("cookie", "sessionid=abc123")
        .await
        .assert_status(500)
        .assert_not_contains("connection refused");
    let outbox = settled_outbox(&client).await;
    assert_eq!(outbox.len(), 1, "{outbox:?}");
    let mail = &outbox[0];
    assert_eq!(
        mail.subject,
        "[Blog] ERROR: Internal Server Error: /posts/1/"
    );
    assert_eq!(mail.to, ["ops@example.com", "Grace <grace@example.com>"]);
    for part in [
        "GET /posts/1/?token=******** was answered 500 Internal Server Error.",
        "database",
        "connection refused",
        "cookie: sessionid=********",
    ] {
        assert!(mail.text.contains(part), "{part} missing:\n{}", mail.text);
    }
    for secret in ["s3cret", "abc123"] {
        assert!(!mail.raw.contains(secret), "{secret} leaked:\n{}", mail.raw);
    }

    // The same error again, on other pages: held back, not a mail per request. Another
    // error is mailed at once.
    for id in 2..7 {
        client
            .get(&format!("/posts/{id}/"))
            .await
            .assert_status(500);
    }
    client.get("/upload/").await.assert_status(500);
    let outbox = settled_outbox(&client).await;
    assert_eq!(outbox.len(), 2, "{outbox:?}");
    assert!(outbox[1].text.contains("disk full"), "{}", outbox[1].text);

    // Ten minutes on, the database error is mailed again, with the count held back.
    tokio::time::advance(Duration::from_secs(10 * 60 + 1)).await;
    client.get("/posts/8/").await.assert_status(500);
    let outbox = settled_outbox(&client).await;
    assert_eq!(outbox.len(), 3, "{outbox:?}");
    assert!(
        outbox[2]
            .text
            .contains("5 more like it since the last mail were not mailed"),
        "{}",
        outbox[2].text
    );
}

#[tokio::test]
async fn no_error_mail_in_debug_without_admins_or_when_turned_off() {
    let turned_off = MailConfig {
        server_errors: false,
        ..admins()
    };
    for (debug, config) in [
        (true, admins()),
        (false, MailConfig::memory()),
        (false, turned_off),
    ] {
        let client = TestClient::new(failing_project(debug, config));
        client.get("/posts/1/").await.assert_status(500);
        assert!(settled_outbox(&client).await.is_empty(), "debug={debug}");
    }
}

/// The sink's address and Maildir, or `None` outside the test script (an error under CI).
fn sink() -> Option<(String, u16, std::path::PathBuf)> {
    let Ok(value) = std::env::var(SMTP_VAR) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "{SMTP_VAR} is not set under CI: the test script must start the SMTP sink"
        );
        eprintln!("skipped: {SMTP_VAR} is not set (run scripts/smtp)");
        return None;
    };
    let (address, maildir) = value.split_once(' ').expect("host:port maildir");
    let (host, port) = address.rsplit_once(':').expect("host:port");
    Some((
        host.to_owned(),
        port.parse().expect("a port"),
        maildir.into(),
    ))
}

/// The message in the Maildir whose text contains `marker`, waiting up to 10 s for it.
async fn delivered(maildir: &std::path::Path, marker: &str) -> String {
    for _ in 0..100 {
        for dir in ["new", "cur"] {
            if let Ok(entries) = std::fs::read_dir(maildir.join(dir)) {
                for entry in entries.flatten() {
                    if let Ok(text) = std::fs::read_to_string(entry.path()) {
                        if text.contains(marker) {
                            return text;
                        }
                    }
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no message with {marker} reached {}", maildir.display());
}

#[tokio::test]
async fn smtp_delivers_to_a_real_server_and_an_unreachable_one_is_a_clear_error() {
    let Some((host, port, maildir)) = sink() else {
        return;
    };
    let config = MailConfig {
        backend: Backend::Smtp,
        host: host.clone(),
        port,
        admins: vec!["ops@example.com".into()],
        ..MailConfig::default()
    };
    let client = TestClient::new(project(config, None));
    let marker = format!("marker-{}", std::process::id());
    mailer(&client)
        .send(full_email(&format!("SMTP {marker}")))
        .await
        .unwrap();
    let message = delivered(&maildir, &marker).await;
    assert!(
        message.contains("From: Blog <noreply@example.com>"),
        "{message}"
    );
    assert!(message.contains("filename=\"notes.txt\""), "{message}");
    assert!(message.contains("text/html"), "{message}");
    // The blind copy was delivered (the sink lists the envelope's recipients) without a
    // header any reader sees.
    assert!(
        message.contains("X-RcptTo: ada@example.com, grace@example.com, hidden@example.com"),
        "{message}"
    );
    assert!(!message.contains("Bcc:"), "{message}");

    mailer(&client)
        .mail_admins(&format!("Admins {marker}"), "Something broke.")
        .await
        .unwrap();
    let admins = delivered(&maildir, &format!("Admins {marker}")).await;
    assert!(admins.contains("To: ops@example.com"), "{admins}");

    // Nothing listens on port 9.
    let unreachable = TestClient::new(project(
        MailConfig {
            backend: Backend::Smtp,
            host,
            port: 9,
            timeout: 2,
            ..MailConfig::default()
        },
        None,
    ));
    let err = mailer(&unreachable)
        .send(Email::new("x").to("ada@example.com").text("x"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("127.0.0.1:9"), "{err}");
}
