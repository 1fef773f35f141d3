//! The string-keyed query path, for filters and orderings that come from URLs, forms and the
//! admin: `title__icontains=rust`. Every name is checked against the model's metadata and
//! every value parsed for the field's type before any SQL is built.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use sea_query::{Expr, ExprTrait, Func, LikeExpr, Value};

use super::column::{date_part, DateField, DatePart};
use super::q::Op;
use super::related::{in_select, through_has};
use super::Q;
use crate::meta::FieldKind;
use crate::meta::{FieldMeta, ModelMeta};
use crate::{DbError, Result};

/// The lookups the string path understands.
pub const LOOKUPS: &[&str] = &[
    "exact",
    "iexact",
    "contains",
    "icontains",
    "startswith",
    "istartswith",
    "endswith",
    "iendswith",
    "gt",
    "gte",
    "lt",
    "lte",
    "in",
    "range",
    "isnull",
    "year",
    "month",
    "day",
];

fn invalid(meta: &ModelMeta, field: &str, lookup: &str, reason: String) -> DbError {
    DbError::InvalidLookup {
        model: meta.name,
        field: field.to_string(),
        lookup: lookup.to_string(),
        reason,
    }
}

/// Parses `text` as a value of `field`'s type.
pub(crate) fn parse_value(
    meta: &ModelMeta,
    field: &FieldMeta,
    lookup: &str,
    text: &str,
) -> Result<Value> {
    let bad = |expected: &str| {
        invalid(
            meta,
            field.name,
            lookup,
            format!("expected {expected}, got {text:?}"),
        )
    };
    Ok(match field.kind {
        FieldKind::SmallInteger => Value::SmallInt(Some(
            text.trim().parse().map_err(|_| bad("a small integer"))?,
        )),
        FieldKind::Integer => Value::Int(Some(text.trim().parse().map_err(|_| bad("an integer"))?)),
        FieldKind::BigInteger => {
            Value::BigInt(Some(text.trim().parse().map_err(|_| bad("an integer"))?))
        }
        FieldKind::Float => Value::Double(Some(text.trim().parse().map_err(|_| bad("a number"))?)),
        FieldKind::Decimal => Value::Decimal(Some(
            text.trim().parse().map_err(|_| bad("a decimal number"))?,
        )),
        FieldKind::Boolean => Value::Bool(Some(match text.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => true,
            "0" | "false" | "no" | "off" => false,
            _ => return Err(bad("true or false")),
        })),
        FieldKind::Text
            if !field.choices.is_empty() && !field.choices.iter().any(|(v, _)| *v == text) =>
        {
            let known: Vec<&str> = field.choices.iter().map(|(v, _)| *v).collect();
            return Err(bad(&format!("one of {}", known.join(", "))));
        }
        FieldKind::Text => Value::String(Some(text.to_string())),
        FieldKind::Date => Value::ChronoDate(Some(
            NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .map_err(|_| bad("a date like 2026-01-31"))?,
        )),
        FieldKind::Time => Value::ChronoTime(Some(
            NaiveTime::parse_from_str(text.trim(), "%H:%M:%S")
                .or_else(|_| NaiveTime::parse_from_str(text.trim(), "%H:%M"))
                .map_err(|_| bad("a time like 14:30"))?,
        )),
        FieldKind::DateTime => Value::ChronoDateTimeUtc(Some(
            DateTime::parse_from_rfc3339(text.trim())
                .map(|d| d.with_timezone(&Utc))
                .map_err(|_| bad("a date and time like 2026-01-31T14:30:00Z"))?,
        )),
        FieldKind::NaiveDateTime => Value::ChronoDateTime(Some(
            NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M:%S")
                .map_err(|_| bad("a date and time like 2026-01-31T14:30:00"))?,
        )),
        FieldKind::Uuid => Value::Uuid(Some(text.trim().parse().map_err(|_| bad("a UUID"))?)),
        FieldKind::Json | FieldKind::Bytes => {
            return Err(invalid(
                meta,
                field.name,
                lookup,
                "this field cannot be filtered from text".into(),
            ))
        }
    })
}

pub(super) fn escape_like(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A condition from `key` (`field`, `field__lookup`, or a path through relations such as
/// `author__name__icontains` or `tags__name`) and a text value.
pub(crate) fn condition(meta: &'static ModelMeta, key: &str, text: &str) -> Result<Q<()>> {
    let (name, rest) = match key.split_once("__") {
        Some((name, rest)) => (name, Some(rest)),
        None => (key, None),
    };
    // A path segment that is not a lookup name goes on to the related model.
    let path = rest.filter(|r| !LOOKUPS.contains(&r.split("__").next().unwrap_or(r)));
    if let Some(many) = meta.many_to_many.iter().find(|m| m.name == name) {
        let target = (many.target)();
        let inner = match path {
            Some(path) => condition(target, path, text)?,
            None => {
                let lookup = rest.map_or(String::new(), |r| format!("__{r}"));
                condition(target, &format!("{}{lookup}", target.pk().name), text)?
            }
        };
        let through = (many.through_table, many.source_column, many.target_column);
        return Ok(Q::new(through_has(
            meta,
            through,
            target,
            inner.into_condition(),
        )));
    }
    let field = meta.field(name)?;
    if let (Some(relation), Some(path)) = (field.relation, path) {
        let target = (relation.target)();
        let column = Expr::col((meta.table, field.column));
        let inner = condition(target, path, text)?;
        return Ok(in_select::<()>(
            column,
            (target.table, target.pk().column),
            inner.into_condition(),
        ));
    }
    let lookup = rest.unwrap_or("exact");
    lookup_condition(meta, field, lookup, text)
}

/// A lookup on one field of `meta`.
fn lookup_condition(
    meta: &ModelMeta,
    field: &'static FieldMeta,
    lookup: &str,
    text: &str,
) -> Result<Q<()>> {
    let name = field.name;
    if !LOOKUPS.contains(&lookup) {
        return Err(invalid(
            meta,
            name,
            lookup,
            format!("the lookups are {}", LOOKUPS.join(", ")),
        ));
    }
    let col = Expr::col((meta.table, field.column));
    let text_only = |lookup: &str| -> Result<()> {
        if field.kind == FieldKind::Text {
            Ok(())
        } else {
            Err(invalid(
                meta,
                name,
                lookup,
                "it applies to text fields only".into(),
            ))
        }
    };
    let like = |pattern: String, insensitive: bool| -> Q<()> {
        if insensitive {
            Q::expr(
                Expr::expr(Func::lower(col.clone()))
                    .like(LikeExpr::new(pattern.to_lowercase()).escape('\\')),
            )
        } else {
            Q::expr(col.clone().like(LikeExpr::new(pattern).escape('\\')))
        }
    };
    let value = || parse_value(meta, field, lookup, text);
    let lookup_on = |op| Q::lookup(meta.table, field.column, op);
    if matches!(lookup, "year" | "month" | "day") {
        return date_lookup(meta, field, lookup, text, col);
    }
    Ok(match lookup {
        "exact" => lookup_on(Op::Eq(value()?)),
        "gt" => lookup_on(Op::Gt(value()?)),
        "gte" => lookup_on(Op::Gte(value()?)),
        "lt" => lookup_on(Op::Lt(value()?)),
        "lte" => lookup_on(Op::Lte(value()?)),
        "isnull" => match text.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" => lookup_on(Op::IsNull),
            "0" | "false" | "no" => lookup_on(Op::IsNotNull),
            _ => {
                return Err(invalid(
                    meta,
                    name,
                    lookup,
                    format!("expected true or false, got {text:?}"),
                ))
            }
        },
        "in" => {
            let values = text
                .split(',')
                .map(|part| parse_value(meta, field, lookup, part))
                .collect::<Result<Vec<_>>>()?;
            lookup_on(Op::In(values))
        }
        "range" => {
            let Some((low, high)) = text.split_once(',') else {
                return Err(invalid(
                    meta,
                    name,
                    lookup,
                    format!("expected two values separated by a comma, got {text:?}"),
                ));
            };
            lookup_on(Op::Between(
                parse_value(meta, field, lookup, low)?,
                parse_value(meta, field, lookup, high)?,
            ))
        }
        "iexact" => {
            text_only(lookup)?;
            like(escape_like(text), true)
        }
        "contains" | "icontains" => {
            text_only(lookup)?;
            like(format!("%{}%", escape_like(text)), lookup == "icontains")
        }
        "startswith" | "istartswith" => {
            text_only(lookup)?;
            like(format!("{}%", escape_like(text)), lookup == "istartswith")
        }
        _ => {
            text_only(lookup)?;
            like(format!("%{}", escape_like(text)), lookup == "iendswith")
        }
    })
}

/// `year`, `month` and `day` on a date or timestamp field.
fn date_lookup(
    meta: &ModelMeta,
    field: &FieldMeta,
    lookup: &str,
    text: &str,
    col: Expr,
) -> Result<Q<()>> {
    let bad = |reason: String| invalid(meta, field.name, lookup, reason);
    let (max, part) = match lookup {
        "year" => (i64::from(i32::MAX), None),
        "month" => (12, Some(DatePart::Month)),
        _ => (31, Some(DatePart::Day)),
    };
    let number: i64 = text
        .trim()
        .parse()
        .ok()
        .filter(|n| (1..=max).contains(n) || part.is_none())
        .ok_or_else(|| bad(format!("expected a {lookup} number, got {text:?}")))?;
    if let Some(part) = part {
        if !matches!(
            field.kind,
            FieldKind::Date | FieldKind::DateTime | FieldKind::NaiveDateTime
        ) {
            return Err(bad("it applies to date and time fields only".into()));
        }
        return Ok(Q::expr(date_part(col, part).eq(number)));
    }
    let year = i32::try_from(number).map_err(|_| bad(format!("{number} is not a year")))?;
    let bounds = match field.kind {
        FieldKind::Date => NaiveDate::year_bounds(year),
        FieldKind::DateTime => DateTime::<Utc>::year_bounds(year),
        FieldKind::NaiveDateTime => NaiveDateTime::year_bounds(year),
        _ => return Err(bad("it applies to date and time fields only".into())),
    };
    Ok(match bounds {
        Some((start, end)) => Q::lookup(meta.table, field.column, Op::Gte(start)).and(Q::lookup(
            meta.table,
            field.column,
            Op::Lt(end),
        )),
        None => !Q::all(),
    })
}
