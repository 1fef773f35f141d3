//! `#[derive(Form)]`: the fields of a form as `FormField` constants built from the same rule
//! options as model fields (parsed and checked by `model::rules`), and the code that reads
//! each field by its shape (a value, an `Option`, a `Vec`, a checkbox).

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitBool, LitInt, LitStr, Type};

use crate::model::attrs::{parse_field_attrs, FieldAttrs as ModelFieldAttrs};
use crate::model::rules::{self, Rule, RuleAttrs};
use crate::model::types::{foreign_key_target, outer};

/// The path through which generated code reaches the web layer (`alder` or `alder_web`).
pub(crate) fn web_path() -> TokenStream {
    use proc_macro_crate::{crate_name, FoundCrate};
    match crate_name("alder") {
        Ok(FoundCrate::Name(name)) => {
            let ident = format_ident!("{}", name);
            return quote!(::#ident);
        }
        Ok(FoundCrate::Itself) => return quote!(::alder),
        Err(_) => {}
    }
    match crate_name("alder-web") {
        Ok(FoundCrate::Name(name)) => {
            let ident = format_ident!("{}", name);
            quote!(::#ident)
        }
        _ => quote!(::alder_web),
    }
}

const WIDGETS: &[(&str, &str)] = &[
    ("text", "Text"),
    ("textarea", "Textarea"),
    ("password", "Password"),
    ("email", "Email"),
    ("url", "Url"),
    ("number", "Number"),
    ("checkbox", "Checkbox"),
    ("select", "Select"),
    ("radio", "Radio"),
    ("date", "Date"),
    ("time", "Time"),
    ("datetime", "DateTime"),
    ("hidden", "Hidden"),
    ("file", "File"),
];

/// How a field is read.
#[derive(Clone, Copy, PartialEq)]
enum Shape {
    Value,
    Optional,
    Many,
    Checkbox,
    File,
    OptionalFile,
    /// A `ManyToMany<T>`: keys chosen from `T`'s rows, stored in the through table.
    ManyToMany,
    /// A model's `FileField` / `ImageField`: an upload stored by `save_form_with`, the
    /// field keeping its name.
    StoredFile,
    /// An `Option<FileField>` / `Option<ImageField>`.
    OptionalStoredFile,
}

#[derive(Default)]
struct FieldAttrs {
    /// Set by a model's `Option` field without `blank`: required, though an `Option`.
    model_required: bool,
    label: Option<String>,
    widget: Option<(String, Span)>,
    help_text: Option<String>,
    required: Option<(bool, Span)>,
    max_length: Option<u32>,
    /// `queryset = "path"`: the rows a relation field offers.
    queryset: Option<syn::Path>,
    rules: RuleAttrs,
}

fn parse_field(field: &syn::Field) -> syn::Result<FieldAttrs> {
    let mut attrs = FieldAttrs::default();
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("form")) {
        attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
            match key.as_str() {
                "label" => attrs.label = Some(meta.value()?.parse::<LitStr>()?.value()),
                "help_text" => attrs.help_text = Some(meta.value()?.parse::<LitStr>()?.value()),
                "widget" => {
                    let lit = meta.value()?.parse::<LitStr>()?;
                    if !WIDGETS.iter().any(|(name, _)| *name == lit.value()) {
                        let known: Vec<&str> = WIDGETS.iter().map(|(n, _)| *n).collect();
                        return Err(syn::Error::new(
                            lit.span(),
                            format!("unknown widget `{}`; expected one of: {}", lit.value(), known.join(", ")),
                        ));
                    }
                    attrs.widget = Some((lit.value(), lit.span()));
                }
                "required" => {
                    let value = if meta.input.peek(syn::Token![=]) {
                        meta.value()?.parse::<LitBool>()?.value
                    } else {
                        true
                    };
                    attrs.required = Some((value, meta.path.span()));
                }
                "max_length" => attrs.max_length = Some(meta.value()?.parse::<LitInt>()?.base10_parse()?),
                "queryset" => {
                    let value = meta.value()?;
                    attrs.queryset = Some(if value.peek(LitStr) {
                        value.parse::<LitStr>()?.parse::<syn::Path>()?
                    } else {
                        value.parse::<syn::Path>()?
                    });
                }
                // `initial` is the model option `default` under the name Django's forms use.
                "initial" => rules::parse("default", &meta, &mut attrs.rules)?,
                key if rules::OPTIONS.contains(&key) && key != "default" => {
                    rules::parse(key, &meta, &mut attrs.rules)?
                }
                _ => {
                    return Err(meta.error(format!(
                        "unknown form option `{key}`; expected label, widget, help_text, initial, \
                         required, max_length, queryset, min, max, min_length, regex, pattern, email, url, slug, ip or validate"
                    )))
                }
            }
            Ok(())
        })?;
    }
    Ok(attrs)
}

fn shape_of(ty: &Type) -> (Shape, &Type) {
    let is_file = |t: &Type| matches!(outer(t), Some((n, None)) if n == "UploadedFile");
    let is_stored =
        |t: &Type| matches!(outer(t), Some((n, None)) if n == "FileField" || n == "ImageField");
    match outer(ty) {
        Some((name, Some(inner))) if name == "Option" && is_stored(inner) => {
            return (Shape::OptionalStoredFile, ty)
        }
        _ if is_stored(ty) => return (Shape::StoredFile, ty),
        _ => {}
    }
    match outer(ty) {
        Some((name, Some(inner))) if name == "Option" && is_file(inner) => {
            return (Shape::OptionalFile, inner)
        }
        _ if is_file(ty) => return (Shape::File, ty),
        _ => {}
    }
    match outer(ty) {
        Some((name, Some(inner))) if name == "ManyToMany" => (Shape::ManyToMany, inner),
        Some((name, Some(inner))) if name == "Option" => (Shape::Optional, inner),
        Some((name, Some(inner))) if name == "Vec" => (Shape::Many, inner),
        Some((name, None)) if name == "bool" => (Shape::Checkbox, ty),
        _ => (Shape::Value, ty),
    }
}

fn words(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => spaced,
    }
}

pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let web = web_path();
    let db = quote!(#web::db);
    let forms = quote!(#web::forms);
    let name = &input.ident;
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new(
            name.span(),
            "#[derive(Form)] works on structs with named fields",
        ));
    };
    let Fields::Named(named) = &data.fields else {
        return Err(syn::Error::new(
            name.span(),
            "#[derive(Form)] works on structs with named fields",
        ));
    };
    let mut clean = None;
    let mut only: Option<(Vec<String>, Span)> = None;
    let mut exclude: Vec<String> = Vec::new();
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("form")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("clean") {
                let value = meta.value()?;
                clean = Some(if value.peek(LitStr) {
                    value.parse::<LitStr>()?.parse::<syn::Path>()?
                } else {
                    value.parse::<syn::Path>()?
                });
                Ok(())
            } else if meta.path.is_ident("fields") || meta.path.is_ident("exclude") {
                let lit = meta.value()?.parse::<LitStr>()?;
                let names = crate::model::attrs::list(&lit.value());
                if meta.path.is_ident("fields") {
                    only = Some((names, lit.span()));
                } else {
                    exclude = names;
                }
                Ok(())
            } else {
                Err(meta.error("unknown form option on the struct; expected clean = \"path\", fields = \"a, b\" or exclude = \"c\""))
            }
        })?;
    }
    let known: Vec<String> = named
        .named
        .iter()
        .filter_map(|f| {
            f.ident
                .as_ref()
                .map(|i| syn::ext::IdentExt::unraw(i).to_string())
        })
        .collect();
    for name in only.iter().flat_map(|(names, _)| names).chain(&exclude) {
        if !known.contains(name) {
            let span = only.as_ref().map_or_else(Span::call_site, |(_, s)| *s);
            return Err(syn::Error::new(
                span,
                format!("`{name}` is not a field of `{}`", input.ident),
            ));
        }
    }

    // A derive cannot see the other derives of its struct, so a model is recognised by what
    // only a model has: `#[model(…)]` options or an `Auto` key. Its forms follow the model's
    // rules (Django's ModelForm).
    let is_model = input.attrs.iter().any(|a| a.path().is_ident("model"))
        || named.named.iter().any(|f| {
            f.attrs.iter().any(|a| a.path().is_ident("model"))
                || matches!(outer(&f.ty), Some((n, _)) if n == "Auto")
        });
    // As the Model derive: with no field marked `primary_key`, the field named `id` is the key.
    let marked_key = named.named.iter().any(|f| {
        f.attrs.iter().any(|a| {
            a.path().is_ident("model")
                && a.meta
                    .require_list()
                    .is_ok_and(|l| l.tokens.to_string().contains("primary_key"))
        })
    });
    let mut consts = Vec::new();
    let mut reads = Vec::new();
    let mut customs = Vec::new();
    let mut writes = Vec::new();
    let mut idents = Vec::new();
    let mut locals = Vec::new();
    let mut tys = Vec::new();
    let mut m2m_saves = Vec::new();
    let mut m2m_initials = Vec::new();
    let mut assigns = Vec::new();
    let mut set_files = Vec::new();
    let mut index = 0usize;
    for field in &named.named {
        let ident = field.ident.as_ref().expect("named fields have names");
        let ty = &field.ty;
        // A model form: the field's `#[model(…)]` options say what it accepts, so nothing is
        // written twice; `#[form(…)]` adds what only a form has.
        let model = if field.attrs.iter().any(|a| a.path().is_ident("model")) {
            parse_field_attrs(field)?
        } else {
            ModelFieldAttrs {
                editable: true,
                ..ModelFieldAttrs::default()
            }
        };
        // `r#type` is sent and labelled as `type`.
        let name = syn::ext::IdentExt::unraw(ident).to_string();
        let listed = only.as_ref().is_none_or(|(names, _)| names.contains(&name));
        let is_key = model.primary_key || (!marked_key && name == "id");
        let typed_in = model.editable
            && !is_key
            && model.auto_now.is_none()
            && model.auto_now_add.is_none()
            && !matches!(outer(ty), Some((n, _)) if n == "Auto");
        if !listed || exclude.contains(&name) || (only.is_none() && !typed_in) {
            continue;
        }
        if !typed_in {
            return Err(syn::Error::new(
                ident.span(),
                format!("`{name}` cannot be in a form: keys, `auto_now` fields and `editable = false` fields are set by code"),
            ));
        }
        let mut attrs = parse_field(field)?;
        let decimal = match (model.max_digits, model.decimal_places) {
            (Some((digits, _)), Some((places, _))) => {
                quote!(::core::option::Option::Some((#digits, #places)))
            }
            _ => quote!(::core::option::Option::None),
        };
        let blank = model.blank.is_some();
        // Only a form's own `initial` is refused on a file field: a model's `default` is the
        // value existing rows are filled with, never a file a form starts with.
        let form_initial = attrs.rules.default.is_some();
        merge_model(&mut attrs, model);
        let (shape, inner) = shape_of(ty);
        // The model a `ForeignKey`, `OneToOne` or `ManyToMany` field points at.
        let target: Option<&Type> = match shape {
            Shape::ManyToMany => Some(inner),
            _ => foreign_key_target(ty).map(|(target, _)| target),
        };
        if let (Some(path), None) = (&attrs.queryset, target) {
            return Err(syn::Error::new(
                path.span(),
                format!("`queryset` is for relation fields; `{ident}` is not a ForeignKey or ManyToMany"),
            ));
        }
        if shape == Shape::ManyToMany {
            if !is_model {
                return Err(syn::Error::new(
                    ty.span(),
                    format!("`{ident}`: a ManyToMany field is stored beside its model's row, so it can be in a model form only (`#[derive(Model, Form)]`, recognised by an `Auto` key or a `#[model(…)]` option)"),
                ));
            }
            if attrs.rules.default.is_some()
                || !attrs.rules.rules.is_empty()
                || !attrs.rules.functions.is_empty()
            {
                return Err(syn::Error::new(
                    ident.span(),
                    "a many-to-many field takes no `initial` and no value rules",
                ));
            }
        }
        let stored = matches!(shape, Shape::StoredFile | Shape::OptionalStoredFile);
        if stored && !is_model {
            return Err(syn::Error::new(
                ty.span(),
                format!("`{ident}`: a FileField or ImageField keeps the name of a file stored by a model form (`#[derive(Model, Form)]`, recognised by an `Auto` key or a `#[model(…)]` option); a plain form takes the upload itself as `UploadedFile`"),
            ));
        }
        if shape == Shape::Optional && matches!(outer(inner), Some((n, None)) if n == "bool") {
            return Err(syn::Error::new(
                ty.span(),
                format!("`{ident}`: a checkbox is ticked or not, so `Option<bool>` would never be `Some(false)`; use `bool`, or a `Choices` enum for yes / no / unknown"),
            ));
        }
        // In a model form an `Option` is NULL in the database but still required unless the
        // model says `blank`, as Django's `null=True` without `blank=True`.
        if is_model
            && matches!(shape, Shape::Optional | Shape::OptionalStoredFile)
            && !blank
            && attrs.required.is_none()
        {
            attrs.required = Some((true, Span::call_site()));
            attrs.model_required = true;
        }
        let is_file = matches!(shape, Shape::File | Shape::OptionalFile);
        if stored {
            attrs.rules.default = None;
        }
        if (is_file || stored) && (form_initial || !attrs.rules.rules.is_empty()) {
            return Err(syn::Error::new(
                ident.span(),
                "a file field takes no `initial` and no value rules",
            ));
        }
        if shape != Shape::ManyToMany {
            rules::check(&attrs.rules, ty, ident, attrs.max_length)?;
        }
        if shape == Shape::Many && attrs.rules.default.is_some() {
            return Err(syn::Error::new(
                ident.span(),
                "`initial` is not supported on a list field yet",
            ));
        }
        let text = matches!(outer(inner), Some((n, None)) if n == "String");
        let required = match (shape, attrs.required) {
            (
                Shape::Optional | Shape::OptionalFile | Shape::OptionalStoredFile,
                Some((true, span)),
            ) if !attrs.model_required => {
                return Err(syn::Error::new(span, format!("`{ident}` is an Option, which may be left empty; drop `required` or make the field a plain value")));
            }
            (Shape::Value | Shape::File, Some((false, span))) if !text => {
                return Err(syn::Error::new(span, format!("only text may be left empty as a plain value; make `{ident}` an Option<…> instead")));
            }
            (_, Some((value, _))) => value,
            (
                Shape::Optional | Shape::OptionalFile | Shape::OptionalStoredFile | Shape::Checkbox,
                None,
            ) => false,
            (
                Shape::Value | Shape::Many | Shape::File | Shape::ManyToMany | Shape::StoredFile,
                None,
            ) => true,
        };
        let fname = name.clone();
        let label = attrs.label.clone().unwrap_or_else(|| words(&fname));
        let help_text = attrs.help_text.clone().unwrap_or_default();
        let many_to_many = shape == Shape::ManyToMany;
        let max_length = match attrs.max_length {
            Some(n) => quote!(::core::option::Option::Some(#n)),
            None if is_file || many_to_many => quote!(::core::option::Option::None),
            None => quote!(<#inner as #db::FieldType>::MAX_LENGTH),
        };
        let validators = rules::metadata(&attrs.rules, &db);
        let default = if is_file || many_to_many {
            quote!(::core::option::Option::None)
        } else {
            rules::default(&attrs.rules, ty, &db)
        };
        // A file is not a model field type: it is drawn as a file input and read from the
        // form's files.
        let kind = if is_file {
            quote!(#db::meta::FieldKind::Bytes)
        } else if many_to_many {
            quote_spanned!(inner.span()=> <<#inner as #db::Model>::Key as #db::FieldType>::KIND)
        } else {
            quote_spanned!(inner.span()=> <#inner as #db::FieldType>::KIND)
        };
        let choices = if is_file || many_to_many {
            quote!(&[])
        } else {
            quote!(<#inner as #db::FieldType>::CHOICES)
        };
        let has = |wanted: fn(&Rule) -> bool| attrs.rules.rules.iter().any(|(r, _)| wanted(r));
        let email = has(|r| matches!(r, Rule::Email));
        let url = has(|r| matches!(r, Rule::Url));
        let multiple = shape == Shape::Many || many_to_many;
        let widget = match &attrs.widget {
            Some((w, _)) => {
                let variant = format_ident!(
                    "{}",
                    WIDGETS
                        .iter()
                        .find(|(n, _)| n == w)
                        .expect("checked above")
                        .1
                );
                quote!(#forms::Widget::#variant)
            }
            None if is_file || stored => quote!(#forms::Widget::File),
            None if target.is_some() => quote!(#forms::Widget::Select),
            None => quote!(#forms::Widget::__default(#kind, !#choices.is_empty(), #email, #url)),
        };
        let optional = matches!(
            shape,
            Shape::Optional | Shape::OptionalFile | Shape::OptionalStoredFile
        );
        let file_kind = if is_file || many_to_many {
            quote!(::core::option::Option::None)
        } else {
            quote!(<#inner as #db::FieldType>::FILE)
        };
        let related = target.map(|target| {
            let rows = match &attrs.queryset {
                Some(path) => quote_spanned!(path.span()=> #path()),
                None => quote!(#db::QuerySet::<#target>::new()),
            };
            quote! {
                .__related({
                    fn __alder_choices(
                        db: &#db::Database,
                    ) -> #forms::__private::BoxFuture<'_, ::core::result::Result<::std::vec::Vec<(::std::string::String, ::std::string::String)>, #db::DbError>> {
                        ::std::boxed::Box::pin(#forms::__private::choices_of::<#target>(db, #rows))
                    }
                    fn __alder_missing(
                        db: &#db::Database,
                        keys: ::std::vec::Vec<::std::string::String>,
                    ) -> #forms::__private::BoxFuture<'_, ::core::result::Result<::std::vec::Vec<::std::string::String>, #db::DbError>> {
                        ::std::boxed::Box::pin(#forms::__private::missing_from::<#target>(db, #rows, keys))
                    }
                    const RELATION: #forms::Relation = #forms::Relation::__new(
                        <#target as #db::Model>::META,
                        __alder_choices,
                        __alder_missing,
                    );
                    &RELATION
                })
            }
        });
        consts.push(quote! {
            {
                let mut meta = #db::meta::FieldMeta::__new(#fname, #fname, #kind);
                meta.nullable = #optional;
                meta.decimal = #decimal;
                meta.max_length = #max_length;
                meta.default = #default;
                meta.validators = #validators;
                meta.verbose_name = #label;
                meta.choices = #choices;
                meta.help_text = #help_text;
                meta.blank = !#required;
                meta.file = #file_kind;
                #forms::FormField::__new(meta, #label, #widget, #required, #multiple)
                #related
            }
        });
        let field_ref = quote!(&<Self as #forms::Form>::FIELDS[#index]);
        let local = format_ident!(
            "__alder_field_{}",
            ident.to_string().trim_start_matches("r#")
        );
        let (read, write) = match shape {
            Shape::Value => (
                quote_spanned!(ty.span()=> #forms::__private::value::<#inner>(#field_ref, __alder_data, &mut __alder_errors)),
                quote!(#forms::__private::put_value(&self.#ident, #fname, &mut __alder_out)),
            ),
            Shape::Optional => (
                quote_spanned!(ty.span()=> #forms::__private::optional::<#inner>(#field_ref, __alder_data, &mut __alder_errors)),
                quote!(#forms::__private::put_option(&self.#ident, #fname, &mut __alder_out)),
            ),
            Shape::Many => (
                quote_spanned!(ty.span()=> #forms::__private::many::<#inner>(#field_ref, __alder_data, &mut __alder_errors)),
                quote!(#forms::__private::put_many(&self.#ident, #fname, &mut __alder_out)),
            ),
            Shape::Checkbox => (
                quote!(#forms::__private::checkbox(#field_ref, __alder_data, &mut __alder_errors)),
                quote!(#forms::__private::put_checkbox(self.#ident, #fname, &mut __alder_out)),
            ),
            // A file is never sent back in a page.
            Shape::File => (
                quote!(#forms::__private::file(#field_ref, __alder_data, &mut __alder_errors)),
                quote!(()),
            ),
            Shape::OptionalFile => (
                quote!(#forms::__private::optional_file(#field_ref, __alder_data, &mut __alder_errors)),
                quote!(()),
            ),
            // A stored name comes from the object or from `save_form_with`, never the request.
            Shape::StoredFile | Shape::OptionalStoredFile => (
                quote_spanned!(ty.span()=> #forms::__private::stored_file::<#ty>(#field_ref, __alder_data, __alder_current.map(|c| &c.#ident), &mut __alder_errors)),
                quote!(#forms::__private::put_stored_file(&self.#ident, #fname, &mut __alder_out)),
            ),
            // The chosen keys are in the through table: read back by `__related_initial`.
            Shape::ManyToMany => (
                quote_spanned!(ty.span()=> #forms::__private::many_to_many::<#inner>(#field_ref, __alder_data, &mut __alder_errors)),
                quote!(()),
            ),
        };
        if many_to_many {
            m2m_saves.push(quote! {
                Self::#ident()
                    .set(__alder_db, self, #forms::__private::many_keys::<#inner>(#field_ref, __alder_data))
                    .await?;
            });
            m2m_initials.push(quote! {
                let keys = Self::#ident().keys(__alder_db, self).await?;
                #forms::__private::put_keys(&keys, #fname, __alder_out);
            });
        }
        reads.push(quote!(let #local = #read;));
        writes.push(write);
        // Custom checks run on values that are there, as the model's (an empty optional field
        // is not checked).
        let present = match shape {
            Shape::Optional => quote!(#local.as_ref().filter(|v| v.is_some())),
            Shape::Many => quote!(#local.as_ref().filter(|v| !v.is_empty())),
            _ if text => quote!(#local.as_ref().filter(|v| !v.is_empty())),
            _ => quote!(#local.as_ref()),
        };
        for path in &attrs.rules.functions {
            customs.push(quote_spanned! {path.span()=>
                // A closure, so that a check of a `String` field may take `&str`.
                #forms::__private::custom::<#ty>(#field_ref, #present, |value: &#ty| #path(value), &mut __alder_errors);
            });
        }
        if stored {
            // `None`: keep the file the object has.
            assigns
                .push(quote!(if let ::core::option::Option::Some(v) = #local { self.#ident = v; }));
            set_files.push(quote! {
                #fname => self.#ident = <#ty as #forms::__private::StoredFile>::from_stored(__alder_name),
            });
            tys.push(syn::parse_quote!(::core::option::Option<#ty>));
        } else {
            assigns.push(quote!(self.#ident = #local;));
            tys.push(ty.clone());
        }
        locals.push(local);
        idents.push(ident.clone());
        index += 1;
    }
    let complete = idents.len() == known.len() && set_files.is_empty();
    let set_file_fn = (!set_files.is_empty()).then(|| {
        quote! {
            fn __set_file(&mut self, __alder_field: &str, __alder_name: &str) {
                match __alder_field {
                    #(#set_files)*
                    _ => {}
                }
            }
        }
    });
    // A model form also runs the model's own `clean` (Django's `ModelForm._post_clean`).
    let model_clean = is_model.then(|| quote!(<Self as #db::Model>::clean(self)?;));
    let form_clean = clean.as_ref().map(|path| {
        quote_spanned! {path.span()=>
            let result: ::core::result::Result<(), #db::ValidationErrors> =
                #path(self).map_err(::core::convert::Into::into);
            result?;
        }
    });
    let clean_fn = (model_clean.is_some() || form_clean.is_some()).then(|| {
        quote! {
            #[allow(clippy::useless_conversion)]
            fn clean(&self) -> ::core::result::Result<(), #db::ValidationErrors> {
                #form_clean
                #model_clean
                ::core::result::Result::Ok(())
            }
        }
    });
    let values = format_ident!("__alder_form_values");
    let related_fns = (!m2m_saves.is_empty()).then(|| {
        quote! {
            fn __save_related<'a>(
                &'a self,
                __alder_db: &'a #db::Database,
                __alder_data: &'a #forms::FormData,
            ) -> #forms::__private::BoxFuture<'a, ::core::result::Result<(), #db::DbError>> {
                ::std::boxed::Box::pin(async move {
                    #(#m2m_saves)*
                    ::core::result::Result::Ok(())
                })
            }

            fn __related_initial<'a>(
                &'a self,
                __alder_db: &'a #db::Database,
                __alder_out: &'a mut #forms::FormData,
            ) -> #forms::__private::BoxFuture<'a, ::core::result::Result<(), #db::DbError>> {
                ::std::boxed::Box::pin(async move {
                    #(#m2m_initials)*
                    ::core::result::Result::Ok(())
                })
            }
        }
    });
    let from_form = complete.then(|| {
        quote! {
            impl #forms::FromForm for #name {
                fn __new(__alder_data: &#forms::FormData) -> ::core::result::Result<Self, #db::ValidationErrors> {
                    let (#(#locals,)*) = Self::#values(__alder_data, ::core::option::Option::None)?;
                    ::core::result::Result::Ok(#name { #(#idents: #locals),* })
                }
            }
        }
    });
    Ok(quote! {
        impl #name {
            #[doc(hidden)]
            fn #values(
                __alder_data: &#forms::FormData,
                __alder_current: ::core::option::Option<&Self>,
            ) -> ::core::result::Result<(#(#tys,)*), #db::ValidationErrors> {
                let _ = __alder_current;
                let mut __alder_errors = #db::ValidationErrors::new();
                #(#reads)*
                #(#customs)*
                match (#(#locals,)*) {
                    (#(::core::option::Option::Some(#locals),)*) if __alder_errors.is_empty() => {
                        ::core::result::Result::Ok((#(#locals,)*))
                    }
                    _ => ::core::result::Result::Err(__alder_errors),
                }
            }
        }

        impl #forms::Form for #name {
            const FIELDS: &'static [#forms::FormField] = &[#(#consts),*];

            fn __read_into(&mut self, __alder_data: &#forms::FormData) -> ::core::result::Result<(), #db::ValidationErrors> {
                let (#(#locals,)*) = Self::#values(__alder_data, ::core::option::Option::Some(&*self))?;
                #(#assigns)*
                ::core::result::Result::Ok(())
            }

            fn __write(&self) -> #forms::FormData {
                let mut __alder_out = #forms::FormData::default();
                #(#writes;)*
                __alder_out
            }

            fn __check(__alder_data: &#forms::FormData) -> ::core::result::Result<(), #db::ValidationErrors> {
                Self::#values(__alder_data, ::core::option::Option::None).map(|_| ())
            }

            fn __check_against(&self, __alder_data: &#forms::FormData) -> ::core::result::Result<(), #db::ValidationErrors> {
                Self::#values(__alder_data, ::core::option::Option::Some(self)).map(|_| ())
            }

            #set_file_fn

            #related_fns

            #clean_fn
        }

        #from_form
    })
}

/// Takes what the model options say into the form's: rules, length, help text, the verbose
/// name as the label, `blank` as not required.
fn merge_model(attrs: &mut FieldAttrs, model: ModelFieldAttrs) {
    attrs.rules.rules.extend(model.rules.rules);
    attrs.rules.functions.extend(model.rules.functions);
    if attrs.rules.default.is_none() {
        attrs.rules.default = model.rules.default;
    }
    attrs.max_length = attrs.max_length.or(model.max_length);
    attrs.help_text = attrs.help_text.take().or(model.help_text);
    if attrs.label.is_none() {
        attrs.label = model.verbose_name.map(|v| words(&v));
    }
    if attrs.required.is_none() {
        if let Some(span) = model.blank {
            attrs.required = Some((false, span));
        }
    }
}
