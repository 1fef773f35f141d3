//! Logging a test client in without the login page (Django's `client.force_login` and
//! `client.login`).

use alder_web::test::TestClient;
use serde_json::{Map, Value};

use crate::models::User;
use crate::{AuthError, SESSION_HASH, SESSION_USER_ID};

/// Logs `client` in as `user` (saved), skipping the password and the throttles: a new
/// session holding the user, its cookie given to the client.
///
/// ```no_run
/// # async fn test(client: alder_web::test::TestClient, ada: alder_auth::models::User) {
/// alder_auth::testing::force_login(&client, &ada).await.unwrap();
/// client.get("/members/").await.assert_ok();
/// # }
/// ```
pub async fn force_login(client: &TestClient, user: &User) -> Result<(), AuthError> {
    let site = client.site();
    let id = user.id.get().ok_or(AuthError::Unsaved)?;
    let keys = crate::login::Keys::new(site.settings().effective_secret_key());
    let mut data = Map::new();
    data.insert(SESSION_USER_ID.into(), Value::from(id));
    data.insert(SESSION_HASH.into(), Value::from(keys.fingerprint(user)));
    let value = alder_sessions::testing::create(site, data).await?;
    client.set_cookie(&alder_sessions::testing::cookie_name(site)?, &value);
    Ok(())
}

/// Logs `client` in if `username` and `password` are right and the user is active (Django's
/// `client.login`); `false` otherwise.
pub async fn login(client: &TestClient, username: &str, password: &str) -> Result<bool, AuthError> {
    let db = client
        .site()
        .state()
        .database()
        .await
        .map_err(|err| AuthError::Session(alder_sessions::SessionError::Project(err)))?;
    match crate::authenticate(&db, username, password).await? {
        Some(user) => {
            force_login(client, &user).await?;
            Ok(true)
        }
        None => Ok(false),
    }
}
