//! Fields that point at other rows: a `ForeignKey<T>` drawn as a select over `T`'s rows, a
//! `ManyToMany<T>` as a multiple select (Django's `ModelChoiceField` and
//! `ModelMultipleChoiceField`). Their choices come from the database, so a form loads them
//! before it is drawn ([`BoundForm::load_choices`](super::BoundForm::load_choices)) and checks
//! the keys sent against them before it is saved.

use std::fmt;

use alder_db::meta::ModelMeta;
use alder_db::ValidationErrors;
use alder_db::{Database, DbError, FieldText, ManyToMany, Model, QuerySet, ValidationError};
use futures_util::future::BoxFuture;

use super::{FormData, FormField};

/// Loads the choices: `(key as text, the object's display)`.
type LoadChoices = fn(&Database) -> BoxFuture<'_, Result<Vec<(String, String)>, DbError>>;
/// Of the keys sent (as text), those not among the choices.
type FindMissing = fn(&Database, Vec<String>) -> BoxFuture<'_, Result<Vec<String>, DbError>>;

/// The rows a relation field offers. `#[derive(Form)]` builds one for each `ForeignKey<T>`
/// and `ManyToMany<T>` field, over `T::objects()` or the QuerySet that
/// `#[form(queryset = "path")]` names (Django's `limit_choices_to`).
#[derive(Clone, Copy)]
pub struct Relation {
    /// The model pointed at.
    pub target: &'static ModelMeta,
    choices: LoadChoices,
    missing: FindMissing,
}

impl fmt::Debug for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Relation({})", self.target.name)
    }
}

impl Relation {
    /// For `#[derive(Form)]`.
    #[doc(hidden)]
    pub const fn __new(
        target: &'static ModelMeta,
        choices: LoadChoices,
        missing: FindMissing,
    ) -> Self {
        Relation {
            target,
            choices,
            missing,
        }
    }

    /// The choices, in the QuerySet's order: each row's key as the form sends it, and how the
    /// row reads to a person ([`Model::display`]).
    pub async fn choices(&self, db: &Database) -> Result<Vec<(String, String)>, DbError> {
        (self.choices)(db).await
    }

    /// Of `keys` (as sent), the ones that are not among the choices.
    pub async fn missing(&self, db: &Database, keys: Vec<String>) -> Result<Vec<String>, DbError> {
        if keys.is_empty() {
            return Ok(keys);
        }
        (self.missing)(db, keys).await
    }
}

/// What the relation of `T` offers, for the derive: each row's key and display.
#[doc(hidden)]
pub async fn choices_of<T: Model>(
    db: &Database,
    rows: QuerySet<T>,
) -> Result<Vec<(String, String)>, DbError> {
    Ok(rows
        .all(db)
        .await?
        .into_iter()
        .filter_map(|row| Some((alder_db::display_value(&row.pk_value()?), row.display())))
        .collect())
}

/// Of `keys`, those that do not name a row of `rows`: one query, whatever their number.
#[doc(hidden)]
pub async fn missing_from<T: Model>(
    db: &Database,
    rows: QuerySet<T>,
    keys: Vec<String>,
) -> Result<Vec<String>, DbError>
where
    T::Key: FieldText,
{
    let parsed: Vec<(String, Option<T::Key>)> = keys
        .into_iter()
        .map(|text| {
            let key = <T::Key as FieldText>::parse_text(&text).ok();
            (text, key)
        })
        .collect();
    let found = rows
        .in_bulk(db, parsed.iter().filter_map(|(_, key)| key.clone()))
        .await?;
    Ok(parsed
        .into_iter()
        .filter(|(_, key)| !key.as_ref().is_some_and(|k| found.contains_key(k)))
        .map(|(text, _)| text)
        .collect())
}

/// The texts a relation field sent, trimmed, empty ones left out.
fn sent<'a>(field: &FormField, data: &'a FormData) -> Vec<&'a str> {
    let texts = data
        .get_all(field.name())
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if field.multiple {
        texts.collect()
    } else {
        // One value is read, the last (`FormData::get`).
        texts.last().into_iter().collect()
    }
}

/// A `ManyToMany<T>` field: the keys sent must read as `T`'s keys (whether they exist is
/// checked against the database by the model form); at least one unless it may be blank.
#[doc(hidden)]
pub fn many_to_many<T: Model>(
    field: &FormField,
    data: &FormData,
    errors: &mut ValidationErrors,
) -> Option<ManyToMany<T>>
where
    T::Key: FieldText,
{
    let texts = sent(field, data);
    if texts.is_empty() && field.required {
        errors.add(
            field.name(),
            ValidationError::new("required", "This field is required."),
        );
        return None;
    }
    let mut valid = true;
    for text in texts {
        if <T::Key as FieldText>::parse_text(text).is_err() {
            errors.add(field.name(), not_offered(text));
            valid = false;
        }
    }
    valid.then(ManyToMany::new)
}

/// The keys a `ManyToMany<T>` field sent, once the form is valid.
#[doc(hidden)]
pub fn many_keys<T: Model>(field: &FormField, data: &FormData) -> Vec<T::Key>
where
    T::Key: FieldText,
{
    sent(field, data)
        .into_iter()
        .filter_map(|text| <T::Key as FieldText>::parse_text(text).ok())
        .collect()
}

/// Writes the keys related to an object into the values a form shows.
#[doc(hidden)]
pub fn put_keys<K: FieldText>(keys: &[K], name: &str, data: &mut FormData) {
    for key in keys {
        data.push(name, key.to_text());
    }
}

/// Django's message for one of several choices that is not offered.
fn not_offered(text: &str) -> ValidationError {
    ValidationError::new(
        "invalid_choice",
        format!("Select a valid choice. {text} is not one of the available choices."),
    )
}

/// Checks every relation field of `fields` whose text read well (no error yet in `errors`)
/// against the database: a key sent that is not on offer (deleted meanwhile, outside the
/// QuerySet, made up) is a field error, as in Django.
pub(crate) async fn check_relations(
    fields: &'static [FormField],
    db: &Database,
    data: &FormData,
    errors: &mut ValidationErrors,
) -> Result<(), DbError> {
    for field in fields {
        let Some(relation) = field.relation else {
            continue;
        };
        if errors.has_field(field.name()) {
            continue;
        }
        let texts: Vec<String> = sent(field, data).into_iter().map(String::from).collect();
        for text in relation.missing(db, texts).await? {
            let error = if field.multiple {
                not_offered(&text)
            } else {
                ValidationError::invalid_choice()
            };
            errors.add(field.name(), error);
        }
    }
    Ok(())
}
