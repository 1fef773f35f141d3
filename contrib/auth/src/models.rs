//! Users, groups and permissions: Django's `auth_user`, `auth_group` and `auth_permission`.

use alder_db::chrono::{DateTime, Utc};
use alder_db::{Auto, ManyToMany, Model};
use serde::Serialize;

/// Something a user may do to the rows of one model: Django creates `add`, `change`,
/// `delete` and `view` for every model after `migrate`, and so does the auth app.
/// `"blog.change_post"` names the permission with app label `blog` and codename
/// `change_post`.
///
/// ```
/// use alder_db::Model;
/// assert_eq!(alder_auth::models::Permission::META.table, "auth_permission");
/// ```
#[derive(Model, Debug, Clone, Serialize)]
#[model(
    app = "auth",
    table = "auth_permission",
    unique_together = "app_label, codename",
    ordering = "app_label, codename",
    display = "{app_label} | {name}"
)]
pub struct Permission {
    /// The key.
    pub id: Auto<i64>,
    /// A sentence for people: "Can change post".
    #[model(max_length = 255)]
    pub name: String,
    /// The app of the model it is about (Django's content type, by its app label).
    #[model(max_length = 100)]
    pub app_label: String,
    /// The model it is about, lowercase: `post`.
    #[model(max_length = 100)]
    pub model: String,
    /// `change_post`.
    #[model(max_length = 100)]
    pub codename: String,
}

/// A named set of permissions users are put in (Django's `Group`): give "Editors" the
/// right to change posts, then make users editors.
///
/// ```
/// use alder_db::Model;
/// assert_eq!(alder_auth::models::Group::META.table, "auth_group");
/// ```
#[derive(Model, alder_web::forms::Form, Debug, Clone, Serialize)]
#[model(
    app = "auth",
    table = "auth_group",
    ordering = "name",
    display = "{name}"
)]
pub struct Group {
    /// The key.
    pub id: Auto<i64>,
    /// The group's name.
    #[model(unique, max_length = 150)]
    pub name: String,
    /// What members may do.
    #[model(blank)]
    #[serde(skip)]
    pub permissions: ManyToMany<Permission>,
}

/// A person who can log in (Django's `User`, the same fields). The password is a hash
/// (argon2id, a PHC string); set it with [`User::set_password`], check it with
/// [`User::check_password`].
///
/// ```
/// use alder_auth::models::User;
/// let mut ada = User::new("ada", "ada@example.com");
/// ada.set_password("correct horse battery staple");
/// assert!(ada.check_password("correct horse battery staple"));
/// assert!(!ada.check_password("wrong"));
/// assert!(ada.is_active && !ada.is_staff);
/// ```
///
/// It is its own model form too (the admin's user page): the password, the last login and
/// the date joined are not in it.
#[derive(Model, alder_web::forms::Form, Debug, Clone, Serialize)]
#[form(exclude = "last_login")]
#[model(
    app = "auth",
    table = "auth_user",
    ordering = "username",
    display = "{username}"
)]
pub struct User {
    /// The key.
    pub id: Auto<i64>,
    /// What the user logs in with: unique, 150 characters or fewer, letters, digits and
    /// `@ . + - _`.
    #[model(
        unique,
        max_length = 150,
        regex = "[\\w.@+-]+",
        help_text = "Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only."
    )]
    pub username: String,
    /// The user's address, for password resets.
    #[model(max_length = 254, email, blank, verbose_name = "email address")]
    pub email: String,
    /// The password's hash, or a string starting with `!` for a user who cannot log in
    /// with a password.
    #[model(max_length = 128, editable = false)]
    #[serde(skip)]
    pub password: String,
    /// Given name.
    #[model(max_length = 150, blank)]
    pub first_name: String,
    /// Family name.
    #[model(max_length = 150, blank)]
    pub last_name: String,
    /// Whether the user may log in at all: unset this rather than deleting the account.
    #[model(
        default = true,
        help_text = "Designates whether this user should be treated as active. Unselect this instead of deleting accounts."
    )]
    pub is_active: bool,
    /// Whether the user may log in to the admin site.
    #[model(help_text = "Designates whether the user can log into this admin site.")]
    pub is_staff: bool,
    /// Whether the user has every permission without being given it.
    #[model(
        verbose_name = "superuser status",
        help_text = "Designates that this user has all permissions without explicitly assigning them."
    )]
    pub is_superuser: bool,
    /// When the user last logged in.
    #[model(blank)]
    pub last_login: Option<DateTime<Utc>>,
    /// When the account was made.
    #[model(auto_now_add)]
    pub date_joined: DateTime<Utc>,
    /// The groups the user is in.
    #[model(blank)]
    #[serde(skip)]
    pub groups: ManyToMany<Group>,
    /// Permissions given to the user directly.
    #[model(blank)]
    #[serde(skip)]
    pub user_permissions: ManyToMany<Permission>,
}

impl User {
    /// A new active user, not saved, with no usable password (set one with
    /// [`set_password`](Self::set_password)).
    pub fn new(username: impl Into<String>, email: impl Into<String>) -> Self {
        User {
            id: Auto::new(),
            username: username.into(),
            email: email.into(),
            password: crate::password::unusable(),
            first_name: String::new(),
            last_name: String::new(),
            is_active: true,
            is_staff: false,
            is_superuser: false,
            last_login: None,
            date_joined: Utc::now(),
            groups: ManyToMany::new(),
            user_permissions: ManyToMany::new(),
        }
    }

    /// Hashes `raw` (argon2id) and keeps the hash; save the user afterwards. Hashing takes
    /// tens of milliseconds of one core: in a handler, use
    /// [`set_password_async`](Self::set_password_async).
    pub fn set_password(&mut self, raw: &str) {
        self.password = crate::password::make(raw);
    }

    /// [`set_password`](Self::set_password) on tokio's blocking threads (at most one hash per
    /// core at a time), so requests keep being served meanwhile.
    pub async fn set_password_async(&mut self, raw: &str) {
        self.password = crate::password::make_async(raw).await;
    }

    /// Makes the user unable to log in with a password (Django's `set_unusable_password`).
    pub fn set_unusable_password(&mut self) {
        self.password = crate::password::unusable();
    }

    /// Whether the user has a password that can log in.
    pub fn has_usable_password(&self) -> bool {
        crate::password::is_usable(&self.password)
    }

    /// Whether `raw` is the user's password (compared in constant time by the hasher). In a
    /// handler, use [`check_password_async`](Self::check_password_async).
    pub fn check_password(&self, raw: &str) -> bool {
        crate::password::verify(raw, &self.password)
    }

    /// [`check_password`](Self::check_password) on tokio's blocking threads.
    pub async fn check_password_async(&self, raw: &str) -> bool {
        crate::password::verify_async(raw, &self.password).await
    }

    /// "First Last", or the username when both are empty (Django's `get_full_name`, with a
    /// fallback for greetings).
    pub fn full_name(&self) -> String {
        let full = format!("{} {}", self.first_name, self.last_name);
        let full = full.trim();
        if full.is_empty() {
            self.username.clone()
        } else {
            full.to_owned()
        }
    }
}
