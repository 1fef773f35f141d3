//! What was done in the admin, by whom and when (Django's `LogEntry`): written for every add,
//! change and delete, read by an object's history page and the index's recent actions.

use alder_auth::models::User;
use alder_db::chrono::{DateTime, Utc};
use alder_db::{Auto, Database, ForeignKey, Model, ModelMeta};
use serde::Serialize;

/// An object was added.
pub const ADDITION: i16 = 1;
/// An object was changed.
pub const CHANGE: i16 = 2;
/// An object was deleted.
pub const DELETION: i16 = 3;

/// One thing a staff member did in the admin (Django's `admin.LogEntry`, table
/// `admin_logentry`). The object is named by app label, model and key as text, so entries
/// outlive what they are about.
///
/// ```
/// use alder_db::Model;
/// assert_eq!(alder_admin::LogEntry::META.table, "admin_logentry");
/// ```
#[derive(Model, Debug, Clone, Serialize)]
#[model(
    app = "admin",
    table = "admin_logentry",
    ordering = "-action_time",
    display = "{object_repr}",
    verbose_name_plural = "log entries"
)]
pub struct LogEntry {
    /// The key.
    pub id: Auto<i64>,
    /// When it happened.
    #[model(auto_now_add)]
    pub action_time: DateTime<Utc>,
    /// Who did it; their entries go with them.
    pub user: ForeignKey<User>,
    /// The object's app label (`blog`).
    #[model(max_length = 100)]
    pub app_label: String,
    /// The object's model, lower case (`post`).
    #[model(max_length = 100)]
    pub model: String,
    /// The object's key, as text.
    #[model(max_length = 255)]
    pub object_id: String,
    /// The object's display string at the time.
    #[model(max_length = 200)]
    pub object_repr: String,
    /// [`ADDITION`], [`CHANGE`] or [`DELETION`].
    pub action_flag: i16,
    /// What changed: "Changed title and body."
    #[model(blank)]
    pub change_message: String,
}

impl LogEntry {
    /// "Added", "Changed" or "Deleted".
    pub fn action(&self) -> &'static str {
        match self.action_flag {
            ADDITION => "Added",
            CHANGE => "Changed",
            _ => "Deleted",
        }
    }
}

/// Records one action. The display string is cut to the column's 200 characters.
pub(crate) async fn log(
    db: &Database,
    user: &User,
    meta: &ModelMeta,
    object_id: &str,
    repr: &str,
    flag: i16,
    message: String,
) -> alder_web::Result<()> {
    let Some(user_id) = user.id.get() else {
        return Ok(());
    };
    let mut entry = LogEntry {
        id: Auto::new(),
        action_time: Utc::now(),
        user: ForeignKey::new(user_id),
        app_label: meta.app_label.to_owned(),
        model: meta.name.to_lowercase(),
        object_id: object_id.chars().take(255).collect(),
        object_repr: repr.chars().take(200).collect(),
        action_flag: flag,
        change_message: message,
    };
    alder_db::crud::insert(db, &mut entry).await?;
    Ok(())
}

/// The usernames of the entries' users, one query.
pub(crate) async fn user_names(
    db: &Database,
    entries: &[LogEntry],
) -> alder_web::Result<std::collections::HashMap<i64, String>> {
    let mut ids: Vec<i64> = entries.iter().map(|e| e.user.id()).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(User::objects()
        .filter(User::id().is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|u| Some((u.id.get()?, u.username)))
        .collect())
}

/// "Changed title and body." from the names of the fields whose values changed; "No fields
/// changed." for none, as Django says.
pub(crate) fn change_message(changed: &[String]) -> String {
    match changed {
        [] => "No fields changed.".into(),
        [one] => format!("Changed {one}."),
        [first @ .., last] => format!("Changed {} and {last}.", first.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn change_messages_read_as_django_s() {
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(super::change_message(&[]), "No fields changed.");
        assert_eq!(super::change_message(&names(&["title"])), "Changed title.");
        assert_eq!(
            super::change_message(&names(&["title", "body", "author"])),
            "Changed title, body and author."
        );
    }
}
