//! What the derive reads from a field's type: `Option`, `ForeignKey`, text, decimals.

use syn::spanned::Spanned;
use syn::Type;

use super::FieldAttrs;

/// The last path segment's name and its first generic argument, e.g. `Option<String>` →
/// ("Option", Some(String)).
pub(crate) fn outer(ty: &Type) -> Option<(String, Option<&Type>)> {
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
pub(crate) fn foreign_key_target(ty: &Type) -> Option<(&Type, bool)> {
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

pub(super) fn is_one_to_one(ty: &Type) -> bool {
    match outer(ty) {
        Some((name, _)) if name == "OneToOne" => true,
        Some((name, Some(inner))) if name == "Option" => is_one_to_one(inner),
        _ => false,
    }
}

/// The column of a field: `db_column`, else `<name>_id` for a foreign key (as Django), else
/// the field's name.
pub(super) fn default_column(db_column: Option<&String>, name: &str, ty: &Type) -> String {
    match db_column {
        Some(column) => column.clone(),
        None if foreign_key_target(ty).is_some() => format!("{name}_id"),
        None => name.to_string(),
    }
}

pub(super) fn is_decimal(ty: &Type) -> bool {
    match outer(ty) {
        Some((name, _)) if name == "Decimal" => true,
        Some((name, Some(inner))) if name == "Option" => is_decimal(inner),
        _ => false,
    }
}

/// A decimal field needs both `max_digits` and `decimal_places` (as in Django); other fields
/// take neither.
pub(super) fn check_decimal(attrs: &FieldAttrs, ty: &Type, ident: &syn::Ident) -> syn::Result<()> {
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

pub(crate) fn is_option(ty: &Type) -> bool {
    matches!(outer(ty), Some((name, _)) if name == "Option")
}

pub(crate) fn is_text(ty: &Type) -> bool {
    match outer(ty) {
        Some((name, _)) if name == "String" || name == "FileField" || name == "ImageField" => true,
        Some((name, Some(inner))) if name == "Option" => is_text(inner),
        _ => false,
    }
}

pub(super) fn snake_case(name: &str) -> String {
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
