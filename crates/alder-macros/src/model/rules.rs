//! The field options that say what a person or a client may enter: validators (`min`, `max`,
//! `min_length`, `regex`, `email`, `url`, `slug`, `ip`, `validate`) and the typed `default`.
//! Each is checked against the field's type here, so a mistake is a compile error on it.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, Lit, LitInt, LitStr, Type};

/// A `min`/`max` bound as written.
#[derive(Clone, Copy)]
pub(crate) enum Bound {
    Int(i64),
    Float(f64),
}

impl Bound {
    fn value(self) -> f64 {
        match self {
            Bound::Int(n) => n as f64,
            Bound::Float(x) => x,
        }
    }
}

/// One rule as declared on a field.
pub(crate) enum Rule {
    Min(Bound),
    Max(Bound),
    MinLength(u32),
    Regex(String),
    Email,
    Url,
    Slug,
    Ip,
}

/// The rule options of one field, with where each was written.
#[derive(Default)]
pub(crate) struct RuleAttrs {
    pub(crate) rules: Vec<(Rule, Span)>,
    /// `validate = "path"` (or a bare path), in order.
    pub(crate) functions: Vec<syn::Path>,
    /// `default = <expr>`, or `default` alone (the type's `Default`) with its span.
    pub(crate) default: Option<Default>,
}

pub(crate) enum Default {
    Expr(Expr),
    Trait(Span),
}

/// The option names this module parses.
pub(crate) const OPTIONS: &[&str] = &[
    "min",
    "max",
    "min_length",
    "regex",
    "pattern",
    "email",
    "url",
    "slug",
    "ip",
    "validate",
    "default",
];

fn bound(expr: &Expr) -> syn::Result<Bound> {
    let (negative, inner) = match expr {
        Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => (true, &**expr),
        other => (false, other),
    };
    let sign = if negative { -1.0 } else { 1.0 };
    match inner {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Int(int), ..
        }) => {
            let n: i64 = int.base10_parse()?;
            Ok(Bound::Int(if negative { -n } else { n }))
        }
        Expr::Lit(syn::ExprLit {
            lit: Lit::Float(float),
            ..
        }) => {
            let x = float.base10_parse::<f64>()?;
            if !x.is_finite() {
                return Err(syn::Error::new(
                    float.span(),
                    "this bound is too large for a number",
                ));
            }
            Ok(Bound::Float(sign * x))
        }
        _ => Err(syn::Error::new(
            expr.span(),
            "min and max take a number literal, e.g. min = 0 or max = 9.5",
        )),
    }
}

/// Parses one rule option (`key` is one of [`OPTIONS`]) into `attrs`.
pub(crate) fn parse(
    key: &str,
    meta: &syn::meta::ParseNestedMeta<'_>,
    attrs: &mut RuleAttrs,
) -> syn::Result<()> {
    let span = meta.path.span();
    let rule = match key {
        "min" | "max" => {
            let value = bound(&meta.value()?.parse::<Expr>()?)?;
            if key == "min" {
                Rule::Min(value)
            } else {
                Rule::Max(value)
            }
        }
        "min_length" => Rule::MinLength(meta.value()?.parse::<LitInt>()?.base10_parse()?),
        // `pattern` is JSON Schema's and Pydantic's word; schemars' derive also reads
        // `#[validate(...)]` and refuses `regex = "…"` there, so API types use `pattern`.
        "regex" | "pattern" => {
            let lit = meta.value()?.parse::<LitStr>()?;
            if let Err(err) = regex_syntax::Parser::new().parse(&lit.value()) {
                return Err(syn::Error::new(
                    lit.span(),
                    format!("this regex does not compile:\n{err}"),
                ));
            }
            Rule::Regex(lit.value())
        }
        "email" => Rule::Email,
        "url" => Rule::Url,
        "slug" => Rule::Slug,
        "ip" => Rule::Ip,
        "validate" => {
            let value = meta.value()?;
            let path = if value.peek(LitStr) {
                value.parse::<LitStr>()?.parse::<syn::Path>()?
            } else {
                value.parse::<syn::Path>()?
            };
            attrs.functions.push(path);
            return Ok(());
        }
        _ => {
            // `default`
            attrs.default = Some(if meta.input.peek(syn::Token![=]) {
                Default::Expr(meta.value()?.parse::<Expr>()?)
            } else {
                Default::Trait(span)
            });
            return Ok(());
        }
    };
    attrs.rules.push((rule, span));
    Ok(())
}

/// What a field's type allows: numbers take `min`/`max`, text the text rules.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Shape {
    Integer,
    Real,
    Text,
    Other,
}

pub(crate) fn shape(ty: &Type) -> Shape {
    match super::outer(ty) {
        Some((name, Some(inner))) if name == "Option" => shape(inner),
        Some((name, _)) => match name.as_str() {
            "i8" | "i16" | "i32" | "i64" | "isize" | "u8" | "u16" | "u32" | "u64" | "usize" => {
                Shape::Integer
            }
            "f32" | "f64" | "Decimal" => Shape::Real,
            "String" => Shape::Text,
            _ => Shape::Other,
        },
        None => Shape::Other,
    }
}

/// Refuses rules that make no sense for the field: a text rule on a number, a float bound
/// on an integer, `min` above `max`, `min_length` above `max_length`, and a `default` that
/// reads as SQL (which is `db_default`).
pub(crate) fn check(
    attrs: &RuleAttrs,
    ty: &Type,
    ident: &syn::Ident,
    max_length: Option<u32>,
) -> syn::Result<()> {
    let shape = shape(ty);
    let mut min = None;
    let mut max = None;
    for (rule, span) in &attrs.rules {
        let span = *span;
        match rule {
            Rule::Min(b) | Rule::Max(b) => {
                if !matches!(shape, Shape::Integer | Shape::Real) {
                    return Err(syn::Error::new(span, format!("min and max apply to number fields (integers, f64, Decimal), but `{ident}` is not one")));
                }
                if let (Bound::Float(_), Shape::Integer) = (b, shape) {
                    return Err(syn::Error::new(
                        span,
                        format!("`{ident}` holds integers: give it an integer bound"),
                    ));
                }
                if matches!(rule, Rule::Min(_)) {
                    min = Some(b.value());
                } else {
                    max = Some(b.value());
                }
            }
            Rule::MinLength(n) => {
                if shape != Shape::Text {
                    return Err(syn::Error::new(
                        span,
                        format!(
                            "min_length applies to text fields (String), but `{ident}` is not one"
                        ),
                    ));
                }
                if let Some(max) = max_length.filter(|max| n > max) {
                    return Err(syn::Error::new(span, format!("min_length ({n}) is more than max_length ({max}): no value could be valid")));
                }
            }
            Rule::Regex(_) | Rule::Email | Rule::Url | Rule::Slug | Rule::Ip => {
                if shape != Shape::Text {
                    return Err(syn::Error::new(
                        span,
                        format!(
                            "this rule checks text, but `{ident}` is not a text field (String)"
                        ),
                    ));
                }
            }
        }
    }
    if let (Some(low), Some(high)) = (min, max) {
        if low > high {
            let span = attrs.rules.last().map_or_else(Span::call_site, |(_, s)| *s);
            return Err(syn::Error::new(
                span,
                format!("min ({low}) is more than max ({high}): no value could be valid"),
            ));
        }
    }
    if let Some(Default::Expr(Expr::Lit(syn::ExprLit {
        lit: Lit::Str(text),
        ..
    }))) = &attrs.default
    {
        let sql_like = text.value().starts_with('\'') && text.value().ends_with('\'');
        if shape != Shape::Text || sql_like {
            return Err(syn::Error::new(
                text.span(),
                format!("`default` is a Rust value of the field's type (e.g. `default = 0`, `default = \"draft\"`); for SQL the database fills in, write `db_default = {:?}`", text.value()),
            ));
        }
    }
    Ok(())
}

/// The `validators` entry of the field's metadata.
pub(crate) fn metadata(attrs: &RuleAttrs, db: &TokenStream) -> TokenStream {
    metadata_with(attrs, db, None)
}

/// The validators of a field that is not a model's, whose `max_length` is a rule (a model
/// field's is its column size, kept beside the rules).
pub(crate) fn metadata_with(
    attrs: &RuleAttrs,
    db: &TokenStream,
    max_length: Option<u32>,
) -> TokenStream {
    let max_length = max_length.map(|n| quote!(#db::validation::Validator::MaxLength(#n),));
    let limit = |b: &Bound| match *b {
        Bound::Int(n) => quote!(#db::validation::Limit::Int(#n)),
        Bound::Float(x) => quote!(#db::validation::Limit::Float(#x)),
    };
    let rules = attrs.rules.iter().map(|(rule, _)| match rule {
        Rule::Min(b) => {
            let l = limit(b);
            quote!(#db::validation::Validator::MinValue(#l))
        }
        Rule::Max(b) => {
            let l = limit(b);
            quote!(#db::validation::Validator::MaxValue(#l))
        }
        Rule::MinLength(n) => quote!(#db::validation::Validator::MinLength(#n)),
        Rule::Regex(p) => quote!(#db::validation::Validator::Regex(#p)),
        Rule::Email => quote!(#db::validation::Validator::Email),
        Rule::Url => quote!(#db::validation::Validator::Url),
        Rule::Slug => quote!(#db::validation::Validator::Slug),
        Rule::Ip => quote!(#db::validation::Validator::Ip),
    });
    let functions = attrs.functions.iter().map(|path| {
        let name = quote!(#path).to_string().replace(' ', "");
        quote!(#db::validation::Validator::Custom(#name))
    });
    quote!(&[#(#rules,)* #max_length #(#functions,)*])
}

/// The `default` entry of the field's metadata: a function making the value, type-checked
/// against the field (an error of type is reported on the expression).
pub(crate) fn default(attrs: &RuleAttrs, ty: &Type, db: &TokenStream) -> TokenStream {
    let make = match &attrs.default {
        None => return quote!(::core::option::Option::None),
        Some(Default::Expr(expr)) => quote_spanned! {expr.span()=>
            <_ as #db::IntoFieldValue<#ty>>::into_field_value(#expr)
        },
        Some(Default::Trait(span)) => quote_spanned! {*span=>
            <#ty as #db::FieldType>::to_value(&<#ty as ::core::default::Default>::default())
        },
    };
    quote! {
        ::core::option::Option::Some(#db::FieldDefault::__new({
            fn __default() -> #db::Value {
                #make
            }
            __default
        }))
    }
}

/// The calls of the field's `validate` functions, for `Model::run_field_functions`: each
/// takes `&T` (the field's type) and returns `Result<(), ValidationError>`; skipped when the
/// field is empty or already has an error, as in Django.
pub(crate) fn function_calls(
    attrs: &RuleAttrs,
    ident: &syn::Ident,
    ty: &Type,
    db: &TokenStream,
) -> TokenStream {
    if attrs.functions.is_empty() {
        return TokenStream::new();
    }
    let name = ident.to_string();
    let calls = attrs.functions.iter().map(|path| {
        quote_spanned! {path.span()=>
            if !errors.has_field(#name) {
                let result: ::core::result::Result<(), #db::ValidationError> = #path(&self.#ident);
                if let ::core::result::Result::Err(error) = result {
                    errors.add(#name, error);
                }
            }
        }
    });
    quote! {
        if !#db::validation::is_empty_value(&<#ty as #db::FieldType>::to_value(&self.#ident)) {
            #(#calls)*
        }
    }
}
