//! How the add and change pages lay a model's form out: which fields, in which sections,
//! and which are shown as text only (Django's `fields`, `fieldsets`, `exclude` and
//! `readonly_fields`). Worked out once, at registration.

use alder_db::{Model, ValidationErrors};
use alder_web::context;
use alder_web::forms::Widget;

use crate::entry::{capitalise, Cell};
use alder_web::forms::{BoundForm, Form, FormData};

/// A titled group of fields on the add and change pages (one of Django's `fieldsets`).
///
/// ```
/// use alder_admin::Fieldset;
/// let advanced = Fieldset::new("Advanced options", ["slug", "published"])
///     .description("Only change these if you know why.")
///     .collapsed();
/// ```
#[derive(Clone, Debug)]
pub struct Fieldset {
    pub(crate) name: &'static str,
    pub(crate) fields: Vec<&'static str>,
    pub(crate) description: &'static str,
    pub(crate) collapsed: bool,
}

impl Fieldset {
    /// A section titled `name` (empty for none) showing these fields, in this order.
    pub fn new<I: IntoIterator<Item = &'static str>>(name: &'static str, fields: I) -> Self {
        Fieldset {
            name,
            fields: fields.into_iter().collect(),
            description: "",
            collapsed: false,
        }
    }

    /// A sentence shown under the title.
    pub fn description(mut self, text: &'static str) -> Self {
        self.description = text;
        self
    }

    /// Starts folded, a click opens it (Django's `"classes": ["collapse"]`); a section with
    /// an error in it opens by itself.
    pub fn collapsed(mut self) -> Self {
        self.collapsed = true;
        self
    }
}

/// One line of a section: a field of the form, or a model field shown as text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Line {
    Field(&'static str),
    ReadOnly(&'static str),
}

/// A page's sections, and which of the form's fields they edit.
#[derive(Clone, Debug, Default)]
pub(crate) struct Layout {
    pub(crate) sections: Vec<Fieldset>,
    /// Per section, its lines.
    pub(crate) lines: Vec<Vec<Line>>,
    /// The form's fields the page edits; the others keep their stored values.
    pub(crate) edited: Vec<&'static str>,
    /// Whether the page edits every field of the form (nothing to narrow).
    pub(crate) whole: bool,
}

/// An autocomplete field's value as its search box starts: the key and its row's display.
pub(crate) struct Remote {
    pub(crate) field: &'static str,
    pub(crate) key: String,
    pub(crate) label: String,
}

/// What a registration says about the layout.
pub(crate) struct Options<'a> {
    pub(crate) fields: &'a [&'static str],
    pub(crate) fieldsets: &'a [Fieldset],
    pub(crate) exclude: &'a [&'static str],
    pub(crate) readonly: &'a [&'static str],
}

impl Layout {
    /// The layout `options` describe for model `M`, or what is wrong with them: a name
    /// that is neither in the form nor read-only, a name twice, an exclusion the form does
    /// not have.
    pub(crate) fn new<M: Form + Model>(options: &Options<'_>) -> Result<Layout, String> {
        let meta = M::META;
        let in_form = |name: &str| M::FIELDS.iter().any(|f| f.name() == name);
        let form_names = || {
            M::FIELDS
                .iter()
                .map(|f| f.name())
                .collect::<Vec<_>>()
                .join(", ")
        };
        for name in options.readonly {
            if meta.field(name).is_err() {
                let known: Vec<_> = meta.fields.iter().map(|f| f.name).collect();
                return Err(format!(
                    "admin of {}: readonly_fields names `{name}`, which is not a field; it has: {}",
                    meta.name,
                    known.join(", ")
                ));
            }
        }
        for name in options.exclude {
            if !in_form(name) {
                return Err(format!(
                    "admin of {}: exclude names `{name}`, which is not in its form; it has: {}",
                    meta.name,
                    form_names()
                ));
            }
        }
        let shown = |name: &str| !options.exclude.contains(&name);
        let sections: Vec<Fieldset> = if !options.fieldsets.is_empty() {
            options.fieldsets.to_vec()
        } else if !options.fields.is_empty() {
            vec![Fieldset::new("", options.fields.iter().copied())]
        } else {
            // The form's fields, then the read-only ones it does not have (Django appends
            // `readonly_fields` the same way).
            let mut names: Vec<&'static str> = M::FIELDS
                .iter()
                .map(|f| f.name())
                .filter(|n| shown(n))
                .collect();
            names.extend(options.readonly.iter().filter(|n| !in_form(n)));
            vec![Fieldset::new("", names)]
        };
        let mut seen: Vec<&str> = Vec::new();
        let mut lines = Vec::with_capacity(sections.len());
        let mut edited = Vec::new();
        for section in &sections {
            let mut section_lines = Vec::with_capacity(section.fields.len());
            for &name in section.fields.iter().filter(|n| shown(n)) {
                if seen.contains(&name) {
                    return Err(format!(
                        "admin of {}: the field `{name}` is laid out twice",
                        meta.name
                    ));
                }
                seen.push(name);
                if options.readonly.contains(&name) {
                    section_lines.push(Line::ReadOnly(name));
                } else if in_form(name) {
                    section_lines.push(Line::Field(name));
                    edited.push(name);
                } else {
                    return Err(format!(
                        "admin of {}: `{name}` is laid out, but it is not in its form (it has: {}); \
                         name it in readonly_fields to show it as text",
                        meta.name,
                        form_names()
                    ));
                }
            }
            lines.push(section_lines);
        }
        let whole = M::FIELDS.iter().all(|f| edited.contains(&f.name()));
        Ok(Layout {
            sections,
            lines,
            edited,
            whole,
        })
    }

    /// The add page's layout when it has a list of its own fields (Django's
    /// `add_fieldsets`): one section of them, nothing read-only.
    pub(crate) fn of_fields<M: Form + Model>(
        option: &str,
        names: &[&'static str],
    ) -> Result<Layout, String> {
        if let Some(name) = names
            .iter()
            .find(|n| !M::FIELDS.iter().any(|f| f.name() == **n))
        {
            let known: Vec<_> = M::FIELDS.iter().map(|f| f.name()).collect();
            return Err(format!(
                "admin of {}: {option} names `{name}`, which is not in its form; it has: {}",
                M::META.name,
                known.join(", ")
            ));
        }
        Layout::new::<M>(&Options {
            fields: names,
            fieldsets: &[],
            exclude: &[],
            readonly: &[],
        })
    }

    /// `sent` with only the fields this page edits; every other field of the form gets the
    /// value `current` shows (the stored object's, or the blank's on the add page), so a
    /// field left off the page is neither cleared nor open to a forged value.
    pub(crate) fn narrow(&self, current: &BoundForm, sent: &FormData) -> FormData {
        if self.whole {
            return sent.clone();
        }
        let mut kept = sent.clone();
        for field in current
            .fields()
            .filter(|f| !self.edited.contains(&f.definition().name()))
        {
            let name = field.html_name();
            kept.remove(&name);
            kept.remove(&format!("{name}-clear"));
            // The stored values as they are, a password's too (which `values` never shows).
            for value in field.initial_values() {
                kept.push(name.clone(), value);
            }
        }
        kept
    }

    /// The errors on fields this page does not show, as sentences naming the field: shown
    /// above the form, so a refusal is never unexplained.
    pub(crate) fn unshown_errors<M: Form + Model>(&self, errors: &ValidationErrors) -> Vec<String> {
        let mut out = Vec::new();
        for (name, list) in errors.fields() {
            if self.edited.contains(&name) {
                continue;
            }
            let label = M::META.field(name).map_or(name, |f| f.verbose_name);
            out.extend(
                list.iter()
                    .map(|e| format!("{}: {}", capitalise(label), e.message())),
            );
        }
        out
    }

    /// Every field the page shows, edited or read-only, in page order.
    pub(crate) fn names(&self) -> Vec<&'static str> {
        self.lines
            .iter()
            .flatten()
            .map(|line| match line {
                Line::Field(name) | Line::ReadOnly(name) => *name,
            })
            .collect()
    }

    /// The fields shown as text, in page order.
    pub(crate) fn readonly(&self) -> Vec<&'static str> {
        self.lines
            .iter()
            .flatten()
            .filter_map(|line| match line {
                Line::ReadOnly(name) => Some(*name),
                Line::Field(_) => None,
            })
            .collect()
    }

    /// The sections as the template draws them: per line, the form field's name (drawn
    /// from `form`) or a read-only field's label and value (from `readonly`). A folded
    /// section with an error in it opens.
    pub(crate) fn view<M: Form + Model>(
        &self,
        form: &BoundForm,
        readonly: &[(&'static str, Cell)],
        remote: &[Remote],
    ) -> Vec<minijinja::Value> {
        self.sections
            .iter()
            .zip(&self.lines)
            .map(|(section, lines)| {
                let mut has_errors = false;
                let lines: Vec<minijinja::Value> = lines
                    .iter()
                    .map(|line| match *line {
                        Line::Field(name) => {
                            let field = form.field(name);
                            has_errors |= field.is_some_and(|f| !f.errors().is_empty());
                            let hidden =
                                field.is_some_and(|f| f.definition().widget == Widget::Hidden);
                            let autocomplete = remote
                                .iter()
                                .find(|r| r.field == name)
                                .map(|r| context! { key => r.key, label => r.label });
                            context! { field => name, hidden, autocomplete }
                        }
                        Line::ReadOnly(name) => {
                            let label = M::META.field(name).map_or(name, |f| f.verbose_name);
                            let cell = readonly
                                .iter()
                                .find(|(n, _)| *n == name)
                                .map(|(_, c)| c.clone());
                            context! { label => capitalise(label), cell }
                        }
                    })
                    .collect();
                context! {
                    name => section.name,
                    description => section.description,
                    collapsed => section.collapsed,
                    open => !section.collapsed || has_errors,
                    lines,
                }
            })
            .collect()
    }
}
