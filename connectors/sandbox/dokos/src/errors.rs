//! Frappe's v1 error bodies (`frappe/app.py handle_exception` + `utils/response.py report_error`):
//! HTTP status from the exception class, `exc_type`, `exception` (last traceback line; tracebacks are
//! "allowed" here, as in the examples, except for the 401 example which has none) and
//! `_server_messages`, a JSON string of a list of JSON strings (Python separators).

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use crate::pyjson;

/// One Frappe exception as the API reports it.
#[derive(Debug, Clone)]
pub struct FrappeError {
    pub status: u16,
    pub exc_type: &'static str,
    /// Text of the `exception` line after `module.ExcType: ` (None: not shown).
    pub exception: Option<String>,
    /// The user-facing message (`_server_messages`), with its title.
    pub message: Option<(String, &'static str)>,
    /// Module path of the exception class in `exception`.
    pub module: &'static str,
}

impl FrappeError {
    fn new(status: u16, exc_type: &'static str, message: String, title: &'static str) -> FrappeError {
        FrappeError {
            status,
            exc_type,
            exception: Some(message.clone()),
            message: Some((message, title)),
            module: "frappe.exceptions",
        }
    }
    pub fn not_found(doctype: &str, name: &str) -> FrappeError {
        FrappeError::new(404, "DoesNotExistError", format!("{doctype} {name} not found"), "Message")
    }
    pub fn doctype_not_found(doctype: &str) -> FrappeError {
        FrappeError::new(404, "DoesNotExistError", format!("DocType {doctype} not found"), "Message")
    }
    pub fn auth() -> FrappeError {
        let mut e = FrappeError::new(401, "AuthenticationError", "Invalid API Key or Secret".into(), "Message");
        e.exception = None;
        e
    }
    pub fn bad_token() -> FrappeError {
        let mut e = FrappeError::new(400, "InvalidAuthorizationToken", "Invalid Authorization Token".into(), "Message");
        e.exception = Some(String::new());
        e
    }
    pub fn permission(doctype: &str) -> FrappeError {
        FrappeError::new(403, "PermissionError", format!("No permission for {doctype}"), "Not Permitted")
    }
    pub fn duplicate(doctype: &str, name: &str) -> FrappeError {
        let mut e =
            FrappeError::new(409, "DuplicateEntryError", format!("{doctype} {name} already exists"), "Duplicate Name");
        e.exception = Some(format!(
            "('{doctype}', '{name}', IntegrityError(1062, \"Duplicate entry '{name}' for key 'PRIMARY'\"))"
        ));
        e
    }
    /// `MandatoryError`: `missing` are (fieldname, label) pairs.
    pub fn mandatory(doctype: &str, missing: &[(String, String)]) -> FrappeError {
        let message = missing
            .iter()
            .map(|(_, label)| format!("Error: Value missing for {doctype}: {label}"))
            .collect::<Vec<_>>()
            .join("<br>");
        let fields = missing.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>().join(", ");
        let slug = doctype.to_lowercase().replace(' ', "-");
        let mut e = FrappeError::new(417, "MandatoryError", message, "Missing Fields");
        e.exception = Some(format!("[{doctype}, new-{slug}-1]: {fields}"));
        e
    }
    pub fn validation(exc_type: &'static str, message: String) -> FrappeError {
        FrappeError::new(417, exc_type, message, "Message")
    }
    pub fn link(doctype: &str, name: &str) -> FrappeError {
        FrappeError::validation("LinkValidationError", format!("Could not find {doctype}: {name}"))
    }
    /// An unknown column, as MariaDB reports it through pymysql (HTTP 500, no user message).
    pub fn unknown_column(field: &str, clause: &str) -> FrappeError {
        FrappeError {
            status: 500,
            exc_type: "OperationalError",
            exception: Some(format!("(1054, \"Unknown column '{field}' in '{clause}'\")")),
            message: None,
            module: "pymysql.err",
        }
    }

    /// The JSON body Frappe sends.
    pub fn body(&self) -> Value {
        let mut body = json!({ "exc_type": self.exc_type });
        if let Some(exception) = &self.exception {
            let line = if exception.is_empty() {
                format!("{}.{}", self.module, self.exc_type)
            } else {
                format!("{}.{}: {exception}", self.module, self.exc_type)
            };
            body["exception"] = Value::String(line);
        }
        if let Some((message, title)) = &self.message {
            body["_server_messages"] = Value::String(server_messages(message, title));
        }
        body
    }
}

/// `_server_messages`: `json.dumps([json.dumps({...})])`.
pub fn server_messages(message: &str, title: &str) -> String {
    // Key order as Frappe's msgprint builds it (not sorted).
    let mut inner = String::from("{\"message\": ");
    pyjson::write_str(message, &mut inner);
    inner.push_str(", \"title\": ");
    pyjson::write_str(title, &mut inner);
    inner.push_str(", \"indicator\": \"red\", \"raise_exception\": 1}");
    pyjson::dumps(&Value::Array(vec![Value::String(inner)]))
}

impl IntoResponse for FrappeError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(self.body())).into_response()
    }
}
