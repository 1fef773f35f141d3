//! `#[derive(Validate)]`: an API input type's rules, declared on its fields with the model
//! rule vocabulary (`#[validate(min = 1, max_length = 200, email, nested)]`) and checked by
//! `alder_web::valid::Validate`. Errors are reported under each field's name as serde spells
//! it (`rename`, `rename_all`), so they match the input the client sent.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitInt, LitStr, Meta, Token};

use crate::form::web_path;
use crate::model::rules::{self, RuleAttrs, Shape};

#[derive(Default)]
struct FieldAttrs {
    rules: RuleAttrs,
    max_length: Option<(u32, Span)>,
    nested: bool,
}

/// The options `#[validate(...)]` takes on a field, for the error on a misspelt one: the
/// model rules (but `default`, which is serde's here) and two of its own.
fn field_options() -> String {
    let rules = rules::OPTIONS.iter().filter(|o| **o != "default").copied();
    let own = ["max_length", "nested"];
    rules.chain(own).collect::<Vec<_>>().join(", ")
}

fn parse_field(field: &syn::Field) -> syn::Result<FieldAttrs> {
    let mut attrs = FieldAttrs::default();
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("validate")) {
        attr.parse_nested_meta(|meta| {
            let key = meta
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            match key.as_str() {
                "max_length" => {
                    let n = meta.value()?.parse::<LitInt>()?;
                    attrs.max_length = Some((n.base10_parse()?, n.span()));
                }
                "nested" => attrs.nested = true,
                "default" => {
                    return Err(meta.error(
                        "`default` belongs to serde here: write #[serde(default)] on the field",
                    ))
                }
                key if rules::OPTIONS.contains(&key) => rules::parse(key, &meta, &mut attrs.rules)?,
                _ => {
                    return Err(meta.error(format!(
                        "unknown validate option `{key}`; expected one of: {}",
                        field_options()
                    )))
                }
            }
            Ok(())
        })?;
    }
    Ok(attrs)
}

/// The struct's `#[validate(clean = "path")]`: a check of the whole value.
/// The struct's own options: `clean = "path"` and `model = "Type"`.
struct StructOptions {
    clean: Option<syn::Path>,
    model: Option<syn::Path>,
}

fn parse_struct(input: &DeriveInput) -> syn::Result<StructOptions> {
    let mut options = StructOptions {
        clean: None,
        model: None,
    };
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("validate")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("clean") {
                options.clean = Some(meta.value()?.parse::<LitStr>()?.parse::<syn::Path>()?);
                Ok(())
            } else if meta.path.is_ident("model") {
                options.model = Some(meta.value()?.parse::<LitStr>()?.parse::<syn::Path>()?);
                Ok(())
            } else {
                Err(meta.error("on the struct, validate takes `clean = \"path\"` (a function `fn(&Self) -> Result<(), ValidationErrors>`) or `model = \"Type\"` (a model whose fields of the same names give their rules)"))
            }
        })?;
    }
    Ok(options)
}

/// What serde's attributes say about a field (or, for `rename_all`, the struct): the name it
/// reads, whether it is flattened into its parent, whether it is never read.
#[derive(Default)]
struct Serde {
    rename: Option<String>,
    rename_all: Option<String>,
    flatten: bool,
    skip: Option<Span>,
}

/// The string of `key = "…"`, or of `key(deserialize = "…")` (the name serde reads).
fn serde_name(meta: &Meta) -> Option<String> {
    crate::serde_names::names(meta).1
}

fn serde_attrs(attrs: &[syn::Attribute]) -> syn::Result<Serde> {
    let mut found = Serde::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let list = attr.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)?;
        for meta in list {
            let path = meta.path();
            if path.is_ident("rename") {
                found.rename = serde_name(&meta).or(found.rename);
            } else if path.is_ident("rename_all") {
                found.rename_all = serde_name(&meta).or(found.rename_all);
            } else if path.is_ident("flatten") {
                found.flatten = true;
            } else if path.is_ident("skip") || path.is_ident("skip_deserializing") {
                found.skip = Some(path.span());
            }
        }
    }
    Ok(found)
}

/// Whether `ty` names one of the struct's type parameters (then a `nested` field needs a
/// `Validate` bound on the impl, as serde adds `Deserialize` bounds).
fn uses_param(ty: &syn::Type, params: &[&syn::Ident]) -> bool {
    fn walk(tokens: TokenStream, params: &[&syn::Ident]) -> bool {
        tokens.into_iter().any(|token| match token {
            proc_macro2::TokenTree::Ident(ident) => params.iter().any(|p| **p == ident),
            proc_macro2::TokenTree::Group(group) => walk(group.stream(), params),
            _ => false,
        })
    }
    walk(quote!(#ty), params)
}

/// A snake_case field name in serde's `rename_all` style.
pub(crate) fn rename(name: &str, style: &str, span: Span) -> syn::Result<String> {
    let words: Vec<&str> = name.split('_').filter(|w| !w.is_empty()).collect();
    let capital = |w: &str| {
        let mut chars = w.chars();
        chars.next().map_or_else(String::new, |c| {
            c.to_uppercase().collect::<String>() + chars.as_str()
        })
    };
    Ok(match style {
        "lowercase" | "snake_case" => name.to_owned(),
        "UPPERCASE" | "SCREAMING_SNAKE_CASE" => name.to_uppercase(),
        "kebab-case" => words.join("-"),
        "SCREAMING-KEBAB-CASE" => words.join("-").to_uppercase(),
        "PascalCase" => words.iter().map(|w| capital(w)).collect(),
        "camelCase" => {
            let pascal: String = words.iter().map(|w| capital(w)).collect();
            let mut chars = pascal.chars();
            chars.next().map_or_else(String::new, |c| {
                c.to_lowercase().collect::<String>() + chars.as_str()
            })
        }
        other => {
            return Err(syn::Error::new(
                span,
                format!("serde rename_all = {other:?} is not one serde knows"),
            ))
        }
    })
}

pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new(
            input.ident.span(),
            "#[derive(Validate)] works on structs with named fields; for an enum, implement Validate by hand",
        ));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(syn::Error::new(
            input.ident.span(),
            "#[derive(Validate)] needs named fields, whose names the errors report",
        ));
    };
    let web = web_path();
    let db = quote!(#web::db);
    let rename_all = serde_attrs(&input.attrs)?.rename_all;
    let params: Vec<&syn::Ident> = input.generics.type_params().map(|p| &p.ident).collect();
    let mut bounds = Vec::new();
    let StructOptions { clean, model } = parse_struct(input)?;

    let mut checks = Vec::new();
    let mut tables = Vec::new();
    for field in &fields.named {
        let ident = field.ident.as_ref().expect("named field");
        let attrs = parse_field(field)?;
        let ty = &field.ty;
        rules::check(&attrs.rules, ty, ident, attrs.max_length.map(|(n, _)| n))?;
        if let Some((_, span)) = attrs.max_length {
            if rules::shape(ty) != Shape::Text {
                return Err(syn::Error::new(
                    span,
                    format!("max_length applies to text fields (String), but `{ident}` is not one"),
                ));
            }
        }
        let plain = ident.to_string().trim_start_matches("r#").to_owned();
        let serde = serde_attrs(&field.attrs)?;
        // With `model = "…"`, a field of the model's gives its rules (not a flattened one,
        // whose own fields are what the input holds).
        let from_model = model
            .as_ref()
            .filter(|_| serde.skip.is_none() && !serde.flatten);
        let declared = !attrs.rules.rules.is_empty()
            || attrs.max_length.is_some()
            || !attrs.rules.functions.is_empty()
            || attrs.nested
            || from_model.is_some();
        if let (Some(span), true) = (serde.skip, declared) {
            return Err(syn::Error::new(
                span,
                format!("`{ident}` is skipped by serde, so no client can send it: its rules would only ever check the default"),
            ));
        }
        let name = match (serde.rename, &rename_all) {
            (Some(name), _) => name,
            (None, Some(style)) => rename(&plain, style, input.ident.span())?,
            (None, None) => plain.clone(),
        };
        let max_length = attrs.max_length.map(|(n, _)| n);
        let has_rules = !attrs.rules.rules.is_empty() || max_length.is_some();
        if !declared {
            continue;
        }
        let validators = rules::metadata_with(&attrs.rules, &db, max_length);
        let nested = attrs.nested;
        let nested_rules = if nested {
            quote!(<#ty as #web::valid::Validate>::field_rules)
        } else {
            quote!(#web::valid::FieldRules::none)
        };
        let model_field = match from_model {
            Some(model) => {
                let missing = format!(
                    "`{plain}` of `{}` is not a field of the model `{}`: with `#[validate(model = ...)]` each field is one of the model's, of the same name",
                    input.ident,
                    quote!(#model).to_string().replace(' ', ""),
                );
                let index = quote_spanned! {ident.span()=>
                    {
                        const INDEX: usize = match #db::meta::field_index(
                            <#model as #db::Model>::META,
                            #plain,
                        ) {
                            ::core::option::Option::Some(index) => index,
                            ::core::option::Option::None => ::core::panic!(#missing),
                        };
                        INDEX
                    }
                };
                checks.push(quote! {
                    for error in #db::validation::check_value(
                        &<#model as #db::Model>::META.fields[#index],
                        &#db::validation::RuleValue::rule_value(&self.#ident),
                    ) {
                        errors.add(#name, error);
                    }
                });
                quote!(::core::option::Option::Some(&<#model as #db::Model>::META.fields[#index]))
            }
            None => quote!(::core::option::Option::None),
        };
        tables.push(quote! {
            #web::valid::FieldRules {
                name: #name,
                validators: #validators,
                nested: #nested,
                nested_rules: #nested_rules,
                model_field: #model_field,
            }
        });
        if has_rules {
            checks.push(quote! {
                for error in #db::validation::check_rules(
                    #validators,
                    &#db::validation::RuleValue::rule_value(&self.#ident),
                ) {
                    errors.add(#name, error);
                }
            });
        }
        for path in &attrs.rules.functions {
            checks.push(quote_spanned! {path.span()=>
                if !errors.has_field(#name) {
                    let result: ::core::result::Result<(), #db::validation::ValidationError> =
                        #path(&self.#ident);
                    if let ::core::result::Result::Err(error) = result {
                        errors.add(#name, error);
                    }
                }
            });
        }
        if nested {
            if uses_param(ty, &params) {
                bounds.push(quote!(#ty: #web::valid::Validate));
            }
            // A flattened field's own fields sit at the parent's level of the input.
            let merge = if serde.flatten {
                quote!(errors.merge(inner))
            } else {
                quote!(errors.merge_under(#name, inner))
            };
            checks.push(quote_spanned! {ty.span()=>
                if let ::core::result::Result::Err(inner) =
                    #web::valid::Validate::validate(&self.#ident)
                {
                    #merge;
                }
            });
        }
    }
    let clean = clean.map(|path| {
        quote_spanned! {path.span()=>
            let result: ::core::result::Result<(), #db::validation::ValidationErrors> = #path(self);
            if let ::core::result::Result::Err(more) = result {
                errors.merge(more);
            }
        }
    });
    let name = &input.ident;
    let mut generics = input.generics.clone();
    if !bounds.is_empty() {
        let clause = generics.make_where_clause();
        for bound in &bounds {
            clause.predicates.push(syn::parse_quote!(#bound));
        }
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    Ok(quote! {
        impl #impl_generics #web::valid::Validate for #name #ty_generics #where_clause {
            fn validate(&self) -> ::core::result::Result<(), #db::validation::ValidationErrors> {
                let mut errors = #db::validation::ValidationErrors::new();
                #(#checks)*
                #clean
                errors.into_result()
            }

            fn field_rules() -> &'static [#web::valid::FieldRules] {
                // A const block: the table is built at compile time, generic or not.
                const { &[#(#tables,)*] }
            }
        }
    })
}
