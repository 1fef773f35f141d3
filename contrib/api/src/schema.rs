//! The JSON Schema side: the two generators, `#[validate]` rules written into schemas, and
//! the schemas of Alder's own error bodies.

use std::collections::HashSet;

use alder_web::valid::FieldRules;
use schemars::generate::SchemaSettings;
use schemars::SchemaGenerator;
use serde_json::{json, Map, Value as Json};

/// Where schemas live in an OpenAPI document; references point there.
pub(crate) const COMPONENTS: &str = "#/components/schemas/";

/// A generator of JSON Schema 2020-12 whose definitions go to `components/schemas`: for
/// input (deserialize) schemas, or output (serialize) ones.
pub(crate) fn generator(output: bool) -> SchemaGenerator {
    let settings = SchemaSettings::draft2020_12().with(|s| {
        s.definitions_path = "/components/schemas".into();
        s.meta_schema = None;
    });
    let settings = if output {
        settings.for_serialize()
    } else {
        settings.for_deserialize()
    };
    settings.into_generator()
}

/// Writes `rules` (a `#[derive(Validate)]` type's) into its schema: `schema` itself, or the
/// definition it refers to. Nested fields' rules go into their types' definitions.
pub(crate) fn apply_rules(
    schema: &mut Json,
    rules: &'static [FieldRules],
    definitions: &mut Map<String, Json>,
) {
    let mut seen = HashSet::new();
    apply(schema, rules, definitions, &mut seen);
}

fn apply(
    schema: &mut Json,
    rules: &'static [FieldRules],
    definitions: &mut Map<String, Json>,
    seen: &mut HashSet<String>,
) {
    if rules.is_empty() {
        return;
    }
    if let Some(name) = reference(schema) {
        if !seen.insert(name.clone()) {
            return;
        }
        let Some(mut target) = definitions.remove(&name) else {
            return;
        };
        apply(&mut target, rules, definitions, seen);
        definitions.insert(name, target);
        return;
    }
    for rule in rules {
        let Some(property) = schema
            .get_mut("properties")
            .and_then(|p| p.get_mut(rule.name))
        else {
            continue;
        };
        if let Some(object) = property.as_object_mut() {
            for validator in rule.validators {
                alder_db::json_schema::add_rule(object, validator);
            }
            if let Some(field) = rule.model_field {
                alder_db::json_schema::add_field_rules(object, field, true);
            }
        }
        if rule.nested {
            let nested = (rule.nested_rules)();
            for mut inner in referenced(property) {
                apply(&mut inner, nested, definitions, seen);
            }
        }
    }
}

/// The name of the component `schema` refers to, when it is a reference.
fn reference(schema: &Json) -> Option<String> {
    schema
        .get("$ref")?
        .as_str()?
        .strip_prefix(COMPONENTS)
        .map(str::to_owned)
}

/// The references inside a field's schema: itself, a list's items, an `Option`'s variants.
fn referenced(schema: &Json) -> Vec<Json> {
    let mut found = Vec::new();
    if schema.get("$ref").is_some() {
        found.push(json!({ "$ref": schema["$ref"] }));
    }
    if let Some(items) = schema.get("items") {
        found.extend(referenced(items));
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(Json::Array(options)) = schema.get(key) {
            for option in options {
                found.extend(referenced(option));
            }
        }
    }
    found
}

/// The schemas of Alder's error bodies, added to every document.
pub(crate) fn error_components() -> Map<String, Json> {
    let mut components = Map::new();
    components.insert(
        "alder.ValidationError".into(),
        json!({
            "type": "object",
            "title": "Validation error",
            "description": "One problem with the input.",
            "properties": {
                "loc": {
                    "type": "array",
                    "items": { "anyOf": [{ "type": "string" }, { "type": "integer" }] },
                    "description": "Where: `body`, `query` or `path`, then the names and list indexes leading to the value."
                },
                "msg": { "type": "string", "description": "What is wrong, for a person." },
                "type": { "type": "string", "description": "What is wrong, for a program: `missing`, `type_error`, `json_invalid`, or the rule that failed (`max_length`, …)." }
            },
            "required": ["loc", "msg", "type"]
        }),
    );
    components.insert(
        "alder.HTTPValidationError".into(),
        json!({
            "type": "object",
            "title": "HTTP validation error",
            "properties": {
                "detail": { "type": "array", "items": { "$ref": format!("{COMPONENTS}alder.ValidationError") } }
            },
            "required": ["detail"]
        }),
    );
    components.insert(
        "alder.Error".into(),
        json!({
            "type": "object",
            "title": "Error",
            "description": "What went wrong, as Alder's API apps answer any error.",
            "properties": { "detail": { "type": "string" } },
            "required": ["detail"]
        }),
    );
    components
}

/// A reference to one of [`error_components`] (`"Error"`, `"HTTPValidationError"`). Their
/// names start with `alder.`, which no Rust type's can, so a type of yours called `Error`
/// keeps its own.
pub(crate) fn error_ref(name: &str) -> Json {
    json!({ "$ref": format!("{COMPONENTS}alder.{name}") })
}

/// Gives the definitions of `inputs` and `outputs` one namespace: a type whose two schemas
/// are the same keeps its name; one whose schemas differ becomes `Name-Input` and
/// `Name-Output`, and the references of each side are renamed to match.
pub(crate) fn merge(
    mut inputs: Map<String, Json>,
    mut outputs: Map<String, Json>,
    input_side: &mut [&mut Json],
    output_side: &mut [&mut Json],
) -> Map<String, Json> {
    let mut differ: Vec<String> = inputs
        .iter()
        .filter(|(name, schema)| outputs.get(*name).is_some_and(|other| other != *schema))
        .map(|(name, _)| name.clone())
        .collect();
    // A type that looks the same on both sides but holds one that differs differs too: its
    // two copies will point to different names. Until nothing more is found.
    loop {
        let targets: Vec<String> = differ.iter().map(|n| format!("{COMPONENTS}{n}")).collect();
        let more: Vec<String> = inputs
            .iter()
            .filter(|(name, _)| outputs.contains_key(*name) && !differ.contains(name))
            .filter(|(name, schema)| {
                refers_to(schema, &targets) || refers_to(&outputs[name.as_str()], &targets)
            })
            .map(|(name, _)| name.clone())
            .collect();
        if more.is_empty() {
            break;
        }
        differ.extend(more);
    }
    if !differ.is_empty() {
        let rename = |side: &str| -> Vec<(String, String)> {
            differ
                .iter()
                .map(|name| {
                    (
                        format!("{COMPONENTS}{name}"),
                        format!("{COMPONENTS}{name}-{side}"),
                    )
                })
                .collect()
        };
        let (input_names, output_names) = (rename("Input"), rename("Output"));
        for value in inputs.values_mut() {
            rewrite(value, &input_names);
        }
        for value in input_side.iter_mut() {
            rewrite(value, &input_names);
        }
        for value in outputs.values_mut() {
            rewrite(value, &output_names);
        }
        for value in output_side.iter_mut() {
            rewrite(value, &output_names);
        }
        for name in &differ {
            let input = inputs.remove(name).expect("listed from inputs");
            inputs.insert(format!("{name}-Input"), input);
            let output = outputs.remove(name).expect("listed as in outputs");
            outputs.insert(format!("{name}-Output"), output);
        }
    }
    let mut all = inputs;
    for (name, schema) in outputs {
        all.entry(name).or_insert(schema);
    }
    all
}

/// Whether `value` holds a reference to one of `targets`.
fn refers_to(value: &Json, targets: &[String]) -> bool {
    match value {
        Json::Object(object) => {
            matches!(object.get("$ref"), Some(Json::String(t)) if targets.contains(t))
                || object.values().any(|inner| refers_to(inner, targets))
        }
        Json::Array(items) => items.iter().any(|inner| refers_to(inner, targets)),
        _ => false,
    }
}

/// Renames the references in `value` by `names` (old → new).
fn rewrite(value: &mut Json, names: &[(String, String)]) {
    match value {
        Json::Object(object) => {
            if let Some(Json::String(target)) = object.get_mut("$ref") {
                if let Some((_, new)) = names.iter().find(|(old, _)| old == target) {
                    *target = new.clone();
                }
            }
            for inner in object.values_mut() {
                rewrite(inner, names);
            }
        }
        Json::Array(items) => items.iter_mut().for_each(|inner| rewrite(inner, names)),
        _ => {}
    }
}

/// Gives every integer schema whose `format` names a Rust type (`uint32`, `int16`, …) that
/// type's bounds where it has none: a client must not send `2^40` for a `u32`, which the
/// server would refuse as too large.
pub(crate) fn integer_bounds(value: &mut Json) {
    match value {
        Json::Object(object) => {
            let bounds = match object.get("format").and_then(Json::as_str) {
                Some("int8") => Some((json!(i8::MIN), json!(i8::MAX))),
                Some("int16") => Some((json!(i16::MIN), json!(i16::MAX))),
                Some("int32") => Some((json!(i32::MIN), json!(i32::MAX))),
                Some("int64") => Some((json!(i64::MIN), json!(i64::MAX))),
                Some("uint8") => Some((json!(0), json!(u8::MAX))),
                Some("uint16") => Some((json!(0), json!(u16::MAX))),
                Some("uint32") => Some((json!(0), json!(u32::MAX))),
                Some("uint64" | "uint") => Some((json!(0), json!(u64::MAX))),
                _ => None,
            };
            let integer = match object.get("type") {
                Some(Json::String(kind)) => kind == "integer",
                Some(Json::Array(kinds)) => kinds.iter().any(|k| k == "integer"),
                _ => false,
            };
            if let (Some((min, max)), true) = (bounds, integer) {
                object.entry("minimum").or_insert(min);
                object.entry("maximum").or_insert(max);
            }
            object.values_mut().for_each(integer_bounds);
        }
        Json::Array(items) => items.iter_mut().for_each(integer_bounds),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_get_their_types_bounds_unless_they_have_their_own() {
        let mut schema = json!({ "properties": {
            "page": { "type": "integer", "format": "uint32", "minimum": 1 },
            "size": { "type": ["integer", "null"], "format": "uint8" },
            "name": { "type": "string", "format": "uint8" },
        }});
        integer_bounds(&mut schema);
        assert_eq!(schema["properties"]["page"]["minimum"], 1);
        assert_eq!(schema["properties"]["page"]["maximum"], u32::MAX);
        assert_eq!(schema["properties"]["size"]["maximum"], 255);
        assert!(schema["properties"]["name"].get("maximum").is_none());
    }

    #[test]
    fn a_type_holding_one_that_differs_is_named_apart_too() {
        let mut inputs = Map::new();
        inputs.insert("Tag".into(), json!({ "required": [] }));
        inputs.insert(
            "TagList".into(),
            json!({ "items": { "$ref": "#/components/schemas/Tag" } }),
        );
        let mut outputs = Map::new();
        outputs.insert("Tag".into(), json!({ "required": ["id"] }));
        outputs.insert(
            "TagList".into(),
            json!({ "items": { "$ref": "#/components/schemas/Tag" } }),
        );
        let mut answer = json!({ "$ref": "#/components/schemas/TagList" });
        let all = merge(inputs, outputs, &mut [], &mut [&mut answer]);
        assert_eq!(answer["$ref"], "#/components/schemas/TagList-Output");
        assert_eq!(
            all["TagList-Output"]["items"]["$ref"],
            "#/components/schemas/Tag-Output"
        );
        assert_eq!(
            all["TagList-Input"]["items"]["$ref"],
            "#/components/schemas/Tag-Input"
        );
    }

    #[test]
    fn types_whose_two_forms_differ_are_named_apart() {
        let mut inputs = Map::new();
        inputs.insert("Post".into(), json!({ "required": ["title"] }));
        inputs.insert("Tag".into(), json!({ "type": "string" }));
        let mut outputs = Map::new();
        outputs.insert("Post".into(), json!({ "required": ["id", "title"] }));
        outputs.insert("Tag".into(), json!({ "type": "string" }));
        let mut body = json!({ "$ref": "#/components/schemas/Post" });
        let mut answer = json!({ "items": { "$ref": "#/components/schemas/Post" } });
        let all = merge(inputs, outputs, &mut [&mut body], &mut [&mut answer]);
        let mut names: Vec<&String> = all.keys().collect();
        names.sort();
        assert_eq!(names, ["Post-Input", "Post-Output", "Tag"]);
        assert_eq!(body["$ref"], "#/components/schemas/Post-Input");
        assert_eq!(answer["items"]["$ref"], "#/components/schemas/Post-Output");
    }
}
