//! The names serde writes and reads for a model's fields, for its JSON Schema: `rename`,
//! `rename_all` and the `skip` family, in each direction.

use proc_macro2::Span;
use syn::punctuated::Punctuated;
use syn::{Expr, Lit, Meta, Token};

use crate::validate::rename;

/// `rename = "x"` (both directions) or `rename(serialize = "a", deserialize = "b")`.
pub(crate) fn names(meta: &Meta) -> (Option<String>, Option<String>) {
    let text = |expr: &Expr| match expr {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(text),
            ..
        }) => Some(text.value()),
        _ => None,
    };
    match meta {
        Meta::NameValue(pair) => {
            let name = text(&pair.value);
            (name.clone(), name)
        }
        Meta::List(list) => {
            let inner = list
                .parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
                .unwrap_or_default();
            let find = |key: &str| {
                inner.iter().find_map(|m| match m {
                    Meta::NameValue(pair) if pair.path.is_ident(key) => text(&pair.value),
                    _ => None,
                })
            };
            (find("serialize"), find("deserialize"))
        }
        Meta::Path(_) => (None, None),
    }
}

/// What serde's attributes on one item say.
#[derive(Default)]
struct Said {
    rename: (Option<String>, Option<String>),
    skip: (bool, bool),
}

fn said(attrs: &[syn::Attribute], key: &str) -> syn::Result<Said> {
    let mut found = Said::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let list = attr.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)?;
        for meta in list {
            let path = meta.path();
            if path.is_ident(key) {
                let (ser, de) = names(&meta);
                found.rename = (ser.or(found.rename.0), de.or(found.rename.1));
            } else if path.is_ident("skip") {
                found.skip = (true, true);
            } else if path.is_ident("skip_serializing") {
                found.skip.0 = true;
            } else if path.is_ident("skip_deserializing") {
                found.skip.1 = true;
            }
        }
    }
    Ok(found)
}

/// For each field whose serde name differs from its Rust name in either direction:
/// `(field, written as, read as)`, with `""` for a direction serde skips it in.
pub(crate) fn serde_names(
    struct_attrs: &[syn::Attribute],
    fields: &[(String, &[syn::Attribute])],
) -> syn::Result<Vec<(String, String, String)>> {
    let all = said(struct_attrs, "rename_all")?.rename;
    let mut out = Vec::new();
    for (name, attrs) in fields {
        let field = said(attrs, "rename")?;
        let direction = |own: &Option<String>, style: &Option<String>, skipped: bool| {
            if skipped {
                return Ok(String::new());
            }
            match (own, style) {
                (Some(own), _) => Ok(own.clone()),
                (None, Some(style)) => rename(name, style, Span::call_site()),
                (None, None) => Ok(name.clone()),
            }
        };
        let written = direction(&field.rename.0, &all.0, field.skip.0)?;
        let read = direction(&field.rename.1, &all.1, field.skip.1)?;
        if written != *name || read != *name {
            out.push((name.clone(), written, read));
        }
    }
    Ok(out)
}
