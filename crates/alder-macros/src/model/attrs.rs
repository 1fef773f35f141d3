//! Parsing `#[model(...)]` on the struct, its fields and its many-to-many fields into plain
//! values, with the errors of each option reported on it.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{DeriveInput, LitInt, LitStr};

use super::rules;

#[derive(Default)]
pub(super) struct ModelAttrs {
    pub(super) table: Option<String>,
    /// `app = "blog"`: the app label, when the module path does not say it.
    pub(super) app: Option<String>,
    pub(super) ordering: Vec<(String, Span)>,
    pub(super) verbose_name: Option<String>,
    pub(super) verbose_name_plural: Option<String>,
    pub(super) unique_together: Vec<(Vec<String>, Span)>,
    pub(super) indexes: Vec<(Vec<String>, Span)>,
    /// `display = "{title} by {author}"`: the template and its span; `display` alone: the
    /// model's own `Display` impl.
    pub(super) display: Option<(Option<String>, Span)>,
    /// `clean = "path"`: the model's own check of the object as a whole.
    pub(super) clean: Option<syn::Path>,
    /// `json_schema = false`: no JSON Schema from the metadata (the model has its own).
    pub(super) no_json_schema: bool,
}

#[derive(Default)]
pub(crate) struct FieldAttrs {
    pub(crate) primary_key: bool,
    pub(crate) unique: bool,
    /// `db_index` (true) or `db_index = false`; `None` when not given (a foreign key is
    /// indexed by default, as in Django).
    pub(crate) db_index: Option<bool>,
    pub(crate) max_length: Option<u32>,
    pub(crate) max_length_span: Option<Span>,
    pub(crate) max_digits: Option<(u32, Span)>,
    pub(crate) decimal_places: Option<(u32, Span)>,
    pub(crate) db_column: Option<String>,
    pub(crate) db_default: Option<String>,
    pub(crate) rules: rules::RuleAttrs,
    pub(crate) verbose_name: Option<String>,
    pub(crate) help_text: Option<String>,
    pub(crate) blank: Option<Span>,
    pub(crate) editable: bool,
    pub(crate) auto_now: Option<Span>,
    pub(crate) auto_now_add: Option<Span>,
    pub(crate) on_delete: Option<(String, Span)>,
    /// `related_name = "posts"`: the reverse relation's name on the target (Django's).
    pub(crate) related_name: Option<(String, Span)>,
}

pub(crate) fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

pub(super) fn parse_model_attrs(input: &DeriveInput) -> syn::Result<ModelAttrs> {
    let mut attrs = ModelAttrs::default();
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("model")) {
        attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
            match key.as_str() {
                "table" => attrs.table = Some(meta.value()?.parse::<LitStr>()?.value()),
                "app" => {
                    let lit = meta.value()?.parse::<LitStr>()?;
                    let app = lit.value();
                    if app.is_empty() || !app.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                        return Err(syn::Error::new(
                            lit.span(),
                            format!("app = \"{app}\" is not an app label: use letters, digits and `_` (e.g. \"blog\")"),
                        ));
                    }
                    attrs.app = Some(app);
                }
                "verbose_name" => attrs.verbose_name = Some(meta.value()?.parse::<LitStr>()?.value()),
                "verbose_name_plural" => {
                    attrs.verbose_name_plural = Some(meta.value()?.parse::<LitStr>()?.value())
                }
                "ordering" => {
                    let lit = meta.value()?.parse::<LitStr>()?;
                    attrs.ordering = list(&lit.value()).into_iter().map(|o| (o, lit.span())).collect();
                }
                "unique_together" => {
                    let lit = meta.value()?.parse::<LitStr>()?;
                    attrs.unique_together.push((list(&lit.value()), lit.span()));
                }
                "index" => {
                    let lit = meta.value()?.parse::<LitStr>()?;
                    attrs.indexes.push((list(&lit.value()), lit.span()));
                }
                "display" => {
                    attrs.display = if meta.input.peek(syn::Token![=]) {
                        let lit = meta.value()?.parse::<LitStr>()?;
                        Some((Some(lit.value()), lit.span()))
                    } else {
                        Some((None, meta.path.span()))
                    }
                }
                "json_schema" => {
                    attrs.no_json_schema = !meta.value()?.parse::<syn::LitBool>()?.value;
                }
                "clean" => {
                    let value = meta.value()?;
                    attrs.clean = Some(if value.peek(LitStr) {
                        value.parse::<LitStr>()?.parse()?
                    } else {
                        value.parse()?
                    });
                }
                _ => {
                    return Err(meta.error(format!(
                        "unknown model option `{key}`; expected one of: table, app, ordering, verbose_name, \
                         verbose_name_plural, unique_together, index, display, clean, json_schema"
                    )))
                }
            }
            Ok(())
        })?;
    }
    Ok(attrs)
}

pub(crate) fn parse_field_attrs(field: &syn::Field) -> syn::Result<FieldAttrs> {
    let mut attrs = FieldAttrs {
        editable: true,
        ..FieldAttrs::default()
    };
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("model")) {
        attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
            match key.as_str() {
                "primary_key" => attrs.primary_key = true,
                "unique" => attrs.unique = true,
                "db_index" => {
                    attrs.db_index = Some(if meta.input.peek(syn::Token![=]) {
                        meta.value()?.parse::<syn::LitBool>()?.value
                    } else {
                        true
                    })
                }
                "max_length" => {
                    let lit = meta.value()?.parse::<LitInt>()?;
                    let n: u32 = lit.base10_parse()?;
                    if n == 0 {
                        return Err(syn::Error::new(lit.span(), "max_length must be at least 1"));
                    }
                    attrs.max_length = Some(n);
                    attrs.max_length_span = Some(lit.span());
                }
                "max_digits" | "decimal_places" => {
                    let lit = meta.value()?.parse::<LitInt>()?;
                    let n: u32 = lit.base10_parse()?;
                    if key == "max_digits" {
                        if !(1..=1000).contains(&n) {
                            return Err(syn::Error::new(lit.span(), "max_digits must be between 1 and 1000"));
                        }
                        attrs.max_digits = Some((n, lit.span()));
                    } else {
                        attrs.decimal_places = Some((n, lit.span()));
                    }
                }
                "db_column" => attrs.db_column = Some(meta.value()?.parse::<LitStr>()?.value()),
                "db_default" => attrs.db_default = Some(meta.value()?.parse::<LitStr>()?.value()),
                key if rules::OPTIONS.contains(&key) => rules::parse(key, &meta, &mut attrs.rules)?,
                "verbose_name" => attrs.verbose_name = Some(meta.value()?.parse::<LitStr>()?.value()),
                "help_text" => attrs.help_text = Some(meta.value()?.parse::<LitStr>()?.value()),
                "blank" => attrs.blank = Some(meta.path.span()),
                "auto_now" => attrs.auto_now = Some(meta.path.span()),
                "auto_now_add" => attrs.auto_now_add = Some(meta.path.span()),
                "editable" => {
                    attrs.editable = meta.value()?.parse::<syn::LitBool>()?.value;
                }
                "on_delete" => {
                    let lit = meta.value()?.parse::<LitStr>()?;
                    let value = lit.value().to_lowercase();
                    if !["cascade", "protect", "restrict", "set_null", "set_default"].contains(&value.as_str()) {
                        return Err(syn::Error::new(
                            lit.span(),
                            "on_delete is one of: cascade, protect, restrict, set_null, set_default",
                        ));
                    }
                    attrs.on_delete = Some((value, lit.span()));
                }
                "related_name" => {
                    let lit = meta.value()?.parse::<LitStr>()?;
                    let name = lit.value();
                    if syn::parse_str::<syn::Ident>(&name).is_err() {
                        return Err(syn::Error::new(
                            lit.span(),
                            "related_name is a Rust identifier, e.g. related_name = \"posts\"",
                        ));
                    }
                    attrs.related_name = Some((name, lit.span()));
                }
                _ => {
                    return Err(meta.error(format!(
                        "unknown field option `{key}`; expected one of: primary_key, unique, db_index, \
                         max_length, max_digits, decimal_places, db_column, db_default, default, verbose_name, \
                         help_text, blank, editable = false, auto_now, auto_now_add, on_delete, related_name, min, \
                         max, min_length, regex, pattern, email, url, slug, ip, validate"
                    )))
                }
            }
            Ok(())
        })?;
    }
    Ok(attrs)
}

/// `#[model(through = "Model", through_fields = "source, target")]` on a `ManyToMany`.
#[derive(Default)]
pub(super) struct ManyAttrs {
    pub(super) model: Option<syn::Path>,
    pub(super) fields: Option<(String, String)>,
    pub(super) verbose_name: Option<String>,
    pub(super) help_text: Option<String>,
    pub(super) blank: bool,
}

pub(super) fn parse_many_attrs(field: &syn::Field) -> syn::Result<ManyAttrs> {
    let mut attrs = ManyAttrs::default();
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("model")) {
        attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
            if key == "blank" {
                attrs.blank = true;
                return Ok(());
            }
            let lit = meta.value()?.parse::<LitStr>()?;
            match key.as_str() {
                "verbose_name" => attrs.verbose_name = Some(lit.value()),
                "help_text" => attrs.help_text = Some(lit.value()),
                "through" => attrs.model = Some(lit.parse()?),
                "through_fields" => match list(&lit.value()).as_slice() {
                    [from, to] => attrs.fields = Some((from.clone(), to.clone())),
                    _ => {
                        return Err(syn::Error::new(
                            lit.span(),
                            "through_fields names two foreign keys of the through model: \"source, target\"",
                        ))
                    }
                },
                _ => {
                    return Err(meta.error(format!(
                        "unknown ManyToMany option `{key}`; expected one of: through, through_fields, \
                         verbose_name, help_text, blank"
                    )))
                }
            }
            Ok(())
        })?;
    }
    if attrs.fields.is_some() && attrs.model.is_none() {
        return Err(syn::Error::new_spanned(
            &field.ty,
            "through_fields needs through = \"Model\" as well",
        ));
    }
    Ok(attrs)
}
