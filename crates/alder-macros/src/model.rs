//! `#[derive(Model)]`: parses the struct and its `#[model(...)]` attributes and writes the
//! `Model` impl. Every mistake is reported on the field or attribute that has it.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Type};

pub(crate) mod attrs;
mod display;
mod field_meta;
pub(crate) mod rules;
pub(crate) mod types;

use attrs::{parse_field_attrs, parse_many_attrs, parse_model_attrs, FieldAttrs, ModelAttrs};
use display::display;
use types::*;

/// Names a field cannot take: the derive writes methods of these names on the model, next
/// to the column accessor it writes for each field.
const RESERVED: &[&str] = &["objects", "pk", "save", "delete", "refresh", "full_clean"];

/// `tokens` with every span set to `span` (for generated code whose errors belong to a field).
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let proc_macro2::TokenTree::Group(group) = &tree {
                let mut inner =
                    proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                tree = proc_macro2::TokenTree::Group(inner);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}

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

    // The app label and table: literals when the attributes say them, else computed at
    // compile time from the module path (see alder_db::naming).
    let model_snake = snake_case(&name.to_string());
    let app_label = match &attrs.app {
        Some(app) => quote!(#app),
        None => quote!(#db::naming::app_label(::core::module_path!())),
    };
    let table_of = |suffix: Option<String>| -> TokenStream {
        match (&attrs.table, &attrs.app, suffix) {
            (Some(table), _, None) => quote!(#table),
            (Some(table), _, Some(suffix)) => {
                let full = format!("{table}_{suffix}");
                quote!(#full)
            }
            (None, Some(app), suffix) => {
                let mut full = format!("{app}_{model_snake}");
                if let Some(suffix) = suffix {
                    full = format!("{full}_{suffix}");
                }
                quote!(#full)
            }
            (None, None, None) => quote!(#db::__default_table!(#app_label, "_", #model_snake)),
            (None, None, Some(suffix)) => {
                quote!(#db::__default_table!(#app_label, "_", #model_snake, "_", #suffix))
            }
        }
    };
    let table = table_of(None);
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

    let field_metas = parsed
        .iter()
        .enumerate()
        .map(|(i, p)| field_meta::field_meta(p.ident, p.ty, &p.attrs, i == pk_index, &db));

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
    // Spanned on the key field's type, so a type that cannot be a key is reported there.
    let key_ty = respan(quote!(<#pk_ty as #db::PrimaryKey>::Key), pk_ty.span());
    let pk_read = respan(
        quote!(<#pk_ty as #db::PrimaryKey>::key(&self.#pk_ident)),
        pk_ty.span(),
    );
    let pk_value_read = respan(
        quote!(<#pk_ty as #db::PrimaryKey>::key_value(&self.#pk_ident)),
        pk_ty.span(),
    );
    let set_auto = if pk_is_auto {
        quote!(#db::AutoKey::set_from_i64(&mut self.#pk_ident, id);)
    } else {
        quote!(let _ = id;)
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
            None => table_of(Some(ident.to_string())),
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

    let field_attrs: Vec<(String, &[syn::Attribute])> = fields
        .named
        .iter()
        .map(|f| {
            let ident = f.ident.as_ref().expect("named fields have names");
            (
                ident.to_string().trim_start_matches("r#").to_owned(),
                &f.attrs[..],
            )
        })
        .collect();
    let serde_names = crate::serde_names::serde_names(&input.attrs, &field_attrs)?
        .into_iter()
        .map(|(field, written, read)| quote!((#field, #written, #read)));
    let json_schema = (!attrs.no_json_schema)
        .then(|| quote!(#db::__model_json_schema!(#name, [#(#serde_names),*]);));
    Ok(quote! {
        #json_schema

        impl #db::Model for #name {
            const META: &'static #db::ModelMeta = &#db::ModelMeta::__new(
                #model_name,
                #app_label,
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

            type Key = #key_ty;

            fn pk(&self) -> ::core::option::Option<Self::Key> {
                #pk_read
            }

            fn pk_value(&self) -> ::core::option::Option<#db::__private::Value> {
                #pk_value_read
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
