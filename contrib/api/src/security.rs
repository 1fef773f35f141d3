//! The security schemes an operation may name (OpenAPI's `securitySchemes`).

use std::collections::BTreeSet;

use serde_json::{json, Map, Value as Json};

/// The definitions of the schemes in `used`: `session` (the session cookie, with the CSRF
/// token in a header for unsafe methods) and `token` (an API token in `Authorization`).
pub(crate) fn schemes(used: &BTreeSet<String>) -> Json {
    let mut out = Map::new();
    for name in used {
        let scheme = match name.as_str() {
            "session" => json!({
                "type": "apiKey",
                "in": "cookie",
                "name": "sessionid",
                "description": "The session cookie of a logged-in user. Unsafe methods also send the CSRF token in the `X-CSRFToken` header."
            }),
            "token" => json!({
                "type": "http",
                "scheme": "bearer",
                "description": "An API token: `Authorization: Bearer <token>`."
            }),
            other => json!({ "type": "apiKey", "in": "header", "name": other }),
        };
        out.insert(name.clone(), scheme);
    }
    Json::Object(out)
}
