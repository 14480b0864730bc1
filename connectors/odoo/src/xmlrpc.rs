//! The XML-RPC subset Odoo speaks, hand-written: a `methodCall` is written from JSON values
//! (integers as `<int>`, floats as `<double>`, `null` as `<boolean>0</boolean>` since Odoo marshals
//! with `allow_none=False`), and a `methodResponse` is parsed back into JSON (`int`/`i4`/`i8`,
//! `boolean`, `string` or bare text, `double`, `dateTime.iso8601` and `base64` as strings, `array`,
//! `struct`, `nil`) or into its fault (code, string).

use serde_json::{Map, Value};

/// A parsed `methodResponse`: the value, or the fault's code and string.
pub type Response = Result<Value, (Value, String)>;

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
}

fn write_value(v: &Value, out: &mut String) {
    out.push_str("<value>");
    match v {
        Value::Null => out.push_str("<boolean>0</boolean>"),
        Value::Bool(b) => out.push_str(if *b { "<boolean>1</boolean>" } else { "<boolean>0</boolean>" }),
        Value::Number(n) => match n.as_i64() {
            Some(i) if i32::try_from(i).is_ok() => out.push_str(&format!("<int>{i}</int>")),
            Some(i) => out.push_str(&format!("<i8>{i}</i8>")),
            None => out.push_str(&format!("<double>{}</double>", n.as_f64().unwrap_or(0.0))),
        },
        Value::String(s) => {
            out.push_str("<string>");
            escape(s, out);
            out.push_str("</string>");
        }
        Value::Array(items) => {
            out.push_str("<array><data>");
            for item in items {
                write_value(item, out);
            }
            out.push_str("</data></array>");
        }
        Value::Object(map) => {
            out.push_str("<struct>");
            for (k, item) in map {
                out.push_str("<member><name>");
                escape(k, out);
                out.push_str("</name>");
                write_value(item, out);
                out.push_str("</member>");
            }
            out.push_str("</struct>");
        }
    }
    out.push_str("</value>");
}

/// The `methodCall` document of `method(params…)`.
pub fn call(method: &str, params: &[Value]) -> String {
    let mut out = String::from("<?xml version=\"1.0\"?>\n<methodCall><methodName>");
    escape(method, &mut out);
    out.push_str("</methodName><params>");
    for p in params {
        out.push_str("<param>");
        write_value(p, &mut out);
        out.push_str("</param>");
    }
    out.push_str("</params></methodCall>\n");
    out
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open(String),
    Close(String),
    Empty(String),
    Text(String),
}

fn unescape(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let end = rest[i..].find(';').ok_or("unterminated entity")? + i;
        let ent = &rest[i + 1..end];
        let c = match ent {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ if ent.starts_with("#x") => {
                u32::from_str_radix(&ent[2..], 16).ok().and_then(char::from_u32).ok_or("bad character reference")?
            }
            _ if ent.starts_with('#') => {
                ent[1..].parse().ok().and_then(char::from_u32).ok_or("bad character reference")?
            }
            _ => return Err(format!("unknown entity &{ent};")),
        };
        out.push(c);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn tokenize(xml: &str) -> Result<Vec<Tok>, String> {
    let mut toks = Vec::new();
    let mut rest = xml;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("<![CDATA[") {
            let end = after.find("]]>").ok_or("unterminated CDATA")?;
            toks.push(Tok::Text(after[..end].to_string()));
            rest = &after[end + 3..];
        } else if rest.starts_with("<!--") {
            let end = rest.find("-->").ok_or("unterminated comment")?;
            rest = &rest[end + 3..];
        } else if rest.starts_with("<?") || rest.starts_with("<!") {
            let end = rest.find('>').ok_or("unterminated declaration")?;
            rest = &rest[end + 1..];
        } else if let Some(after) = rest.strip_prefix('<') {
            let end = after.find('>').ok_or("unterminated tag")?;
            let tag = after[..end].trim();
            rest = &after[end + 1..];
            let first = |t: &str| t.split_whitespace().next().unwrap_or("").to_string();
            if let Some(name) = tag.strip_prefix('/') {
                toks.push(Tok::Close(name.trim().to_string()));
            } else if let Some(name) = tag.strip_suffix('/') {
                toks.push(Tok::Empty(first(name)));
            } else {
                toks.push(Tok::Open(first(tag)));
            }
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            toks.push(Tok::Text(unescape(&rest[..end])?));
            rest = &rest[end..];
        }
    }
    Ok(toks)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn skip_ws(&mut self) {
        while matches!(self.toks.get(self.pos), Some(Tok::Text(t)) if t.trim().is_empty()) {
            self.pos += 1;
        }
    }

    fn next(&mut self) -> Option<Tok> {
        self.skip_ws();
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn open(&mut self, name: &str) -> Result<(), String> {
        match self.next() {
            Some(Tok::Open(n)) if n == name => Ok(()),
            other => Err(format!("expected <{name}>, found {other:?}")),
        }
    }

    fn close(&mut self, name: &str) -> Result<(), String> {
        match self.next() {
            Some(Tok::Close(n)) if n == name => Ok(()),
            other => Err(format!("expected </{name}>, found {other:?}")),
        }
    }

    fn at_close(&mut self, name: &str) -> bool {
        self.skip_ws();
        matches!(self.toks.get(self.pos), Some(Tok::Close(n)) if n == name)
    }

    fn text_until(&mut self, name: &str) -> Result<String, String> {
        let mut s = String::new();
        while let Some(Tok::Text(t)) = self.toks.get(self.pos) {
            s.push_str(t);
            self.pos += 1;
        }
        self.close(name)?;
        Ok(s)
    }

    /// After `<value>`: the value, consuming its `</value>`.
    fn value(&mut self) -> Result<Value, String> {
        if let Some(Tok::Text(t)) = self.toks.get(self.pos).cloned()
            && matches!(self.toks.get(self.pos + 1), Some(Tok::Close(n)) if n == "value")
        {
            self.pos += 2;
            return Ok(Value::String(t));
        }
        if matches!(self.toks.get(self.pos), Some(Tok::Close(n)) if n == "value") {
            self.pos += 1;
            return Ok(Value::String(String::new()));
        }
        let v = match self.next() {
            Some(Tok::Empty(n)) => match n.as_str() {
                "nil" => Value::Null,
                "string" | "base64" => Value::String(String::new()),
                "array" => Value::Array(vec![]),
                "struct" => Value::Object(Map::new()),
                other => return Err(format!("unexpected <{other}/>")),
            },
            Some(Tok::Open(n)) => match n.as_str() {
                "int" | "i4" | "i8" => {
                    let t = self.text_until(&n)?;
                    Value::from(t.trim().parse::<i64>().map_err(|e| format!("bad integer {t:?}: {e}"))?)
                }
                "boolean" => Value::Bool(self.text_until(&n)?.trim() == "1"),
                "double" => {
                    let t = self.text_until(&n)?;
                    Value::from(t.trim().parse::<f64>().map_err(|e| format!("bad double {t:?}: {e}"))?)
                }
                "string" | "dateTime.iso8601" | "base64" => Value::String(self.text_until(&n)?),
                "nil" => {
                    self.close("nil")?;
                    Value::Null
                }
                "array" => {
                    let mut items = Vec::new();
                    self.skip_ws();
                    if matches!(self.toks.get(self.pos), Some(Tok::Empty(d)) if d == "data") {
                        self.pos += 1;
                    } else {
                        self.open("data")?;
                        while !self.at_close("data") {
                            self.open("value")?;
                            items.push(self.value()?);
                        }
                        self.close("data")?;
                    }
                    self.close("array")?;
                    Value::Array(items)
                }
                "struct" => {
                    let mut map = Map::new();
                    while !self.at_close("struct") {
                        self.open("member")?;
                        self.open("name")?;
                        let name = self.text_until("name")?;
                        self.open("value")?;
                        map.insert(name, self.value()?);
                        self.close("member")?;
                    }
                    self.close("struct")?;
                    Value::Object(map)
                }
                other => return Err(format!("unknown value type <{other}>")),
            },
            other => return Err(format!("expected a value, found {other:?}")),
        };
        self.close("value")?;
        Ok(v)
    }
}

/// Parses a `methodResponse`; `Err` when the document is not one.
pub fn parse_response(xml: &str) -> Result<Response, String> {
    let mut p = Parser { toks: tokenize(xml)?, pos: 0 };
    p.open("methodResponse")?;
    match p.next() {
        Some(Tok::Open(n)) if n == "params" => {
            p.open("param")?;
            p.open("value")?;
            let v = p.value()?;
            Ok(Ok(v))
        }
        Some(Tok::Open(n)) if n == "fault" => {
            p.open("value")?;
            let v = p.value()?;
            let code = v.get("faultCode").cloned().unwrap_or(Value::Null);
            let text = v.get("faultString").and_then(Value::as_str).unwrap_or_default().to_string();
            Ok(Err((code, text)))
        }
        other => Err(format!("expected <params> or <fault>, found {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_and_parses_values() {
        let doc = call("execute_kw", &[json!(["a & <b>", 1, 2.5, true, null, {"k": []}])]);
        assert!(doc.contains("<string>a &amp; &lt;b&gt;</string>"), "{doc}");
        assert!(doc.contains("<int>1</int>") && doc.contains("<double>2.5</double>"), "{doc}");
        let body = doc.replace("methodCall", "methodResponse").replace("<methodName>execute_kw</methodName>", "");
        let parsed = parse_response(&body).unwrap().unwrap();
        assert_eq!(parsed, json!(["a & <b>", 1, 2.5, true, false, {"k": []}]));
    }

    #[test]
    fn parses_faults_and_bare_strings() {
        let fault = "<?xml version='1.0'?>\n<methodResponse><fault><value><struct><member><name>faultCode</name>\
            <value><int>3</int></value></member><member><name>faultString</name><value><string>Access Denied\
            </string></value></member></struct></value></fault></methodResponse>";
        assert_eq!(parse_response(fault).unwrap(), Err((json!(3), "Access Denied".to_string())));
        let bare = "<methodResponse><params><param><value>plain &#233;</value></param></params></methodResponse>";
        assert_eq!(parse_response(bare).unwrap(), Ok(json!("plain é")));
        assert!(parse_response("<html>nope</html>").is_err());
    }
}
