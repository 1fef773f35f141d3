//! `#[derive(Model)]`: parses the struct and its `#[model(...)]` attributes and writes the
//! `Model` impl. Every mistake is reported on the field or attribute that has it.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitInt, LitStr, Type};

mod rules;

/// Names a field cannot take: the derive writes methods of these names on the model, next
/// to the column accessor it writes for each field.
const RESERVED: &[&str] = &["objects", "save", "delete", "refresh", "full_clean"];

/// The path through which generated code reaches `alder_db`.
pub(crate) fn db_path() -> TokenStream {
    use proc_macro_crate::{crate_name, FoundCrate};
    match crate_name("alder") {
        Ok(FoundCrate::Name(name)) => {
            let ident = format_ident!("{}", name);
            return quote!(::#ident::db);
        }
        // The facade's own doc tests are other crates: go through `::alder` (the facade
        // declares `extern crate self as alder` for its unit tests).
        Ok(FoundCrate::Itself) => return quote!(::alder::db),
        Err(_) => {}
    }
    match crate_name("alder-db") {
        Ok(FoundCrate::Itself) => quote!(::alder_db),
        Ok(FoundCrate::Name(name)) => {
            let ident = format_ident!("{}", name);
            quote!(::#ident)
        }
        Err(_) => quote!(::alder_db),
    }
}

#[derive(Default)]
struct ModelAttrs {
    table: Option<String>,
    ordering: Vec<(String, Span)>,
    verbose_name: Option<String>,
    verbose_name_plural: Option<String>,
    unique_together: Vec<(Vec<String>, Span)>,
    indexes: Vec<(Vec<String>, Span)>,
    /// `display = "{title} by {author}"`: the template and its span; `display` alone: the
    /// model's own `Display` impl.
    display: Option<(Option<String>, Span)>,
    /// `clean = "path"`: the model's own check of the object as a whole.
    clean: Option<syn::Path>,
}

#[derive(Default)]
struct FieldAttrs {
    primary_key: bool,
    unique: bool,
    db_index: bool,
    max_length: Option<u32>,
    max_length_span: Option<Span>,
    max_digits: Option<(u32, Span)>,
    decimal_places: Option<(u32, Span)>,
    db_column: Option<String>,
    db_default: Option<String>,
    rules: rules::RuleAttrs,
    verbose_name: Option<String>,
    help_text: Option<String>,
    blank: Option<Span>,
    editable: bool,
    auto_now: Option<Span>,
    auto_now_add: Option<Span>,
    on_delete: Option<(String, Span)>,
    /// `related_name = "posts"`: the reverse relation's name on the target (Django's).
    related_name: Option<(String, Span)>,
}

fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn parse_model_attrs(input: &DeriveInput) -> syn::Result<ModelAttrs> {
    let mut attrs = ModelAttrs::default();
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("model")) {
        attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
            match key.as_str() {
                "table" => attrs.table = Some(meta.value()?.parse::<LitStr>()?.value()),
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
                        "unknown model option `{key}`; expected one of: table, ordering, verbose_name, \
                         verbose_name_plural, unique_together, index, display, clean"
                    )))
                }
            }
            Ok(())
        })?;
    }
    Ok(attrs)
}

fn parse_field_attrs(field: &syn::Field) -> syn::Result<FieldAttrs> {
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
                "db_index" => attrs.db_index = true,
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
                         max, min_length, regex, email, url, slug, ip, validate"
                    )))
                }
            }
            Ok(())
        })?;
    }
    Ok(attrs)
}

/// The last path segment's name and its first generic argument, e.g. `Option<String>` →
/// ("Option", Some(String)).
fn outer(ty: &Type) -> Option<(String, Option<&Type>)> {
    let Type::Path(path) = ty else { return None };
    let segment = path.path.segments.last()?;
    let inner = match &segment.arguments {
        syn::PathArguments::AngleBracketed(args) => args.args.iter().find_map(|a| match a {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        }),
        _ => None,
    };
    Some((segment.ident.to_string(), inner))
}

/// For `ForeignKey<T>` or `Option<ForeignKey<T>>`: `T`, and whether it is optional.
fn foreign_key_target(ty: &Type) -> Option<(&Type, bool)> {
    match outer(ty) {
        Some((name, Some(inner))) if name == "ForeignKey" || name == "OneToOne" => {
            Some((inner, false))
        }
        Some((name, Some(inner))) if name == "Option" => {
            foreign_key_target(inner).map(|(t, _)| (t, true))
        }
        _ => None,
    }
}

fn is_one_to_one(ty: &Type) -> bool {
    match outer(ty) {
        Some((name, _)) if name == "OneToOne" => true,
        Some((name, Some(inner))) if name == "Option" => is_one_to_one(inner),
        _ => false,
    }
}

/// The column of a field: `db_column`, else `<name>_id` for a foreign key (as Django), else
/// the field's name.
fn default_column(db_column: Option<&String>, name: &str, ty: &Type) -> String {
    match db_column {
        Some(column) => column.clone(),
        None if foreign_key_target(ty).is_some() => format!("{name}_id"),
        None => name.to_string(),
    }
}

/// `#[model(through = "Model", through_fields = "source, target")]` on a `ManyToMany`.
#[derive(Default)]
struct ManyAttrs {
    model: Option<syn::Path>,
    fields: Option<(String, String)>,
    verbose_name: Option<String>,
    help_text: Option<String>,
    blank: bool,
}

fn parse_many_attrs(field: &syn::Field) -> syn::Result<ManyAttrs> {
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

fn is_decimal(ty: &Type) -> bool {
    match outer(ty) {
        Some((name, _)) if name == "Decimal" => true,
        Some((name, Some(inner))) if name == "Option" => is_decimal(inner),
        _ => false,
    }
}

/// A decimal field needs both `max_digits` and `decimal_places` (as in Django); other fields
/// take neither.
fn check_decimal(attrs: &FieldAttrs, ty: &Type, ident: &syn::Ident) -> syn::Result<()> {
    match (is_decimal(ty), attrs.max_digits, attrs.decimal_places) {
        (true, Some((digits, _)), Some((places, span))) if places > digits => Err(syn::Error::new(
            span,
            format!("decimal_places ({places}) cannot be more than max_digits ({digits})"),
        )),
        (true, Some(_), Some(_)) => Ok(()),
        (true, _, _) => Err(syn::Error::new(
            ty.span(),
            format!("the decimal field `{ident}` needs #[model(max_digits = …, decimal_places = …)], e.g. max_digits = 10, decimal_places = 2"),
        )),
        (false, Some((_, span)), _) | (false, _, Some((_, span))) => Err(syn::Error::new(
            span,
            format!("max_digits and decimal_places apply to Decimal fields, but `{ident}` is not one"),
        )),
        (false, None, None) => Ok(()),
    }
}

fn is_option(ty: &Type) -> bool {
    matches!(outer(ty), Some((name, _)) if name == "Option")
}

fn is_text(ty: &Type) -> bool {
    match outer(ty) {
        Some((name, _)) if name == "String" => true,
        Some((name, Some(inner))) if name == "Option" => is_text(inner),
        _ => false,
    }
}

fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A piece of a display template: text as written, or a field to fill in.
enum Piece {
    Text(String),
    Field(String),
}

/// Splits `"{title} by {author}"` into its pieces; `{{` and `}}` stand for braces, as in
/// `format!`.
fn parse_display(template: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                text.push('}');
            }
            '{' => {
                let mut field = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(c) => field.push(c),
                        None => {
                            return Err(format!(
                            "`{{{field}` is not closed: write `{{{field}}}`, or `{{{{` for a brace"
                        ))
                        }
                    }
                }
                if !text.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                }
                pieces.push(Piece::Field(field.trim().to_string()));
            }
            '}' => return Err("a lone `}`: write `}}` for a brace".to_string()),
            c => text.push(c),
        }
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    Ok(pieces)
}

/// The `display` entry of the metadata and the `Model::display` method, from
/// `#[model(display = "…")]` (a template checked against the fields) or `#[model(display)]`
/// (the model's `Display` impl). Without either, the trait's default `"Post object (7)"` stays.
fn display(
    attrs: &ModelAttrs,
    fields: &[(&syn::Ident, &Type)],
    model: &syn::Ident,
    db: &TokenStream,
) -> syn::Result<(TokenStream, TokenStream)> {
    let none = quote!(::core::option::Option::None);
    match &attrs.display {
        None => Ok((none, TokenStream::new())),
        Some((None, span)) => Ok((
            none,
            quote_spanned! {*span=>
                fn display(&self) -> ::std::string::String {
                    ::std::string::ToString::to_string(self)
                }
            },
        )),
        Some((Some(template), span)) => {
            let pieces = parse_display(template).map_err(|e| syn::Error::new(*span, e))?;
            let mut writes = Vec::new();
            for piece in &pieces {
                match piece {
                    Piece::Text(text) => writes.push(quote!(out.push_str(#text);)),
                    Piece::Field(name) => {
                        let Some((ident, ty)) = fields.iter().find(|(i, _)| *i == name) else {
                            let known: Vec<String> =
                                fields.iter().map(|(i, _)| i.to_string()).collect();
                            return Err(syn::Error::new(
                                *span,
                                format!("display names `{{{name}}}`, which is not a field of `{model}`; fields are: {}", known.join(", ")),
                            ));
                        };
                        writes.push(quote! {
                            out.push_str(&#db::display_value(&<#ty as #db::FieldType>::to_value(&self.#ident)));
                        });
                    }
                }
            }
            Ok((
                quote!(::core::option::Option::Some(#template)),
                quote! {
                    fn display(&self) -> ::std::string::String {
                        let mut out = ::std::string::String::new();
                        #(#writes)*
                        out
                    }
                },
            ))
        }
    }
}

pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let db = db_path();
    let name = &input.ident;
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new(
            name.span(),
            "#[derive(Model)] works on structs with named fields",
        ));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(syn::Error::new(
            name.span(),
            "#[derive(Model)] works on structs with named fields",
        ));
    };
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new(
            input.generics.span(),
            "a model cannot have generic parameters",
        ));
    }
    let attrs = parse_model_attrs(input)?;

    struct Parsed<'a> {
        ident: &'a syn::Ident,
        ty: &'a Type,
        attrs: FieldAttrs,
    }
    let mut parsed = Vec::new();
    let mut many = Vec::new();
    for field in &fields.named {
        let ident = field.ident.as_ref().expect("named fields have names");
        let field_name = ident.to_string();
        if RESERVED.contains(&field_name.trim_start_matches("r#")) {
            return Err(syn::Error::new(
                ident.span(),
                format!(
                    "a field cannot be named `{ident}`: every model has a method of that name \
                         (`{}`); rename the field and keep its column with \
                         #[model(db_column = \"{ident}\")]",
                    RESERVED.join("`, `")
                ),
            ));
        }
        if let Some((kind, Some(target))) = outer(&field.ty) {
            if kind == "ManyToMany" {
                many.push((ident, target, parse_many_attrs(field)?));
                continue;
            }
        }
        let attrs = parse_field_attrs(field)?;
        if let (Some((_, span)), None) = (&attrs.related_name, foreign_key_target(&field.ty)) {
            return Err(syn::Error::new(*span, format!("related_name applies to ForeignKey and OneToOne fields, but `{ident}` is not one")));
        }
        if let Some((_, span)) = &attrs.on_delete {
            match foreign_key_target(&field.ty) {
                None => return Err(syn::Error::new(*span, format!("on_delete applies to ForeignKey fields, but `{ident}` is not one"))),
                Some((_, false)) if attrs.on_delete.as_ref().is_some_and(|(v, _)| v == "set_null") => {
                    return Err(syn::Error::new(*span, format!("on_delete = \"set_null\" needs a field that can be NULL: make `{ident}` an `Option<ForeignKey<…>>`")))
                }
                _ => {}
            }
        }
        if let (Some(span), false) = (attrs.max_length_span, is_text(&field.ty)) {
            return Err(syn::Error::new(
                span,
                format!("max_length applies to text fields (String), but `{ident}` is not one"),
            ));
        }
        check_decimal(&attrs, &field.ty, ident)?;
        rules::check(&attrs.rules, &field.ty, ident, attrs.max_length)?;
        if let (Some(span), false, false) = (attrs.blank, is_text(&field.ty), is_option(&field.ty))
        {
            return Err(syn::Error::new(
                span,
                format!("a blank `{ident}` would have nothing to store: blank applies to text fields (String), or make `{ident}` an `Option<…>` so an empty value is stored as NULL"),
            ));
        }
        if let (Some(_), Some(span)) = (attrs.auto_now, attrs.auto_now_add) {
            return Err(syn::Error::new(
                span,
                format!("`{ident}` has both auto_now and auto_now_add: auto_now already sets it on insert too, keep one"),
            ));
        }
        parsed.push(Parsed {
            ident,
            ty: &field.ty,
            attrs,
        });
    }

    let marked: Vec<usize> = parsed
        .iter()
        .enumerate()
        .filter(|(_, p)| p.attrs.primary_key)
        .map(|(i, _)| i)
        .collect();
    let pk_index = match marked.as_slice() {
        [one] => *one,
        [] => parsed.iter().position(|p| p.ident == "id").ok_or_else(|| {
            syn::Error::new(
                name.span(),
                format!("model `{name}` has no primary key: add `id: Auto<i64>`, or mark a field `#[model(primary_key)]`"),
            )
        })?,
        [_, second, ..] => {
            return Err(syn::Error::new(parsed[*second].ident.span(), "a model has one primary key; this is the second"))
        }
    };
    let pk_is_auto = matches!(outer(parsed[pk_index].ty), Some((n, _)) if n == "Auto");

    let field_names: Vec<String> = parsed.iter().map(|p| p.ident.to_string()).collect();
    let check_names = |names: &[String], span: Span| -> syn::Result<()> {
        for n in names {
            let bare = n.strip_prefix('-').unwrap_or(n);
            if !field_names.iter().any(|f| f == bare) {
                return Err(syn::Error::new(
                    span,
                    format!(
                        "`{bare}` is not a field of `{name}`; fields are: {}",
                        field_names.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    };
    for (o, span) in &attrs.ordering {
        check_names(std::slice::from_ref(o), *span)?;
    }
    for (set, span) in attrs.unique_together.iter().chain(&attrs.indexes) {
        check_names(set, *span)?;
    }

    let table = attrs
        .table
        .clone()
        .unwrap_or_else(|| snake_case(&name.to_string()));
    let verbose = attrs
        .verbose_name
        .clone()
        .unwrap_or_else(|| snake_case(&name.to_string()).replace('_', " "));
    let plural = attrs
        .verbose_name_plural
        .clone()
        .unwrap_or_else(|| format!("{verbose}s"));
    let ordering = attrs.ordering.iter().map(|(o, _)| o.as_str());
    let unique_together = attrs
        .unique_together
        .iter()
        .map(|(set, _)| quote!(&[#(#set),*]));
    let indexes = attrs.indexes.iter().map(|(set, _)| quote!(&[#(#set),*]));
    let model_name = name.to_string();

    let field_metas = parsed.iter().enumerate().map(|(i, p)| {
        let ty = p.ty;
        let fname = p.ident.to_string();
        let column = default_column(p.attrs.db_column.as_ref(), &fname, ty);
        let primary_key = i == pk_index;
        // A one-to-one relation is a unique foreign key.
        let unique = p.attrs.unique || is_one_to_one(ty);
        let db_index = p.attrs.db_index;
        let max_length = match p.attrs.max_length {
            Some(n) => quote!(::core::option::Option::Some(#n)),
            None => quote!(<#ty as #db::FieldType>::MAX_LENGTH),
        };
        let decimal = match (p.attrs.max_digits, p.attrs.decimal_places) {
            (Some((digits, _)), Some((places, _))) => {
                quote!(::core::option::Option::Some((#digits, #places)))
            }
            _ => quote!(::core::option::Option::None),
        };
        let db_default = match &p.attrs.db_default {
            Some(d) => quote!(::core::option::Option::Some(#d)),
            None => quote!(::core::option::Option::None),
        };
        let default = rules::default(&p.attrs.rules, ty, &db);
        let validators = rules::metadata(&p.attrs.rules, &db);
        let verbose = p
            .attrs
            .verbose_name
            .clone()
            .unwrap_or_else(|| fname.replace('_', " "));
        let help_text = p.attrs.help_text.clone().unwrap_or_default();
        let blank = p.attrs.blank.is_some();
        let auto_now = p.attrs.auto_now.is_some();
        let auto_now_add = p.attrs.auto_now_add.is_some();
        // Filled by save, as Django's auto_now fields: never typed in by a person.
        let editable = p.attrs.editable && !auto_now && !auto_now_add;
        let relation = match foreign_key_target(ty) {
            Some((target, _)) => {
                let rule = match p
                    .attrs
                    .on_delete
                    .as_ref()
                    .map_or("cascade", |(v, _)| v.as_str())
                {
                    "protect" => quote!(Protect),
                    "restrict" => quote!(Restrict),
                    "set_null" => quote!(SetNull),
                    "set_default" => quote!(SetDefault),
                    _ => quote!(Cascade),
                };
                let related_name = match &p.attrs.related_name {
                    Some((name, _)) => quote!(::core::option::Option::Some(#name)),
                    None => quote!(::core::option::Option::None),
                };
                quote! {
                    ::core::option::Option::Some(#db::RelationMeta {
                        target: {
                            fn __target() -> &'static #db::ModelMeta {
                                <#target as #db::Model>::META
                            }
                            __target
                        },
                        on_delete: #db::OnDelete::#rule,
                        related_name: #related_name,
                    })
                }
            }
            None => quote!(::core::option::Option::None),
        };
        // Spanned on the type, so an unsupported type is reported on the field.
        let kind = quote_spanned!(ty.span()=> <#ty as #db::FieldType>::KIND);
        let nullable = quote_spanned!(ty.span()=> <#ty as #db::FieldType>::NULLABLE);
        let auto = quote_spanned!(ty.span()=> <#ty as #db::FieldType>::AUTO);
        let choices = quote!(<#ty as #db::FieldType>::CHOICES);
        quote! {
            {
                let mut field = #db::FieldMeta::__new(#fname, #column, #kind);
                field.nullable = #nullable;
                field.primary_key = #primary_key;
                field.auto = #auto;
                field.unique = #unique;
                field.db_index = #db_index;
                field.max_length = #max_length;
                field.decimal = #decimal;
                field.db_default = #db_default;
                field.default = #default;
                field.validators = #validators;
                field.verbose_name = #verbose;
                field.relation = #relation;
                field.choices = #choices;
                field.help_text = #help_text;
                field.blank = #blank;
                field.editable = #editable & !#auto;
                field.auto_now = #auto_now;
                field.auto_now_add = #auto_now_add;
                field
            }
        }
    });

    let decode = parsed.iter().enumerate().map(|(i, p)| {
        let ident = p.ident;
        let ty = p.ty;
        let fname = p.ident.to_string();
        quote! {
            #ident: <#ty as #db::FieldType>::decode(row, offset + #i).map_err(|source| #db::DbError::Decode {
                model: #model_name,
                field: #fname,
                source,
            })?
        }
    });
    let values = parsed.iter().map(|p| {
        let ident = p.ident;
        let ty = p.ty;
        quote!(<#ty as #db::FieldType>::to_value(&self.#ident))
    });
    let pk_ident = parsed[pk_index].ident;
    let pk_ty = parsed[pk_index].ty;
    let (pk_value, set_auto) = if pk_is_auto {
        (
            quote! {
                if #db::AutoKey::is_set(&self.#pk_ident) {
                    ::core::option::Option::Some(<#pk_ty as #db::FieldType>::to_value(&self.#pk_ident))
                } else {
                    ::core::option::Option::None
                }
            },
            quote!(#db::AutoKey::set_from_i64(&mut self.#pk_ident, id);),
        )
    } else {
        (
            quote!(::core::option::Option::Some(<#pk_ty as #db::FieldType>::to_value(&self.#pk_ident))),
            quote!(let _ = id;),
        )
    };
    let columns = parsed.iter().map(|p| {
        let ident = p.ident;
        let ty = p.ty;
        let column = default_column(p.attrs.db_column.as_ref(), &ident.to_string(), ty);
        let doc = format!("The `{ident}` column, for queries: `{name}::{ident}().eq(…)`.");
        quote! {
            #[doc = #doc]
            pub const fn #ident() -> #db::Column<#name, #ty> {
                #db::Column::new(#column)
            }
        }
    });
    // Spanned on the attribute, so a type that has no `now()` is reported there.
    let touches = parsed.iter().filter_map(|p| {
        let ident = p.ident;
        let ty = p.ty;
        match (p.attrs.auto_now, p.attrs.auto_now_add) {
            (Some(span), _) => Some(quote_spanned! {span=>
                self.#ident = <#ty as #db::Now>::now();
            }),
            (None, Some(span)) => Some(quote_spanned! {span=>
                if inserting {
                    self.#ident = <#ty as #db::Now>::now();
                }
            }),
            (None, None) => None,
        }
    });
    let function_calls = parsed
        .iter()
        .map(|p| rules::function_calls(&p.attrs.rules, p.ident, p.ty, &db));
    let clean_fn = attrs.clean.as_ref().map(|path| {
        quote_spanned! {path.span()=>
            // The hook may return `ValidationErrors` already, making `into` the identity.
            #[allow(clippy::useless_conversion)]
            fn clean(&self) -> ::core::result::Result<(), #db::ValidationErrors> {
                #path(self).map_err(::core::convert::Into::into)
            }
        }
    });
    let (display_meta, display_fn) = display(
        &attrs,
        &parsed.iter().map(|p| (p.ident, p.ty)).collect::<Vec<_>>(),
        name,
        &db,
    )?;
    let source_snake = snake_case(&name.to_string());
    let mut many_metas = Vec::new();
    let mut many_inits = Vec::new();
    let mut many_accessors = Vec::new();
    let mut through_consts = Vec::new();
    let many_idents: Vec<&syn::Ident> = many.iter().map(|(ident, _, _)| *ident).collect();
    for (ident, target, through_attrs) in &many {
        let target_name = outer(target).map(|(n, _)| n).unwrap_or_default();
        let target_snake = snake_case(&target_name);
        let (source_column, target_column) = match &through_attrs.fields {
            // The through model's foreign keys, whose columns are `<field>_id`.
            Some((from, to)) => (format!("{from}_id"), format!("{to}_id")),
            None if through_attrs.model.is_some() && target_snake != source_snake => {
                (format!("{source_snake}_id"), format!("{target_snake}_id"))
            }
            None if target_snake == source_snake => (
                format!("from_{source_snake}_id"),
                format!("to_{target_snake}_id"),
            ),
            None => (format!("{source_snake}_id"), format!("{target_snake}_id")),
        };
        let auto_through = through_attrs.model.is_none();
        let through = match &through_attrs.model {
            Some(model) => {
                // A named const, so that META's promoted `&[…]` only reads a constant (a
                // field read through another model's META cannot be promoted).
                let name_const =
                    quote::format_ident!("__{}_THROUGH_TABLE", ident.to_string().to_uppercase());
                through_consts.push(quote! {
                    #[doc(hidden)]
                    pub const #name_const: &'static str = <#model as #db::Model>::META.table;
                });
                quote!(#name::#name_const)
            }
            None => {
                let table = format!("{table}_{ident}");
                quote!(#table)
            }
        };
        let fname = ident.to_string();
        let many_verbose = through_attrs
            .verbose_name
            .clone()
            .unwrap_or_else(|| fname.replace('_', " "));
        let many_help = through_attrs.help_text.clone().unwrap_or_default();
        let many_blank = through_attrs.blank;
        many_metas.push(quote! {
            #db::ManyToManyMeta::__new(
                #fname,
                {
                    fn __target() -> &'static #db::ModelMeta {
                        <#target as #db::Model>::META
                    }
                    __target
                },
                #through,
                #source_column,
                #target_column,
                #auto_through,
                #many_verbose,
                #many_help,
                #many_blank,
            )
        });
        many_inits.push(quote!(#ident: #db::ManyToMany::new()));
        let doc = format!(
            "The `{ident}` many-to-many relation: `{name}::{ident}().add(&db, &owner, &target)`."
        );
        many_accessors.push(quote! {
            #[doc = #doc]
            pub const fn #ident() -> #db::ManyToManyField<#name, #target> {
                #db::ManyToManyField::new(#through, #source_column, #target_column)
            }
        });
    }

    Ok(quote! {
        impl #db::Model for #name {
            const META: &'static #db::ModelMeta = &#db::ModelMeta::__new(
                #model_name,
                #table,
                {
                    // A named constant: each field's metadata is built statement by
                    // statement, which only a constant's own initializer makes `'static`.
                    const FIELDS: &[#db::FieldMeta] = &[#(#field_metas),*];
                    FIELDS
                },
                &[#(#ordering),*],
                #verbose,
                #plural,
                &[#(#unique_together),*],
                &[#(#indexes),*],
                &[#(#many_metas),*],
                #display_meta,
            );

            fn from_row_at(row: &#db::DbRow, offset: usize) -> #db::Result<Self> {
                ::core::result::Result::Ok(#name { #(#decode,)* #(#many_inits,)* })
            }

            fn values(&self) -> ::std::vec::Vec<#db::__private::Value> {
                // Many-to-many fields live in their through tables; touching them here keeps
                // the compiler from calling them unread.
                #(let _ = &self.#many_idents;)*
                ::std::vec![#(#values),*]
            }

            fn pk_value(&self) -> ::core::option::Option<#db::__private::Value> {
                #pk_value
            }

            fn set_auto_pk(&mut self, id: i64) {
                #set_auto
            }

            fn touch(&mut self, inserting: bool) {
                let _ = inserting;
                #(#touches)*
            }

            fn run_field_functions(&self, errors: &mut #db::ValidationErrors) {
                let _ = &errors;
                #(#function_calls)*
            }

            #clean_fn

            #display_fn
        }

        impl #name {
            /// The manager: every row of this model, to filter, order and fetch.
            pub fn objects() -> #db::QuerySet<#name> {
                #db::QuerySet::new()
            }

            /// Inserts the object if it is new, else updates its row (Django's `save()`);
            /// fills in the key and `auto_now` fields. Does not validate: see `full_clean`.
            pub async fn save(&mut self, db: &#db::Database) -> #db::Result<()> {
                #db::crud::save(db, self).await
            }

            /// Deletes the object's row; whether there was one (Django's `delete()`).
            pub async fn delete(&self, db: &#db::Database) -> #db::Result<bool> {
                #db::crud::delete(db, self).await
            }

            /// Reloads every field from the object's row (Django's `refresh_from_db()`).
            pub async fn refresh(&mut self, db: &#db::Database) -> #db::Result<()> {
                #db::crud::refresh(db, self).await
            }

            /// Checks every field, the model's `clean` and the unique constraints against the
            /// stored rows (Django's `full_clean()`); all problems in one `DbError::Invalid`.
            pub async fn full_clean(&self, db: &#db::Database) -> #db::Result<()> {
                #db::crud::full_clean(db, self).await
            }

            #(#columns)*

            #(#many_accessors)*

            #(#through_consts)*
        }
    })
}
