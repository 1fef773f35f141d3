//! `perms` in templates (Django's `PermWrapper`): `{% if perms.blog.change_post %}`, or
//! `perms["blog.change_post"]`, for the logged-in user; empty for a visitor.

use std::collections::BTreeSet;
use std::sync::Arc;

use minijinja::value::{Enumerator, Object, ObjectRepr, Value};

/// Every permission of the request's user, as `"app_label.codename"`; a superuser's are all
/// of them without a list.
#[derive(Debug, Default)]
pub(crate) struct Perms {
    pub(crate) granted: BTreeSet<String>,
    pub(crate) superuser: bool,
}

/// One app's permissions: `perms.blog`, true when the user has any (Django's
/// `has_module_perms`), and `perms.blog.change_post`.
#[derive(Debug)]
struct AppPerms {
    all: Arc<Perms>,
    app: String,
}

impl Perms {
    fn has(&self, perm: &str) -> bool {
        self.superuser || self.granted.contains(perm)
    }

    fn has_app(&self, app: &str) -> bool {
        let prefix = format!("{app}.");
        self.superuser || self.granted.iter().any(|p| p.starts_with(&prefix))
    }

    fn apps(&self) -> BTreeSet<&str> {
        self.granted
            .iter()
            .filter_map(|p| p.split_once('.').map(|(app, _)| app))
            .collect()
    }
}

impl Object for Perms {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        if key.contains('.') {
            return Some(Value::from(self.has(key)));
        }
        Some(Value::from_object(AppPerms {
            all: self.clone(),
            app: key.to_owned(),
        }))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let apps: Vec<Value> = self.apps().into_iter().map(Value::from).collect();
        Enumerator::Values(apps)
    }

    fn is_true(self: &Arc<Self>) -> bool {
        self.superuser || !self.granted.is_empty()
    }
}

impl Object for AppPerms {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let codename = key.as_str()?;
        Some(Value::from(
            self.all.has(&format!("{}.{codename}", self.app)),
        ))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let prefix = format!("{}.", self.app);
        let codenames: Vec<Value> = self
            .all
            .granted
            .iter()
            .filter_map(|p| p.strip_prefix(&prefix))
            .map(Value::from)
            .collect();
        Enumerator::Values(codenames)
    }

    fn is_true(self: &Arc<Self>) -> bool {
        self.all.has_app(&self.app)
    }
}
