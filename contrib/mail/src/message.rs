//! An e-mail to send (Django's `EmailMultiAlternatives`): subject, text, an HTML alternative,
//! recipients, attachments; turned into a MIME message by lettre's builder.

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

use crate::MailError;

/// An e-mail: give it a subject and a text body, recipients, and optionally an HTML
/// alternative and attachments.
///
/// ```
/// let email = alder_mail::Email::new("Welcome")
///     .to("ada@example.com")
///     .text("Hello Ada,\n\nwelcome aboard.")
///     .html("<p>Hello Ada,</p><p>welcome aboard.</p>")
///     .attach("terms.txt", "text/plain", b"Be kind.".to_vec());
/// assert_eq!(email.subject(), "Welcome");
/// ```
#[derive(Clone, Debug, Default)]
pub struct Email {
    subject: String,
    text: String,
    html: Option<String>,
    from: Option<String>,
    to: Vec<String>,
    cc: Vec<String>,
    bcc: Vec<String>,
    reply_to: Option<String>,
    attachments: Vec<(String, String, Vec<u8>)>,
}

impl Email {
    /// An e-mail with this subject.
    pub fn new(subject: impl Into<String>) -> Self {
        Email {
            subject: subject.into(),
            ..Email::default()
        }
    }

    /// Its subject.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// Its text body.
    pub fn text_body(&self) -> &str {
        &self.text
    }

    /// Its HTML alternative.
    pub fn html_body(&self) -> Option<&str> {
        self.html.as_deref()
    }

    /// The plain-text body.
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.text = text.into();
        self
    }

    /// An HTML alternative to the text (mail readers show one of the two).
    pub fn html(mut self, html: impl Into<String>) -> Self {
        self.html = Some(html.into());
        self
    }

    /// The sender; without it, `[mail] default_from`.
    pub fn from(mut self, from: impl Into<String>) -> Self {
        self.from = Some(from.into());
        self
    }

    /// Adds a recipient (`"ada@example.com"` or `"Ada <ada@example.com>"`).
    pub fn to(mut self, to: impl Into<String>) -> Self {
        self.to.push(to.into());
        self
    }

    /// Adds a copy recipient.
    pub fn cc(mut self, cc: impl Into<String>) -> Self {
        self.cc.push(cc.into());
        self
    }

    /// Adds a hidden recipient.
    pub fn bcc(mut self, bcc: impl Into<String>) -> Self {
        self.bcc.push(bcc.into());
        self
    }

    /// Where answers go.
    pub fn reply_to(mut self, reply_to: impl Into<String>) -> Self {
        self.reply_to = Some(reply_to.into());
        self
    }

    /// Attaches a file: its name, MIME type (`application/pdf`) and bytes.
    pub fn attach(
        mut self,
        filename: impl Into<String>,
        content_type: impl Into<String>,
        bytes: Vec<u8>,
    ) -> Self {
        self.attachments
            .push((filename.into(), content_type.into(), bytes));
        self
    }

    /// The recipients (to, cc and bcc).
    pub fn recipients(&self) -> impl Iterator<Item = &str> {
        self.to
            .iter()
            .chain(&self.cc)
            .chain(&self.bcc)
            .map(String::as_str)
    }

    /// The MIME message, with `default_from` when no sender was given.
    pub(crate) fn build(&self, default_from: &str) -> Result<lettre::Message, MailError> {
        // A newline in a header would let the value write headers of its own (Django's
        // `BadHeaderError`); lettre encodes most values, but refusing says what is wrong.
        for (name, value) in [("subject", self.subject.as_str())]
            .into_iter()
            .chain(self.reply_to.as_deref().map(|r| ("reply_to", r)))
        {
            if value.contains(['\r', '\n']) {
                return Err(MailError::BadHeader(name));
            }
        }
        if self.recipients().next().is_none() {
            return Err(MailError::NoRecipients);
        }
        let from = self.from.as_deref().unwrap_or(default_from);
        let mut builder = lettre::Message::builder()
            .from(mailbox("from", from)?)
            .subject(self.subject.clone());
        for to in &self.to {
            builder = builder.to(mailbox("to", to)?);
        }
        for cc in &self.cc {
            builder = builder.cc(mailbox("cc", cc)?);
        }
        for bcc in &self.bcc {
            builder = builder.bcc(mailbox("bcc", bcc)?);
        }
        if let Some(reply_to) = &self.reply_to {
            builder = builder.reply_to(mailbox("reply_to", reply_to)?);
        }
        let text = SinglePart::plain(self.text.clone());
        // Text alone or with its HTML alternative; inside `mixed` with the attachments.
        let body = match &self.html {
            Some(html) => Ok(MultiPart::alternative()
                .singlepart(text)
                .singlepart(SinglePart::html(html.clone()))),
            None => Err(text),
        };
        let message = if self.attachments.is_empty() {
            match body {
                Ok(alternative) => builder.multipart(alternative),
                Err(text) => builder.singlepart(text),
            }
        } else {
            let mut mixed = match body {
                Ok(alternative) => MultiPart::mixed().multipart(alternative),
                Err(text) => MultiPart::mixed().singlepart(text),
            };
            for (filename, content_type, bytes) in &self.attachments {
                let content_type = ContentType::parse(content_type).map_err(|_| {
                    MailError::Attachment(format!(
                        "`{content_type}` (for {filename}) is not a MIME type"
                    ))
                })?;
                mixed = mixed.singlepart(
                    Attachment::new(filename.clone()).body(bytes.clone(), content_type),
                );
            }
            builder.multipart(mixed)
        };
        message.map_err(|err| MailError::Build(err.to_string()))
    }
}

fn mailbox(field: &'static str, value: &str) -> Result<Mailbox, MailError> {
    value.parse().map_err(|_| MailError::Address {
        field,
        value: value.to_owned(),
    })
}
