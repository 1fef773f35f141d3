//! The display template (`#[model(display = "{title} ({year})")]`): parsed and checked
//! against the fields at compile time, expanded into `Model::display`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::Type;

use super::ModelAttrs;

/// A piece of a display template: text as written, or a field to fill in.
pub(super) enum Piece {
    Text(String),
    Field(String),
}

/// Splits `"{title} by {author}"` into its pieces; `{{` and `}}` stand for braces, as in
/// `format!`.
pub(super) fn parse_display(template: &str) -> Result<Vec<Piece>, String> {
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
pub(super) fn display(
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
