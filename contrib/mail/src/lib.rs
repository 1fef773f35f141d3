//! # E-mail for Alder
//!
//! Django's `django.core.mail`: an [`Email`] with a text body, an HTML alternative,
//! recipients and attachments, sent by the backend the settings choose — SMTP (lettre), the
//! console, files, or an in-memory outbox for tests (Django's `locmem`).
//!
//! ```
//! use alder_mail::{Email, Mailer};
//! async fn welcome(mailer: Mailer) -> alder_web::Result<&'static str> {
//!     mailer.send(Email::new("Welcome").to("ada@example.com").text("Hello!")).await?;
//!     Ok("sent")
//! }
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let project = alder_web::Project::new(alder_web::Settings::debug())
//!     .app(alder_mail::app_with(alder_mail::MailConfig::memory()))
//!     .app(alder_web::App::new("site").route("/", alder_web::routing::get(welcome), "welcome"));
//! let client = alder_web::test::TestClient::new(project);
//! client.get("/").await.assert_ok();
//! let outbox = alder_mail::outbox(client.site());
//! assert_eq!(outbox[0].subject, "Welcome");
//! # });
//! ```
//!
//! The guide's chapter is `docs/mail.md`.

mod backend;
mod message;
mod server_errors;

use std::sync::{Arc, OnceLock};

use alder_web::{ProjectState, Site, Templates};
use axum::extract::{FromRef, FromRequestParts};
use http::request::Parts;
use serde::Deserialize;

pub use backend::Sent;
pub use message::Email;

/// What can go wrong sending mail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MailError {
    /// An address does not read as one.
    #[error("the {field} address `{value}` is not an e-mail address")]
    Address {
        /// Which field.
        field: &'static str,
        /// What it held.
        value: String,
    },
    /// A header value holds a line break (Django's `BadHeaderError`).
    #[error("the {0} holds a line break, which would start a header of its own")]
    BadHeader(&'static str),
    /// No recipient at all.
    #[error("the e-mail has no recipient: add one with .to(…), .cc(…) or .bcc(…)")]
    NoRecipients,
    /// An attachment could not be added.
    #[error("attachment: {0}")]
    Attachment(String),
    /// The message could not be put together.
    #[error("building the e-mail: {0}")]
    Build(String),
    /// The SMTP server refused, or could not be reached.
    #[error("sending through {server}: {message}")]
    Smtp {
        /// `host:port`.
        server: String,
        /// What lettre said.
        message: String,
    },
    /// Writing the file backend's file failed.
    #[error("writing the e-mail to {path}: {source}")]
    File {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A template of the e-mail failed.
    #[error("rendering the e-mail: {0}")]
    Template(String),
    /// The mail app is not installed.
    #[error("the mail app is not installed: add `.app(alder_mail::app())` to the project")]
    NotInstalled,
}

/// How the SMTP connection is protected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tls {
    /// Plain SMTP (a relay on the same machine or network; tests).
    #[default]
    None,
    /// Upgrade with STARTTLS, usually on port 587 (Django's `EMAIL_USE_TLS`).
    Starttls,
    /// TLS from the first byte, usually on port 465 (Django's `EMAIL_USE_SSL`).
    Tls,
}

/// Which backend sends (Django's `EMAIL_BACKEND`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// Print each e-mail to standard output (the default, as development wants).
    #[default]
    Console,
    /// Send through the SMTP server of `host` and `port`.
    Smtp,
    /// Write each e-mail as a `.eml` file into `file_path`.
    File,
    /// Keep them in memory, for tests: [`outbox`].
    Memory,
}

/// The mail app's settings: `[mail]` in `alder.toml` (`ALDER_MAIL__<NAME>`), Django's
/// `EMAIL_*` names.
///
/// ```toml
/// [mail]
/// backend = "smtp"             # EMAIL_BACKEND: console (default), smtp, file, memory
/// host = "smtp.example.com"    # EMAIL_HOST
/// port = 587                   # EMAIL_PORT
/// username = "site"            # EMAIL_HOST_USER
/// password = "…"               # EMAIL_HOST_PASSWORD (better: ALDER_MAIL__PASSWORD)
/// tls = "starttls"             # EMAIL_USE_TLS / EMAIL_USE_SSL: none, starttls, tls
/// default_from = "Blog <noreply@example.com>"   # DEFAULT_FROM_EMAIL
/// admins = ["ops@example.com"] # ADMINS: mail_admins, and every server error in production
/// subject_prefix = "[Blog] "   # EMAIL_SUBJECT_PREFIX, before mail_admins' subjects
/// server_errors = true         # mail the admins of each 5xx (when debug is off)
/// ```
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailConfig {
    /// Which backend sends.
    pub backend: Backend,
    /// The SMTP server.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// The SMTP login, if the server wants one.
    pub username: String,
    /// Its password.
    pub password: String,
    /// How the connection is protected.
    pub tls: Tls,
    /// Seconds to wait for the SMTP server.
    pub timeout: u64,
    /// The sender of e-mails that name none.
    pub default_from: String,
    /// Who [`Mailer::mail_admins`] writes to, and who hears of server errors.
    pub admins: Vec<String>,
    /// Put before the subject of [`Mailer::mail_admins`]' mails (Django's
    /// `EMAIL_SUBJECT_PREFIX`).
    pub subject_prefix: String,
    /// Mail the admins of every server error (5xx) while `debug` is off, the same error at
    /// most once every ten minutes (Django's `AdminEmailHandler`).
    pub server_errors: bool,
    /// Where the file backend writes.
    pub file_path: std::path::PathBuf,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            backend: Backend::Console,
            host: "localhost".into(),
            port: 25,
            username: String::new(),
            password: String::new(),
            tls: Tls::None,
            timeout: 10,
            default_from: "webmaster@localhost".into(),
            admins: Vec::new(),
            subject_prefix: "[Alder] ".into(),
            server_errors: true,
            file_path: "sent-mail".into(),
        }
    }
}

impl MailConfig {
    /// The in-memory backend, for tests.
    pub fn memory() -> Self {
        MailConfig {
            backend: Backend::Memory,
            ..MailConfig::default()
        }
    }
}

/// Sends e-mail with the project's backend. An extractor in handlers; from elsewhere,
/// [`mailer`] gives it from the site.
#[derive(Clone)]
pub struct Mailer(Arc<backend::Inner>);

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").finish_non_exhaustive()
    }
}

impl Mailer {
    /// Sends `email`; an error says what was wrong with it or which server refused.
    pub async fn send(&self, email: Email) -> Result<(), MailError> {
        self.0.send(&email).await
    }

    /// Sends an e-mail to every address of `[mail] admins` (Django's `mail_admins`), its
    /// subject after `subject_prefix`; nothing when there are none.
    pub async fn mail_admins(&self, subject: &str, text: &str) -> Result<(), MailError> {
        if self.0.admins.is_empty() {
            return Ok(());
        }
        let mut email = Email::new(format!("{}{subject}", self.0.subject_prefix)).text(text);
        for admin in &self.0.admins {
            email = email.to(admin.clone());
        }
        self.send(email).await
    }
}

/// Renders an e-mail from templates (Django's `render_to_string` for each part): the text
/// from `{name}.txt`, the HTML alternative from `{name}.html` when that template exists.
///
/// ```no_run
/// # async fn f(t: alder_web::Templates, mailer: alder_mail::Mailer) -> Result<(), alder_mail::MailError> {
/// let email = alder_mail::render(&t, "mail/welcome", minijinja::context! { name => "Ada" })?
///     .to("ada@example.com");
/// mailer.send(email.clone()).await?;
/// # Ok(()) }
/// ```
pub fn render(
    templates: &Templates,
    name: &str,
    context: impl serde::Serialize,
) -> Result<Email, MailError> {
    let context = minijinja::Value::from_serialize(context);
    let text = templates
        .render_to_string(&format!("{name}.txt"), &context)
        .map_err(|err| MailError::Template(err.to_string()))?;
    let subject = match templates.render_to_string(&format!("{name}_subject.txt"), &context) {
        Ok(subject) => subject
            .lines()
            .collect::<Vec<_>>()
            .join(" ")
            .trim()
            .to_owned(),
        Err(_) => String::new(),
    };
    let mut email = Email::new(subject).text(text);
    if let Ok(html) = templates.render_to_string(&format!("{name}.html"), &context) {
        email = email.html(html);
    }
    Ok(email)
}

/// Where the app leaves the mailer it made from the settings at start-up.
#[derive(Clone, Default)]
struct Slot(Arc<OnceLock<Mailer>>);

/// The project's mailer, from outside a handler (a command, a task).
pub fn mailer(state: &ProjectState) -> Result<Mailer, MailError> {
    state
        .extension::<Slot>()
        .and_then(|slot| slot.0.get())
        .cloned()
        .ok_or(MailError::NotInstalled)
}

/// What the memory backend has sent, oldest first (Django's `mail.outbox`); empty with
/// another backend.
pub fn outbox(site: &Site) -> Vec<Sent> {
    mailer(site.state())
        .map(|m| m.0.outbox())
        .unwrap_or_default()
}

/// Empties the memory backend's outbox.
pub fn clear_outbox(site: &Site) {
    if let Ok(mailer) = mailer(site.state()) {
        mailer.0.clear_outbox();
    }
}

impl<S> FromRequestParts<S> for Mailer
where
    ProjectState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = alder_web::Error;

    async fn from_request_parts(_parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        mailer(&ProjectState::from_ref(state)).map_err(|err| alder_web::Error::other("mail", err))
    }
}

/// The mail app, configured by `[mail]`.
pub fn app() -> alder_web::App {
    build(None)
}

/// The mail app with settings given in code (tests: [`MailConfig::memory`]).
pub fn app_with(config: MailConfig) -> alder_web::App {
    build(Some(config))
}

fn build(given: Option<MailConfig>) -> alder_web::App {
    let slot = Slot::default();
    let (for_layer, for_errors) = (slot.clone(), slot.clone());
    alder_web::App::new("mail")
        .extension(slot)
        // Asked after the layer below has made the mailer from the settings.
        .on_server_error_when(
            |state| mailer(state).is_ok_and(|m| server_errors::wanted(&m, state)),
            move |_state, error| {
                if let Some(mailer) = for_errors.0.get() {
                    server_errors::mail_admins(mailer, error);
                }
            },
        )
        .try_project_layer_with_state(move |state| {
            let config = match given {
                Some(config) => config,
                None => state
                    .settings()
                    .custom::<MailConfig>("mail")?
                    .unwrap_or_default(),
            };
            let inner = backend::Inner::new(config).map_err(alder_web::Error::Config)?;
            let _ = for_layer.0.set(Mailer(Arc::new(inner)));
            // The app needs no middleware: the mailer is ready for every request.
            Ok(tower::layer::util::Identity::new())
        })
}

/// The mailer reads nothing from the request; the API document shows nothing for it.
#[cfg(feature = "api")]
impl alder_api::ApiInput for Mailer {}
