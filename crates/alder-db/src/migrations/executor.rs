//! Applying and unapplying migrations, recorded in the `alder_migrations` table.

use std::collections::BTreeSet;

use sea_query::Values;

use super::{Graph, Migration, MigrationError, State};
use crate::{Backend, Database};

type Key = (String, String);

/// Where `migrate` should take the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Every migration of every app.
    All,
    /// Every migration of this app (and what they depend on).
    App(String),
    /// Exactly up to this migration: forward if it is not applied, else back to it.
    Migration(String, String),
    /// No migration of this app (and none that depends on them).
    Zero(String),
}

/// One step of a plan: a migration and its direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationRecord {
    /// The app.
    pub app: String,
    /// The migration.
    pub name: String,
    /// Applied (`true`) or unapplied (`false`).
    pub forwards: bool,
}

/// Runs a project's migrations against one database.
#[derive(Debug, Clone)]
pub struct Executor {
    db: Database,
    graph: Graph,
}

/// An arbitrary constant: the PostgreSQL advisory lock that keeps two instances from
/// migrating at once.
const LOCK_KEY: i64 = 0x616c_6465_725f_6d69;

impl Executor {
    /// An executor for `graph` on `db`.
    pub fn new(db: Database, graph: Graph) -> Self {
        Executor { db, graph }
    }

    /// The migration graph.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    async fn ensure_table(db: &Database) -> Result<(), MigrationError> {
        let id = match db.backend() {
            Backend::Sqlite => "id INTEGER PRIMARY KEY AUTOINCREMENT",
            Backend::Postgres => "id BIGSERIAL PRIMARY KEY",
        };
        db.execute_unprepared(&format!(
            "CREATE TABLE IF NOT EXISTS alder_migrations ({id}, app VARCHAR(255) NOT NULL, \
             name VARCHAR(255) NOT NULL, applied TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        ))
        .await?;
        // Each migration is recorded once. A history written before this index existed may
        // hold a duplicate (two instances racing); it still migrates, with a warning.
        if let Err(err) = db
            .execute_unprepared(
                "CREATE UNIQUE INDEX IF NOT EXISTS alder_migrations_app_name \
                 ON alder_migrations (app, name)",
            )
            .await
        {
            tracing::warn!(error = %err, "alder_migrations records a migration twice");
        }
        Ok(())
    }

    /// The migrations recorded as applied.
    pub async fn applied(&self) -> Result<BTreeSet<Key>, MigrationError> {
        Self::applied_on(&self.db).await
    }

    async fn applied_on(db: &Database) -> Result<BTreeSet<Key>, MigrationError> {
        Self::ensure_table(db).await?;
        let rows = db
            .fetch_all(
                "alder_migrations",
                "SELECT app, name FROM alder_migrations",
                Values(Vec::new()),
            )
            .await?;
        rows.iter()
            .map(|r| {
                let app: String = r
                    .get(0)
                    .map_err(|e| crate::DbError::from_sqlx("alder_migrations", "SELECT", e))?;
                let name: String = r
                    .get(1)
                    .map_err(|e| crate::DbError::from_sqlx("alder_migrations", "SELECT", e))?;
                Ok((app, name))
            })
            .collect()
    }

    /// The steps `migrate` would take to reach `target`, given what is applied.
    pub fn plan(
        &self,
        target: &Target,
        applied: &BTreeSet<Key>,
    ) -> Result<Vec<MigrationRecord>, MigrationError> {
        let forward = |keys: BTreeSet<Key>| -> Vec<MigrationRecord> {
            self.graph
                .ordered()
                .filter(|m| {
                    keys.contains(&(m.app.clone(), m.name.clone()))
                        && !applied.contains(&(m.app.clone(), m.name.clone()))
                })
                .map(|m| MigrationRecord {
                    app: m.app.clone(),
                    name: m.name.clone(),
                    forwards: true,
                })
                .collect()
        };
        let backward = |keys: BTreeSet<Key>| -> Vec<MigrationRecord> {
            let mut steps: Vec<MigrationRecord> = self
                .graph
                .ordered()
                .filter(|m| {
                    keys.contains(&(m.app.clone(), m.name.clone()))
                        && applied.contains(&(m.app.clone(), m.name.clone()))
                })
                .map(|m| MigrationRecord {
                    app: m.app.clone(),
                    name: m.name.clone(),
                    forwards: false,
                })
                .collect();
            steps.reverse();
            steps
        };
        let with_dependencies = |key: Key| -> BTreeSet<Key> {
            let mut out = BTreeSet::new();
            let mut stack = vec![key];
            while let Some(k) = stack.pop() {
                if let Some(m) = self.graph.get(&k.0, &k.1) {
                    stack.extend(m.dependencies.iter().cloned());
                }
                out.insert(k);
            }
            out
        };
        let known_app = |app: &str| -> Result<(), MigrationError> {
            if self.graph.ordered().any(|m| m.app == app) {
                Ok(())
            } else {
                Err(MigrationError::UnknownTarget(app.to_string()))
            }
        };
        Ok(match target {
            Target::All => forward(
                self.graph
                    .ordered()
                    .map(|m| (m.app.clone(), m.name.clone()))
                    .collect(),
            ),
            Target::App(app) => {
                known_app(app)?;
                let mut keys = BTreeSet::new();
                for leaf in self.graph.leaves(app) {
                    keys.extend(with_dependencies((app.clone(), leaf)));
                }
                forward(keys)
            }
            Target::Migration(app, name) => {
                if self.graph.get(app, name).is_none() {
                    return Err(MigrationError::UnknownTarget(format!("{app}.{name}")));
                }
                let key = (app.clone(), name.clone());
                if applied.contains(&key) {
                    // Back to it: unapply the app's later migrations and what depends on them.
                    let later: Vec<Key> = self
                        .graph
                        .of_app(app)
                        .map(|m| (m.app.clone(), m.name.clone()))
                        .skip_while(|k| *k != key)
                        .skip(1)
                        .collect();
                    let mut keys = BTreeSet::new();
                    for k in later {
                        keys.extend(self.graph.dependents(&k.0, &k.1));
                        keys.insert(k);
                    }
                    backward(keys)
                } else {
                    forward(with_dependencies(key))
                }
            }
            Target::Zero(app) => {
                known_app(app)?;
                let mut keys = BTreeSet::new();
                for m in self.graph.of_app(app) {
                    keys.extend(self.graph.dependents(&m.app, &m.name));
                    keys.insert((m.app.clone(), m.name.clone()));
                }
                backward(keys)
            }
        })
    }

    /// Takes the database to `target`, one migration per transaction, holding a lock so that
    /// a second instance migrating at the same time waits and then finds nothing left to do.
    pub async fn migrate(&self, target: &Target) -> Result<Vec<MigrationRecord>, MigrationError> {
        let conn = self.db.acquire().await?;
        if conn.backend() == Backend::Postgres {
            // Closed, not returned to the pool, when this is done or dropped (a panic, a
            // cancelled future): the session ends and the server releases the lock, which an
            // unlock statement skipped on the way out would otherwise leave held.
            conn.close_when_released();
            conn.execute_unprepared(&format!("SELECT pg_advisory_lock({LOCK_KEY})"))
                .await?;
        }
        let result = self.migrate_locked(&conn, target).await;
        if conn.backend() == Backend::Postgres {
            let _ = conn
                .execute_unprepared(&format!("SELECT pg_advisory_unlock({LOCK_KEY})"))
                .await;
        }
        result
    }

    async fn migrate_locked(
        &self,
        conn: &Database,
        target: &Target,
    ) -> Result<Vec<MigrationRecord>, MigrationError> {
        let mut applied = Self::applied_on(conn).await?;
        let plan = self.plan(target, &applied)?;
        let mut done = Vec::with_capacity(plan.len());
        for step in plan {
            let migration = self.graph.get(&step.app, &step.name).ok_or_else(|| {
                MigrationError::UnknownTarget(format!("{}.{}", step.app, step.name))
            })?;
            let sqlite = conn.backend() == Backend::Sqlite;
            if sqlite {
                // A table rebuild drops and recreates tables that others point to; with
                // enforcement on, SQLite would cascade those drops into the rows pointing
                // there. Enforcement is off for the migration and checked before commit.
                conn.execute_unprepared("PRAGMA foreign_keys = OFF").await?;
            }
            // A real transaction handle, so that an `atomic` block inside a data migration
            // becomes a savepoint instead of a second BEGIN/COMMIT. Immediate: on SQLite,
            // which has no advisory lock, the write lock is what keeps two processes from
            // applying the same migration; the record is read again under it.
            let tx = conn.begin_immediate().await?;
            let recorded = Self::is_recorded(tx.db(), &step.app, &step.name).await?;
            if recorded == step.forwards {
                // Another instance did this step meanwhile.
                tx.rollback().await?;
                if sqlite {
                    Self::enforce_foreign_keys(conn).await;
                }
                let key = (step.app.clone(), step.name.clone());
                if step.forwards {
                    applied.insert(key);
                } else {
                    applied.remove(&key);
                }
                continue;
            }
            let mut outcome = self
                .run_one(tx.db(), migration, step.forwards, &applied)
                .await;
            if sqlite && outcome.is_ok() {
                outcome = Self::check_foreign_keys(tx.db(), migration).await;
            }
            let outcome = match outcome {
                Ok(()) => tx.commit().await.map_err(MigrationError::from),
                Err(err) => {
                    let _ = tx.rollback().await;
                    Err(err)
                }
            };
            // Only outside a transaction does SQLite honour this pragma: after commit or rollback.
            if sqlite {
                Self::enforce_foreign_keys(conn).await;
            }
            match outcome {
                Ok(()) => {
                    let key = (step.app.clone(), step.name.clone());
                    if step.forwards {
                        applied.insert(key);
                    } else {
                        applied.remove(&key);
                    }
                    done.push(step.clone());
                    // The commands print each step; the log has it for other callers.
                    tracing::debug!(
                        "{} {}.{}",
                        if step.forwards {
                            "Applied"
                        } else {
                            "Unapplied"
                        },
                        step.app,
                        step.name
                    );
                }
                Err(err) => {
                    return Err(err);
                }
            }
        }
        Ok(done)
    }

    /// Turns SQLite's foreign key enforcement back on. A connection where that fails must
    /// not go back to the pool, where it would let later writes break references.
    async fn enforce_foreign_keys(conn: &Database) {
        if let Err(err) = conn.execute_unprepared("PRAGMA foreign_keys = ON").await {
            tracing::error!(error = %err, "could not turn foreign keys back on; closing the connection");
            conn.close_when_released();
        }
    }

    async fn is_recorded(conn: &Database, app: &str, name: &str) -> Result<bool, MigrationError> {
        let sql = match conn.backend() {
            Backend::Sqlite => "SELECT 1 FROM alder_migrations WHERE app = ? AND name = ?",
            Backend::Postgres => "SELECT 1 FROM alder_migrations WHERE app = $1 AND name = $2",
        };
        let rows = conn
            .fetch_all(
                "alder_migrations",
                sql,
                Values(vec![app.into(), name.into()]),
            )
            .await?;
        Ok(!rows.is_empty())
    }

    async fn check_foreign_keys(
        conn: &Database,
        migration: &Migration,
    ) -> Result<(), MigrationError> {
        let broken = conn
            .fetch_all(
                "alder_migrations",
                "PRAGMA foreign_key_check",
                Values(Vec::new()),
            )
            .await?;
        if broken.is_empty() {
            return Ok(());
        }
        let table: String = broken[0].get(0).unwrap_or_default();
        Err(MigrationError::Inconsistent(format!(
            "after {} {} row(s) of `{table}` point to rows that do not exist",
            migration.key(),
            broken.len()
        )))
    }

    /// The states before and after each operation of `migration`, in the history `applied`.
    fn states(
        &self,
        migration: &Migration,
        applied: &BTreeSet<Key>,
    ) -> Result<Vec<State>, MigrationError> {
        let key = (migration.app.clone(), migration.name.clone());
        let mut states = vec![self.graph.state_before(&key, |k| applied.contains(k))?];
        for op in &migration.operations {
            let mut next = states.last().cloned().unwrap_or_default();
            op.state_forwards(&migration.app, &mut next)?;
            states.push(next);
        }
        Ok(states)
    }

    async fn run_one(
        &self,
        conn: &Database,
        migration: &Migration,
        forwards: bool,
        applied: &BTreeSet<Key>,
    ) -> Result<(), MigrationError> {
        let states = self.states(migration, applied)?;
        if forwards {
            for (i, op) in migration.operations.iter().enumerate() {
                op.database_forwards(&migration.app, conn, &states[i], &states[i + 1])
                    .await?;
            }
        } else {
            for (i, op) in migration.operations.iter().enumerate().rev() {
                op.database_backwards(&migration.app, conn, &states[i], &states[i + 1])
                    .await?;
            }
        }
        if conn.is_capturing() {
            return Ok(());
        }
        let (sql, values) = if forwards {
            (
                "INSERT INTO alder_migrations (app, name) VALUES ($1, $2)",
                vec![migration.app.clone().into(), migration.name.clone().into()],
            )
        } else {
            (
                "DELETE FROM alder_migrations WHERE app = $1 AND name = $2",
                vec![migration.app.clone().into(), migration.name.clone().into()],
            )
        };
        let sql = if conn.backend() == Backend::Sqlite {
            sql.replace("$1", "?").replace("$2", "?")
        } else {
            sql.to_string()
        };
        conn.execute("alder_migrations", &sql, Values(values))
            .await?;
        Ok(())
    }

    /// The SQL a migration runs, without running it (`sqlmigrate`).
    pub async fn sql(
        &self,
        app: &str,
        name: &str,
        backwards: bool,
    ) -> Result<Vec<String>, MigrationError> {
        let migration = self
            .graph
            .get(app, name)
            .ok_or_else(|| MigrationError::UnknownTarget(format!("{app}.{name}")))?;
        // The history is every migration ordered before this one, applied or not.
        let everything: BTreeSet<Key> = self
            .graph
            .ordered()
            .map(|m| (m.app.clone(), m.name.clone()))
            .collect();
        let capture = self.db.capturing();
        self.run_one(&capture, migration, !backwards, &everything)
            .await?;
        Ok(capture.captured())
    }
}
