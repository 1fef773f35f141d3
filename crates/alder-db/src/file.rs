//! Model fields that hold an uploaded file (Django's `FileField` and `ImageField`): the
//! column keeps the name a storage saved the file under, never the content. Saving the
//! upload, serving it and checking that an image is one is the web layer's work
//! (`alder_web::storage`, and model forms' `save_form_with`); this layer only stores names.

use sea_query::Value;
use serde::{Deserialize, Serialize};

use crate::database::DbRow;
use crate::meta::{FieldKind, FileKind};
use crate::{FieldText, FieldType, ValidationError};

macro_rules! file_field {
    ($(#[$doc:meta])* $name:ident, $kind:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The file saved under `name` (what a storage's `save` returned).
            pub fn new(name: impl Into<String>) -> Self {
                $name(name.into())
            }

            /// No file: the empty name a blank field stores, as Django's `''`.
            pub fn empty() -> Self {
                $name(String::new())
            }

            /// The name the storage saved the file under; empty when there is no file.
            pub fn name(&self) -> &str {
                &self.0
            }

            /// Whether no file is stored.
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FieldType for $name {
            const KIND: FieldKind = FieldKind::Text;
            // Django's default `max_length=100` for file names.
            const MAX_LENGTH: Option<u32> = Some(100);
            const FILE: Option<FileKind> = Some(FileKind::$kind);
            fn to_value(&self) -> Value {
                Value::String(Some(self.0.clone()))
            }
            fn null() -> Value {
                Value::String(None)
            }
            fn decode(row: &DbRow, index: usize) -> Result<Self, sqlx::Error> {
                String::decode(row, index).map($name)
            }
            fn decode_option(row: &DbRow, index: usize) -> Result<Option<Self>, sqlx::Error> {
                String::decode_option(row, index).map(|v| v.map($name))
            }
            fn char_len(&self) -> Option<usize> {
                Some(self.0.chars().count())
            }
        }

        /// The stored name, as a fixture or a query string holds it.
        impl FieldText for $name {
            fn parse_text(text: &str) -> Result<Self, ValidationError> {
                Ok($name(text.to_string()))
            }
            fn to_text(&self) -> String {
                self.0.clone()
            }
        }
    };
}

file_field!(
    /// A model field holding an uploaded file: the name a storage saved it under, in a
    /// `VARCHAR(100)` column (`max_length` changes it), Django's `FileField`. Empty means no
    /// file, so a field a form may leave empty says `#[model(blank)]`.
    ///
    /// ```
    /// use alder_db::{Auto, FileField, FileKind, Model};
    /// #[derive(Model)]
    /// struct Report {
    ///     id: Auto<i64>,
    ///     #[model(blank)]
    ///     attachment: FileField,
    /// }
    /// let field = Report::META.field("attachment").unwrap();
    /// assert_eq!((field.max_length, field.file), (Some(100), Some(FileKind::File)));
    /// let report = Report { id: Auto::new(), attachment: FileField::new("reports/attachment/q3.pdf") };
    /// assert_eq!(report.attachment.name(), "reports/attachment/q3.pdf");
    /// assert!(FileField::empty().is_empty());
    /// ```
    FileField,
    File
);

file_field!(
    /// A [`FileField`] for images, Django's `ImageField`: a model form accepts only a file
    /// that is an image (its content read, not its claimed type) with an image's extension,
    /// and its input asks the browser for images.
    ///
    /// ```
    /// use alder_db::{Auto, FileKind, ImageField, Model};
    /// #[derive(Model)]
    /// struct Profile {
    ///     id: Auto<i64>,
    ///     #[model(blank, max_length = 200)]
    ///     avatar: ImageField,
    /// }
    /// let field = Profile::META.field("avatar").unwrap();
    /// assert_eq!((field.max_length, field.file), (Some(200), Some(FileKind::Image)));
    /// ```
    ImageField,
    Image
);
