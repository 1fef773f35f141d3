//! Mails the admins of every server error in production (Django's `AdminEmailHandler` on
//! the `django.request` logger), through the web core's
//! [`on_server_error`](alder_web::App::on_server_error) hook.
//!
//! Unlike Django, the same error is mailed at most once per [`QUIET`]: an outage that fails
//! every request would otherwise send a mail per request, and the admins' inbox (or the SMTP
//! provider's quota) is the next thing to go down. The next mail of that error says how many
//! were held back.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use alder_web::{ProjectState, ServerError};
use tokio::time::Instant;

use crate::Mailer;

/// How long the same error stays quiet after it was mailed.
pub(crate) const QUIET: Duration = Duration::from_secs(10 * 60);

/// Errors remembered at most; past it the memory starts afresh (a flood of distinct errors
/// must not grow it without bound).
const REMEMBERED: usize = 1000;

/// When each error was last mailed, and how many like it were held back since.
#[derive(Default)]
pub(crate) struct Throttle(Mutex<HashMap<String, (Instant, u64)>>);

impl Throttle {
    /// Whether to mail the error of `key` now; if so, how many like it were held back.
    fn admit(&self, key: String) -> Option<u64> {
        let now = Instant::now();
        let mut seen = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if seen.len() >= REMEMBERED && !seen.contains_key(&key) {
            seen.clear();
        }
        match seen.get_mut(&key) {
            Some((last, held)) if now.duration_since(*last) < QUIET => {
                *held += 1;
                None
            }
            Some((last, held)) => {
                let before = *held;
                (*last, *held) = (now, 0);
                Some(before)
            }
            None => {
                seen.insert(key, (now, 0));
                Some(0)
            }
        }
    }
}

/// Whether the project mails server errors: in production, with admins, `server_errors` on.
pub(crate) fn wanted(mailer: &Mailer, state: &ProjectState) -> bool {
    let inner = &mailer.0;
    !state.settings().debug && inner.server_errors && !inner.admins.is_empty()
}

/// The hook: mails the error on a task of its own, so the response does not wait for the
/// SMTP server.
pub(crate) fn mail_admins(mailer: &Mailer, error: &ServerError) {
    let inner = &mailer.0;
    let key = format!("{} {}", error.status.as_u16(), error.chain.join(": "));
    let Some(held) = inner.throttle.admit(key) else {
        return;
    };
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let (subject, text) = (subject(error), text(error, held));
    let mailer = mailer.clone();
    runtime.spawn(async move {
        if let Err(err) = mailer.mail_admins(&subject, &text).await {
            tracing::warn!(target: "alder::mail", "mailing the admins of a server error: {err}");
        }
    });
}

/// `ERROR: Internal Server Error: /path` (Django's subject), the path cut short so the
/// subject stays readable.
fn subject(error: &ServerError) -> String {
    let path = error.uri.split('?').next().unwrap_or("");
    let path: String = if path.chars().count() > 120 {
        path.chars().take(120).chain("…".chars()).collect()
    } else {
        path.to_string()
    };
    let reason = error.status.canonical_reason().unwrap_or("Server Error");
    format!("ERROR: {reason}: {path}")
}

fn text(error: &ServerError, held: u64) -> String {
    let mut text = format!(
        "{} {} was answered {} {}.\n\n",
        error.method,
        error.uri,
        error.status.as_u16(),
        error.status.canonical_reason().unwrap_or("")
    );
    if error.chain.is_empty() {
        text.push_str("The handler answered this status itself, without an error.\n");
    } else {
        text.push_str("Error, then what caused it:\n");
        for cause in &error.chain {
            let _ = writeln!(text, "  {cause}");
        }
    }
    if held > 0 {
        let _ = writeln!(
            text,
            "\n{held} more like it since the last mail were not mailed (one mail per error \
             every {} minutes).",
            QUIET.as_secs() / 60
        );
    }
    text.push_str("\nRequest headers (secrets masked):\n");
    for (name, value) in &error.headers {
        let _ = writeln!(text, "  {name}: {value}");
    }
    text
}
