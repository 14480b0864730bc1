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
                match map.get("type").cloned() {
                    Some(Value::String(t)) => {
                        map.insert("type".into(), json!([t, "null"]));
                    }
                    _ if map.contains_key("$ref") || map.contains_key("allOf") || map.contains_key("oneOf") => {
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
    if doc.pointer(pointer).is_none() {
        return Err(vec![format!("no schema at {pointer}")]);
    }
    let mut root = Map::new();
    if let Value::Object(m) = doc {
        root = m;
    }
    root.retain(|k, _| k == "components" || k == "definitions" || k == "schemas" || k == "paths");
    root.insert("$ref".into(), Value::String(format!("#{pointer}")));
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
}
