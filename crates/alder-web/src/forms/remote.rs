//! Relation fields whose choices are searched for in the page instead of loaded with the
//! form (the admin's autocomplete): a select of every author is fine for ten authors and a
//! page of megabytes for a hundred thousand.

use std::future::Future;

use super::FormField;

tokio::task_local! {
    static REMOTE: Vec<(&'static str, &'static str)>;
}

/// Runs `work` with the relation fields in `fields` — each `(field name, table of the model
/// it points to)` — left without choices by every form it loads
/// ([`BoundForm::load_choices`](super::BoundForm::load_choices) and the model-form methods
/// that call it): the page offers them some other way, such as a search box. The keys sent
/// are still checked against the database on save.
///
/// ```
/// use alder_web::db::{Auto, Database, ForeignKey, Model, schema};
/// use alder_web::forms::{without_choices, Form, ModelForm};
/// #[derive(Model, Form)] struct Author { id: Auto<i64>, name: String }
/// #[derive(Model, Form)] struct Post { id: Auto<i64>, author: ForeignKey<Author> }
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let db = Database::connect("sqlite::memory:").await.unwrap();
/// # schema::create_model(&db, Author::META).await.unwrap();
/// # schema::create_model(&db, Post::META).await.unwrap();
/// let remote = vec![("author", Author::META.table)];
/// let form = without_choices(remote, Post::empty_form(&db)).await.unwrap();
/// assert_eq!(form.related_choices("author"), Some(&[][..]));
/// # });
/// ```
pub async fn without_choices<F: Future>(
    fields: Vec<(&'static str, &'static str)>,
    work: F,
) -> F::Output {
    REMOTE.scope(fields, work).await
}

/// Whether `field` is one [`without_choices`] leaves out here.
pub(crate) fn is_remote(field: &FormField) -> bool {
    let Some(relation) = field.relation else {
        return false;
    };
    REMOTE
        .try_with(|remote| {
            remote
                .iter()
                .any(|(name, table)| *name == field.name() && *table == relation.target.table)
        })
        .unwrap_or(false)
}
