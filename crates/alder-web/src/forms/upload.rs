//! Files sent with a form (`multipart/form-data`), Django's `UploadedFile`: kept in memory up
//! to `file_upload_max_memory_size`, in a temporary file beyond (removed when the last copy of
//! the value goes away).

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;

/// A file a form sent. Cheap to clone; the temporary file, if any, is removed once every
/// clone is dropped, so keep it (or [`save_to`](Self::save_to) a place of your own) for as
/// long as you need it.
///
/// ```
/// let file = alder_web::forms::UploadedFile::in_memory("notes.txt", "text/plain", "hello");
/// assert_eq!(file.file_name(), "notes.txt");
/// assert_eq!(file.size(), 5);
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// assert_eq!(file.bytes().await.unwrap(), "hello");
/// # });
/// ```
#[derive(Clone)]
pub struct UploadedFile(Arc<Inner>);

struct Inner {
    file_name: String,
    content_type: String,
    size: u64,
    content: Content,
}

enum Content {
    Memory(Bytes),
    Disk(tempfile::TempPath),
}

impl std::fmt::Debug for UploadedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadedFile")
            .field("file_name", &self.0.file_name)
            .field("content_type", &self.0.content_type)
            .field("size", &self.0.size)
            .field("on_disk", &matches!(self.0.content, Content::Disk(_)))
            .finish()
    }
}

impl UploadedFile {
    /// A file held in memory, for tests and for files made by code.
    pub fn in_memory(
        file_name: impl Into<String>,
        content_type: impl Into<String>,
        content: impl Into<Bytes>,
    ) -> Self {
        let content = content.into();
        UploadedFile(Arc::new(Inner {
            file_name: safe_file_name(&file_name.into()),
            content_type: content_type.into(),
            size: content.len() as u64,
            content: Content::Memory(content),
        }))
    }

    pub(super) fn on_disk(
        file_name: &str,
        content_type: String,
        size: u64,
        path: tempfile::TempPath,
    ) -> Self {
        UploadedFile(Arc::new(Inner {
            file_name: safe_file_name(file_name),
            content_type,
            size,
            content: Content::Disk(path),
        }))
    }

    /// The file's name as the browser sent it, reduced to its last path part without control
    /// characters (`../../etc/passwd` is `passwd`). A name for people: never build a path
    /// from it without checking it yourself.
    pub fn file_name(&self) -> &str {
        &self.0.file_name
    }

    /// The content type the browser claimed (not checked: look at the bytes for that).
    pub fn content_type(&self) -> &str {
        &self.0.content_type
    }

    /// The size in bytes.
    pub fn size(&self) -> u64 {
        self.0.size
    }

    /// Where the file is on disk, when it was large enough to be written to a temporary file.
    pub fn temporary_path(&self) -> Option<&Path> {
        match &self.0.content {
            Content::Disk(path) => Some(path),
            Content::Memory(_) => None,
        }
    }

    /// The whole content (read from the temporary file off the async threads if need be).
    pub async fn bytes(&self) -> std::io::Result<Bytes> {
        match &self.0.content {
            Content::Memory(bytes) => Ok(bytes.clone()),
            Content::Disk(path) => tokio::fs::read(&**path).await.map(Bytes::from),
        }
    }

    /// Copies the file to `destination` (its folder must exist).
    pub async fn save_to(&self, destination: impl AsRef<Path>) -> std::io::Result<()> {
        match &self.0.content {
            Content::Memory(bytes) => tokio::fs::write(destination, bytes).await,
            Content::Disk(path) => tokio::fs::copy(&**path, destination).await.map(|_| ()),
        }
    }
}

/// The last part of a path a browser (or a forger) sent as a file name, without control
/// characters; "file" when nothing is left.
fn safe_file_name(sent: &str) -> String {
    let last = sent.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last.chars().filter(|c| !c.is_control()).collect();
    let cleaned = cleaned.trim().trim_start_matches('.');
    if cleaned.is_empty() {
        "file".to_string()
    } else {
        cleaned.chars().take(255).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::safe_file_name;

    #[test]
    fn file_names_lose_their_paths_and_control_characters() {
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_file_name("C:\\Users\\ada\\cv.pdf"), "cv.pdf");
        assert_eq!(safe_file_name("a\u{0}b\r\n.txt"), "ab.txt");
        assert_eq!(safe_file_name(".."), "file");
        assert_eq!(safe_file_name(".htaccess"), "htaccess");
    }
}
