//! Relations between models: `ForeignKey<T>` (many-to-one), enforced by the database with
//! the `on_delete` rule Django users know.

use std::marker::PhantomData;

use sea_query::Value;
use serde::{Deserialize, Serialize};

use crate::database::DbRow;
use crate::field::{FieldKind, FieldType};
use crate::model::ModelMeta;
use crate::query::IntoFieldValue;
use crate::{Database, DbError, Model, Result};

/// What happens to rows that point to a row being deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OnDelete {
    /// Delete them too.
    Cascade,
    /// Refuse the delete (a foreign key error), as Django's `PROTECT`.
    Protect,
    /// Refuse the delete, checked at the end of the statement.
    Restrict,
    /// Set the pointer to NULL (the field must be an `Option`).
    SetNull,
    /// Set the pointer to the column's default.
    SetDefault,
}

impl OnDelete {
    /// Parses the `on_delete = "…"` attribute.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "cascade" | "CASCADE" => OnDelete::Cascade,
            "protect" | "PROTECT" => OnDelete::Protect,
            "restrict" | "RESTRICT" => OnDelete::Restrict,
            "set_null" | "SET_NULL" => OnDelete::SetNull,
            "set_default" | "SET_DEFAULT" => OnDelete::SetDefault,
            _ => return None,
        })
    }
}

/// The metadata of a relation field.
#[derive(Debug, Clone, Copy)]
pub struct RelationMeta {
    /// The model pointed to (a function, so that a model may point to itself).
    pub target: fn() -> &'static ModelMeta,
    /// The delete rule.
    pub on_delete: OnDelete,
    /// `#[model(related_name = "posts")]`: the name of the reverse relation on the target,
    /// as Django's; `None` means the default, `<model>_set` (see
    /// [`Registry::related_to`](crate::Registry::related_to)).
    pub related_name: Option<&'static str>,
}

impl Serialize for RelationMeta {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("RelationMeta", 3)?;
        st.serialize_field("target", (self.target)().name)?;
        st.serialize_field("on_delete", &self.on_delete)?;
        st.serialize_field("related_name", &self.related_name)?;
        st.end()
    }
}

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

    /// Fetches the rows the objects point to in one query, by key: no query per object
    /// (Django's `prefetch_related` for a foreign key).
    ///
    /// ```
    /// # use alder_db::{Auto, Database, ForeignKey, Model};
    /// # #[derive(Model)] struct Author { id: Auto<i64>, name: String }
    /// # #[derive(Model)] struct Post { id: Auto<i64>, title: String, author: ForeignKey<Author> }
    /// async fn list(db: &Database) -> alder_db::Result<()> {
    ///     let posts = Post::objects().all(db).await?;
    ///     let authors = ForeignKey::prefetch(db, &posts, |p| p.author).await?;
    ///     for post in &posts {
    ///         println!("{} by {}", post.title, authors[&post.author.id()].name);
    ///     }
    ///     Ok(())
    /// }
    /// ```
    pub async fn prefetch<S>(
        db: &Database,
        objects: &[S],
        key: impl Fn(&S) -> Self,
    ) -> Result<std::collections::HashMap<T::Key, T>> {
        T::all_objects()
            .in_bulk(db, objects.iter().map(|o| key(o).id))
            .await
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

/// A bare key compares with a foreign key to a model with keys of that type
/// (`Post::author().eq(7)`).
macro_rules! key_values {
    ($($ty:ty),*) => {$(
        // Not offered as a fix when some other value is wrong (a float for an i32 field).
        #[diagnostic::do_not_recommend]
        impl<T: Model<Key = $ty>> IntoFieldValue<ForeignKey<T>> for $ty {
            fn into_field_value(self) -> Value {
                self.to_value()
            }
        }
        #[diagnostic::do_not_recommend]
        impl<T: Model<Key = $ty>> IntoFieldValue<Option<ForeignKey<T>>> for $ty {
            fn into_field_value(self) -> Value {
                self.to_value()
            }
        }
    )*};
}

key_values!(i16, i32, i64, String, uuid::Uuid);

impl<T: Model<Key = String>> IntoFieldValue<ForeignKey<T>> for &str {
    fn into_field_value(self) -> Value {
        Value::String(Some(self.to_string()))
    }
}

impl<T: Model> IntoFieldValue<ForeignKey<T>> for &T {
    fn into_field_value(self) -> Value {
        self.pk_value().unwrap_or_else(<T::Key as FieldType>::null)
    }

    fn unsaved_model(&self) -> Option<&'static str> {
        self.pk_value().is_none().then_some(T::META.name)
    }
}

impl<T: Model> IntoFieldValue<Option<ForeignKey<T>>> for &T {
    fn into_field_value(self) -> Value {
        self.pk_value().unwrap_or_else(<T::Key as FieldType>::null)
    }

    fn unsaved_model(&self) -> Option<&'static str> {
        self.pk_value().is_none().then_some(T::META.name)
    }
}
