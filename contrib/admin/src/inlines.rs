//! Inlines (Django's `StackedInline` and `TabularInline`): the children of an object,
//! edited on its add and change pages through an [`InlineFormSet`], behind a trait object per
//! child model.

use alder_db::{Database, Model};
use alder_web::forms::{BoundFormSet, FormData, InlineFormSet, ModelForm};
use alder_web::Result;
use futures_util::future::BoxFuture;

/// One inline of parent model `P`, whatever its child model.
pub(crate) trait Inline<P>: Send + Sync {
    /// The heading: the children's plural name ("Comments").
    fn title(&self) -> &'static str;

    /// The children's model, whose permissions the inline needs.
    fn child(&self) -> &'static alder_db::ModelMeta;

    /// The set to show: the parent's children, then blank forms.
    fn unbound<'a>(
        &'a self,
        db: &'a Database,
        parent: &'a P,
    ) -> BoxFuture<'a, Result<BoundFormSet>>;

    /// Whether it is drawn as a table, a row per child (Django's `TabularInline`), instead
    /// of a form per child.
    fn tabular(&self) -> bool {
        false
    }

    /// Checks and saves the submitted set; the set with its errors when refused.
    fn save<'a>(
        &'a self,
        db: &'a Database,
        parent: &'a P,
        data: &'a FormData,
    ) -> BoxFuture<'a, Result<std::result::Result<(), BoundFormSet>>>;
}

/// An inline drawn as a table (Django's `TabularInline`).
pub(crate) struct Tabular<I>(pub(crate) I);

impl<P, I: Inline<P>> Inline<P> for Tabular<I> {
    fn title(&self) -> &'static str {
        self.0.title()
    }

    fn child(&self) -> &'static alder_db::ModelMeta {
        self.0.child()
    }

    fn unbound<'a>(
        &'a self,
        db: &'a Database,
        parent: &'a P,
    ) -> BoxFuture<'a, Result<BoundFormSet>> {
        self.0.unbound(db, parent)
    }

    fn tabular(&self) -> bool {
        true
    }

    fn save<'a>(
        &'a self,
        db: &'a Database,
        parent: &'a P,
        data: &'a FormData,
    ) -> BoxFuture<'a, Result<std::result::Result<(), BoundFormSet>>> {
        self.0.save(db, parent, data)
    }
}

impl<P, C> Inline<P> for InlineFormSet<P, C>
where
    P: Model,
    C: ModelForm + Send + Sync + 'static,
    InlineFormSet<P, C>: Send + Sync,
{
    fn title(&self) -> &'static str {
        C::META.verbose_name_plural
    }

    fn child(&self) -> &'static alder_db::ModelMeta {
        C::META
    }

    fn unbound<'a>(
        &'a self,
        db: &'a Database,
        parent: &'a P,
    ) -> BoxFuture<'a, Result<BoundFormSet>> {
        Box::pin(async move { Ok(InlineFormSet::unbound(self, db, parent).await?) })
    }

    fn save<'a>(
        &'a self,
        db: &'a Database,
        parent: &'a P,
        data: &'a FormData,
    ) -> BoxFuture<'a, Result<std::result::Result<(), BoundFormSet>>> {
        Box::pin(async move {
            Ok(InlineFormSet::save(self, db, parent, data)
                .await?
                .map(|_| ()))
        })
    }
}
