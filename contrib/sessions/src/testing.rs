//! Sessions made and read without a request, for tests (Django's `client.session`, and what
//! the auth app's `force_login` builds on): a session stored as the running engine stores
//! it, and the cookie value that names it.

use std::sync::{Arc, OnceLock, Weak};

use alder_db::chrono::{Duration, Utc};
use alder_web::Site;
use serde_json::{Map, Value};

use crate::backend::{database, Backend};
use crate::session::{lifetime, Runtime};
use crate::SessionError;

/// Where the middleware's runtime is found from the site (weakly: the middleware owns it).
#[derive(Clone, Default)]
pub(crate) struct RuntimeSlot(pub(crate) Arc<OnceLock<Weak<Runtime>>>);

fn runtime(site: &Site) -> Result<Arc<Runtime>, SessionError> {
    site.state()
        .extension::<RuntimeSlot>()
        .and_then(|slot| slot.0.get())
        .and_then(Weak::upgrade)
        .ok_or(SessionError::NotInstalled)
}

/// The name of the session cookie.
pub fn cookie_name(site: &Site) -> Result<String, SessionError> {
    Ok(runtime(site)?.config.cookie_name.clone())
}

/// Stores a new session holding `data` and returns the value its cookie must carry; give it
/// to a test client with `client.set_cookie(&cookie_name(site)?, &value)`.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use alder_sessions::{Engine, SessionConfig};
/// let client = alder_web::test::TestClient::new(
///     alder_web::Project::new(alder_web::Settings::debug())
///         .app(alder_sessions::app_with(SessionConfig { engine: Engine::Cookie, ..Default::default() })),
/// );
/// let mut data = serde_json::Map::new();
/// data.insert("cart".into(), serde_json::json!([1, 2]));
/// let value = alder_sessions::testing::create(client.site(), data.clone()).await.unwrap();
/// assert_eq!(alder_sessions::testing::load(client.site(), &value).await.unwrap(), data);
/// # });
/// ```
pub async fn create(site: &Site, data: Map<String, Value>) -> Result<String, SessionError> {
    let runtime = runtime(site)?;
    let (age, _) = lifetime(&runtime.config, &data);
    let expires = Utc::now() + Duration::seconds(age as i64);
    match &runtime.backend {
        Backend::Database => {
            let db = site
                .state()
                .database()
                .await
                .map_err(SessionError::Project)?;
            database::create(&db, &data, expires).await
        }
        Backend::Redis(redis) => redis.create(&data, age).await,
        Backend::Cookie(codec) => {
            Ok(codec.encode(&runtime.config.cookie_name, &data, expires.timestamp()))
        }
    }
}

/// The values of the session a cookie value names; empty when it names none (expired,
/// deleted, tampered with).
pub async fn load(site: &Site, value: &str) -> Result<Map<String, Value>, SessionError> {
    let runtime = runtime(site)?;
    match &runtime.backend {
        Backend::Database => {
            if !crate::backend::is_valid_key(value) {
                return Ok(Map::new());
            }
            let db = site
                .state()
                .database()
                .await
                .map_err(SessionError::Project)?;
            Ok(database::load(&db, value).await?.unwrap_or_default())
        }
        Backend::Redis(redis) => {
            if !crate::backend::is_valid_key(value) {
                return Ok(Map::new());
            }
            Ok(redis.load(value).await?.unwrap_or_default())
        }
        Backend::Cookie(codec) => Ok(codec
            .decode(&runtime.config.cookie_name, value, Utc::now().timestamp())
            .unwrap_or_default()),
    }
}
