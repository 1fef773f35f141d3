//! Permissions: the four rows per model made after `migrate`, what a user may do (their own
//! permissions and their groups'), and the guards that answer 403.

use std::collections::BTreeSet;
use std::sync::Arc;

use alder_db::Database;
use alder_web::{IntoResponse, ProjectState, RouteLayer, StatusCode};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::models::{Group, Permission, User};
use crate::AuthError;

/// Django's default permissions, in its order.
const ACTIONS: [&str; 4] = ["add", "change", "delete", "view"];

/// Creates the missing `add`, `change`, `delete` and `view` permissions of every model of
/// every app (Django's `create_permissions`, run after `migrate`); returns how many.
pub async fn create_permissions(
    db: &Database,
    apps: &[alder_db::migrations::AppMigrations],
) -> Result<usize, AuthError> {
    let existing: BTreeSet<(String, String)> = Permission::objects()
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.app_label, p.codename))
        .collect();
    let mut missing = Vec::new();
    for app in apps {
        for model in &app.models {
            let name = model.name.to_lowercase();
            for action in ACTIONS {
                let codename = format!("{action}_{name}");
                if existing.contains(&(model.app_label.to_owned(), codename.clone())) {
                    continue;
                }
                missing.push(Permission {
                    id: alder_db::Auto::new(),
                    name: format!("Can {action} {}", model.verbose_name),
                    app_label: model.app_label.to_owned(),
                    model: name.clone(),
                    codename,
                });
            }
        }
    }
    let created = missing.len();
    if created > 0 {
        alder_db::crud::bulk_create(db, &mut missing).await?;
    }
    Ok(created)
}

/// The permission called `"app_label.codename"`, for granting it in code and in tests.
///
/// ```no_run
/// # async fn grant(db: &alder_db::Database, ada: &alder_auth::models::User) -> Result<(), alder_auth::AuthError> {
/// let change = alder_auth::permission(db, "blog.change_post").await?;
/// alder_auth::models::User::user_permissions().add(db, ada, &change).await?;
/// # Ok(()) }
/// ```
pub async fn permission(db: &Database, name: &str) -> Result<Permission, AuthError> {
    let (app, codename) = split(name)?;
    Permission::objects()
        .filter(Permission::app_label().eq(app) & Permission::codename().eq(codename))
        .first(db)
        .await?
        .ok_or_else(|| AuthError::UnknownPermission(name.to_owned()))
}

fn split(name: &str) -> Result<(&str, &str), AuthError> {
    name.split_once('.')
        .filter(|(app, codename)| !app.is_empty() && !codename.is_empty())
        .ok_or_else(|| AuthError::UnknownPermission(name.to_owned()))
}

impl User {
    /// Every permission the user has, as `"app_label.codename"`: their own and their
    /// groups' (Django's `get_all_permissions`), in one query. A superuser has all of them;
    /// an inactive user none.
    pub async fn all_permissions(&self, db: &Database) -> Result<BTreeSet<String>, AuthError> {
        if !self.is_active {
            return Ok(BTreeSet::new());
        }
        let Some(id) = self.id.get() else {
            return Ok(BTreeSet::new());
        };
        let query = if self.is_superuser {
            Permission::objects()
        } else {
            let own = User::user_permissions().reverse_has(User::id().eq(id));
            let groups = User::groups().reverse_has(User::id().eq(id));
            let through_groups = Group::permissions().reverse_has(groups);
            Permission::objects().filter(own | through_groups)
        };
        Ok(query
            .all(db)
            .await?
            .into_iter()
            .map(|p| format!("{}.{}", p.app_label, p.codename))
            .collect())
    }

    /// Whether the user may do `perm` (`"blog.change_post"`; Django's `has_perm`): always for
    /// an active superuser, never for an inactive user, else if they or one of their groups
    /// were given it.
    pub async fn has_perm(&self, db: &Database, perm: &str) -> Result<bool, AuthError> {
        split(perm)?;
        if !self.is_active {
            return Ok(false);
        }
        if self.is_superuser {
            return Ok(true);
        }
        Ok(self.all_permissions(db).await?.contains(perm))
    }
}

/// A rule about one object (Django's object-level permissions, which a backend gives): the
/// model says, for a user and a permission, yes, no, or "ask the model-level permissions".
///
/// ```
/// use alder_auth::{models::User, ObjectPermission};
/// struct Post { author_id: i64 }
/// impl ObjectPermission for Post {
///     fn object_permission(&self, user: &User, perm: &str) -> Option<bool> {
///         // Authors may change their own posts, whatever their permissions say.
///         (perm == "blog.change_post" && user.id.get() == Some(self.author_id)).then_some(true)
///     }
/// }
/// ```
pub trait ObjectPermission {
    /// `Some(allowed)` to decide, `None` to leave it to the user's permissions.
    fn object_permission(&self, user: &User, perm: &str) -> Option<bool>;
}

impl User {
    /// Whether the user may do `perm` to `object` (Django's `has_perm(perm, obj)`): never
    /// for an inactive user, always for an active superuser, else what the object's rule
    /// decides, else the model-level permission.
    pub async fn has_perm_for<T: ObjectPermission + ?Sized>(
        &self,
        db: &Database,
        perm: &str,
        object: &T,
    ) -> Result<bool, AuthError> {
        split(perm)?;
        if !self.is_active {
            return Ok(false);
        }
        if self.is_superuser {
            return Ok(true);
        }
        match object.object_permission(self, perm) {
            Some(decided) => Ok(decided),
            None => self.has_perm(db, perm).await,
        }
    }
}

/// Refuses with **403** unless `user` has `perm` (Django's `PermissionDenied`).
///
/// ```no_run
/// use alder_auth::LoginRequired;
/// async fn edit(user: LoginRequired, db: alder_web::Db) -> alder_web::Result<&'static str> {
///     alder_auth::require_perm(&db, &user, "blog.change_post").await?;
///     Ok("editing")
/// }
/// ```
pub async fn require_perm(db: &Database, user: &User, perm: &str) -> alder_web::Result<()> {
    if user.has_perm(db, perm).await.map_err(AuthError::into_web)? {
        Ok(())
    } else {
        Err(forbidden())
    }
}

fn forbidden() -> alder_web::Error {
    alder_web::Error::http(
        StatusCode::FORBIDDEN,
        "You do not have permission to perform this action.",
    )
}

/// A layer for an app's routes that lets only logged-in users through (Django's
/// `@login_required` on every view): `.layer_with_state(alder_auth::login_required)`.
///
/// ```
/// let members = alder_web::App::new("members").layer_with_state(alder_auth::login_required);
/// ```
pub fn login_required(state: &ProjectState) -> impl RouteLayer {
    axum::middleware::from_fn_with_state((state.clone(), None::<Arc<str>>), guard)
}

/// A layer for an app's routes that lets through only users with `perm` (Django's
/// `@permission_required`): others logged in get 403, anonymous visitors the login page.
///
/// ```
/// let editing = alder_web::App::new("editing")
///     .layer_with_state(|state| alder_auth::permission_required(state, "blog.change_post"));
/// ```
pub fn permission_required(state: &ProjectState, perm: &str) -> impl RouteLayer {
    axum::middleware::from_fn_with_state((state.clone(), Some(Arc::<str>::from(perm))), guard)
}

async fn guard(
    State((state, perm)): State<(ProjectState, Option<Arc<str>>)>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let user = match crate::extract::resolve(&mut parts, &state).await {
        Ok(Some(user)) => user,
        Ok(None) => return crate::extract::not_logged_in(&parts, &state),
        Err(err) => return err.into_response(),
    };
    if let Some(perm) = perm {
        let allowed = match crate::extract::database(&mut parts, &state).await {
            Ok(db) => user.has_perm(&db, &perm).await.map_err(AuthError::into_web),
            Err(err) => Err(err),
        };
        match allowed {
            Ok(true) => {}
            Ok(false) => return forbidden().into_response(),
            Err(err) => return err.into_response(),
        }
    }
    next.run(Request::from_parts(parts, body)).await
}
