//! Model forms that talk to the database (Django's `ModelForm` with `is_valid()` and
//! `save()`): relation fields drawn over the rows they may point at, the keys sent checked
//! against those rows, unique fields and `unique_together` checked as field errors, and the
//! row saved with its many-to-many choices in one transaction.

use std::future::Future;

use alder_db::{crud, Database, DbError, Model, ValidationError, ValidationErrors};

use super::{relation, BoundForm, Form, FormData};

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
}

impl<M: Form + Model> ModelForm for M {}

/// [`ModelForm::update_in`] without loading the choices of a refused form: a formset loads
/// them once for all its forms.
pub(super) async fn check_in<M: Form + Model>(
    object: &mut M,
    db: &Database,
    data: &FormData,
) -> Result<Result<(), BoundForm>, DbError> {
    let mut errors = M::__check(data).err().unwrap_or_default();
    relation::check_relations(M::FIELDS, db, data, &mut errors).await?;
    if !errors.is_empty() {
        return Ok(Err(BoundForm::bound(M::FIELDS, data.clone(), errors)));
    }
    if let Err(form) = object.update(data) {
        return Ok(Err(form));
    }
    match crud::full_clean(db, object).await {
        Ok(()) => Ok(Ok(())),
        Err(DbError::Invalid { errors, .. }) => {
            let errors = onto_form::<M>(errors);
            Ok(Err(BoundForm::bound(M::FIELDS, data.clone(), errors)))
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
