//! Model form fields of type [`FileField`] and [`ImageField`] (Django's `FileField` and
//! `ImageField` with a `ClearableFileInput`): what the form reads for them, and the checks an
//! upload passes before it is stored.
//!
//! A form never takes a stored name from the request: the name comes from the object (the
//! file it has now) or from [`ModelForm::save_form_with`](super::ModelForm::save_form_with),
//! which records the name each upload is stored under in the form data it reads.

use alder_db::meta::FileKind;
use alder_db::{FileField, ImageField, ValidationError, ValidationErrors};

use super::{FormData, FormField, UploadedFile};

/// A model field type that holds a stored file's name. Implemented for [`FileField`],
/// [`ImageField`] and an `Option` of either (`None` when there is no file).
#[doc(hidden)]
pub trait StoredFile: Sized {
    /// The stored name; empty when there is no file.
    fn stored_name(&self) -> &str;
    /// The value for the stored name `name`; the empty name is no file.
    fn from_stored(name: &str) -> Self;
}

impl StoredFile for FileField {
    fn stored_name(&self) -> &str {
        self.name()
    }
    fn from_stored(name: &str) -> Self {
        FileField::new(name)
    }
}

impl StoredFile for ImageField {
    fn stored_name(&self) -> &str {
        self.name()
    }
    fn from_stored(name: &str) -> Self {
        ImageField::new(name)
    }
}

impl<T: StoredFile> StoredFile for Option<T> {
    fn stored_name(&self) -> &str {
        self.as_ref().map_or("", T::stored_name)
    }
    fn from_stored(name: &str) -> Self {
        (!name.is_empty()).then(|| T::from_stored(name))
    }
}

/// The name of the "Clear" checkbox of an optional file field, as Django's
/// `ClearableFileInput` (`<name>-clear`).
pub(crate) fn clear_name(name: &str) -> String {
    format!("{name}-clear")
}

/// Reads a stored-file field: `Some(Some(value))` to store, `Some(None)` to keep what
/// `current` holds, `None` after an error.
#[doc(hidden)]
pub fn stored_file<T: StoredFile>(
    field: &FormField,
    data: &FormData,
    current: Option<&T>,
    errors: &mut ValidationErrors,
) -> Option<Option<T>> {
    let name = field.name();
    let staged = data.staged_file(name);
    let sent = data.file(name).is_some();
    let clear = !field.required && data.get(&clear_name(name)).is_some();
    if clear && (staged.is_some() || sent) {
        errors.add(
            name,
            ValidationError::new(
                "contradiction",
                "Please either submit a file or check the clear checkbox, not both.",
            ),
        );
        return None;
    }
    if let Some(stored) = staged {
        return Some(Some(T::from_stored(stored)));
    }
    if sent {
        // An upload reached a form read without a storage (`update`, `save_form`): it
        // cannot be kept, and dropping it quietly would lose it.
        tracing::error!(
            field = name,
            "a file was uploaded to a model form that was not saved with save_form_with(&db, &storage, &data)"
        );
        errors.add(
            name,
            ValidationError::new(
                "not_stored",
                "This file could not be kept: the form must be saved with save_form_with.",
            ),
        );
        return None;
    }
    if clear {
        return Some(Some(T::from_stored("")));
    }
    let has_file = current.is_some_and(|c| !c.stored_name().is_empty());
    if field.required && !has_file {
        errors.add(
            name,
            ValidationError::new("required", "No file was submitted."),
        );
        return None;
    }
    Some(None)
}

/// The stored name as the form shows it ("Currently: …").
#[doc(hidden)]
pub fn put_stored_file<T: StoredFile>(value: &T, name: &str, data: &mut FormData) {
    if !value.stored_name().is_empty() {
        data.push(name, value.stored_name());
    }
}

/// The extensions an image upload may have: the formats browsers draw and `imagesize`
/// recognises (Django allows what Pillow reads).
const IMAGE_EXTENSIONS: &[&str] = &[
    "avif", "bmp", "gif", "heic", "heif", "ico", "jpe", "jpeg", "jpg", "png", "tif", "tiff", "webp",
];

/// The checks an upload for `field` passes before it is stored: not empty, and for an
/// image field an image's extension and content (the bytes are read, the claimed content
/// type is not trusted).
pub(crate) async fn check_upload(
    field: &FormField,
    upload: &UploadedFile,
) -> Result<(), ValidationError> {
    if upload.size() == 0 {
        return Err(ValidationError::new(
            "empty",
            "The submitted file is empty.",
        ));
    }
    if field.meta.file != Some(FileKind::Image) {
        return Ok(());
    }
    let extension = upload
        .file_name()
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    if !IMAGE_EXTENSIONS.contains(&extension.as_str()) {
        return Err(ValidationError::new(
            "invalid_extension",
            format!(
                "File extension “{extension}” is not allowed. Allowed extensions are: {}.",
                IMAGE_EXTENSIONS.join(", ")
            ),
        ));
    }
    match image_size(upload).await {
        None => Err(ValidationError::new(
            "invalid_image",
            "Upload a valid image. The file you uploaded was either not an image or a corrupted image.",
        )),
        Some((width, height)) if width.saturating_mul(height) > MAX_IMAGE_PIXELS => {
            Err(ValidationError::new(
                "too_large",
                format!(
                    "The image is {width} × {height} pixels, over the limit of {MAX_IMAGE_PIXELS} pixels."
                ),
            ))
        }
        Some(_) => Ok(()),
    }
}

/// The most pixels an uploaded image may have: a small file can declare a huge image (a
/// decompression bomb) that would exhaust memory when decoded later. Pillow refuses twice its
/// `MAX_IMAGE_PIXELS`, which is this.
const MAX_IMAGE_PIXELS: u64 = 178_956_970;

/// The width and height the header gives, when the content is an image (a file renamed
/// `.png` is not).
async fn image_size(upload: &UploadedFile) -> Option<(u64, u64)> {
    let size = match upload.temporary_path() {
        // Reads only as far as the header, off the async threads.
        Some(path) => {
            let path = path.to_path_buf();
            tokio::task::spawn_blocking(move || imagesize::size(path))
                .await
                .ok()
                .and_then(Result::ok)
        }
        None => match upload.bytes().await {
            Ok(bytes) => imagesize::blob_size(&bytes).ok(),
            Err(_) => None,
        },
    };
    size.filter(|s| s.width > 0 && s.height > 0)
        .map(|s| (s.width as u64, s.height as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_optional_stored_file_is_none_without_a_name() {
        assert_eq!(Option::<FileField>::from_stored(""), None);
        assert_eq!(
            Option::<FileField>::from_stored("a/b.txt").unwrap().name(),
            "a/b.txt"
        );
        assert_eq!(FileField::from_stored("").stored_name(), "");
    }
}
