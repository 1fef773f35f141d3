//! The auth app's users and groups in the admin (Django's `django/contrib/auth/admin.py`).

use alder_auth::models::{Group, User};
use alder_db::Auto;

use crate::{Fieldset, ModelAdmin};

/// A user added in the admin starts without a usable password, so they cannot log in until
/// one is set with `changepassword`.
fn blank_user() -> User {
    let mut user = User::new("", "");
    user.set_unusable_password();
    user
}

fn blank_group() -> Group {
    Group {
        id: Auto::new(),
        name: String::new(),
        permissions: Default::default(),
    }
}

/// Django's `UserAdmin` lists, search and filters.
pub(crate) fn users() -> ModelAdmin<User> {
    ModelAdmin::new()
        .list_display(["username", "email", "first_name", "last_name", "is_staff"])
        .search_fields(["username", "first_name", "last_name", "email"])
        .list_filter(["is_staff", "is_superuser", "is_active"])
        .fieldset(Fieldset::new("", ["username"]))
        .fieldset(Fieldset::new(
            "Personal info",
            ["first_name", "last_name", "email"],
        ))
        .fieldset(Fieldset::new(
            "Permissions",
            [
                "is_active",
                "is_staff",
                "is_superuser",
                "groups",
                "user_permissions",
            ],
        ))
        .fieldset(Fieldset::new(
            "Important dates",
            ["last_login", "date_joined"],
        ))
        .readonly_fields(["last_login", "date_joined"])
        .filter_horizontal(["groups", "user_permissions"])
        // As Django's add form: who they are, not what they may do (that needs `change_user`).
        .add_fields(["username", "email"])
        .blank(blank_user)
}

/// Django's `GroupAdmin`: by name, permissions chosen in the form.
pub(crate) fn groups() -> ModelAdmin<Group> {
    ModelAdmin::new()
        .list_display(["name"])
        .search_fields(["name"])
        .filter_horizontal(["permissions"])
        .blank(blank_group)
}
