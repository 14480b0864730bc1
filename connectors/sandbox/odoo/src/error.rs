//! Odoo's exceptions as the sandbox raises them, and how each transport reports them: XML-RPC fault
//! codes (`/xmlrpc/2`: ints; legacy `/xmlrpc`: strings), the JSON-RPC `error.data` object
//! (`serialize_exception`) and the JSON-2 status + body.

use serde_json::{Value, json};

/// The exception classes the sandbox raises.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Exc {
    /// Bad login / password / API key (`odoo.exceptions.AccessDenied`).
    AccessDenied,
    AccessError,
    UserError,
    ValidationError,
    MissingError,
    /// Python `ValueError` (invalid field, bad domain): an "application error".
    ValueError,
    /// Python `TypeError` (wrong arguments).
    TypeError,
    /// Python `KeyError` (unknown model over RPC is a `KeyError` in Odoo's registry).
    KeyError,
    /// Werkzeug `NotFound` (JSON-2: unknown model/method).
    NotFound,
    /// Python `AttributeError` (unknown method over RPC).
    AttributeError,
}

#[derive(Debug, Clone)]
pub struct OdooError {
    pub exc: Exc,
    pub message: String,
}

pub type OResult<T> = Result<T, OdooError>;

impl OdooError {
    pub fn new(exc: Exc, message: impl Into<String>) -> OdooError {
        OdooError { exc, message: message.into() }
    }
    pub fn access_denied() -> OdooError {
        OdooError::new(Exc::AccessDenied, "Access Denied")
    }
    pub fn value(message: impl Into<String>) -> OdooError {
        OdooError::new(Exc::ValueError, message)
    }
    pub fn user(message: impl Into<String>) -> OdooError {
        OdooError::new(Exc::UserError, message)
    }
    pub fn type_error(message: impl Into<String>) -> OdooError {
        OdooError::new(Exc::TypeError, message)
    }

    /// Fully qualified class name, as `serialize_exception` gives it.
    pub fn name(&self) -> &'static str {
        match self.exc {
            Exc::AccessDenied => "odoo.exceptions.AccessDenied",
            Exc::AccessError => "odoo.exceptions.AccessError",
            Exc::UserError => "odoo.exceptions.UserError",
            Exc::ValidationError => "odoo.exceptions.ValidationError",
            Exc::MissingError => "odoo.exceptions.MissingError",
            Exc::ValueError => "builtins.ValueError",
            Exc::TypeError => "builtins.TypeError",
            Exc::KeyError => "builtins.KeyError",
            Exc::NotFound => "werkzeug.exceptions.NotFound",
            Exc::AttributeError => "builtins.AttributeError",
        }
    }

    fn short_name(&self) -> &'static str {
        self.name().rsplit('.').next().unwrap_or("Exception")
    }

    /// A plausible (fake) traceback ending with the exception line.
    pub fn traceback(&self) -> String {
        format!(
            "Traceback (most recent call last):\n  File \"/opt/odoo/odoo/service/model.py\", line 133, in retrying\n    result = func()\n  File \"/opt/odoo/odoo/service/model.py\", line 62, in execute_kw\n    return execute(db, uid, obj, method, *args, **kw or {{}})\n{}: {}\n",
            self.name().trim_start_matches("builtins."),
            self.message
        )
    }

    /// `/xmlrpc/2` (`xmlrpc_handle_exception_int`): (faultCode, faultString).
    pub fn xmlrpc_fault(&self) -> (Value, String) {
        match self.exc {
            Exc::AccessError => (json!(4), self.message.clone()),
            Exc::AccessDenied => (json!(3), self.message.clone()),
            Exc::UserError | Exc::ValidationError | Exc::MissingError => (json!(2), self.message.clone()),
            _ => (json!(1), self.traceback()),
        }
    }

    /// Legacy `/xmlrpc` (`xmlrpc_handle_exception_string`): string faultCodes.
    pub fn xmlrpc_legacy_fault(&self) -> (Value, String) {
        match self.exc {
            Exc::AccessError | Exc::MissingError | Exc::UserError | Exc::ValidationError => {
                let class = if self.exc == Exc::ValidationError { "UserError" } else { self.short_name() };
                (json!(format!("warning -- {class}\n\n{}", self.message)), String::new())
            }
            Exc::AccessDenied => (json!("AccessDenied"), self.traceback()),
            _ => (json!(self.message.clone()), self.traceback()),
        }
    }

    /// The `data` member of a JSON-RPC error, and the JSON-2 error body.
    pub fn serialized(&self) -> Value {
        json!({
            "name": self.name(),
            "debug": self.traceback(),
            "message": self.message,
            "arguments": [self.message],
            "context": {},
        })
    }

    /// JSON-2 HTTP status (SRC-json2 `handle_error`).
    pub fn json2_status(&self) -> u16 {
        match self.exc {
            Exc::AccessDenied | Exc::AccessError => 403,
            Exc::UserError | Exc::ValidationError | Exc::TypeError => 422,
            Exc::MissingError | Exc::NotFound | Exc::AttributeError => 404,
            Exc::ValueError | Exc::KeyError => 500,
        }
    }
}
