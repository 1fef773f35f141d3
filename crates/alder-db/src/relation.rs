//! Relations between models: `ForeignKey<T>` (many-to-one), enforced by the database with
//! the `on_delete` rule Django users know.

use std::marker::PhantomData;

use sea_query::Value;
use serde::{Deserialize, Serialize};

use crate::database::DbRow;
use crate::field::FieldType;
use crate::meta::FieldKind;
use crate::{Database, DbError, Model, Result};

/// A many-to-one relation: this row points to one `T` by its primary key (Django's
/// `ForeignKey`). Stored as the target's key ([`Model::Key`]: `i64` for an `Auto<i64>` key,
/// `String` or `Uuid` for those keys), so the column has the target key's column type;
/// [`get`](Self::get) fetches the row.
///
/// ```
/// use alder_db::{Auto, ForeignKey, Model};
/// #[derive(Model)]
/// struct Author { id: Auto<i64>, name: String }
/// #[derive(Model)]
/// struct Country { #[model(primary_key, max_length = 2)] code: String }
/// #[derive(Model)]
/// struct Book {
///     id: Auto<i64>,
///     #[model(on_delete = "protect")]
///     author: ForeignKey<Author>,
///     country: ForeignKey<Country>,
/// }
/// let book = Book { id: Auto::new(), author: ForeignKey::new(7), country: ForeignKey::new("NO".into()) };
/// assert_eq!(book.author.id(), 7);
/// assert_eq!(book.country.id(), "NO");
/// assert_eq!(Book::META.field("country").unwrap().kind, alder_db::FieldKind::Text);
/// ```
pub struct ForeignKey<T: Model> {
    id: T::Key,
    _target: PhantomData<fn() -> T>,
}

impl<T: Model> ForeignKey<T> {
    /// A pointer to the `T` whose key is `id`.
    pub fn new(id: T::Key) -> Self {
        ForeignKey {
            id,
            _target: PhantomData,
        }
    }

    /// The key of the row pointed to.
    pub fn id(&self) -> T::Key {
        self.id.clone()
    }

    /// The key of the row pointed to, borrowed (no copy of a text key).
    ///
    /// ```
    /// # use alder_db::{ForeignKey, Model};
    /// # #[derive(Model)] struct Country { #[model(primary_key)] code: String }
    /// let country: ForeignKey<Country> = ForeignKey::new("NO".into());
    /// assert_eq!(country.key(), "NO");
    /// ```
    pub fn key(&self) -> &T::Key {
        &self.id
    }

    /// A pointer to a saved object; [`DbError::Unsaved`] if it has no key yet.
    pub fn to(object: &T) -> Result<Self> {
        object.pk().map(Self::new).ok_or(DbError::Unsaved {
            model: T::META.name,
        })
    }

    /// Fetches the row pointed to.
    pub async fn get(&self, db: &Database) -> Result<T> {
        crate::crud::get_by_pk::<T>(db, self.id.to_value()).await
    }
}

/// A one-to-one relation (Django's `OneToOneField`): a [`ForeignKey`] whose column is
/// unique, so at most one row points to each target.
///
/// ```
/// use alder_db::{Auto, Model, OneToOne};
/// #[derive(Model)]
/// struct User { id: Auto<i64> }
/// #[derive(Model)]
/// struct Profile { id: Auto<i64>, user: OneToOne<User> }
/// assert!(Profile::META.field("user").unwrap().unique);
/// ```
pub type OneToOne<T> = ForeignKey<T>;

impl<T: Model> Clone for ForeignKey<T> {
    fn clone(&self) -> Self {
        Self::new(self.id.clone())
    }
}
// Integer keys are `Copy`, so their pointers are too (`|p| p.author`).
impl<T: Model> Copy for ForeignKey<T> where T::Key: Copy {}
impl<T: Model> PartialEq for ForeignKey<T> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}
impl<T: Model> Eq for ForeignKey<T> {}
impl<T: Model> std::hash::Hash for ForeignKey<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}
impl<T: Model> std::fmt::Debug for ForeignKey<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ForeignKey({:?})", self.id)
    }
}
/// A pointer read from a form or a query string: the target's key as text. Text that is not
/// a key of the right type is "Select a valid choice." (Django's `ModelChoiceField`), not a
/// complaint about numbers the person never typed; whether the row exists is checked apart,
/// against the database.
///
/// ```
/// use alder_db::{Auto, FieldText, ForeignKey, Model};
/// #[derive(Model)]
/// struct Author { id: Auto<i64> }
/// let author = ForeignKey::<Author>::parse_text("7").unwrap();
/// assert_eq!((author.id(), author.to_text().as_str()), (7, "7"));
/// assert_eq!(ForeignKey::<Author>::parse_text("seven").unwrap_err().code(), "invalid_choice");
/// ```
impl<T: Model> crate::FieldText for ForeignKey<T>
where
    T::Key: crate::FieldText,
{
    fn parse_text(text: &str) -> std::result::Result<Self, crate::ValidationError> {
        <T::Key as crate::FieldText>::parse_text(text)
            .map(Self::new)
            .map_err(|_| crate::ValidationError::invalid_choice())
    }
    fn to_text(&self) -> String {
        self.id.to_text()
    }
}

impl<T: Model> Serialize for ForeignKey<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.id.serialize(s)
    }
}
impl<'de, T: Model> Deserialize<'de> for ForeignKey<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        T::Key::deserialize(d).map(Self::new)
    }
}

impl<T: Model> FieldType for ForeignKey<T> {
    // The target key's column type: a pointer holds what the key holds.
    const KIND: FieldKind = <T::Key as FieldType>::KIND;
    fn to_value(&self) -> Value {
        self.id.to_value()
    }
    fn null() -> Value {
        <T::Key as FieldType>::null()
    }
    fn decode(row: &DbRow, index: usize) -> std::result::Result<Self, sqlx::Error> {
        <T::Key as FieldType>::decode(row, index).map(Self::new)
    }
    fn decode_option(row: &DbRow, index: usize) -> std::result::Result<Option<Self>, sqlx::Error> {
        <T::Key as FieldType>::decode_option(row, index).map(|v| v.map(Self::new))
    }
}
