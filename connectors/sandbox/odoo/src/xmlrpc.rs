//! XML-RPC on the wire, hand-written (the format is small): parsing a `methodCall` into JSON
//! values (`int`/`i4`/`i8`, `boolean`, `string` or bare text, `double`, `dateTime.iso8601` and
//! `base64` as strings, `array`, `struct`, `nil`) and writing `methodResponse`s the way Odoo's
//! marshaller does (`false` for empty values, never `<nil/>`, control characters stripped).

use serde_json::{Map, Value, json};

#[derive(Debug, PartialEq)]
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
                u32::from_str_radix(&ent[2..], 16).ok().and_then(char::from_u32).ok_or("bad entity")?
            }
            _ if ent.starts_with('#') => ent[1..].parse().ok().and_then(char::from_u32).ok_or("bad entity")?,
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
        } else if rest.starts_with("<?") || rest.starts_with("<!") {
            let end =
                if rest.starts_with("<!--") { rest.find("-->").map(|e| e + 3) } else { rest.find('>').map(|e| e + 1) };
            rest = &rest[end.ok_or("unterminated declaration")?..];
        } else if let Some(after) = rest.strip_prefix('<') {
            let end = after.find('>').ok_or("unterminated tag")?;
            let tag = after[..end].trim();
            rest = &after[end + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                toks.push(Tok::Close(name.trim().to_string()));
            } else if let Some(name) = tag.strip_suffix('/') {
                toks.push(Tok::Empty(name.split_whitespace().next().unwrap_or("").to_string()));
            } else {
                toks.push(Tok::Open(tag.split_whitespace().next().unwrap_or("").to_string()));
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
    fn next(&mut self) -> Option<&Tok> {
        self.skip_ws();
        let t = self.toks.get(self.pos);
        self.pos += 1;
        t
    }
    fn expect_open(&mut self, name: &str) -> Result<(), String> {
        match self.next() {
            Some(Tok::Open(n)) if n == name => Ok(()),
            other => Err(format!("expected <{name}>, got {other:?}")),
        }
    }
    fn expect_close(&mut self, name: &str) -> Result<(), String> {
        match self.next() {
            Some(Tok::Close(n)) if n == name => Ok(()),
            other => Err(format!("expected </{name}>, got {other:?}")),
        }
    }
    fn text_until(&mut self, name: &str) -> Result<String, String> {
        let mut s = String::new();
        while let Some(Tok::Text(t)) = self.toks.get(self.pos) {
            s.push_str(t);
            self.pos += 1;
        }
        self.expect_close(name)?;
        Ok(s)
    }
    fn peek_close(&mut self, name: &str) -> bool {
        self.skip_ws();
        matches!(self.toks.get(self.pos), Some(Tok::Close(n)) if n == name)
    }

    /// After `<value>`: the value and its `</value>`.
    fn value(&mut self) -> Result<Value, String> {
        // Bare text: a string.
        if let Some(Tok::Text(t)) = self.toks.get(self.pos) {
            let t = t.clone();
            if matches!(self.toks.get(self.pos + 1), Some(Tok::Close(n)) if n == "value") {
                self.pos += 2;
                return Ok(json!(t));
            }
        }
        if matches!(self.toks.get(self.pos), Some(Tok::Close(n)) if n == "value") {
            self.pos += 1;
            return Ok(json!(""));
        }
        let v = match self.next() {
            Some(Tok::Empty(n)) => match n.as_str() {
                "nil" | "ex:nil" => Value::Null,
                "string" | "base64" => json!(""),
                "array" => json!([]),
                "struct" => json!({}),
                other => return Err(format!("empty <{other}/>")),
            },
            Some(Tok::Open(n)) => {
                let n = n.clone();
                match n.as_str() {
                    "int" | "i4" | "i8" => {
                        let t = self.text_until(&n)?;
                        json!(t.trim().parse::<i64>().map_err(|e| format!("bad int {t:?}: {e}"))?)
                    }
                    "boolean" => json!(self.text_until(&n)?.trim() == "1"),
                    "double" => {
                        let t = self.text_until(&n)?;
                        json!(t.trim().parse::<f64>().map_err(|e| format!("bad double {t:?}: {e}"))?)
                    }
                    "string" | "dateTime.iso8601" | "base64" => json!(self.text_until(&n)?),
                    "nil" => {
                        self.expect_close("nil")?;
                        Value::Null
                    }
                    "array" => {
                        let mut items = Vec::new();
                        self.skip_ws();
                        if matches!(self.toks.get(self.pos), Some(Tok::Empty(d)) if d == "data") {
                            self.pos += 1;
                        } else {
                            self.expect_open("data")?;
                            while !self.peek_close("data") {
                                self.expect_open("value")?;
                                items.push(self.value()?);
                            }
                            self.expect_close("data")?;
                        }
                        self.expect_close("array")?;
                        Value::Array(items)
                    }
                    "struct" => {
                        let mut map = Map::new();
                        while !self.peek_close("struct") {
                            self.expect_open("member")?;
                            self.expect_open("name")?;
                            let key = self.text_until("name")?;
                            self.expect_open("value")?;
                            let v = self.value()?;
                            self.expect_close("member")?;
                            map.insert(key, v);
                        }
                        self.expect_close("struct")?;
                        Value::Object(map)
                    }
                    other => return Err(format!("unsupported type <{other}>")),
                }
            }
            other => return Err(format!("unexpected {other:?} in <value>")),
        };
        self.expect_close("value")?;
        Ok(v)
    }
}

/// Parses a `methodCall`: (methodName, params).
pub fn parse_call(xml: &str) -> Result<(String, Vec<Value>), String> {
    let mut p = Parser { toks: tokenize(xml)?, pos: 0 };
    p.expect_open("methodCall")?;
    p.expect_open("methodName")?;
    let name = p.text_until("methodName")?.trim().to_string();
    let mut params = Vec::new();
    p.skip_ws();
    match p.toks.get(p.pos) {
        Some(Tok::Empty(n)) if n == "params" => p.pos += 1,
        Some(Tok::Open(n)) if n == "params" => {
            p.pos += 1;
            while !p.peek_close("params") {
                p.expect_open("param")?;
                p.expect_open("value")?;
                params.push(p.value()?);
                p.expect_close("param")?;
            }
            p.expect_close("params")?;
        }
        _ => {}
    }
    p.expect_close("methodCall")?;
    Ok((name, params))
}

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if c.is_control() && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
}

fn write_value(v: &Value, out: &mut String) {
    out.push_str("<value>");
    match v {
        Value::Null | Value::Bool(false) => out.push_str("<boolean>0</boolean>"),
        Value::Bool(true) => out.push_str("<boolean>1</boolean>"),
        Value::Number(n) => match n.as_i64() {
            Some(i) => out.push_str(&format!("<int>{i}</int>")),
            None => out.push_str(&format!("<double>{:?}</double>", n.as_f64().unwrap_or(0.0))),
        },
        Value::String(s) => {
            out.push_str("<string>");
            escape(s, out);
            out.push_str("</string>");
        }
        Value::Array(a) => {
            out.push_str("<array><data>\n");
            for item in a {
                write_value(item, out);
            }
            out.push_str("</data></array>");
        }
        Value::Object(m) => {
            out.push_str("<struct>\n");
            for (k, item) in m {
                out.push_str("<member>\n<name>");
                escape(k, out);
                out.push_str("</name>\n");
                write_value(item, out);
                out.push_str("</member>\n");
            }
            out.push_str("</struct>");
        }
    }
    out.push_str("</value>\n");
}

/// A successful `methodResponse`.
pub fn response(v: &Value) -> String {
    let mut out = String::from("<?xml version=\"1.0\"?>\n<methodResponse>\n<params>\n<param>\n");
    write_value(v, &mut out);
    out.push_str("</param>\n</params>\n\n</methodResponse>\n");
    out
}

/// A fault `methodResponse`.
pub fn fault(code: &Value, message: &str) -> String {
    let mut out = String::from("<?xml version=\"1.0\"?>\n<methodResponse>\n<fault>\n");
    write_value(&json!({"faultCode": code, "faultString": message}), &mut out);
    out.push_str("</fault>\n\n</methodResponse>\n");
    out
}

/// Parses a `methodResponse` (used by the tests and handy for clients): Ok(value) or Err((faultCode, faultString)).
pub fn parse_response(xml: &str) -> Result<Result<Value, (Value, String)>, String> {
    let mut p = Parser { toks: tokenize(xml)?, pos: 0 };
    p.expect_open("methodResponse")?;
    let out = match p.next() {
        Some(Tok::Open(n)) if n == "params" => {
            p.expect_open("param")?;
            p.expect_open("value")?;
            let v = p.value()?;
            p.expect_close("param")?;
            p.expect_close("params")?;
            Ok(v)
        }
        Some(Tok::Open(n)) if n == "fault" => {
            p.expect_open("value")?;
            let v = p.value()?;
            p.expect_close("fault")?;
            let s = v.get("faultString").and_then(Value::as_str).unwrap_or_default().to_string();
            Err((v.get("faultCode").cloned().unwrap_or(Value::Null), s))
        }
        other => return Err(format!("unexpected {other:?}")),
    };
    p.expect_close("methodResponse")?;
    Ok(out)
}

/// Writes a `methodCall` (for tests and the inspection of example requests).
pub fn call(method: &str, params: &[Value]) -> String {
    let mut out = format!("<?xml version='1.0'?>\n<methodCall>\n<methodName>{method}</methodName>\n<params>\n");
    for p in params {
        out.push_str("<param>\n");
        write_value(p, &mut out);
        out.push_str("</param>\n");
    }
    out.push_str("</params>\n</methodCall>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let v = json!([1, "é & <x>", true, false, 2.5, {"a": [[], {}]}]);
        let (name, params) = parse_call(&call("m", std::slice::from_ref(&v))).unwrap();
        assert_eq!(name, "m");
        assert_eq!(params, vec![v]);
        assert_eq!(
            parse_response(&fault(&json!(3), "Access Denied")).unwrap(),
            Err((json!(3), "Access Denied".into()))
        );
    }
}
