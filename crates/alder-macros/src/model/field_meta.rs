//! One field's entry in `ModelMeta::fields`: every option as a `FieldMeta` assignment, the
//! types' facts (kind, nullability, choices) taken from `FieldType` so that an unsupported
//! type is reported on the field.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Type;

use super::{default_column, foreign_key_target, is_one_to_one, rules, FieldAttrs};

/// The `FieldMeta` expression of field `ident: ty`.
pub(super) fn field_meta(
    ident: &syn::Ident,
    ty: &Type,
    attrs: &FieldAttrs,
    primary_key: bool,
    db: &TokenStream,
) -> TokenStream {
    let fname = ident.to_string();
    let column = default_column(attrs.db_column.as_ref(), &fname, ty);
    // A one-to-one relation is a unique foreign key.
    let unique = attrs.unique || is_one_to_one(ty);
    // A foreign key is indexed unless it is unique (which indexes it already) or the field
    // says `db_index = false`: joins and reverse lookups read by it (Django does the same).
    let db_index = attrs
        .db_index
        .unwrap_or(foreign_key_target(ty).is_some() && !unique);
    let max_length = match attrs.max_length {
        Some(n) => quote!(::core::option::Option::Some(#n)),
        None => quote!(<#ty as #db::FieldType>::MAX_LENGTH),
    };
    let decimal = match (attrs.max_digits, attrs.decimal_places) {
        (Some((digits, _)), Some((places, _))) => {
            quote!(::core::option::Option::Some((#digits, #places)))
        }
        _ => quote!(::core::option::Option::None),
    };
    let db_default = match &attrs.db_default {
        Some(d) => quote!(::core::option::Option::Some(#d)),
        None => quote!(::core::option::Option::None),
    };
    let default = rules::default(&attrs.rules, ty, db);
    let validators = rules::metadata(&attrs.rules, db);
    let verbose = attrs
        .verbose_name
        .clone()
        .unwrap_or_else(|| fname.replace('_', " "));
    let help_text = attrs.help_text.clone().unwrap_or_default();
    let blank = attrs.blank.is_some();
    let auto_now = attrs.auto_now.is_some();
    let auto_now_add = attrs.auto_now_add.is_some();
    // Filled by save, as Django's auto_now fields: never typed in by a person.
    let editable = attrs.editable && !auto_now && !auto_now_add;
    let relation = match foreign_key_target(ty) {
        Some((target, _)) => {
            let rule = match attrs
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
            let related_name = match &attrs.related_name {
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
    let file = quote!(<#ty as #db::FieldType>::FILE);
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
            field.file = #file;
            field
        }
    }
}
