//! The installed models by app (Django's app registry, `django.apps.apps`): what a model's
//! own metadata cannot know, because other apps add models that point to it. The admin finds
//! inlines here, and the delete [`collector`](crate::collector) what a delete reaches.
//!
//! A model does not name its app: apps are assembled when the project is (`App::new("blog")
//! .model::<Post>()`), so the app label comes from the registry built from them.

use crate::meta::ManyToManyMeta;
use crate::meta::OnDelete;
use crate::meta::{FieldMeta, ModelMeta};
use crate::migrations::AppMigrations;

/// The models of every installed app, in the order registered.
///
/// ```
/// use alder_db::{Auto, ForeignKey, Model, Registry};
/// #[derive(Model)]
/// struct Author { id: Auto<i64>, name: String }
/// #[derive(Model)]
/// struct Book {
///     id: Auto<i64>,
///     #[model(related_name = "books")]
///     author: ForeignKey<Author>,
/// }
/// let mut registry = Registry::new();
/// registry.register("library", Author::META).register("library", Book::META);
/// assert_eq!(registry.app_label(Book::META), Some("library"));
/// let related = registry.related_to(Author::META);
/// assert_eq!((related[0].model.name, related[0].name.as_str()), ("Book", "books"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Registry {
    models: Vec<(String, &'static ModelMeta)>,
}

/// A foreign key of another model (or of the same one) pointing to a model: one reverse
/// relation (Django's `_meta.related_objects`).
#[derive(Debug, Clone)]
pub struct RelatedObject {
    /// The model whose field points here.
    pub model: &'static ModelMeta,
    /// That field.
    pub field: &'static FieldMeta,
    /// The reverse relation's name: `related_name`, else `<model>_set` (`book_set`), as
    /// Django names it.
    pub name: String,
    /// What deleting the row pointed to does to the rows pointing here.
    pub on_delete: OnDelete,
}

/// A many-to-many field of a registered model, from the side of either model it joins.
#[derive(Debug, Clone, Copy)]
pub struct RelatedMany {
    /// The model declaring the field.
    pub model: &'static ModelMeta,
    /// The field.
    pub field: &'static ManyToManyMeta,
}

/// Whether two metadata describe the same model. Compared by name and table rather than by
/// address: a `const` may be instantiated more than once.
pub(crate) fn same_model(a: &ModelMeta, b: &ModelMeta) -> bool {
    a.table == b.table && a.name == b.name
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// The models of the apps as the project assembled them.
    pub fn from_apps(apps: &[AppMigrations]) -> Self {
        let mut registry = Registry::new();
        for app in apps {
            for meta in &app.models {
                registry.register(&app.app, meta);
            }
        }
        registry
    }

    /// Adds `meta` to `app`; a model registered already is left where it is.
    pub fn register(&mut self, app: &str, meta: &'static ModelMeta) -> &mut Self {
        if self.app_label(meta).is_none() {
            self.models.push((app.to_string(), meta));
        }
        self
    }

    /// Every registered model with its app label.
    pub fn models(&self) -> impl Iterator<Item = (&str, &'static ModelMeta)> + '_ {
        self.models.iter().map(|(app, meta)| (app.as_str(), *meta))
    }

    /// The label of the app `meta` was registered with (Django's `_meta.app_label`).
    pub fn app_label(&self, meta: &ModelMeta) -> Option<&str> {
        self.models
            .iter()
            .find(|(_, m)| same_model(m, meta))
            .map(|(app, _)| app.as_str())
    }

    /// The model `name` of app `app`.
    pub fn get(&self, app: &str, name: &str) -> Option<&'static ModelMeta> {
        self.models
            .iter()
            .find(|(a, m)| a == app && m.name == name)
            .map(|(_, m)| *m)
    }

    /// The foreign keys of registered models that point to `meta`, in registration order.
    pub fn related_to(&self, meta: &ModelMeta) -> Vec<RelatedObject> {
        let mut out = Vec::new();
        for (_, model) in &self.models {
            for field in model.fields {
                let Some(relation) = &field.relation else {
                    continue;
                };
                if !same_model((relation.target)(), meta) {
                    continue;
                }
                let name = relation.related_name.map_or_else(
                    || format!("{}_set", model.name.to_lowercase()),
                    str::to_string,
                );
                out.push(RelatedObject {
                    model,
                    field,
                    name,
                    on_delete: relation.on_delete,
                });
            }
        }
        out
    }

    /// The many-to-many fields that join `meta` to a model: its own, and those of other
    /// models that point to it.
    pub fn many_related_to(&self, meta: &ModelMeta) -> Vec<RelatedMany> {
        let mut out = Vec::new();
        for (_, model) in &self.models {
            for field in model.many_to_many {
                if same_model(model, meta) || same_model((field.target)(), meta) {
                    out.push(RelatedMany { model, field });
                }
            }
        }
        out
    }
}
