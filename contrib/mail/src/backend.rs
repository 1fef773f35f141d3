//! The backends: SMTP through lettre's pooled tokio transport, the console, `.eml` files, and
//! an in-memory outbox.

use std::sync::Mutex;
use std::time::Duration;

use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::{Backend, Email, MailConfig, MailError, Tls};

/// An e-mail the memory backend kept (Django's `mail.outbox` entries).
#[derive(Clone, Debug)]
pub struct Sent {
    /// The sender.
    pub from: String,
    /// Every recipient (to, cc, bcc).
    pub to: Vec<String>,
    /// The subject.
    pub subject: String,
    /// The text body, as written (not transfer-encoded).
    pub text: String,
    /// The HTML alternative, as written.
    pub html: Option<String>,
    /// The whole message as it would go over the wire (headers, MIME parts).
    pub raw: String,
}

impl Sent {
    /// Whether the headers, the text or the HTML contain `needle` (a link, a name), for
    /// assertions. (The raw message may be transfer-encoded.)
    pub fn contains(&self, needle: &str) -> bool {
        self.raw.contains(needle)
            || self.text.contains(needle)
            || self.html.as_deref().is_some_and(|h| h.contains(needle))
    }
}

enum Transport {
    Console,
    File(std::path::PathBuf),
    Memory(Mutex<Vec<Sent>>),
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        server: String,
    },
}

pub(crate) struct Inner {
    transport: Transport,
    default_from: String,
    pub(crate) admins: Vec<String>,
    pub(crate) subject_prefix: String,
    pub(crate) server_errors: bool,
    pub(crate) throttle: crate::server_errors::Throttle,
}

impl Inner {
    pub(crate) fn new(config: MailConfig) -> Result<Self, String> {
        config
            .default_from
            .parse::<lettre::message::Mailbox>()
            .map_err(|_| {
                format!(
                    "mail.default_from is `{}`: expected an address such as `Site <noreply@example.com>`",
                    config.default_from
                )
            })?;
        if config.subject_prefix.contains(['\r', '\n']) {
            return Err("mail.subject_prefix holds a line break; a subject is one line".into());
        }
        for admin in &config.admins {
            admin.parse::<lettre::message::Mailbox>().map_err(|_| {
                format!("mail.admins holds `{admin}`, which is not an e-mail address")
            })?;
        }
        let transport = match config.backend {
            Backend::Console => Transport::Console,
            Backend::Memory => Transport::Memory(Mutex::new(Vec::new())),
            Backend::File => Transport::File(config.file_path.clone()),
            Backend::Smtp => Transport::Smtp {
                server: format!("{}:{}", config.host, config.port),
                transport: smtp(&config)?,
            },
        };
        Ok(Inner {
            transport,
            default_from: config.default_from,
            admins: config.admins,
            subject_prefix: config.subject_prefix,
            server_errors: config.server_errors,
            throttle: Default::default(),
        })
    }

    pub(crate) async fn send(&self, email: &Email) -> Result<(), MailError> {
        let message = email.build(&self.default_from)?;
        match &self.transport {
            Transport::Console => {
                println!(
                    "{}\n{}",
                    String::from_utf8_lossy(&message.formatted()),
                    "-".repeat(79)
                );
                Ok(())
            }
            Transport::Memory(outbox) => {
                let sent = Sent {
                    from: message
                        .headers()
                        .get_raw("From")
                        .unwrap_or_default()
                        .to_owned(),
                    to: email.recipients().map(str::to_owned).collect(),
                    subject: email.subject().to_owned(),
                    text: email.text_body().to_owned(),
                    html: email.html_body().map(str::to_owned),
                    raw: String::from_utf8_lossy(&message.formatted()).into_owned(),
                };
                outbox
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(sent);
                Ok(())
            }
            Transport::File(dir) => {
                let name = format!(
                    "{}-{:08x}.eml",
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_micros()),
                    fastrand::u32(..)
                );
                let path = dir.join(name);
                let write = async {
                    tokio::fs::create_dir_all(dir).await?;
                    tokio::fs::write(&path, message.formatted()).await
                };
                write.await.map_err(|source| MailError::File {
                    path: path.display().to_string(),
                    source,
                })
            }
            Transport::Smtp { transport, server } => transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|err| MailError::Smtp {
                    server: server.clone(),
                    message: err.to_string(),
                }),
        }
    }

    pub(crate) fn outbox(&self) -> Vec<Sent> {
        match &self.transport {
            Transport::Memory(outbox) => outbox
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone(),
            _ => Vec::new(),
        }
    }

    pub(crate) fn clear_outbox(&self) {
        if let Transport::Memory(outbox) = &self.transport {
            outbox
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clear();
        }
    }
}

fn smtp(config: &MailConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let builder = match config.tls {
        Tls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host),
        #[cfg(feature = "tls")]
        Tls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)
            .map_err(|err| format!("mail.host `{}`: {err}", config.host))?,
        #[cfg(feature = "tls")]
        Tls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host)
            .map_err(|err| format!("mail.host `{}`: {err}", config.host))?,
        #[cfg(not(feature = "tls"))]
        Tls::Starttls | Tls::Tls => {
            return Err(
                "mail.tls is set, but Alder was built without TLS for mail: enable the `mail-tls` feature of alder (or `tls` of alder-mail)".into(),
            )
        }
    };
    let mut builder = builder
        .port(config.port)
        .timeout(Some(Duration::from_secs(config.timeout.max(1))));
    if !config.username.is_empty() {
        builder = builder.credentials(lettre::transport::smtp::authentication::Credentials::new(
            config.username.clone(),
            config.password.clone(),
        ));
    }
    Ok(builder.build())
}
