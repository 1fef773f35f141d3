//! Field types: which Rust types a model field may have, what column each becomes, and how
//! values travel to and from the database.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use sea_query::Value;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::database::DbRow;
use crate::meta::FieldKind;

/// A Rust type a model field may have. Implemented for integers, `f64`, `bool`, `String`,
/// chrono's date and time types, `Uuid`, `serde_json::Value`, `Vec<u8>`, `Option<T>` of any
/// of them (a NULL column) and [`Auto`] (an auto-incremented primary key).
///
/// A field whose type is not one of these is a compile error on that field:
///
/// ```compile_fail,E0277
/// use alder_db::{Auto, Model};
/// struct Money;
/// #[derive(Model)]
/// struct Order {
///     id: Auto<i64>,
///     total: Money, // error: `Money` cannot be the type of a model field
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the type of a model field",
    label = "not a model field type",
    note = "model fields are integers (i16, i32, i64), f64, rust_decimal::Decimal, bool, String, chrono's NaiveDate, NaiveTime, NaiveDateTime and DateTime<Utc>, Uuid, serde_json::Value, Vec<u8>, FileField, ImageField, Option<T> of those, and Auto<i32>/Auto<i64> keys"
)]
pub trait FieldType: Sized + Send + Sync + 'static {
    /// The column kind.
    const KIND: FieldKind;
    /// Whether the column may hold NULL.
    const NULLABLE: bool = false;
    /// Whether the database assigns the value (an auto-incremented key).
    const AUTO: bool = false;
    /// For a `#[derive(Choices)]` enum: (stored value, label) of each choice.
    const CHOICES: &'static [(&'static str, &'static str)] = &[];
    /// The longest text the type stores, when the type itself knows (choices).
    const MAX_LENGTH: Option<u32> = None;
    /// For [`FileField`](crate::FileField) and [`ImageField`](crate::ImageField): which kind
    /// of upload the stored name stands for.
    const FILE: Option<crate::meta::FileKind> = None;
    /// The value as a query parameter.
    fn to_value(&self) -> Value;
    /// A NULL of this field's type.
    fn null() -> Value;
    /// Reads the column at `index`.
    fn decode(row: &DbRow, index: usize) -> Result<Self, sqlx::Error>;
    /// Reads the column at `index`, which may be NULL.
    fn decode_option(row: &DbRow, index: usize) -> Result<Option<Self>, sqlx::Error>;
    /// The length in characters, for `max_length` checks (text only).
    fn char_len(&self) -> Option<usize> {
        None
    }
}

macro_rules! field_type {
    ($ty:ty, $kind:ident, $variant:ident) => {
        field_type!(
            $ty,
            $kind,
            $variant,
            |v: &$ty| v.clone().into(),
            |_v: &$ty| None
        );
    };
    ($ty:ty, $kind:ident, $variant:ident, $to:expr, $len:expr) => {
        impl FieldType for $ty {
            const KIND: FieldKind = FieldKind::$kind;
            fn to_value(&self) -> Value {
                Value::$variant(Some($to(self)))
            }
            fn char_len(&self) -> Option<usize> {
                $len(self)
            }
            fn null() -> Value {
                Value::$variant(None)
            }
            fn decode(row: &DbRow, index: usize) -> Result<Self, sqlx::Error> {
                match row {
                    DbRow::Sqlite(r) => r.try_get(index),
                    DbRow::Postgres(r) => r.try_get(index),
                }
            }
            fn decode_option(row: &DbRow, index: usize) -> Result<Option<Self>, sqlx::Error> {
                match row {
                    DbRow::Sqlite(r) => r.try_get(index),
                    DbRow::Postgres(r) => r.try_get(index),
                }
            }
        }
    };
}

field_type!(i16, SmallInteger, SmallInt);
field_type!(i32, Integer, Int);
field_type!(i64, BigInteger, BigInt);
field_type!(f64, Float, Double);
field_type!(bool, Boolean, Bool);
field_type!(NaiveDate, Date, ChronoDate);
field_type!(NaiveTime, Time, ChronoTime);
field_type!(NaiveDateTime, NaiveDateTime, ChronoDateTime);
field_type!(DateTime<Utc>, DateTime, ChronoDateTimeUtc);
field_type!(uuid::Uuid, Uuid, Uuid);
field_type!(Vec<u8>, Bytes, Bytes);

field_type!(
    String,
    Text,
    String,
    |v: &String| v.clone(),
    |v: &String| Some(v.chars().count())
);
field_type!(
    serde_json::Value,
    Json,
    Json,
    |v: &serde_json::Value| Box::new(v.clone()),
    |_v: &serde_json::Value| None
);

impl FieldType for rust_decimal::Decimal {
    const KIND: FieldKind = FieldKind::Decimal;
    fn to_value(&self) -> Value {
        Value::Decimal(Some(*self))
    }
    fn null() -> Value {
        Value::Decimal(None)
    }
    fn decode(row: &DbRow, index: usize) -> Result<Self, sqlx::Error> {
        Self::decode_option(row, index)?.ok_or(sqlx::Error::ColumnDecode {
            index: index.to_string(),
            source: "unexpected NULL in a Decimal field".into(),
        })
    }
    fn decode_option(row: &DbRow, index: usize) -> Result<Option<Self>, sqlx::Error> {
        match row {
            DbRow::Postgres(r) => r.try_get(index),
            // SQLite hands back what NUMERIC affinity made of the text: an integer, a float,
            // or the text itself when it was not a number.
            DbRow::Sqlite(r) => {
                let bad = |source: String| sqlx::Error::ColumnDecode {
                    index: index.to_string(),
                    source: source.into(),
                };
                if let Ok(n) = r.try_get::<Option<i64>, _>(index) {
                    return Ok(n.map(rust_decimal::Decimal::from));
                }
                if let Ok(x) = r.try_get::<Option<f64>, _>(index) {
                    return x
                        .map(|x| {
                            rust_decimal::Decimal::try_from(x)
                                .map(|d| d.normalize())
                                .map_err(|e| bad(format!("{x} is not a decimal: {e}")))
                        })
                        .transpose();
                }
                let text: Option<String> = r.try_get(index)?;
                text.map(|t| {
                    t.parse()
                        .map_err(|e| bad(format!("{t:?} is not a decimal: {e}")))
                })
                .transpose()
            }
        }
    }
}

impl<T: FieldType> FieldType for Option<T> {
    const KIND: FieldKind = T::KIND;
    const NULLABLE: bool = true;
    const CHOICES: &'static [(&'static str, &'static str)] = T::CHOICES;
    const MAX_LENGTH: Option<u32> = T::MAX_LENGTH;
    const FILE: Option<crate::meta::FileKind> = T::FILE;
    fn to_value(&self) -> Value {
        match self {
            Some(v) => v.to_value(),
            None => T::null(),
        }
    }
    fn null() -> Value {
        T::null()
    }
    fn decode(row: &DbRow, index: usize) -> Result<Self, sqlx::Error> {
        T::decode_option(row, index)
    }
    fn decode_option(row: &DbRow, index: usize) -> Result<Option<Self>, sqlx::Error> {
        T::decode_option(row, index).map(Some)
    }
    fn char_len(&self) -> Option<usize> {
        self.as_ref().and_then(T::char_len)
    }
}

// Row reading by type lives here, not in `database`, so that `database` does not depend on
// the field types that depend on its rows.
/// Reads column `index` as a value of `kind`, NULL included: for code that knows a column
/// only by its metadata (the delete collector reading primary keys).
pub(crate) fn decode_kind(
    row: &DbRow,
    index: usize,
    kind: FieldKind,
) -> std::result::Result<Value, sqlx::Error> {
    use FieldKind as K;
    fn read<T: FieldType>(row: &DbRow, index: usize) -> std::result::Result<Value, sqlx::Error> {
        Ok(<Option<T> as FieldType>::decode(row, index)?.to_value())
    }
    match kind {
        K::SmallInteger => read::<i16>(row, index),
        K::Integer => read::<i32>(row, index),
        K::BigInteger => read::<i64>(row, index),
        K::Float => read::<f64>(row, index),
        K::Decimal => read::<rust_decimal::Decimal>(row, index),
        K::Boolean => read::<bool>(row, index),
        K::Text => read::<String>(row, index),
        K::Date => read::<chrono::NaiveDate>(row, index),
        K::Time => read::<chrono::NaiveTime>(row, index),
        K::DateTime => read::<chrono::DateTime<chrono::Utc>>(row, index),
        K::NaiveDateTime => read::<chrono::NaiveDateTime>(row, index),
        K::Uuid => read::<uuid::Uuid>(row, index),
        K::Json => read::<serde_json::Value>(row, index),
        K::Bytes => read::<Vec<u8>>(row, index),
    }
}

impl DbRow {
    /// Reads column `index` as `T`; for raw queries.
    pub fn get<T: FieldType>(&self, index: usize) -> std::result::Result<T, sqlx::Error> {
        T::decode(self, index)
    }
}

/// A primary key the database assigns (Django's `AutoField`/`BigAutoField`): empty until the
/// object is saved.
///
/// ```
/// use alder_db::Auto;
/// let id: Auto<i64> = Auto::new();
/// assert_eq!(id.get(), None);
/// assert_eq!(Auto::from(7).get(), Some(7));
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Auto<T>(Option<T>);

impl<T: Copy> Auto<T> {
    /// An unsaved key.
    pub fn new() -> Self {
        Auto(None)
    }

    /// The key, once the object is saved.
    pub fn get(&self) -> Option<T> {
        self.0
    }
}

impl<T> From<T> for Auto<T> {
    fn from(value: T) -> Self {
        Auto(Some(value))
    }
}

impl<T: std::fmt::Display> std::fmt::Display for Auto<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Some(v) => v.fmt(f),
            None => f.write_str("None"),
        }
    }
}

macro_rules! auto_type {
    ($ty:ty) => {
        impl FieldType for Auto<$ty> {
            const KIND: FieldKind = <$ty as FieldType>::KIND;
            const AUTO: bool = true;
            fn to_value(&self) -> Value {
                match self.0 {
                    Some(v) => v.to_value(),
                    None => <$ty as FieldType>::null(),
                }
            }
            fn null() -> Value {
                <$ty as FieldType>::null()
            }
            fn decode(row: &DbRow, index: usize) -> Result<Self, sqlx::Error> {
                <$ty as FieldType>::decode(row, index).map(|v| Auto(Some(v)))
            }
            fn decode_option(row: &DbRow, index: usize) -> Result<Option<Self>, sqlx::Error> {
                <$ty as FieldType>::decode_option(row, index).map(|v| v.map(|v| Auto(Some(v))))
            }
        }

        impl AutoKey for Auto<$ty> {
            fn set_from_i64(&mut self, id: i64) {
                self.0 = <$ty>::try_from(id).ok();
            }
            fn is_set(&self) -> bool {
                self.0.is_some()
            }
        }
    };
}

/// A primary key type the database may assign; used by `save` to fill it in.
pub trait AutoKey {
    /// Stores the key the database assigned.
    fn set_from_i64(&mut self, id: i64);
    /// Whether the key is set (the object was saved or loaded).
    fn is_set(&self) -> bool;
}

auto_type!(i32);
auto_type!(i64);

/// A date or time type `#[model(auto_now)]` and `#[model(auto_now_add)]` can fill with the
/// current moment (UTC), as Django's `DateField(auto_now=True)`.
#[diagnostic::on_unimplemented(
    message = "auto_now and auto_now_add apply to date and time fields, not `{Self}`",
    label = "not a date or time type",
    note = "use chrono's DateTime<Utc>, NaiveDateTime, NaiveDate or NaiveTime (or an Option of one)"
)]
pub trait Now {
    /// The current moment in this type.
    ///
    /// ```
    /// use alder_db::{chrono::NaiveDate, Now};
    /// assert!(NaiveDate::now() > NaiveDate::from_ymd_opt(2020, 1, 1).unwrap());
    /// ```
    fn now() -> Self;
}

impl Now for DateTime<Utc> {
    fn now() -> Self {
        Utc::now()
    }
}

impl Now for NaiveDateTime {
    fn now() -> Self {
        Utc::now().naive_utc()
    }
}

impl Now for NaiveDate {
    fn now() -> Self {
        Utc::now().date_naive()
    }
}

impl Now for NaiveTime {
    fn now() -> Self {
        Utc::now().time()
    }
}

impl<T: Now> Now for Option<T> {
    fn now() -> Self {
        Some(T::now())
    }
}
