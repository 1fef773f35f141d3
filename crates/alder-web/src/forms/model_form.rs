//! Model forms that talk to the database (Django's `ModelForm` with `is_valid()` and
//! `save()`): relation fields drawn over the rows they may point at, the keys sent checked
//! against those rows, unique fields and `unique_together` checked as field errors, and the
//! row saved with its many-to-many choices in one transaction.

use std::future::Future;

use alder_db::{crud, Database, DbError, Model, ValidationError, ValidationErrors};

use super::{relation, stored_file, BoundForm, Form, FormData, FormField, UploadedFile};
use crate::storage::Storage;

/// The database half of a model form, for every type that is both a [`Model`] and a
/// [`Form`] (`#[derive(Model, Form)]`). Each method's outer `Result` is the database's (a
/// failure to reach it, for `?`); the inner one is the form's: `Err` holds the form with its
/// errors and choices, ready to draw again.
///
/// ```
/// use alder_web::db::{Auto, Database, ForeignKey, ManyToMany, Model, schema};
/// use alder_web::forms::{Form, FormData, ModelForm};
///
/// #[derive(Model, Form)]
/// #[model(display = "{name}")]
/// struct Author { id: Auto<i64>, #[model(unique, max_length = 40)] name: String }
/// #[derive(Model, Form)]
/// #[model(display = "{name}")]
/// struct Tag { id: Auto<i64>, #[model(max_length = 20)] name: String }
/// #[derive(Model, Form)]
/// struct Book {
///     id: Auto<i64>,
///     #[model(max_length = 80)]
///     title: String,
///     author: ForeignKey<Author>,
///     #[model(blank)]
///     tags: ManyToMany<Tag>,
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let db = Database::connect("sqlite::memory:").await.unwrap();
/// # for meta in [Author::META, Tag::META, Book::META] { schema::create_model(&db, meta).await.unwrap(); }
/// let mut ann = Author { id: Auto::new(), name: "Ann".into() };
/// ann.save_form(&db, &FormData::parse("name=Ann")).await.unwrap().unwrap();
/// Tag { id: Auto::new(), name: "sf".into() }.save_form(&db, &FormData::parse("name=sf")).await.unwrap().unwrap();
///
/// // A second "Ann" is refused on its field, as Django's unique check.
/// let Err(form) = Author { id: Auto::new(), name: String::new() }
///     .save_form(&db, &FormData::parse("name=Ann")).await.unwrap() else { panic!() };
/// assert_eq!(form.errors().field("name")[0].message(), "Author with this Name already exists.");
///
/// // The author is a select over the authors; a key that names none is refused.
/// let empty = Book::empty_form(&db).await.unwrap();
/// assert_eq!(empty.related_choices("author").unwrap(), [("1".to_string(), "Ann".to_string())]);
/// let mut book = Book { id: Auto::new(), title: String::new(), author: ForeignKey::new(0), tags: ManyToMany::new() };
/// let Err(form) = book.save_form(&db, &FormData::parse("title=Dune&author=9")).await.unwrap() else { panic!() };
/// assert_eq!(form.errors().field("author")[0].code(), "invalid_choice");
///
/// book.save_form(&db, &FormData::parse("title=Dune&author=1&tags=1")).await.unwrap().unwrap();
/// assert_eq!(Book::tags().keys(&db, &book).await.unwrap(), [1]);
/// let edit = book.edit_form(&db).await.unwrap();
/// assert_eq!(edit.field("tags").unwrap().values(), ["1"]);
/// # });
/// ```
pub trait ModelForm: Form + Model {
    /// An empty form with its choices loaded (Django's `ModelForm()`).
    fn empty_form(db: &Database) -> impl Future<Output = Result<BoundForm, DbError>> + Send + '_ {
        Self::unbound().load_choices(db)
    }

    /// A form showing this object's values, its many-to-many choices included, to edit it
    /// (Django's `ModelForm(instance=obj)`).
    fn edit_form<'a>(
        &'a self,
        db: &'a Database,
    ) -> impl Future<Output = Result<BoundForm, DbError>> + Send + 'a {
        async move {
            let mut values = self.__write();
            if self.pk().is_some() {
                self.__related_initial(db, &mut values).await?;
            }
            BoundForm::filled(Self::FIELDS, values)
                .load_choices(db)
                .await
        }
    }

    /// Reads and checks `data` into `self` as [`Form::update`] does, then what needs the
    /// database (Django's `is_valid()`): each key sent must name a row the field offers, and
    /// the unique fields and `unique_together` sets must not clash with a stored row. Errors
    /// on model fields the form leaves out are shown for the whole form, named, rather than
    /// dropped. When only the database checks fail, `self` holds the values sent.
    fn update_in<'a>(
        &'a mut self,
        db: &'a Database,
        data: &'a FormData,
    ) -> impl Future<Output = Result<Result<(), BoundForm>, DbError>> + Send + 'a {
        async move {
            match check_in(self, db, data).await? {
                Ok(()) => Ok(Ok(())),
                Err(form) => Ok(Err(form.load_choices(db).await?)),
            }
        }
    }

    /// [`update_in`](Self::update_in), then saves the row (inserted if new, updated
    /// otherwise) and its many-to-many choices in one transaction (Django's `form.save()`).
    fn save_form<'a>(
        &'a mut self,
        db: &'a Database,
        data: &'a FormData,
    ) -> impl Future<Output = Result<Result<(), BoundForm>, DbError>> + Send + 'a {
        async move {
            if let Err(form) = self.update_in(db, data).await? {
                return Ok(Err(form));
            }
            let tx = db.begin().await?;
            crud::save(tx.db(), self).await?;
            self.__save_related(tx.db(), data).await?;
            tx.commit().await?;
            Ok(Ok(()))
        }
    }

    /// [`save_form`](Self::save_form) for a form with [`FileField`](alder_db::FileField) or
    /// [`ImageField`](alder_db::ImageField) fields: each upload is checked (not empty; an
    /// image's extension and content), the whole form is checked, and only then are the
    /// uploads stored in `storage` under `<table>/<field>/<file name>` (Django's
    /// `upload_to`) and the row saved with their names. A refused form stores nothing; a
    /// failed save deletes what it stored. A file replaced or cleared stays in the storage,
    /// as in Django: other rows, or a backup, may still name it.
    ///
    /// ```
    /// use alder_web::db::{Auto, Database, FileField, ImageField, Model, schema};
    /// use alder_web::forms::{FormData, ModelForm, UploadedFile};
    /// use alder_web::storage::FileSystemStorage;
    ///
    /// #[derive(Model, alder_web::forms::Form)]
    /// #[model(table = "reports")]
    /// struct Report {
    ///     id: Auto<i64>,
    ///     attachment: FileField,
    ///     #[model(blank)]
    ///     cover: ImageField,
    /// }
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let db = Database::connect("sqlite::memory:").await.unwrap();
    /// # schema::create_model(&db, Report::META).await.unwrap();
    /// let root = tempfile::tempdir().unwrap();
    /// let media = FileSystemStorage::new(root.path(), "/media/");
    /// let mut report = Report { id: Auto::new(), attachment: FileField::empty(), cover: ImageField::empty() };
    ///
    /// // Not an image: refused on its field, and nothing is stored.
    /// let mut sent = FormData::default();
    /// sent.push_file("attachment", UploadedFile::in_memory("q3.pdf", "application/pdf", "%PDF-1.7"));
    /// sent.push_file("cover", UploadedFile::in_memory("cover.png", "image/png", "not a png"));
    /// let Err(form) = report.save_form_with(&db, &media, &sent).await.unwrap() else { panic!() };
    /// assert_eq!(form.errors().field("cover")[0].code(), "invalid_image");
    /// assert!(!root.path().join("reports").exists());
    ///
    /// let mut sent = FormData::default();
    /// sent.push_file("attachment", UploadedFile::in_memory("q3.pdf", "application/pdf", "%PDF-1.7"));
    /// report.save_form_with(&db, &media, &sent).await.unwrap().unwrap();
    /// assert_eq!(report.attachment.name(), "reports/attachment/q3.pdf");
    /// assert!(report.cover.is_empty());
    /// assert!(root.path().join("reports/attachment/q3.pdf").exists());
    /// # });
    /// ```
    fn save_form_with<'a>(
        &'a mut self,
        db: &'a Database,
        storage: &'a dyn Storage,
        data: &'a FormData,
    ) -> impl Future<Output = Result<Result<(), BoundForm>, crate::Error>> + Send + 'a
    where
        Self: Send,
    {
        async move {
            let uploads: Vec<(&'static FormField, UploadedFile)> = Self::FIELDS
                .iter()
                .filter(|f| f.meta.file.is_some())
                .filter_map(|f| data.file(f.name()).map(|u| (f, u.clone())))
                .collect();
            let mut errors = ValidationErrors::new();
            for (field, upload) in &uploads {
                if let Err(error) = stored_file::check_upload(field, upload).await {
                    errors.add(field.name(), error);
                }
            }
            // The whole form is checked with the names the uploads would get, so nothing is
            // stored for a form that is then refused.
            let mut staged = data.clone();
            for (field, upload) in &uploads {
                staged.stage_file(field.name(), planned_name::<Self>(field, upload));
            }
            let before = self.__write();
            if !errors.is_empty() {
                if let Err(more) = self.__check_against(&staged) {
                    for (name, list) in more.fields() {
                        if !errors.has_field(name) {
                            for error in list {
                                errors.add(name.to_string(), error.clone());
                            }
                        }
                    }
                }
                let form = BoundForm::bound(Self::FIELDS, data.clone(), errors)
                    .with_files(before)
                    .with_storage(storage);
                return Ok(Err(form.load_choices(db).await?));
            }
            if let Err(form) = check_in(self, db, &staged).await? {
                restore_files::<Self>(self, &before);
                return Ok(Err(form
                    .with_files(before)
                    .with_storage(storage)
                    .load_choices(db)
                    .await?));
            }
            let mut stored = Vec::new();
            let result = store_and_save(self, db, storage, data, &uploads, &mut stored).await;
            if !matches!(result, Ok(Ok(()))) {
                for name in &stored {
                    if let Err(e) = storage.delete(name).await {
                        tracing::warn!(file = %name, error = %e, "an upload of a refused save could not be deleted");
                    }
                }
                restore_files::<Self>(self, &before);
            }
            match result {
                Ok(Err(errors)) => {
                    let form = BoundForm::bound(Self::FIELDS, data.clone(), errors)
                        .with_files(before)
                        .with_storage(storage);
                    Ok(Err(form.load_choices(db).await?))
                }
                Ok(Ok(())) => Ok(Ok(())),
                Err(e) => Err(e),
            }
        }
    }
}

impl<M: Form + Model> ModelForm for M {}

/// The name an upload is stored under unless it is taken: `<table>/<field>/<file name>`.
fn planned_name<M: Model>(field: &FormField, upload: &UploadedFile) -> String {
    let max = field.meta.max_length.map_or(usize::MAX, |n| n as usize);
    crate::storage::fit_name(
        &format!("{}/{}/{}", M::META.table, field.name(), upload.file_name()),
        max.min(100),
    )
}

/// Puts back the file names `before` shows, after a refused or failed save.
fn restore_files<M: Form>(object: &mut M, before: &FormData) {
    for field in M::FIELDS.iter().filter(|f| f.meta.file.is_some()) {
        object.__set_file(field.name(), before.get(field.name()).unwrap_or(""));
    }
}

/// Stores each upload, sets the names the storage gave, and saves the row with its
/// many-to-many choices in one transaction. `stored` lists what was stored, for the caller to
/// delete when this does not end in `Ok(Ok(()))`.
async fn store_and_save<M: Form + Model + Send>(
    object: &mut M,
    db: &Database,
    storage: &dyn Storage,
    data: &FormData,
    uploads: &[(&'static FormField, UploadedFile)],
    stored: &mut Vec<String>,
) -> Result<Result<(), ValidationErrors>, crate::Error> {
    for (field, upload) in uploads {
        let name = storage
            .save(&planned_name::<M>(field, upload), upload)
            .await?;
        stored.push(name.clone());
        let length = name.chars().count();
        if let Some(max) = field.meta.max_length.filter(|max| length > *max as usize) {
            let mut errors = ValidationErrors::new();
            errors.add(
                field.name(),
                ValidationError::new(
                    "max_length",
                    format!("Ensure this filename has at most {max} characters (it has {length})."),
                ),
            );
            return Ok(Err(errors));
        }
        object.__set_file(field.name(), &name);
    }
    let tx = db.begin().await?;
    crud::save(tx.db(), object).await?;
    object.__save_related(tx.db(), data).await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// [`ModelForm::update_in`] without loading the choices of a refused form: a formset loads
/// them once for all its forms.
pub(super) async fn check_in<M: Form + Model>(
    object: &mut M,
    db: &Database,
    data: &FormData,
) -> Result<Result<(), BoundForm>, DbError> {
    let mut errors = object.__check_against(data).err().unwrap_or_default();
    relation::check_relations(M::FIELDS, db, data, &mut errors).await?;
    // A refused form still shows the files the object has ("Currently: …").
    let has_files = M::FIELDS.iter().any(|f| f.meta.file.is_some());
    let current = if has_files {
        object.__write()
    } else {
        FormData::default()
    };
    if !errors.is_empty() {
        return Ok(Err(
            BoundForm::bound(M::FIELDS, data.clone(), errors).with_files(current)
        ));
    }
    if let Err(form) = object.update(data) {
        return Ok(Err(form.with_files(current)));
    }
    match crud::full_clean(db, object).await {
        Ok(()) => Ok(Ok(())),
        Err(DbError::Invalid { errors, .. }) => {
            let errors = onto_form::<M>(errors);
            Ok(Err(
                BoundForm::bound(M::FIELDS, data.clone(), errors).with_files(current)
            ))
        }
        Err(other) => Err(other),
    }
}

/// The model's errors as the form shows them: on the field when the form has it, else for
/// the whole form with the field's name in front, so that nothing found is hidden.
fn onto_form<M: Form + Model>(errors: ValidationErrors) -> ValidationErrors {
    let mut shown = ValidationErrors::new();
    for (name, list) in errors.fields() {
        match M::FIELDS.iter().find(|f| f.name() == name) {
            Some(field) => {
                for error in list {
                    shown.add(field.name(), error.clone());
                }
            }
            None => {
                let label = M::META
                    .field(name)
                    .map_or(name, |f| f.verbose_name)
                    .to_string();
                for error in list {
                    shown.add_non_field(ValidationError::new(
                        error.code().to_string(),
                        format!("{label}: {}", error.message()),
                    ));
                }
            }
        }
    }
    for error in errors.non_field() {
        shown.add_non_field(error.clone());
    }
    shown
}
