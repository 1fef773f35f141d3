//! The migration graph: every migration of every app, checked (missing dependencies,
//! conflicts, cycles) and put in one order that respects all dependencies.

use std::collections::{BTreeMap, BTreeSet};

use super::{AppMigrations, Migration, MigrationError, State};

type Key = (String, String);

/// All migrations of a project, validated and ordered.
#[derive(Debug, Clone)]
pub struct Graph {
    nodes: BTreeMap<Key, Migration>,
    order: Vec<Key>,
    apps: Vec<String>,
}

impl Graph {
    /// Builds and validates the graph of `apps`' migrations.
    pub fn new(apps: &[AppMigrations]) -> Result<Self, MigrationError> {
        let mut nodes = BTreeMap::new();
        for app in apps {
            for migration in &app.migrations {
                if migration.app != app.app {
                    return Err(MigrationError::Inconsistent(format!(
                        "migration {} is listed under app `{}`",
                        migration.key(),
                        app.app
                    )));
                }
                let key = (migration.app.clone(), migration.name.clone());
                if nodes.insert(key, migration.clone()).is_some() {
                    return Err(MigrationError::Inconsistent(format!(
                        "migration {} is listed twice",
                        migration.key()
                    )));
                }
            }
        }
        for migration in nodes.values() {
            for dep in &migration.dependencies {
                if !nodes.contains_key(dep) {
                    return Err(MigrationError::MissingDependency {
                        migration: migration.key(),
                        dependency: format!("{}.{}", dep.0, dep.1),
                    });
                }
            }
        }
        let app_names: Vec<String> = apps.iter().map(|a| a.app.clone()).collect();
        let graph = Graph {
            order: topological(&nodes, &app_names)?,
            nodes,
            apps: app_names,
        };
        for app in &graph.apps {
            let leaves = graph.leaves(app);
            if leaves.len() > 1 {
                return Err(MigrationError::Conflict {
                    app: app.clone(),
                    leaves: leaves.iter().map(|n| format!("{app}.{n}")).collect(),
                });
            }
        }
        Ok(graph)
    }

    /// Migrations of `app` that no other migration of `app` depends on (one, when healthy).
    pub fn leaves(&self, app: &str) -> Vec<String> {
        let depended: BTreeSet<&Key> = self
            .nodes
            .values()
            .filter(|m| m.app == app)
            .flat_map(|m| m.dependencies.iter())
            .collect();
        self.nodes
            .keys()
            .filter(|k| k.0 == app && !depended.contains(k))
            .map(|k| k.1.clone())
            .collect()
    }

    /// Every migration in an order that respects dependencies.
    pub fn ordered(&self) -> impl Iterator<Item = &Migration> {
        self.order.iter().map(|k| &self.nodes[k])
    }

    /// The migration `app.name`.
    pub fn get(&self, app: &str, name: &str) -> Option<&Migration> {
        self.nodes.get(&(app.to_string(), name.to_string()))
    }

    /// The migrations of `app`, in order.
    pub fn of_app<'a>(&'a self, app: &'a str) -> impl Iterator<Item = &'a Migration> + 'a {
        self.ordered().filter(move |m| m.app == app)
    }

    /// Migrations that depend on `app.name`, directly or not.
    pub fn dependents(&self, app: &str, name: &str) -> BTreeSet<Key> {
        let mut found = BTreeSet::new();
        let mut stack = vec![(app.to_string(), name.to_string())];
        while let Some(key) = stack.pop() {
            for (other, migration) in &self.nodes {
                if migration.dependencies.contains(&key) && found.insert(other.clone()) {
                    stack.push(other.clone());
                }
            }
        }
        found
    }

    /// The state recorded by replaying every migration in order.
    pub fn state(&self) -> Result<State, MigrationError> {
        let mut state = State::default();
        for migration in self.ordered() {
            for op in &migration.operations {
                op.state_forwards(&migration.app, &mut state)?;
            }
        }
        Ok(state)
    }

    /// The state just before `key` is applied, replaying the migrations ordered before it
    /// that `applied` says are part of the history.
    pub(crate) fn state_before(
        &self,
        key: &Key,
        include: impl Fn(&Key) -> bool,
    ) -> Result<State, MigrationError> {
        let mut state = State::default();
        for k in &self.order {
            if k == key {
                break;
            }
            if include(k) {
                let m = &self.nodes[k];
                for op in &m.operations {
                    op.state_forwards(&m.app, &mut state)?;
                }
            }
        }
        Ok(state)
    }
}

fn topological(
    nodes: &BTreeMap<Key, Migration>,
    apps: &[String],
) -> Result<Vec<Key>, MigrationError> {
    let rank = |k: &Key| {
        (
            apps.iter().position(|a| *a == k.0).unwrap_or(usize::MAX),
            k.1.clone(),
        )
    };
    let mut remaining: BTreeMap<&Key, BTreeSet<&Key>> = nodes
        .iter()
        .map(|(k, m)| (k, m.dependencies.iter().collect()))
        .collect();
    let mut order = Vec::with_capacity(nodes.len());
    while !remaining.is_empty() {
        let next = remaining
            .iter()
            .filter(|(_, deps)| deps.is_empty())
            .map(|(k, _)| *k)
            .min_by_key(|k| rank(k));
        let Some(next) = next.cloned() else {
            let stuck: Vec<String> = remaining
                .keys()
                .map(|k| format!("{}.{}", k.0, k.1))
                .collect();
            return Err(MigrationError::Cycle(stuck.join(", ")));
        };
        remaining.remove(&next);
        for deps in remaining.values_mut() {
            deps.remove(&next);
        }
        order.push(next);
    }
    Ok(order)
}
