//! The vendor's real examples: (1) every object in `examples/` is reproduced in shape by the
//! sandbox (every top-level field present, with the same JSON type when both are non-null);
//! (2) every Stripe CLI trigger in `cli-trigger-fixtures/` (the exact API
//! calls `stripe trigger <event>` makes) runs unchanged against the sandbox and produces its event.

mod common;

use std::path::PathBuf;

use reqwest::Method;
use serde_json::{Value, json};

fn specs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../../shared/vendor-specs/stripe")
}

fn read_dir(dir: &str) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = std::fs::read_dir(specs_dir().join(dir))
        .expect("examples folder")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap())
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(!out.is_empty(), "no files in {dir}");
    out
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn same_shape(name: &str, example: &Value, ours: &Value, problems: &mut Vec<String>) {
    for (k, ex) in example.as_object().expect("example is an object") {
        match ours.get(k) {
            None => problems.push(format!("{name}: missing field `{k}`")),
            Some(v) if !v.is_null() && !ex.is_null() && kind_of(v) != kind_of(ex) => {
                problems.push(format!("{name}: `{k}` is {} here, {} in the example", kind_of(v), kind_of(ex)))
            }
            _ => {}
        }
    }
}

#[tokio::test]
async fn examples_are_reproduced_in_shape() {
    let sb = common::start().await;
    // One object of every kind, made through the API.
    let c = sb.post("/v1/customers", json!({"email": "leonie.moreau@exemple.fr", "name": "Léonie Moreau"})).await;
    let prod = sb.post("/v1/products", json!({"name": "Atelier couture", "description": "Initiation"})).await;
    let price = sb.post("/v1/prices", json!({"product": prod["id"], "currency": "eur", "unit_amount": "2500"})).await;
    let pi = sb.post("/v1/payment_intents", json!({"amount": "2500", "currency": "eur", "customer": c["id"], "payment_method": "pm_card_visa", "confirm": "true"})).await;
    let charge = sb.get(&format!("/v1/charges/{}", pi["latest_charge"].as_str().unwrap())).await;
    let refund = sb.post("/v1/refunds", json!({"charge": charge["id"]})).await;
    let cs = sb.post("/v1/checkout/sessions", json!({"mode": "payment", "success_url": "https://exemple.fr/ok", "cancel_url": "https://exemple.fr/ko", "line_items": [{"price": price["id"], "quantity": "1"}]})).await;
    sb.post("/v1/invoiceitems", json!({"customer": c["id"], "amount": "1000", "currency": "eur"})).await;
    let invoice = sb.post("/v1/invoices", json!({"customer": c["id"]})).await;
    let we = sb
        .post(
            "/v1/webhook_endpoints",
            json!({"url": "https://exemple.fr/hook", "enabled_events": ["charge.failed", "charge.succeeded"]}),
        )
        .await;
    let event = sb.get("/v1/events").await["data"][0].clone();
    let ours = |kind: &str| -> Value {
        match kind {
            "customer" => c.clone(),
            "product" => prod.clone(),
            "price" => price.clone(),
            "payment_intent" => pi.clone(),
            "charge" => charge.clone(),
            "refund" => refund.clone(),
            "checkout.session" => cs.clone(),
            "invoice" => invoice.clone(),
            "webhook_endpoint" => we.clone(),
            "event" => event.clone(),
            other => panic!("an example of an object the sandbox does not serve: {other}"),
        }
    };
    let mut problems = Vec::new();
    for (name, example) in read_dir("examples") {
        let kind = example["object"].as_str().expect("example has an `object`");
        let mine = ours(kind);
        assert_eq!(mine["object"], kind, "{name}");
        same_shape(&name, &example, &mine, &mut problems);
        if kind == "event" {
            same_shape(&format!("{name} request"), &example["request"], &mine["request"], &mut problems);
            assert!(mine["data"]["object"].is_object(), "{name}: data.object");
        }
        if let Some(list) = example.get("lines").or(example.get("refunds")) {
            let key = if example.get("lines").is_some() { "lines" } else { "refunds" };
            same_shape(&format!("{name} {key}"), list, &mine[key], &mut problems);
        }
    }
    assert!(problems.is_empty(), "shape differences:\n  {}", problems.join("\n  "));
}

/// Replaces `${name:id}` by the id of the object the step `name` created.
fn substitute(v: &Value, made: &std::collections::HashMap<String, Value>) -> Value {
    match v {
        Value::String(s) if s.contains("${") => {
            let mut out = s.clone();
            for (name, obj) in made {
                let needle = format!("${{{name}:id}}");
                out = out.replace(&needle, obj["id"].as_str().unwrap_or_default());
            }
            Value::String(out)
        }
        Value::Object(m) => Value::Object(m.iter().map(|(k, x)| (k.clone(), substitute(x, made))).collect()),
        Value::Array(a) => Value::Array(a.iter().map(|x| substitute(x, made)).collect()),
        other => other.clone(),
    }
}

#[tokio::test]
async fn stripe_cli_triggers_run_unchanged_and_produce_their_event() {
    let sb = common::start().await;
    for (name, trigger) in read_dir("cli-trigger-fixtures") {
        let event_type = name.trim_end_matches(".json");
        let before = sb.events(event_type).await.len();
        let mut made = std::collections::HashMap::new();
        for step in trigger["fixtures"].as_array().expect("fixtures") {
            let path = substitute(&step["path"], &made);
            let params = substitute(step.get("params").unwrap_or(&json!({})), &made);
            let method = if step["method"] == "get" { Method::GET } else { Method::POST };
            let (status, _, body) = sb.call(method, path.as_str().unwrap(), &params, &[]).await;
            // Triggers of failures make the payment fail on purpose: Stripe answers 402 there.
            let declined = status == 402 && body["error"]["code"] == "card_declined" && event_type.contains("failed");
            assert!(status == 200 || declined, "{name} step {}: {status} {body:#}", step["name"]);
            if status == 200 {
                made.insert(step["name"].as_str().unwrap().to_string(), body);
            }
        }
        let after = sb.events(event_type).await;
        assert!(after.len() > before, "{name}: no new `{event_type}` event");
        assert_eq!(after[0]["type"], event_type);
    }
}
