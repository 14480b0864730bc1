//! Layered loading: defaults, then a TOML file (`--config`, or `./hub.toml` when present), then
//! `HUB_…` environment variables with `__` for nesting (`HUB_HTTP__BIND`,
//! `HUB_CONNECTORS__MEMBERS_FORM__SECRET`). Two names are not configuration keys: `HUB_LOG` (a
//! log filter read at start-up) and `HUB_TEST_…` (the test suite's own settings). Every problem is reported with its source (file or
//! variable), its key and the reason; secrets are never echoed.

use std::path::{Path, PathBuf};

use figment::{
    Figment, Metadata, Profile, Provider, Source,
    providers::{Format, Toml},
    value::{Dict, Map},
};

use super::Config;

/// One problem: where it comes from, which key, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub source: String,
    pub key: String,
    pub reason: String,
}

/// Every problem found in a configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .problems.iter().map(|p| format!("{}: key `{}`: {}", p.source, p.key, p.reason)).collect::<Vec<_>>().join("\n"))]
pub struct ConfigError {
    pub problems: Vec<Problem>,
}

/// `HUB_…` variables as a figment provider (the same nesting rules as figment's `Env`, but over
/// an explicit list, so tests need not touch the process environment).
struct EnvPairs(Vec<(String, String)>);

impl Provider for EnvPairs {
    fn metadata(&self) -> Metadata {
        Metadata::named("environment").interpolater(|_: &Profile, keys: &[&str]| {
            format!(
                "environment variable HUB_{}",
                keys.iter().map(|k| k.to_ascii_uppercase()).collect::<Vec<_>>().join("__")
            )
        })
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let mut dict = Dict::new();
        for (name, value) in &self.0 {
            let Some(rest) = name.strip_prefix("HUB_") else {
                continue;
            };
            if !is_config_var(rest) {
                continue;
            }
            let key = rest.to_ascii_lowercase().split("__").collect::<Vec<_>>().join(".");
            let parsed: figment::value::Value = value.parse().expect("figment values always parse");
            if let Some(nested) = figment::util::nest(&key, parsed).into_dict() {
                merge_into(&mut dict, nested);
            }
        }
        Ok(Profile::Default.collect(dict))
    }
}

/// Whether `HUB_{rest}` is a configuration key (not `HUB_LOG`, not `HUB_TEST_…`).
fn is_config_var(rest: &str) -> bool {
    !(rest.is_empty() || rest == "LOG" || rest.starts_with("TEST_"))
}

fn merge_into(into: &mut Dict, from: Dict) {
    for (k, v) in from {
        match (into.get_mut(&k), v) {
            (Some(figment::value::Value::Dict(_, a)), figment::value::Value::Dict(_, b)) => merge_into(a, b),
            (_, v) => {
                into.insert(k, v);
            }
        }
    }
}

/// Keys whose values are secrets.
fn is_secret_key(key: &str) -> bool {
    key == "admin.token"
        || key == "database.url"
        || ((key.starts_with("connectors.") || key.starts_with("webhooks."))
            && (key.ends_with(".secret")
                || key.ends_with("_secret")
                || key.ends_with("token")
                || key.ends_with("signature_key")))
}

fn describe(err: &figment::Error) -> String {
    match &err.metadata {
        Some(md) => match &md.source {
            Some(Source::File(path)) => path.display().to_string(),
            _ if md.name == "environment" => md.interpolate(&Profile::Default, &err.path),
            _ => md.name.to_string(),
        },
        None => "configuration".into(),
    }
}

/// Extracts and validates a figment; `file` names the file for problems found after extraction.
pub(crate) fn from_figment(figment: Figment, file_label: &[String]) -> Result<Config, ConfigError> {
    match figment.extract::<Config>() {
        Err(err) => {
            let problems = err
                .into_iter()
                .map(|e| {
                    let key = if e.path.is_empty() { "(top level)".into() } else { e.path.join(".") };
                    // Serde's messages quote the offending value: never for a secret.
                    let reason = if is_secret_key(&key) {
                        "invalid value (not shown: this key holds a secret)".into()
                    } else {
                        e.kind.to_string()
                    };
                    Problem { source: describe(&e), key, reason }
                })
                .collect();
            Err(ConfigError { problems })
        }
        Ok(config) => {
            let source = if file_label.is_empty() { "configuration".to_string() } else { file_label.join(" + ") };
            let problems: Vec<Problem> = config
                .validate()
                .into_iter()
                .map(|(key, reason)| Problem { source: source.clone(), key, reason })
                .collect();
            if problems.is_empty() { Ok(config) } else { Err(ConfigError { problems }) }
        }
    }
}

fn build(file: Option<PathBuf>, env: &[(String, String)]) -> Result<Config, ConfigError> {
    let mut figment = Figment::new();
    let mut labels = Vec::new();
    if let Some(path) = file {
        if !path.is_file() {
            return Err(ConfigError {
                problems: vec![Problem {
                    source: path.display().to_string(),
                    key: "(file)".into(),
                    reason: "no such file".into(),
                }],
            });
        }
        labels.push(path.display().to_string());
        figment = figment.merge(Toml::file_exact(path));
    }
    if env.iter().any(|(k, _)| k.strip_prefix("HUB_").is_some_and(is_config_var)) {
        labels.push("environment".into());
    }
    from_figment(figment.merge(EnvPairs(env.to_vec())), &labels)
}

/// Loads from `file` (or `./hub.toml` when present) and the process's `HUB_…` variables.
pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
    let file = file.map(Path::to_path_buf).or_else(|| {
        let default = PathBuf::from("hub.toml");
        default.is_file().then_some(default)
    });
    let env: Vec<(String, String)> = std::env::vars().filter(|(k, _)| k.starts_with("HUB_")).collect();
    build(file, &env)
}

/// Loads from `file` (no implied ./hub.toml) and the given variables instead of the process's.
pub fn load_with_env(file: Option<&Path>, env: &[(String, String)]) -> Result<Config, ConfigError> {
    build(file.map(Path::to_path_buf), env)
}
