//! Every real example in `shared/vendor-specs/snipe-it/examples/` is reproduced by the sandbox:
//! exactly for the error/confirmation bodies, in shape (every key of the example present, same JSON
//! type where both sides are non-null) for records. The examples of resources the sandbox does not
//! simulate are listed with the reason; an unknown new example fails the test.

mod common;

use std::path::PathBuf;

use serde_json::{Value, json};

fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../../shared/vendor-specs/snipe-it/examples")
}

/// Not simulated (see the crate doc): companies, departments, licenses, accessories.
const NOT_SIMULATED: &[&str] =
    &["companies-list.GET.json", "departments-list.GET.json", "license-seats.GET.json", "users-accessories.GET.json"];

/// Keys of `example` missing from `actual`, or whose JSON types differ (null matches anything).
fn shape_diff(example: &Value, actual: &Value, path: &str, out: &mut Vec<String>) {
    match (example, actual) {
        (_, Value::Null) | (Value::Null, _) => {}
        (Value::Object(e), Value::Object(a)) => {
            for (k, v) in e {
                if k.starts_with("_snipeit_") || path.ends_with("custom_fields") {
                    continue; // custom fields are not simulated
                }
                match a.get(k) {
                    None => out.push(format!("{path}/{k} missing")),
                    Some(av) => shape_diff(v, av, &format!("{path}/{k}"), out),
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if let (Some(e0), Some(a0)) = (e.first(), a.first()) {
                shape_diff(e0, a0, &format!("{path}/0"), out);
            }
        }
        (e, a) if std::mem::discriminant(e) == std::mem::discriminant(a) => {}
        (e, a) => out.push(format!("{path}: example {e} vs sandbox {a}")),
    }
}

fn assert_shape(name: &str, example: &Value, actual: &Value) {
    let mut diff = Vec::new();
    shape_diff(example, actual, "", &mut diff);
    assert!(diff.is_empty(), "{name}: {diff:#?}\nsandbox: {actual:#}");
}

#[tokio::test]
async fn every_example_is_reproduced() {
    let sb = common::start().await;
    let mut names: Vec<String> = std::fs::read_dir(examples_dir())
        .expect("examples folder")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(names.len() >= 10);
    let mut checked = 0;
    for name in &names {
        let example: Value =
            serde_json::from_str(&std::fs::read_to_string(examples_dir().join(name)).unwrap()).unwrap();
        if NOT_SIMULATED.contains(&name.as_str()) {
            continue;
        }
        let actual = match name.as_str() {
            "error-unauthenticated.401.json" => {
                let r =
                    sb.http.get(sb.url("/api/v1/hardware")).header("Accept", "application/json").send().await.unwrap();
                assert_eq!(r.status(), 401);
                let body: Value = r.json().await.unwrap();
                assert_eq!(body, example, "{name}");
                body
            }
            "hardware-audit.POST.json" => {
                sb.post("/hardware/audit", json!({"asset_tag": "FAB-0005", "note": ""})).await
            }
            "hardware-create.POST_hardware.success.json" => {
                sb.post("/hardware", json!({"asset_tag": "FAB-5000", "model_id": 1, "status_id": 1})).await
            }
            "hardware-create.POST_hardware.validation-error.json" => {
                let v = sb.post("/hardware", json!({"asset_tag": "FAB-5001", "model_id": 1, "status_id": 4242})).await;
                assert_eq!(v, example, "{name}");
                v
            }
            "hardware-get.GET_hardware_id.json" => {
                let a = sb.rtd_asset(2).await;
                let id = a["id"].as_u64().unwrap();
                sb.post(
                    &format!("/hardware/{id}/checkout"),
                    json!({"checkout_to_type": "location", "assigned_location": 4}),
                )
                .await;
                sb.get(&format!("/hardware/{id}")).await
            }
            "hardware-get.not-found.json" => {
                let v = sb.get("/hardware/424242").await;
                assert_eq!(v, example, "{name}");
                v
            }
            "hardware-list.GET_hardware.json" => sb.get("/hardware?limit=2").await,
            "hardware-update.PUT_hardware_id.json" => {
                let v = sb.put("/hardware/1", json!({"notes": "Vérifiée"})).await;
                assert_eq!(v, example, "{name}");
                v
            }
            "locations-delete.DELETE.json" => {
                let l = sb.post("/locations", json!({"name": "Local vélo"})).await;
                let v = sb.delete(&format!("/locations/{}", l["payload"]["id"])).await;
                assert_eq!(v, example, "{name}");
                v
            }
            "maintenances-delete.DELETE.json" => sb.delete("/maintenances/1").await,
            "manufacturers-list.GET.json" => sb.get("/manufacturers").await,
            other => panic!("example {other} is neither reproduced nor listed as not simulated"),
        };
        assert_shape(name, &example, &actual);
        checked += 1;
    }
    assert_eq!(checked + NOT_SIMULATED.len(), names.len());
}
