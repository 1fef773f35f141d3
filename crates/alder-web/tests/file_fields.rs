//! Model forms with `FileField` and `ImageField` against real databases (SQLite, and
//! PostgreSQL when the test script starts it) and a real folder: uploads stored under
//! `<table>/<field>/<name>` only once the whole form is valid, images checked by their
//! content and extension, a file kept when none is sent and cleared when asked, names never
//! taken from the request, and nothing left behind by a refused or failed save.

mod common;

use std::path::Path;

use alder_web::context;
use alder_web::db::{testing, Auto, Database, FileField, ImageField, Model};
use alder_web::forms::{Form, FormData, ModelForm, UploadedFile};
use alder_web::storage::FileSystemStorage;

#[derive(Model, Form, Debug)]
#[model(table = "papers")]
struct Paper {
    id: Auto<i64>,
    #[model(max_length = 20)]
    title: String,
    #[model(max_length = 40)]
    pdf: FileField,
    #[model(blank)]
    cover: ImageField,
}

/// A real 1×1 PNG.
const PNG: &[u8] = b"\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\x0d\x49\x44\x41\x54\x78\xda\x63\x64\x60\xf8\x5f\x0f\x00\x02\x87\x01\x80\xeb\x47\xba\x92\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";

async fn databases() -> Vec<Database> {
    let mut out = Vec::new();
    for db in testing::all().await.unwrap() {
        testing::migrate_models(&db, "library", vec![Paper::META])
            .await
            .unwrap();
        out.push(db);
    }
    out
}

async fn sqlite() -> Database {
    let db = testing::sqlite().await.unwrap();
    testing::migrate_models(&db, "library", vec![Paper::META])
        .await
        .unwrap();
    db
}

fn blank() -> Paper {
    Paper {
        id: Auto::new(),
        title: String::new(),
        pdf: FileField::empty(),
        cover: ImageField::empty(),
    }
}

fn sent(text: &str, files: &[(&str, &str, &[u8])]) -> FormData {
    let mut data = FormData::parse(text);
    for (field, name, content) in files {
        data.push_file(
            *field,
            UploadedFile::in_memory(*name, "application/octet-stream", content.to_vec()),
        );
    }
    data
}

/// Every file under `root`, as names relative to it, sorted.
fn stored(root: &Path) -> Vec<String> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, root, out);
            } else {
                out.push(path.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

/// `save_form_with` that must refuse the form (`why` says why it should).
async fn refused(
    paper: &mut Paper,
    db: &Database,
    media: &FileSystemStorage,
    data: &FormData,
    why: &str,
) -> alder_web::forms::BoundForm {
    match paper.save_form_with(db, media, data).await.unwrap() {
        Err(form) => form,
        Ok(()) => panic!("saved, but {why}"),
    }
}

fn codes(form: &alder_web::forms::BoundForm, field: &str) -> Vec<String> {
    form.errors()
        .field(field)
        .iter()
        .map(|e| e.code().to_string())
        .collect()
}

#[tokio::test]
async fn uploads_are_stored_under_table_field_and_name_and_the_row_keeps_the_names() {
    for db in databases().await {
        let root = tempfile::tempdir().unwrap();
        let media = FileSystemStorage::new(root.path(), "/media/");
        let mut paper = blank();
        let data = sent(
            "title=Dune",
            &[
                ("pdf", "../../Dune (1965).pdf", b"%PDF-1.7"),
                ("cover", "front.PNG", PNG),
            ],
        );
        paper
            .save_form_with(&db, &media, &data)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(paper.pdf.name(), "papers/pdf/Dune_1965.pdf");
        assert_eq!(paper.cover.name(), "papers/cover/front.PNG");
        assert_eq!(
            stored(root.path()),
            ["papers/cover/front.PNG", "papers/pdf/Dune_1965.pdf"]
        );
        assert_eq!(
            std::fs::read(root.path().join("papers/cover/front.PNG")).unwrap(),
            PNG
        );
        let loaded = Paper::objects().get(&db).await.unwrap();
        assert_eq!(
            (loaded.pdf, loaded.cover),
            (paper.pdf.clone(), paper.cover.clone())
        );

        // The same name again is stored beside the first, never over it; the name fits the
        // field's max_length (40) with the suffix.
        let mut second = blank();
        let long = format!("{}.pdf", "a".repeat(60));
        let data = sent(
            "title=Dune+2",
            &[("pdf", "Dune (1965).pdf", b"%PDF-2"), ("cover", &long, b"")],
        );
        let form = refused(&mut second, &db, &media, &data, "an empty cover is refused").await;
        assert_eq!(codes(&form, "cover"), ["empty"]);
        let data = sent("title=Dune+2", &[("pdf", "Dune (1965).pdf", b"%PDF-2")]);
        second
            .save_form_with(&db, &media, &data)
            .await
            .unwrap()
            .unwrap();
        assert!(
            second.pdf.name().starts_with("papers/pdf/Dune_1965_"),
            "{}",
            second.pdf
        );
        assert_eq!(
            std::fs::read(root.path().join("papers/pdf/Dune_1965.pdf")).unwrap(),
            b"%PDF-1.7"
        );
        let mut third = blank();
        let data = sent("title=Long", &[("pdf", &long, b"%PDF-3")]);
        third
            .save_form_with(&db, &media, &data)
            .await
            .unwrap()
            .unwrap();
        assert!(
            third.pdf.name().len() <= 40 && third.pdf.name().ends_with(".pdf"),
            "{}",
            third.pdf
        );
        assert_eq!(stored(root.path()).len(), 4);
    }
}

#[tokio::test]
async fn a_refused_form_stores_nothing_and_keeps_the_object_as_it_was() {
    for db in databases().await {
        let root = tempfile::tempdir().unwrap();
        let media = FileSystemStorage::new(root.path(), "/media/");
        let mut paper = blank();
        // The upload is fine; the title is too long: nothing may be stored.
        let long_title = format!("title={}", "x".repeat(21));
        let data = sent(
            &long_title,
            &[("pdf", "a.pdf", b"%PDF"), ("cover", "c.png", PNG)],
        );
        let form = refused(&mut paper, &db, &media, &data, "the title is too long").await;
        assert_eq!(codes(&form, "title"), ["max_length"]);
        assert!(paper.pdf.is_empty() && paper.cover.is_empty());
        assert!(stored(root.path()).is_empty());
        assert_eq!(Paper::objects().count(&db).await.unwrap(), 0);

        // Bad uploads and bad fields are reported together.
        let data = sent(
            &long_title,
            &[
                ("pdf", "a.pdf", b""),
                ("cover", "c.png", b"%PDF-1.7, named .png"),
            ],
        );
        let form = refused(&mut paper, &db, &media, &data, "refused").await;
        assert_eq!(codes(&form, "pdf"), ["empty"]);
        assert_eq!(codes(&form, "cover"), ["invalid_image"]);
        assert_eq!(codes(&form, "title"), ["max_length"]);
        assert!(stored(root.path()).is_empty());
    }
}

#[tokio::test]
async fn an_image_field_takes_only_images_with_an_image_extension() {
    let db = sqlite().await;
    let root = tempfile::tempdir().unwrap();
    let media = FileSystemStorage::new(root.path(), "/media/");
    for (name, content, code) in [
        (
            "cover.png",
            &b"<html>not an image</html>"[..],
            "invalid_image",
        ),
        // PNG bytes under a name a web server would serve as a page.
        ("cover.html", PNG, "invalid_extension"),
        (
            "cover.svg",
            b"<svg xmlns='http://www.w3.org/2000/svg'/>",
            "invalid_extension",
        ),
        ("cover", PNG, "invalid_extension"),
        ("cover.png", &PNG[..20], "invalid_image"),
    ] {
        let mut paper = blank();
        let data = sent(
            "title=T",
            &[("pdf", "a.pdf", b"%PDF"), ("cover", name, content)],
        );
        let form = refused(
            &mut paper,
            &db,
            &media,
            &data,
            &format!("{name} is refused"),
        )
        .await;
        assert_eq!(codes(&form, "cover"), [code], "{name}");
        assert!(form.errors().field("cover")[0]
            .message()
            .contains(if code == "invalid_image" {
                "Upload a valid image"
            } else {
                "is not allowed"
            }));
    }
    // A small file declaring a huge image (a decompression bomb): 20 000 × 20 000 pixels.
    let mut bomb = PNG.to_vec();
    bomb[16..24].copy_from_slice(&[0, 0, 0x4e, 0x20, 0, 0, 0x4e, 0x20]);
    let mut paper = blank();
    let data = sent(
        "title=T",
        &[("pdf", "a.pdf", b"%PDF"), ("cover", "bomb.png", &bomb)],
    );
    let form = refused(&mut paper, &db, &media, &data, "the bomb is refused").await;
    assert_eq!(
        form.errors().field("cover")[0].message(),
        "The image is 20000 × 20000 pixels, over the limit of 178956970 pixels."
    );
    assert!(stored(root.path()).is_empty());
}

#[tokio::test]
async fn an_edit_keeps_the_file_unless_a_new_one_is_sent_or_the_clear_box_is_ticked() {
    for db in databases().await {
        let root = tempfile::tempdir().unwrap();
        let media = FileSystemStorage::new(root.path(), "/media/");
        let mut paper = blank();
        let data = sent(
            "title=T",
            &[("pdf", "a.pdf", b"%PDF"), ("cover", "c.png", PNG)],
        );
        paper
            .save_form_with(&db, &media, &data)
            .await
            .unwrap()
            .unwrap();

        // Nothing sent: the required pdf is not asked for again, both files stay.
        paper
            .save_form_with(&db, &media, &sent("title=T2", &[]))
            .await
            .unwrap()
            .unwrap();
        let loaded = Paper::objects().get(&db).await.unwrap();
        assert_eq!(
            (
                loaded.title.as_str(),
                loaded.pdf.name(),
                loaded.cover.name()
            ),
            ("T2", "papers/pdf/a.pdf", "papers/cover/c.png")
        );

        // A name in the request is never taken: a forger cannot point the row at a file.
        let forged = sent(
            "title=T2&pdf=../../settings.toml&cover=papers/pdf/a.pdf",
            &[],
        );
        paper
            .save_form_with(&db, &media, &forged)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (paper.pdf.name(), paper.cover.name()),
            ("papers/pdf/a.pdf", "papers/cover/c.png")
        );

        // Ticking "Clear" on a required field does nothing; on the optional one it clears.
        paper
            .save_form_with(&db, &media, &sent("title=T2&pdf-clear=on", &[]))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(paper.pdf.name(), "papers/pdf/a.pdf");
        paper
            .save_form_with(&db, &media, &sent("title=T2&cover-clear=on", &[]))
            .await
            .unwrap()
            .unwrap();
        assert!(Paper::objects().get(&db).await.unwrap().cover.is_empty());
        // The cleared file stays in the storage, as in Django.
        assert!(root.path().join("papers/cover/c.png").exists());

        // A new file and the clear box at once is a contradiction.
        let both = sent("title=T2&cover-clear=on", &[("cover", "d.png", PNG)]);
        let form = refused(&mut paper, &db, &media, &both, "contradiction").await;
        assert_eq!(codes(&form, "cover"), ["contradiction"]);

        // A new file replaces the name.
        let data = sent("title=T2", &[("pdf", "b.pdf", b"%PDF-b")]);
        paper
            .save_form_with(&db, &media, &data)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            Paper::objects().get(&db).await.unwrap().pdf.name(),
            "papers/pdf/b.pdf"
        );
    }
}

#[tokio::test]
async fn a_required_file_must_be_sent_for_a_new_object_and_a_forged_name_is_no_file() {
    let db = sqlite().await;
    let root = tempfile::tempdir().unwrap();
    let media = FileSystemStorage::new(root.path(), "/media/");
    let mut paper = blank();
    let Err(form) = paper
        .save_form_with(&db, &media, &sent("title=T&pdf=papers/pdf/a.pdf", &[]))
        .await
        .unwrap()
    else {
        panic!("no file was sent")
    };
    assert_eq!(
        form.errors().field("pdf")[0].message(),
        "No file was submitted."
    );
    assert_eq!(Paper::objects().count(&db).await.unwrap(), 0);
}

#[tokio::test]
async fn an_upload_to_a_form_saved_without_a_storage_is_refused_not_dropped() {
    let db = sqlite().await;
    let mut paper = blank();
    let data = sent("title=T", &[("pdf", "a.pdf", b"%PDF")]);
    let Err(form) = paper.save_form(&db, &data).await.unwrap() else {
        panic!("save_form cannot keep files")
    };
    assert_eq!(codes(&form, "pdf"), ["not_stored"]);
    assert!(paper.update(&data).is_err());
    assert_eq!(Paper::objects().count(&db).await.unwrap(), 0);
}

#[tokio::test]
async fn a_save_that_fails_after_storing_deletes_the_files_and_restores_the_names() {
    let db = sqlite().await;
    db.execute_unprepared(
        "CREATE TRIGGER refuse BEFORE INSERT ON papers BEGIN SELECT RAISE(ABORT, 'refused by a trigger'); END",
    )
    .await
    .unwrap();
    let root = tempfile::tempdir().unwrap();
    let media = FileSystemStorage::new(root.path(), "/media/");
    let mut paper = blank();
    let data = sent(
        "title=T",
        &[("pdf", "a.pdf", b"%PDF"), ("cover", "c.png", PNG)],
    );
    let error = paper.save_form_with(&db, &media, &data).await.unwrap_err();
    let chain = error.chain().join(": ");
    assert!(chain.contains("refused by a trigger"), "{chain}");
    assert!(stored(root.path()).is_empty(), "{:?}", stored(root.path()));
    assert!(paper.pdf.is_empty() && paper.cover.is_empty());
}

#[tokio::test]
async fn the_form_shows_the_current_file_a_clear_box_and_asks_for_images() {
    let db = sqlite().await;
    let root = tempfile::tempdir().unwrap();
    let media = FileSystemStorage::new(root.path(), "/media/");

    let empty = Paper::empty_form(&db).await.unwrap();
    assert!(empty.is_multipart());
    let html = common::render(
        "{{ form.pdf }}|{{ form.cover }}",
        context! { form => empty },
    );
    assert_eq!(
        html,
        r#"<input type="file" name="pdf" id="id_pdf" required>|<input type="file" name="cover" id="id_cover" accept="image/*">"#
    );

    let mut paper = blank();
    let data = sent(
        "title=T",
        &[("pdf", "a.pdf", b"%PDF"), ("cover", "c.png", PNG)],
    );
    paper
        .save_form_with(&db, &media, &data)
        .await
        .unwrap()
        .unwrap();
    let edit = paper.edit_form(&db).await.unwrap().with_storage(&media);
    let html = common::render("{{ form.pdf }}|{{ form.cover }}", context! { form => edit });
    assert_eq!(
        html,
        concat!(
            r#"Currently: <a href="/media/papers/pdf/a.pdf">papers/pdf/a.pdf</a><br>Change: <input type="file" name="pdf" id="id_pdf">|"#,
            r#"Currently: <a href="/media/papers/cover/c.png">papers/cover/c.png</a> <input type="checkbox" name="cover-clear" id="cover-clear_id"> <label for="cover-clear_id">Clear</label><br>Change: <input type="file" name="cover" id="id_cover" accept="image/*">"#
        )
    );

    // A refused edit shows the object's files, not names the request claimed.
    let forged = sent(&format!("title={}&pdf=evil.pdf", "x".repeat(30)), &[]);
    let form = refused(&mut paper, &db, &media, &forged, "refused").await;
    let html = common::render("{{ form.pdf }}", context! { form => form });
    assert!(
        html.starts_with(r#"Currently: <a href="/media/papers/pdf/a.pdf">"#),
        "{html}"
    );
    assert!(!html.contains("evil"), "{html}");
}
