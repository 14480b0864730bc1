//! Schema checks for tests: validates a JSON value against a schema inside a vendor's OpenAPI
//! document (3.0 or 3.1), resolving `$ref`s within the document. OpenAPI 3.0's `nullable: true`
//! is rewritten to JSON Schema's `type: [T, "null"]` first.

use serde_json::{Map, Value, json};

/// Loads a JSON document from `shared/vendor-specs/<path>` (relative to the workspace's parent).
pub fn load_spec(path: &str) -> Value {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../../shared/vendor-specs").join(path);
    let text = std::fs::read_to_string(&root).unwrap_or_else(|e| panic!("{}: {e}", root.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", root.display()))
}

fn normalise(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if map.get("nullable") == Some(&Value::Bool(true)) {
                map.remove("nullable");
                if let Some(Value::Array(values)) = map.get_mut("enum")
                    && !values.contains(&Value::Null)
                {
                    values.push(Value::Null);
                }
                match map.get("type").cloned() {
                    Some(Value::String(t)) => {
                        map.insert("type".into(), json!([t, "null"]));
                    }
                    _ if ["$ref", "allOf", "oneOf", "anyOf"].iter().any(|k| map.contains_key(*k)) => {
                        let inner: Map<String, Value> = std::mem::take(map);
                        map.insert("anyOf".into(), json!([Value::Object(inner), {"type": "null"}]));
                    }
                    _ => {}
                }
            }
            for (_, child) in map.iter_mut() {
                normalise(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalise),
        _ => {}
    }
}

/// Validates `value` against the schema at JSON pointer `pointer` (e.g.
/// `/components/schemas/customer`, or a response's `…/content/application~1json/schema`) of `spec`.
/// Returns every error, with its instance path.
pub fn check(spec: &Value, pointer: &str, value: &Value) -> Result<(), Vec<String>> {
    let mut doc = spec.clone();
    normalise(&mut doc);
    let Some(target) = doc.pointer(pointer).cloned() else {
        return Err(vec![format!("no schema at {pointer}")]);
    };
    // The target schema becomes the root (a `$ref` to a path with `{id}` in it is not a valid URI),
    // with the document's reusable parts beside it so its own `$ref`s still resolve.
    let mut root = match target {
        Value::Object(m) => m,
        other => return Err(vec![format!("the schema at {pointer} is not an object: {other}")]),
    };
    if let Value::Object(m) = &doc {
        for key in ["components", "definitions", "schemas"] {
            if let Some(v) = m.get(key)
                && !root.contains_key(key)
            {
                root.insert(key.to_string(), v.clone());
            }
        }
    }
    let schema = Value::Object(root);
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&schema)
        .map_err(|e| vec![format!("schema does not compile: {e}")])?;
    let errors: Vec<String> = validator.iter_errors(value).map(|e| format!("{}: {e}", e.instance_path())).collect();
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// Panics with every error when `value` does not match.
pub fn assert_valid(spec: &Value, pointer: &str, value: &Value) {
    if let Err(errors) = check(spec, pointer, value) {
        panic!("does not match {pointer}:\n  {}\nvalue: {value:#}", errors.join("\n  "));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_refs_and_errors() {
        let spec = json!({"components": {"schemas": {
            "a": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}, "n": {"type": "integer", "nullable": true}, "b": {"$ref": "#/components/schemas/b"}}},
            "b": {"type": "string", "enum": ["x"]}
        }}});
        assert!(check(&spec, "/components/schemas/a", &json!({"id": "1", "n": null, "b": "x"})).is_ok());
        let errors = check(&spec, "/components/schemas/a", &json!({"n": "no", "b": "y"})).unwrap_err();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(check(&spec, "/components/schemas/zzz", &json!({})).is_err());
    }

    #[test]
    fn nullable_enums_and_unions_accept_null() {
        let spec = json!({"components": {"schemas": {"a": {"type": "object", "properties": {
            "mode": {"type": "string", "enum": ["graduated", "volume"], "nullable": true},
            "customer": {"anyOf": [{"type": "string"}, {"type": "object"}], "nullable": true}
        }}}}});
        assert!(check(&spec, "/components/schemas/a", &json!({"mode": null, "customer": null})).is_ok());
        assert!(check(&spec, "/components/schemas/a", &json!({"mode": "other"})).is_err());
    }

    #[test]
    fn schemas_under_paths_with_parameters_resolve() {
        let spec = json!({"paths": {"/things/{id}": {"get": {"responses": {"200": {"content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/a"}}}}}}}},
            "components": {"schemas": {"a": {"type": "object", "required": ["id"]}}}});
        let pointer = "/paths/~1things~1{id}/get/responses/200/content/application~1json/schema";
        assert!(check(&spec, pointer, &json!({"id": 1})).is_ok());
        assert!(check(&spec, pointer, &json!({})).is_err());
    }
}
