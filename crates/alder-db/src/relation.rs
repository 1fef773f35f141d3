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
/// `ForeignKey`). Stored as the key; [`get`](Self::get) fetches the row.
///
/// ```
/// use alder_db::{Auto, ForeignKey, Model};
/// #[derive(Model)]
/// struct Author { id: Auto<i64>, name: String }
/// #[derive(Model)]
/// struct Book {
///     id: Auto<i64>,
///     #[model(on_delete = "protect")]
///     author: ForeignKey<Author>,
/// }
/// let book = Book { id: Auto::new(), author: ForeignKey::new(7) };
/// assert_eq!(book.author.id(), 7);
/// ```
pub struct ForeignKey<T> {
    id: i64,
    _target: PhantomData<fn() -> T>,
}

impl<T> ForeignKey<T> {
    /// A pointer to the `T` whose key is `id`.
    pub fn new(id: i64) -> Self {
        ForeignKey {
            id,
            _target: PhantomData,
        }
    }

    /// The key of the row pointed to.
    pub fn id(&self) -> i64 {
        self.id
    }
}

impl<T: Model> ForeignKey<T> {
    /// A pointer to a saved object; [`DbError::Unsaved`] if it has no key yet.
    pub fn to(object: &T) -> Result<Self> {
        match object.pk_value() {
            Some(Value::BigInt(Some(id))) => Ok(Self::new(id)),
            Some(Value::Int(Some(id))) => Ok(Self::new(i64::from(id))),
            _ => Err(DbError::Unsaved {
                model: T::META.name,
            }),
        }
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
    ) -> Result<std::collections::HashMap<i64, T>> {
        T::all_objects()
            .in_bulk(db, objects.iter().map(|o| key(o).id))
            .await
    }

    /// Fetches the row pointed to.
    pub async fn get(&self, db: &Database) -> Result<T> {
        crate::crud::get_by_pk::<T>(db, Value::BigInt(Some(self.id))).await
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

impl<T> Clone for ForeignKey<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for ForeignKey<T> {}
impl<T> PartialEq for ForeignKey<T> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}
impl<T> Eq for ForeignKey<T> {}
impl<T> std::hash::Hash for ForeignKey<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}
impl<T> std::fmt::Debug for ForeignKey<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ForeignKey({})", self.id)
    }
}
impl<T> Serialize for ForeignKey<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.id.serialize(s)
    }
}
impl<'de, T> Deserialize<'de> for ForeignKey<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        i64::deserialize(d).map(Self::new)
    }
}

impl<T: 'static> FieldType for ForeignKey<T> {
    const KIND: FieldKind = FieldKind::BigInteger;
    fn to_value(&self) -> Value {
        Value::BigInt(Some(self.id))
    }
    fn null() -> Value {
        Value::BigInt(None)
    }
    fn decode(row: &DbRow, index: usize) -> std::result::Result<Self, sqlx::Error> {
        i64::decode(row, index).map(Self::new)
    }
    fn decode_option(row: &DbRow, index: usize) -> std::result::Result<Option<Self>, sqlx::Error> {
        i64::decode_option(row, index).map(|v| v.map(Self::new))
    }
}

impl<T: 'static> IntoFieldValue<ForeignKey<T>> for i64 {
    fn into_field_value(self) -> Value {
        Value::BigInt(Some(self))
    }
}

impl<T: Model> IntoFieldValue<ForeignKey<T>> for &T {
    fn into_field_value(self) -> Value {
        self.pk_value().unwrap_or(Value::BigInt(None))
    }

    fn unsaved_model(&self) -> Option<&'static str> {
        self.pk_value().is_none().then_some(T::META.name)
    }
}

impl<T: Model> IntoFieldValue<Option<ForeignKey<T>>> for &T {
    fn into_field_value(self) -> Value {
        self.pk_value().unwrap_or(Value::BigInt(None))
    }

    fn unsaved_model(&self) -> Option<&'static str> {
        self.pk_value().is_none().then_some(T::META.name)
    }
}
