//! The sessions middleware (Django's `SessionMiddleware`): it puts the request's session
//! where the `Session` extractor finds it, and after the handler saves it if it changed and
//! sends, renews or removes the cookie.

use std::sync::Arc;

use alder_db::chrono::{Duration, Utc};
use alder_web::IntoResponse;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use cookie::Cookie;
use http::header::{HeaderValue, COOKIE, SET_COOKIE, VARY};
use http::HeaderMap;

use crate::backend::{database, Backend};
use crate::session::{lifetime, Runtime, Shared, Slot};
use crate::SessionError;

/// The largest `Set-Cookie` value browsers are sure to keep (RFC 6265 asks them for at least
/// 4096 bytes per cookie, name and attributes included).
const MAX_COOKIE_BYTES: usize = 4093;

pub(crate) async fn sessions(
    State(runtime): State<Arc<Runtime>>,
    mut request: Request,
    next: Next,
) -> Response {
    let incoming = cookie_value(request.headers(), &runtime.config.cookie_name);
    let shared = Arc::new(Shared::new(runtime, incoming));
    request.extensions_mut().insert(Slot(shared.clone()));
    let mut response = next.run(request).await;
    match finish(&shared, &mut response).await {
        Ok(()) => response,
        Err(err) => err.into_web().into_response(),
    }
}

/// The value of the first cookie called `name` in the request's `Cookie` headers.
fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name)
        .map(|cookie| cookie.value().to_owned())
}

/// What the session needs after the handler, decided under the lock and done after it.
enum Plan {
    /// Untouched, or unchanged: nothing to write.
    Keep,
    /// Empty now: delete what is stored and remove the cookie the browser has.
    Remove {
        stale: Vec<String>,
        had_cookie: bool,
    },
    /// Write the values and send the cookie.
    Save {
        key: Option<String>,
        stale: Vec<String>,
        data: crate::backend::Data,
        age: u64,
        at_browser_close: bool,
    },
}

async fn finish(shared: &Shared, response: &mut Response) -> Result<(), SessionError> {
    let config = &shared.runtime.config;
    let plan = {
        let mut inner = shared.lock();
        if !inner.loaded {
            // No handler looked at the session: the response does not depend on it.
            return Ok(());
        }
        add_vary_cookie(response.headers_mut());
        let stale = std::mem::take(&mut inner.stale_keys);
        if response.status().is_server_error() {
            // As Django: a failed request does not save what it half changed. But a session
            // it ended (a logout that then failed) stays ended.
            if stale.is_empty() || inner.key.is_some() {
                Plan::Keep
            } else {
                Plan::Remove {
                    stale,
                    had_cookie: shared.incoming.is_some(),
                }
            }
        } else if inner.data.is_empty() {
            let mut stale = stale;
            if inner.modified {
                stale.extend(inner.key.take());
            }
            Plan::Remove {
                stale,
                had_cookie: shared.incoming.is_some(),
            }
        } else if inner.modified || config.save_every_request {
            let (age, at_browser_close) = lifetime(config, &inner.data);
            Plan::Save {
                key: inner.key.clone(),
                stale,
                data: inner.data.clone(),
                age,
                at_browser_close,
            }
        } else {
            Plan::Keep
        }
    };
    let uses_database = matches!(shared.runtime.backend, Backend::Database);
    let db = match &plan {
        Plan::Keep => None,
        Plan::Remove { stale, .. } if stale.is_empty() => None,
        _ if uses_database => Some(
            shared
                .runtime
                .state
                .database()
                .await
                .map_err(SessionError::Project)?,
        ),
        _ => None,
    };
    match plan {
        Plan::Keep => Ok(()),
        Plan::Remove { stale, had_cookie } => {
            for key in &stale {
                match (&shared.runtime.backend, &db) {
                    (Backend::Database, Some(db)) => database::delete(db, key).await?,
                    (Backend::Redis(redis), _) => redis.delete(key).await?,
                    _ => {}
                }
            }
            if had_cookie {
                append_cookie(response.headers_mut(), removal_cookie(config))?;
            }
            Ok(())
        }
        Plan::Save {
            key,
            stale,
            data,
            age,
            at_browser_close,
        } => {
            // `lifetime` keeps ages below a century, well inside chrono's range.
            let expires = Utc::now() + Duration::seconds(age as i64);
            let value = match (&shared.runtime.backend, &db) {
                (Backend::Database, Some(db)) => {
                    let key = match key {
                        Some(key) => {
                            database::update(db, &key, &data, expires).await?;
                            key
                        }
                        None => database::create(db, &data, expires).await?,
                    };
                    // Only once the new row exists, so a failure keeps the old session.
                    for old in &stale {
                        database::delete(db, old).await?;
                    }
                    shared.lock().key = Some(key.clone());
                    key
                }
                (Backend::Database, None) => return Err(SessionError::NoDatabase),
                (Backend::Redis(redis), _) => {
                    let key = match key {
                        Some(key) => {
                            redis.update(&key, &data, age).await?;
                            key
                        }
                        None => redis.create(&data, age).await?,
                    };
                    for old in &stale {
                        redis.delete(old).await?;
                    }
                    shared.lock().key = Some(key.clone());
                    key
                }
                (Backend::Cookie(codec), _) => {
                    codec.encode(&config.cookie_name, &data, expires.timestamp())
                }
            };
            let mut cookie = base_cookie(config, value);
            if !at_browser_close {
                cookie.set_max_age(cookie::time::Duration::seconds(age as i64));
            }
            append_cookie(response.headers_mut(), cookie)
        }
    }
}

/// The session cookie with the settings' attributes.
fn base_cookie(config: &crate::SessionConfig, value: String) -> Cookie<'static> {
    let mut cookie = Cookie::new(config.cookie_name.clone(), value);
    cookie.set_path(config.cookie_path.clone());
    cookie.set_http_only(config.cookie_httponly);
    cookie.set_secure(config.cookie_secure);
    cookie.set_same_site(config.same_site());
    if let Some(domain) = &config.cookie_domain {
        cookie.set_domain(domain.clone());
    }
    cookie
}

/// A cookie that makes the browser forget the session cookie: same name, path and domain,
/// expired.
fn removal_cookie(config: &crate::SessionConfig) -> Cookie<'static> {
    let mut cookie = base_cookie(config, String::new());
    cookie.set_max_age(cookie::time::Duration::ZERO);
    cookie.set_expires(cookie::time::OffsetDateTime::UNIX_EPOCH);
    cookie
}

fn append_cookie(headers: &mut HeaderMap, cookie: Cookie<'static>) -> Result<(), SessionError> {
    let text = cookie.to_string();
    if text.len() > MAX_COOKIE_BYTES {
        return Err(SessionError::CookieTooLarge { size: text.len() });
    }
    let value = HeaderValue::try_from(text).map_err(|_| SessionError::BadCookie)?;
    headers.append(SET_COOKIE, value);
    Ok(())
}

/// `Vary: Cookie`, unless the response already varies on it (or on everything): a page that
/// read the session differs from one browser to the next, so caches must not share it.
fn add_vary_cookie(headers: &mut HeaderMap) {
    let varies = headers
        .get_all(VARY)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|name| {
            let name = name.trim();
            name == "*" || name.eq_ignore_ascii_case("cookie")
        });
    if !varies {
        headers.append(VARY, HeaderValue::from_static("Cookie"));
    }
}
