//! Python `json.dumps` output (separators `", "` / `": "`, `ensure_ascii=True`), as Frappe writes
//! `_server_messages` and webhook bodies: for a `serde_json::Value` ([`dumps`]) and for JSON text
//! whose key order must be kept, e.g. a rendered `webhook_json` template ([`reformat`]).

use serde_json::Value;

/// `json.dumps(value)` as Python writes it.
pub fn dumps(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_str(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_str(k, out);
                out.push_str(": ");
                write_value(v, out);
            }
            out.push('}');
        }
    }
}

/// A JSON string literal with Python's `ensure_ascii` escapes.
pub fn write_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Re-serialises JSON `text` the Python way, keeping its key order (`json.dumps(json.loads(text))`).
/// Numbers are copied as written. Errors when `text` is not JSON.
pub fn reformat(text: &str) -> Result<String, String> {
    // Validate first (serde_json), then re-emit token by token.
    serde_json::from_str::<Value>(text).map_err(|e| e.to_string())?;
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                let mut raw = String::from('"');
                let mut escaped = false;
                for c in chars.by_ref() {
                    raw.push(c);
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        break;
                    }
                }
                let decoded: String = serde_json::from_str(&raw).map_err(|e| e.to_string())?;
                write_str(&decoded, &mut out);
            }
            ',' => out.push_str(", "),
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_separators_and_ascii() {
        let v = serde_json::json!({"a": [1, 2.5, null], "b": "é\"x"});
        assert_eq!(dumps(&v), r#"{"a": [1, 2.5, null], "b": "\u00e9\"x"}"#);
        assert_eq!(reformat("{\"z\":1,\n \"a\" : \"ç\"}").unwrap(), r#"{"z": 1, "a": "\u00e7"}"#);
    }
}
