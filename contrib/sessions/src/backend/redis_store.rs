//! The Redis engine: one key per session (`alder:session:<key>`) holding its JSON, with
//! Redis's own expiry, shared by every instance of the site. The `redis` crate's connection
//! manager reconnects by itself after Redis went away; meanwhile requests that need the
//! session get a 503.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::OnceCell;

use super::Data;
use crate::SessionError;

/// How many fresh keys to try when a new one is taken.
const KEY_ATTEMPTS: usize = 10;

/// A connection (made at first use, so a site starts while Redis is down) and the key prefix.
pub(crate) struct RedisStore {
    client: redis::Client,
    connection: OnceCell<ConnectionManager>,
    prefix: String,
    timeout: Duration,
}

fn failed(err: redis::RedisError) -> SessionError {
    SessionError::Redis(err.to_string())
}

impl RedisStore {
    /// A store for the server at `url` (`redis://host:port/db`); refused when the URL is not
    /// one.
    pub(crate) fn new(url: &str, prefix: &str, timeout: Duration) -> Result<Self, String> {
        let client = redis::Client::open(url)
            .map_err(|err| format!("sessions.redis_url is `{url}`: {err}"))?;
        Ok(RedisStore {
            client,
            connection: OnceCell::new(),
            prefix: prefix.to_owned(),
            timeout,
        })
    }

    async fn connection(&self) -> Result<ConnectionManager, SessionError> {
        let connection = self
            .connection
            .get_or_try_init(|| async {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(self.timeout))
                    .set_response_timeout(Some(self.timeout))
                    .set_number_of_retries(1);
                self.client
                    .get_connection_manager_with_config(config)
                    .await
                    .map_err(failed)
            })
            .await?;
        Ok(connection.clone())
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// The values of the live session `key`, if any.
    pub(crate) async fn load(&self, key: &str) -> Result<Option<Data>, SessionError> {
        let mut connection = self.connection().await?;
        let stored: Option<String> = redis::cmd("GET")
            .arg(self.key(key))
            .query_async(&mut connection)
            .await
            .map_err(failed)?;
        Ok(stored.map(|json| match serde_json::from_str(&json) {
            Ok(data) => data,
            Err(err) => {
                tracing::warn!(target: "alder::sessions", "session data corrupted, starting afresh: {err}");
                Data::new()
            }
        }))
    }

    /// Writes the session `key` again, only if it still exists (`SET … XX`): one deleted
    /// meanwhile (a logout elsewhere) is [`SessionError::Interrupted`].
    pub(crate) async fn update(
        &self,
        key: &str,
        data: &Data,
        age: u64,
    ) -> Result<(), SessionError> {
        let mut connection = self.connection().await?;
        let done: Option<String> = redis::cmd("SET")
            .arg(self.key(key))
            .arg(encode(data))
            .arg("XX")
            .arg("EX")
            .arg(age.max(1))
            .query_async(&mut connection)
            .await
            .map_err(failed)?;
        match done {
            Some(_) => Ok(()),
            None => Err(SessionError::Interrupted),
        }
    }

    /// Stores a new session under a fresh key (`SET … NX`, so a key is never shared) and
    /// returns the key.
    pub(crate) async fn create(&self, data: &Data, age: u64) -> Result<String, SessionError> {
        let mut connection = self.connection().await?;
        let json = encode(data);
        for _ in 0..KEY_ATTEMPTS {
            let key = super::new_key();
            let done: Option<String> = redis::cmd("SET")
                .arg(self.key(&key))
                .arg(&json)
                .arg("NX")
                .arg("EX")
                .arg(age.max(1))
                .query_async(&mut connection)
                .await
                .map_err(failed)?;
            if done.is_some() {
                return Ok(key);
            }
        }
        Err(SessionError::NoFreshKey)
    }

    /// Deletes the session `key`.
    pub(crate) async fn delete(&self, key: &str) -> Result<(), SessionError> {
        let mut connection = self.connection().await?;
        let _: i64 = redis::cmd("DEL")
            .arg(self.key(key))
            .query_async(&mut connection)
            .await
            .map_err(failed)?;
        Ok(())
    }
}

fn encode(data: &Data) -> String {
    // A map of JSON values always serializes.
    serde_json::to_string(data).unwrap_or_else(|_| String::from("{}"))
}
