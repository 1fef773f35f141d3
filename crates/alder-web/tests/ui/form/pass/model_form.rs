use alder_web::db::{Auto, FileField, ForeignKey, ImageField, ManyToMany, Model, QuerySet};
use alder_web::forms::{Form, FormData, ModelForm, UploadedFile};

#[derive(Model, Form)]
#[model(display = "{name}")]
struct Author {
    id: Auto<i64>,
    #[model(max_length = 40)]
    name: String,
}

#[derive(Model, Form)]
#[model(display = "{name}")]
struct Tag {
    id: Auto<i64>,
    name: String,
}

fn authors() -> QuerySet<Author> {
    Author::objects().order_by(Author::name().asc())
}

#[derive(Model, Form)]
struct Paper {
    id: Auto<i64>,
    #[model(max_length = 80, min_length = 3)]
    #[form(label = "Title", help_text = "As printed.")]
    title: String,
    #[form(queryset = "authors")]
    author: ForeignKey<Author>,
    editor: Option<ForeignKey<Author>>,
    #[model(blank)]
    tags: ManyToMany<Tag>,
    pdf: FileField,
    #[model(blank, default)]
    cover: ImageField,
    scan: Option<FileField>,
}

#[derive(Form)]
struct Application {
    #[form(email)]
    email: String,
    cv: UploadedFile,
    letter: Option<UploadedFile>,
}

fn assert_model_form<T: ModelForm>() {}

fn main() {
    assert_model_form::<Paper>();
    assert_eq!(Paper::FIELDS.len(), 7);
    let _ = Application::validate(&FormData::default());
}
