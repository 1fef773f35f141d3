//! One operation (a method on a path) as the document shows it, and the builder its inputs
//! and outputs write into.

use std::borrow::Cow;
use std::collections::BTreeMap;

use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{json, Map, Value as Json};

/// What the API app keeps about a handler, in the route's
/// [extensions](alder_web::routing::MethodRouter::extensions): how to describe its inputs and
/// outputs, and what the route says of itself (summary, tags, …).
#[derive(Clone, Debug)]
pub struct Operation {
    pub(crate) describe: fn(&mut OperationBuilder<'_>),
    pub(crate) handler: &'static str,
    pub(crate) summary: Option<Cow<'static, str>>,
    pub(crate) description: Option<Cow<'static, str>>,
    pub(crate) tags: Vec<Cow<'static, str>>,
    pub(crate) operation_id: Option<Cow<'static, str>>,
    pub(crate) deprecated: bool,
    pub(crate) hidden: bool,
    pub(crate) extra: Vec<fn(&mut OperationBuilder<'_>)>,
}

impl Operation {
    pub(crate) fn new(describe: fn(&mut OperationBuilder<'_>), handler: &'static str) -> Self {
        Operation {
            describe,
            handler,
            summary: None,
            description: None,
            tags: Vec::new(),
            operation_id: None,
            deprecated: false,
            hidden: false,
            extra: Vec::new(),
        }
    }

    /// The handler's function name, when it is a named function (not a closure).
    pub(crate) fn function_name(&self) -> Option<&'static str> {
        let name = self.handler.rsplit("::").next()?;
        let plain = !name.is_empty()
            && !self.handler.contains('{')
            && name.chars().all(|c| c.is_alphanumeric() || c == '_');
        plain.then_some(name)
    }
}

/// Where a parameter is read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParamIn {
    /// A part of the path, `/posts/{id}/`.
    Path,
    /// The query string, `?page=2`.
    Query,
    /// A request header.
    Header,
    /// A cookie.
    Cookie,
}

impl ParamIn {
    fn as_str(self) -> &'static str {
        match self {
            ParamIn::Path => "path",
            ParamIn::Query => "query",
            ParamIn::Header => "header",
            ParamIn::Cookie => "cookie",
        }
    }
}

/// What one operation's inputs and outputs write: parameters, the request body and the
/// responses. [`ApiInput`](crate::ApiInput) and [`ApiOutput`](crate::ApiOutput)
/// implementations receive it.
///
/// Inputs are described with the generator of input (deserialize) schemas, outputs with the
/// one of output (serialize) schemas: a type whose two forms differ appears twice in the
/// document, as `Name-Input` and `Name-Output` (FastAPI does the same).
pub struct OperationBuilder<'a> {
    pub(crate) inputs: &'a mut SchemaGenerator,
    pub(crate) outputs: &'a mut SchemaGenerator,
    pub(crate) path_names: &'a [String],
    pub(crate) method: &'static str,
    pub(crate) parameters: Vec<Json>,
    pub(crate) request_body: Option<Json>,
    pub(crate) responses: BTreeMap<String, Json>,
    pub(crate) security: Vec<Json>,
}

impl<'a> OperationBuilder<'a> {
    /// The operation's method (`"GET"`, `"POST"`, …): a form on a GET is read from the
    /// query string, elsewhere from the body.
    pub fn method(&self) -> &'static str {
        self.method
    }

    /// The names of the route's path parameters, in path order (`["post_id", "id"]`).
    pub fn path_names(&self) -> &[String] {
        self.path_names
    }

    /// The generator of input schemas, for a type read from the request.
    pub fn input_generator(&mut self) -> &mut SchemaGenerator {
        self.inputs
    }

    /// The generator of output schemas, for a type written to the response.
    pub fn output_generator(&mut self) -> &mut SchemaGenerator {
        self.outputs
    }

    /// A reference to (or, for a small type, the whole of) `T`'s input schema.
    pub fn input_schema<T: JsonSchema + ?Sized>(&mut self) -> Json {
        self.inputs.subschema_for::<T>().to_value()
    }

    /// A reference to (or the whole of) `T`'s output schema.
    pub fn output_schema<T: JsonSchema + ?Sized>(&mut self) -> Json {
        self.outputs.subschema_for::<T>().to_value()
    }

    /// `T`'s input schema written out, not as a reference: for a type whose fields become
    /// parameters.
    pub fn inline_input_schema<T: JsonSchema + ?Sized>(&mut self) -> Json {
        T::json_schema(self.inputs).to_value()
    }

    /// Adds a parameter; one of the same name and place replaces it.
    pub fn parameter(
        &mut self,
        place: ParamIn,
        name: &str,
        required: bool,
        schema: Json,
        description: Option<&str>,
    ) {
        let required = required || place == ParamIn::Path;
        let mut param = json!({
            "name": name,
            "in": place.as_str(),
            "required": required,
            "schema": schema,
        });
        if let Some(text) = description {
            param["description"] = json!(text);
        }
        self.parameters
            .retain(|p| !(p["name"] == name && p["in"] == place.as_str()));
        self.parameters.push(param);
    }

    /// Whether a parameter of this name and place is declared.
    pub fn has_parameter(&self, place: ParamIn, name: &str) -> bool {
        self.parameters
            .iter()
            .any(|p| p["name"] == name && p["in"] == place.as_str())
    }

    /// Sets the request body: `schema` under `content_type`, required.
    pub fn request_body(&mut self, content_type: &str, schema: Json) {
        self.request_body = Some(json!({
            "required": true,
            "content": { content_type: { "schema": schema } },
        }));
    }

    /// Adds a response for `status` (`"200"`, `"4XX"`, `"default"`); `content` is a content
    /// type and its schema, or `None` for a response without a body. A second response of the
    /// same status joins the first: another content type beside it, another schema of the
    /// same content type as one of the two (`anyOf`).
    pub fn response(&mut self, status: &str, description: &str, content: Option<(&str, Json)>) {
        let entry = self
            .responses
            .entry(status.to_string())
            .or_insert_with(|| json!({ "description": description }));
        let Some((content_type, schema)) = content else {
            return;
        };
        let slot = entry
            .as_object_mut()
            .expect("responses are objects")
            .entry("content")
            .or_insert_with(|| Json::Object(Map::new()));
        match slot.get_mut(content_type).and_then(|c| c.get_mut("schema")) {
            None => slot[content_type] = json!({ "schema": schema }),
            Some(known) if *known == schema => {}
            Some(known) => match known.get_mut("anyOf").and_then(Json::as_array_mut) {
                Some(options) if !options.contains(&schema) => options.push(schema),
                Some(_) => {}
                None => *known = json!({ "anyOf": [known.take(), schema] }),
            },
        }
    }

    /// Whether a response for `status` is declared.
    pub fn has_response(&self, status: &str) -> bool {
        self.responses.contains_key(status)
    }

    /// Says the operation needs one of the security schemes of the document
    /// (`"session"`, `"token"`), with no scopes.
    pub fn security(&mut self, scheme: &str) {
        let requirement = json!({ scheme: [] });
        if !self.security.contains(&requirement) {
            self.security.push(requirement);
        }
    }
}

/// `list_posts` → `List posts`: FastAPI's summary from the function's name.
pub(crate) fn summary_from_name(name: &str) -> String {
    alder_db::naming::capfirst(&name.trim_matches('_').replace('_', " "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_bodies_of_one_status_and_content_type_are_either() {
        let mut inputs = SchemaGenerator::default();
        let mut outputs = SchemaGenerator::default();
        let mut op = OperationBuilder {
            inputs: &mut inputs,
            outputs: &mut outputs,
            path_names: &[],
            method: "GET",
            parameters: Vec::new(),
            request_body: None,
            responses: BTreeMap::new(),
            security: Vec::new(),
        };
        let a = json!({ "$ref": "#/a" });
        let b = json!({ "$ref": "#/b" });
        op.response("422", "first", Some(("application/json", a.clone())));
        op.response("422", "second", Some(("application/json", b.clone())));
        op.response("422", "again", Some(("application/json", a.clone())));
        let schema = &op.responses["422"]["content"]["application/json"]["schema"];
        assert_eq!(schema, &json!({ "anyOf": [a, b] }));
        assert_eq!(op.responses["422"]["description"], "first");
    }

    #[test]
    fn summaries_read_like_sentences() {
        assert_eq!(summary_from_name("list_posts"), "List posts");
        assert_eq!(summary_from_name("_show"), "Show");
    }

    #[test]
    fn closures_have_no_function_name() {
        let op = Operation::new(|_| {}, "blog::views::list_posts");
        assert_eq!(op.function_name(), Some("list_posts"));
        let op = Operation::new(|_| {}, "blog::main::{{closure}}");
        assert_eq!(op.function_name(), None);
    }
}
