//! How a many-to-many field is described: the other side and the through table.

use serde::Serialize;

use super::ModelMeta;

/// The metadata of a many-to-many field.
#[derive(Debug, Clone, Copy, Serialize)]
#[non_exhaustive]
pub struct ManyToManyMeta {
    /// The field's name.
    pub name: &'static str,
    /// The model on the other side.
    #[serde(skip)]
    pub target: fn() -> &'static ModelMeta,
    /// The through table.
    pub through_table: &'static str,
    /// Its column pointing to this model.
    pub source_column: &'static str,
    /// Its column pointing to the target.
    pub target_column: &'static str,
    /// Whether Alder creates the through table (`false` for `#[model(through = "…")]`: the
    /// through model is a model of its own, migrated like any other).
    pub auto_through: bool,
    /// Human name, e.g. `tags` (`#[model(verbose_name = "…")]`).
    pub verbose_name: &'static str,
    /// `#[model(help_text = "…")]`.
    pub help_text: &'static str,
    /// `#[model(blank)]`: a form may leave the set empty.
    pub blank: bool,
}

impl ManyToManyMeta {
    /// Used by `#[derive(Model)]`.
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    pub const fn __new(
        name: &'static str,
        target: fn() -> &'static ModelMeta,
        through_table: &'static str,
        source_column: &'static str,
        target_column: &'static str,
        auto_through: bool,
        verbose_name: &'static str,
        help_text: &'static str,
        blank: bool,
    ) -> Self {
        ManyToManyMeta {
            name,
            target,
            through_table,
            source_column,
            target_column,
            auto_through,
            verbose_name,
            help_text,
            blank,
        }
    }
}
