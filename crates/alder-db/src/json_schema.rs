//! JSON Schemas (2020-12, through schemars) of `#[derive(Model)]` types, written from their
//! metadata: the API app's OpenAPI document shows a model as its serde form has it.
//!
//! With the `json-schema` feature every model implements [`schemars::JsonSchema`], so a
//! handler's `Json<Post>` documents itself. The schema says what the metadata says:
//!
//! | metadata | schema |
//! |---|---|
//! | the field's type | `type`, `format` (`int32`, `date-time`, `uuid`, …) |
//! | `max_length`, `min`, `max`, `min_length`, `regex`, `email`, `url`, `slug` | `maxLength`, `minimum`, `maximum`, `minLength`, `pattern`, `format` |
//! | `choices` | `enum` |
//! | `Option<T>` | `null` allowed |
//! | `default` | `default` |
//! | auto keys, `auto_now`, `auto_now_add`, `editable = false` | `readOnly` |
//! | `verbose_name`, `help_text` | `title`, `description` |
//!
//! ```
//! use alder_db::{Auto, Model};
//! #[derive(Model, serde::Serialize)]
//! struct Tag {
//!     id: Auto<i64>,
//!     #[model(max_length = 20, help_text = "Shown in the tag cloud")]
//!     name: String,
//! }
//! let schema = schemars::SchemaGenerator::default().into_root_schema_for::<Tag>();
//! assert_eq!(schema.get("title").unwrap(), "Tag");
//! assert_eq!(schema.pointer("/properties/name/maxLength").unwrap(), 20);
//! assert_eq!(schema.pointer("/properties/id/readOnly").unwrap(), true);
//! ```
//!
//! serde's `rename`, `rename_all` and `skip` (each direction) are followed:
//!
//! ```
//! use alder_db::{Auto, Model};
//! #[derive(Model, serde::Serialize)]
//! #[serde(rename_all = "camelCase")]
//! struct Account {
//!     id: Auto<i64>,
//!     display_name: String,
//!     #[serde(skip)]
//!     password: String,
//! }
//! let schema = schemars::SchemaGenerator::default().into_root_schema_for::<Account>();
//! assert!(schema.pointer("/properties/displayName").is_some());
//! assert!(schema.pointer("/properties/password").is_none());
//! ```
//!
//! A model with a schema of its own (`#[derive(JsonSchema)]` or a hand-written impl) says
//! `#[model(json_schema = false)]`, and gets none from its metadata:
//!
//! ```
//! use alder_db::Model;
//! #[derive(Model, schemars::JsonSchema)]
//! #[model(json_schema = false)]
//! struct Note {
//!     #[model(primary_key)]
//!     id: i64,
//!     text: String,
//! }
//! # fn uses<T: schemars::JsonSchema>() {}
//! # uses::<Note>();
//! ```

use serde_json::{json, Map, Value as Json};

pub use schemars;
use schemars::{Schema, SchemaGenerator};

use crate::meta::{FieldKind, FieldMeta, ModelMeta};
use crate::naming::capfirst;
use crate::validation::{Limit, Validator};

/// `(field, written as, read as)` for the fields whose serde names are not their own, `""`
/// for a direction serde skips the field in (`#[serde(skip_serializing)]`, …).
pub type SerdeNames = [(&'static str, &'static str, &'static str)];

/// The name serde gives `field` in the generator's direction, `None` when it skips it.
fn serde_name(names: &SerdeNames, field: &'static str, input: bool) -> Option<&'static str> {
    let name = match names.iter().find(|(f, _, _)| *f == field) {
        Some((_, written, read)) => {
            if input {
                *read
            } else {
                *written
            }
        }
        None => field,
    };
    (!name.is_empty()).then_some(name)
}

/// The schema of the model `meta` describes, for the generator's contract: for output
/// (serialize) every field serde writes is present; for input (deserialize) the fields serde
/// needs. `names` are serde's names where they differ (`#[derive(Model)]` reads them).
pub fn model_schema(
    meta: &ModelMeta,
    names: &SerdeNames,
    generator: &mut SchemaGenerator,
) -> Schema {
    let input = generator.contract().is_deserialize();
    let mut properties = Map::new();
    let mut required = Vec::new();
    for field in meta.fields {
        let Some(name) = serde_name(names, field.name, input) else {
            continue;
        };
        let optional = field.nullable || (field.primary_key && field.auto);
        if !input || !optional {
            required.push(Json::from(name));
        }
        properties.insert(name.to_string(), field_schema(field, input));
    }
    for many in meta.many_to_many {
        let Some(name) = serde_name(names, many.name, input) else {
            continue;
        };
        // Serialized as null: the related rows are fetched with the field's accessor.
        properties.insert(
            name.to_string(),
            json!({ "type": "null", "readOnly": true, "description": format!("Fetched with `{}()`.", many.name) }),
        );
        if !input {
            required.push(Json::from(name));
        }
    }
    let mut schema = json!({
        "type": "object",
        "title": capfirst(meta.verbose_name),
        "properties": properties,
        "required": required,
    });
    if input {
        schema["additionalProperties"] = json!(true);
    }
    Schema::try_from(schema).expect("an object is a schema")
}

/// The schema of one model field.
pub fn field_schema(field: &FieldMeta, input: bool) -> Json {
    let mut schema = kind_schema(field.kind);
    let object = schema.as_object_mut().expect("kind schemas are objects");
    add_field_rules(object, field, input);
    if let Some(default) = field.default {
        object.insert(
            "default".into(),
            sea_query::value::sea_value_to_json_value(&default.value()),
        );
    }
    let read_only = (field.primary_key && field.auto)
        || field.auto_now
        || field.auto_now_add
        || !field.editable;
    if read_only {
        object.insert("readOnly".into(), json!(true));
    }
    if !field.verbose_name.is_empty() {
        object.insert("title".into(), json!(capfirst(field.verbose_name)));
    }
    if !field.help_text.is_empty() {
        object.insert("description".into(), json!(field.help_text));
    } else if let Some(relation) = &field.relation {
        let target = (relation.target)();
        object.insert(
            "description".into(),
            json!(format!("The key of the {}.", target.verbose_name)),
        );
    }
    let nullable = field.nullable || (field.primary_key && field.auto && input);
    if nullable {
        allow_null(object);
    }
    schema
}

/// Adds what `field` allows to a schema of its value: `maxLength`, the `minLength` of a
/// field that may not be blank (for input), its rules and its choices. An API type whose
/// fields follow a model's (`#[validate(model = "…")]`) gets them this way.
pub fn add_field_rules(object: &mut Map<String, Json>, field: &FieldMeta, input: bool) {
    if let Some(max) = field.max_length {
        if field.kind == FieldKind::Text {
            object.insert("maxLength".into(), json!(max));
        }
    }
    let typed_in = !(field.auto || field.auto_now || field.auto_now_add);
    if input
        && typed_in
        && !field.blank
        && field.kind == FieldKind::Text
        && field.choices.is_empty()
    {
        // full_clean refuses an empty text unless the field is `blank`.
        object.insert("minLength".into(), json!(1));
    }
    let mut rules = Map::new();
    for rule in field.validators {
        add_rule(&mut rules, rule);
    }
    if field.blank && field.kind == FieldKind::Text && !rules.is_empty() {
        // An empty text skips the rules of a field that may be blank, as in full_clean.
        let either = json!([{ "const": "" }, Json::Object(rules)]);
        if object.contains_key("anyOf") {
            // Keep the schema's own choice (an `Option` of another type) beside this one.
            let all = object.entry("allOf").or_insert_with(|| json!([]));
            if let Some(list) = all.as_array_mut() {
                list.push(json!({ "anyOf": either }));
            }
        } else {
            object.insert("anyOf".into(), either);
        }
    } else {
        object.extend(rules);
    }
    if !field.choices.is_empty() {
        let values: Vec<Json> = field
            .choices
            .iter()
            .map(|(value, _)| choice_value(field.kind, value))
            .collect();
        object.insert("enum".into(), Json::Array(values));
    }
}

/// What serde writes for a field of `kind`.
fn kind_schema(kind: FieldKind) -> Json {
    match kind {
        FieldKind::SmallInteger => {
            json!({ "type": "integer", "format": "int16", "minimum": i16::MIN, "maximum": i16::MAX })
        }
        FieldKind::Integer => json!({ "type": "integer", "format": "int32" }),
        FieldKind::BigInteger => json!({ "type": "integer", "format": "int64" }),
        FieldKind::Float => json!({ "type": "number", "format": "double" }),
        // rust_decimal writes a decimal as a string, so no digit is lost.
        FieldKind::Decimal => {
            json!({ "type": "string", "format": "decimal", "pattern": "^-?[0-9]+(\\.[0-9]+)?$" })
        }
        FieldKind::Boolean => json!({ "type": "boolean" }),
        FieldKind::Text => json!({ "type": "string" }),
        FieldKind::Date => json!({ "type": "string", "format": "date" }),
        // chrono writes times and naive date-times without an offset, which JSON Schema's
        // `time` and `date-time` formats require; a pattern says what is written instead.
        FieldKind::Time => {
            json!({ "type": "string", "pattern": "^[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?$" })
        }
        FieldKind::DateTime => json!({ "type": "string", "format": "date-time" }),
        FieldKind::NaiveDateTime => {
            json!({ "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?$" })
        }
        FieldKind::Uuid => json!({ "type": "string", "format": "uuid" }),
        FieldKind::Json => json!({}),
        FieldKind::Bytes => {
            json!({ "type": "array", "items": { "type": "integer", "minimum": 0, "maximum": 255 } })
        }
    }
}

/// Adds what `rule` says to a field's schema.
pub fn add_rule(schema: &mut Map<String, Json>, rule: &Validator) {
    let limit = |limit: &Limit| match limit {
        Limit::Int(n) => json!(n),
        Limit::Float(x) => json!(x),
    };
    let (key, value) = match rule {
        Validator::MinValue(l) => ("minimum", limit(l)),
        Validator::MaxValue(l) => ("maximum", limit(l)),
        Validator::MinLength(n) => ("minLength", json!(n)),
        Validator::MaxLength(n) => ("maxLength", json!(n)),
        Validator::Regex(pattern) => ("pattern", json!(pattern)),
        Validator::Email => ("format", json!("email")),
        Validator::Url => ("format", json!("uri")),
        Validator::Slug => ("pattern", json!("^[-a-zA-Z0-9_]+$")),
        // Either family; JSON Schema has a format for each but none for both.
        Validator::Ip => ("x-format", json!("ip")),
        // A function's rule is known only to the function.
        _ => return,
    };
    schema.insert(key.to_string(), value);
}

/// A choice's stored text as the JSON value serde writes.
fn choice_value(kind: FieldKind, value: &str) -> Json {
    match kind {
        FieldKind::SmallInteger | FieldKind::Integer | FieldKind::BigInteger => value
            .parse::<i64>()
            .map(Json::from)
            .unwrap_or_else(|_| json!(value)),
        _ => json!(value),
    }
}

/// Lets a schema also accept `null`.
fn allow_null(schema: &mut Map<String, Json>) {
    match schema.get_mut("type") {
        Some(Json::String(kind)) => {
            let kind = std::mem::take(kind);
            schema.insert("type".into(), json!([kind, "null"]));
        }
        Some(_) => {}
        // An untyped schema (a JSON field) already accepts null.
        None => return,
    }
    if let Some(Json::Array(values)) = schema.get_mut("enum") {
        values.push(Json::Null);
    }
}
