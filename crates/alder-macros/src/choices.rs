//! `#[derive(Choices)]`: a fieldless enum stored as text, with labels for forms and the admin.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields, LitStr};

fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let db = crate::model::db_path();
    let name = &input.ident;
    let Data::Enum(data) = &input.data else {
        return Err(syn::Error::new(
            name.span(),
            "#[derive(Choices)] works on enums whose variants have no fields",
        ));
    };
    let mut values = Vec::new();
    let mut labels = Vec::new();
    let mut idents = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            return Err(syn::Error::new_spanned(
                &variant.fields,
                "a choice has no fields: write `Draft`, not `Draft(..)`",
            ));
        }
        let mut value = snake(&variant.ident.to_string());
        let mut label = snake(&variant.ident.to_string()).replace('_', " ");
        if let Some(first) = label.get(..1) {
            label = first.to_uppercase() + &label[1..];
        }
        for attr in variant.attrs.iter().filter(|a| a.path().is_ident("choice")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("value") {
                    value = meta.value()?.parse::<LitStr>()?.value();
                } else if meta.path.is_ident("label") {
                    label = meta.value()?.parse::<LitStr>()?.value();
                } else {
                    return Err(meta.error("unknown choice option; expected `value` or `label`"));
                }
                Ok(())
            })?;
        }
        if values.contains(&value) {
            return Err(syn::Error::new(
                variant.ident.span(),
                format!("two choices are stored as `{value}`"),
            ));
        }
        values.push(value);
        labels.push(label);
        idents.push(variant.ident.clone());
    }
    let max = values.iter().map(|v| v.chars().count()).max().unwrap_or(1) as u32;
    let type_name = name.to_string();
    Ok(quote! {
        impl #db::FieldType for #name {
            const KIND: #db::FieldKind = #db::FieldKind::Text;
            const CHOICES: &'static [(&'static str, &'static str)] = &[#((#values, #labels)),*];
            const MAX_LENGTH: ::core::option::Option<u32> = ::core::option::Option::Some(#max);
            fn to_value(&self) -> #db::Value {
                let text = match self { #(#name::#idents => #values),* };
                #db::Value::String(::core::option::Option::Some(text.to_string()))
            }
            fn null() -> #db::Value {
                #db::Value::String(::core::option::Option::None)
            }
            fn decode(row: &#db::DbRow, index: usize) -> ::core::result::Result<Self, #db::__private::SqlxError> {
                let text = <::std::string::String as #db::FieldType>::decode(row, index)?;
                #db::__private::parse_choice(&text, #type_name, &[#((#values, #name::#idents)),*])
            }
            fn decode_option(row: &#db::DbRow, index: usize) -> ::core::result::Result<::core::option::Option<Self>, #db::__private::SqlxError> {
                match <::std::string::String as #db::FieldType>::decode_option(row, index)? {
                    ::core::option::Option::Some(text) => #db::__private::parse_choice(&text, #type_name, &[#((#values, #name::#idents)),*]).map(::core::option::Option::Some),
                    ::core::option::Option::None => ::core::result::Result::Ok(::core::option::Option::None),
                }
            }
        }

        impl #db::FieldText for #name {
            fn parse_text(text: &str) -> ::core::result::Result<Self, #db::ValidationError> {
                match text.trim() {
                    #(#values => ::core::result::Result::Ok(#name::#idents),)*
                    other => ::core::result::Result::Err(#db::ValidationError::new(
                        "invalid_choice",
                        ::std::format!("Select a valid choice. {} is not one of the available choices.", other),
                    )),
                }
            }
            fn to_text(&self) -> ::std::string::String {
                match self { #(#name::#idents => #values),* }.to_string()
            }
        }

        impl #name {
            /// Every choice as (stored value, label), in declaration order.
            pub const CHOICES: &'static [(&'static str, &'static str)] = &[#((#values, #labels)),*];

            /// The label shown to people.
            pub fn label(&self) -> &'static str {
                match self { #(#name::#idents => #labels),* }
            }
        }
    })
}
