//! Reading a `multipart/form-data` body (multer) into [`FormData`]: text fields as pairs,
//! files as [`UploadedFile`]s, within the settings' limits.

use axum::body::Body;
use http::StatusCode;
use tokio::io::AsyncWriteExt;

use super::{FormData, UploadedFile};
use crate::{Error, Settings};

/// The limits of one body, from the settings.
pub(super) struct Limits {
    pub(super) max_fields: usize,
    pub(super) max_files: usize,
    pub(super) max_text: usize,
    pub(super) memory: usize,
    pub(super) temp_dir: Option<std::path::PathBuf>,
}

impl Limits {
    pub(super) fn of(settings: &Settings) -> Self {
        Limits {
            max_fields: settings.data_upload_max_number_fields,
            max_files: settings.data_upload_max_number_files,
            max_text: settings.data_upload_max_memory_size,
            memory: settings.file_upload_max_memory_size,
            temp_dir: settings.file_upload_temp_dir.clone(),
        }
    }
}

pub(super) async fn read(
    body: Body,
    content_type: &str,
    limits: &Limits,
) -> Result<FormData, Error> {
    let boundary = multer::parse_boundary(content_type).map_err(|_| {
        Error::bad_request("the multipart form has no boundary in its Content-Type")
    })?;
    let mut multipart = multer::Multipart::new(body.into_data_stream(), boundary);
    let mut data = FormData::default();
    let (mut fields, mut files, mut text) = (0usize, 0usize, 0usize);
    while let Some(mut field) = multipart.next_field().await.map_err(malformed)? {
        // Files and other fields are counted apart, as Django does.
        if field.file_name().is_some() {
            files += 1;
            if files > limits.max_files {
                return Err(Error::bad_request(format!(
                    "the form sent more than {} files (data_upload_max_number_files)",
                    limits.max_files
                )));
            }
        } else {
            fields += 1;
            if fields > limits.max_fields {
                return Err(too_many(limits.max_fields));
            }
        }
        let name = field
            .name()
            .filter(|n| !n.is_empty())
            .ok_or_else(|| Error::bad_request("a part of the multipart form has no field name"))?
            .to_string();
        match field.file_name().map(str::to_string) {
            None => {
                let mut value = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(malformed)? {
                    text += chunk.len();
                    if text > limits.max_text {
                        return Err(Error::http(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            format!(
                                "the form's text fields are over {} bytes (data_upload_max_memory_size)",
                                limits.max_text
                            ),
                        ));
                    }
                    value.extend_from_slice(&chunk);
                }
                data.push(name, String::from_utf8_lossy(&value).into_owned());
            }
            // A file input left empty sends a part with an empty name and no bytes.
            Some(file_name) if file_name.is_empty() => {
                while field.chunk().await.map_err(malformed)?.is_some() {}
            }
            Some(file_name) => {
                let content_type = field
                    .content_type()
                    .map_or("application/octet-stream".to_string(), ToString::to_string);
                let file = receive(&mut field, &file_name, content_type, limits).await?;
                data.push_file(name, file);
            }
        }
    }
    Ok(data)
}

/// Keeps a file in memory until it passes the limit, then writes it to a temporary file.
async fn receive(
    field: &mut multer::Field<'_>,
    file_name: &str,
    content_type: String,
    limits: &Limits,
) -> Result<UploadedFile, Error> {
    let mut memory: Vec<u8> = Vec::new();
    let mut disk: Option<(tokio::fs::File, tempfile::TempPath)> = None;
    let mut size = 0u64;
    while let Some(chunk) = field.chunk().await.map_err(malformed)? {
        size += chunk.len() as u64;
        if disk.is_none() && memory.len() + chunk.len() > limits.memory {
            let temp = match &limits.temp_dir {
                Some(dir) => tempfile::Builder::new()
                    .prefix("alder-upload-")
                    .tempfile_in(dir),
                None => tempfile::Builder::new().prefix("alder-upload-").tempfile(),
            }
            .map_err(|e| Error::other("creating a temporary file for an upload", e))?;
            let (file, path) = temp.into_parts();
            let mut file = tokio::fs::File::from_std(file);
            file.write_all(&memory)
                .await
                .map_err(|e| Error::other("writing an upload to its temporary file", e))?;
            memory = Vec::new();
            disk = Some((file, path));
        }
        match &mut disk {
            Some((file, _)) => file
                .write_all(&chunk)
                .await
                .map_err(|e| Error::other("writing an upload to its temporary file", e))?,
            None => memory.extend_from_slice(&chunk),
        }
    }
    Ok(match disk {
        Some((mut file, path)) => {
            file.flush()
                .await
                .map_err(|e| Error::other("writing an upload to its temporary file", e))?;
            UploadedFile::on_disk(file_name, content_type, size, path)
        }
        None => UploadedFile::in_memory(file_name, content_type, memory),
    })
}

fn too_many(max: usize) -> Error {
    Error::bad_request(format!(
        "the form sent more than {max} fields (data_upload_max_number_fields)"
    ))
}

pub(super) fn check_count(count: usize, max: usize) -> Result<(), Error> {
    if count > max {
        Err(too_many(max))
    } else {
        Ok(())
    }
}

/// A body that broke off or is not multipart: 400, or 413 when the body limit cut it.
fn malformed(err: multer::Error) -> Error {
    if crate::middleware::passed_the_limit(&err) {
        return Error::http(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the request body is too large",
        );
    }
    Error::bad_request(format!("the multipart form could not be read: {err}"))
}
