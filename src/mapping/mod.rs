//! Mappings are data: `mappings/<connector>/<stream>.toml` says which source field (a JSON
//! pointer) feeds which canonical field, through which transform (a closed set, `transform.rs`),
//! which identity keys match a record to an existing entity, in order, and which systems outrank
//! this source per field. A bad mapping fails at start-up with the file, the key and the reason.
//! `transform = "map"` looks the value up in the field's `values` table (vendor statuses); a file's
//! `false_is_null` reads a JSON `false` as absent (Odoo's empty fields) except for `boolean` and
//! `copy` fields. The format is documented in mappings/README.md.

pub mod transform;

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use hub_connector_sdk::{EntityKind, SourceRecord};
use serde::Deserialize;
use serde_json::Value;

/// Canonical field → value, as a mapping produces it.
pub type MappedFields = BTreeMap<String, Value>;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    entity: String,
    #[serde(default = "default_identity")]
    identity: Vec<String>,
    /// Odoo's way: a JSON `false` is an absent value, except for `copy` and `boolean` fields.
    #[serde(default)]
    false_is_null: bool,
    /// JSON pointer → value: a record holding one of these values is skipped (ignored, not an
    /// error), e.g. Cal.com's booking moved away by a reschedule (`"/rescheduled" = true`).
    #[serde(default)]
    skip_when: BTreeMap<String, Value>,
    /// A deleted record matched by an identity key (not by its own link) deletes the entity it
    /// matched: Cal.com's cancellation of a rescheduled booking ends the whole chain.
    #[serde(default)]
    deletes_by_identity: bool,
    fields: BTreeMap<String, FieldFile>,
}

fn default_identity() -> Vec<String> {
    vec!["external_link".into()]
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldFile {
    from: String,
    #[serde(default = "default_transform")]
    transform: String,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    default: Option<Value>,
    #[serde(default)]
    authority: Vec<String>,
    #[serde(default)]
    lenient: bool,
    /// Source value → canonical value, for `transform = "map"` (checked to be texts at load).
    #[serde(default)]
    values: Option<BTreeMap<String, Value>>,
}

fn default_transform() -> String {
    "copy".into()
}

/// One canonical field's rule.
#[derive(Debug, Clone)]
pub struct FieldRule {
    pub from: String,
    pub transform: String,
    pub required: bool,
    pub default: Option<Value>,
    pub authority: Vec<String>,
    /// A value the transform refuses is left out (with a warning) instead of refusing the record.
    pub lenient: bool,
    /// The table of `transform = "map"`: source value → canonical value.
    pub values: BTreeMap<String, String>,
    /// A source `false` is absent (the file's `false_is_null`, for a transform that reads text).
    pub false_is_null: bool,
}

impl FieldRule {
    /// Applies this field's transform to `v`.
    pub fn transform(&self, v: &Value) -> Result<Value, transform::TransformError> {
        if self.transform == "map" { transform::map(&self.values, v) } else { transform::apply(&self.transform, v) }
    }

    /// The source value at `from` in `data`: absent when missing, null, or (with `false_is_null`)
    /// `false`.
    fn source(&self, data: &Value) -> Option<Value> {
        data.pointer(&self.from)
            .filter(|v| !(v.is_null() || (self.false_is_null && v.as_bool() == Some(false))))
            .cloned()
    }
}

/// A validated mapping.
#[derive(Debug, Clone)]
pub struct Mapping {
    name: String,
    entity: EntityKind,
    identity: Vec<String>,
    skip_when: BTreeMap<String, Value>,
    deletes_by_identity: bool,
    fields: BTreeMap<String, FieldRule>,
}

/// A record that a mapping cannot map: which field, from where, why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field `{field}` (from `{pointer}`): {reason}")]
pub struct MapError {
    pub field: String,
    pub pointer: String,
    pub reason: String,
}

impl Mapping {
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn entity(&self) -> EntityKind {
        self.entity
    }
    /// Identity keys in order: `external_link`, then canonical field names.
    pub fn identity(&self) -> &[String] {
        &self.identity
    }
    /// Why the record is skipped (`skip_when` matched), `None` when it is mapped.
    /// Whether a deletion matched by identity (no link yet) deletes the matched entity.
    pub fn deletes_by_identity(&self) -> bool {
        self.deletes_by_identity
    }

    pub fn skips(&self, record: &SourceRecord) -> Option<String> {
        self.skip_when
            .iter()
            .find(|(pointer, value)| record.data.pointer(pointer) == Some(*value))
            .map(|(pointer, value)| format!("`{pointer}` is {value} (skip_when of mapping `{}`)", self.name))
    }

    /// Systems whose values outrank this source's for `field`, highest first.
    pub fn authority(&self, field: &str) -> &[String] {
        self.fields.get(field).map(|f| f.authority.as_slice()).unwrap_or(&[])
    }

    /// Maps a record's JSON to canonical fields. Absent or null source values (after the default)
    /// are left out, so they never erase what another source set. A `map` field whose value is not
    /// in its table takes its `default` when it has one.
    pub fn apply(&self, record: &SourceRecord) -> Result<MappedFields, MapError> {
        let mut out = MappedFields::new();
        for (field, rule) in &self.fields {
            let raw = rule.source(&record.data).or_else(|| rule.default.clone());
            let value = match raw {
                Some(v) => match rule.transform(&v) {
                    Ok(value) => value,
                    Err(e) if rule.transform == "map" && rule.default.as_ref().is_some_and(|d| *d != v) => {
                        tracing::warn!(stream = %record.stream, record = %record.external_id, field = %field,
                            pointer = %rule.from, reason = %e.0, "unknown value: the field's default is used");
                        let default = rule.default.as_ref().expect("checked in the guard");
                        rule.transform(default).map_err(|e| MapError {
                            field: field.clone(),
                            pointer: rule.from.clone(),
                            reason: e.0,
                        })?
                    }
                    Err(e) if rule.lenient && !rule.required => {
                        tracing::warn!(stream = %record.stream, record = %record.external_id, field = %field,
                            pointer = %rule.from, reason = %e.0, "value left out (lenient field)");
                        Value::Null
                    }
                    Err(e) => return Err(MapError { field: field.clone(), pointer: rule.from.clone(), reason: e.0 }),
                },
                None => Value::Null,
            };
            if value.is_null() {
                if rule.required {
                    return Err(MapError {
                        field: field.clone(),
                        pointer: rule.from.clone(),
                        reason: "required but missing or empty".into(),
                    });
                }
                continue;
            }
            out.insert(field.clone(), value);
        }
        Ok(out)
    }
}

/// One problem in a mapping file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: key `{key}`: {reason}")]
pub struct MappingError {
    pub file: String,
    pub key: String,
    pub reason: String,
}

/// Every problem of a mappings directory.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
pub struct MappingErrors(pub Vec<MappingError>);

/// `key` as TOML writes it in a dotted key: bare when it can be, else quoted.
fn toml_key(key: &str) -> String {
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        key.to_string()
    } else {
        format!("{key:?}")
    }
}

fn validate(name: &str, file: &str, parsed: MappingFile) -> Result<Mapping, Vec<MappingError>> {
    let mut errors = Vec::new();
    let mut err = |key: &str, reason: String| errors.push(MappingError { file: file.into(), key: key.into(), reason });
    let entity = EntityKind::parse(&parsed.entity);
    if entity.is_none() {
        let known: Vec<_> = EntityKind::ALL.iter().map(|k| k.as_str()).collect();
        err("entity", format!("unknown entity `{}` (expected one of {})", parsed.entity, known.join(", ")));
    }
    if parsed.fields.is_empty() {
        err("fields", "a mapping needs at least one field".into());
    }
    for key in &parsed.identity {
        if key != "external_link" && !parsed.fields.contains_key(key) {
            err("identity", format!("identity key `{key}` is neither `external_link` nor a mapped field"));
        }
    }
    for pointer in parsed.skip_when.keys() {
        if !pointer.starts_with('/') {
            err(
                &format!("skip_when.{}", toml_key(pointer)),
                format!("`{pointer}` is not a JSON pointer (it must start with `/`)"),
            );
        }
    }
    for (field, rule) in &parsed.fields {
        if !(rule.from.is_empty() || rule.from.starts_with('/')) {
            err(
                &format!("fields.{field}.from"),
                format!("`{}` is not a JSON pointer (it must start with `/`)", rule.from),
            );
        }
        if !transform::TRANSFORMS.contains(&rule.transform.as_str()) {
            err(
                &format!("fields.{field}.transform"),
                format!(
                    "unknown transform `{}` (expected one of {})",
                    rule.transform,
                    transform::TRANSFORMS.join(", ")
                ),
            );
        }
        let values = match (&rule.values, rule.transform.as_str()) {
            (None, "map") => {
                err(
                    &format!("fields.{field}.values"),
                    "transform `map` needs `values`, a table of source value = canonical value".into(),
                );
                None
            }
            (Some(_), t) if t != "map" => {
                err(&format!("fields.{field}.values"), format!("`values` goes with transform `map`, not `{t}`"));
                None
            }
            (Some(values), _) if values.is_empty() => {
                err(&format!("fields.{field}.values"), "`values` is empty: list the source values to map".into());
                None
            }
            (Some(values), _) => {
                let mut texts = BTreeMap::new();
                for (from, to) in values {
                    match to {
                        Value::String(to) => {
                            texts.insert(from.clone(), to.clone());
                        }
                        other => err(
                            &format!("fields.{field}.values.{}", toml_key(from)),
                            format!("`{from}` maps to {other}: the canonical value must be a text (in quotes)"),
                        ),
                    }
                }
                (texts.len() == values.len()).then_some(texts)
            }
            (None, _) => Some(BTreeMap::new()),
        };
        if let (Some(default), Some(values)) = (&rule.default, values) {
            let checked = if rule.transform == "map" {
                transform::map(&values, default)
            } else {
                transform::apply(&rule.transform, default)
            };
            if let Err(e) = checked {
                err(&format!("fields.{field}.default"), format!("the default does not pass its transform: {e}"));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let false_is_null = parsed.false_is_null;
    let fields = parsed
        .fields
        .into_iter()
        .map(|(k, f)| {
            let values = f
                .values
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(from, to)| to.as_str().map(|to| (from, to.to_string())))
                .collect();
            let false_is_null = false_is_null && !transform::KEEP_FALSE.contains(&f.transform.as_str());
            (
                k,
                FieldRule {
                    from: f.from,
                    transform: f.transform,
                    required: f.required,
                    default: f.default,
                    authority: f.authority,
                    lenient: f.lenient,
                    values,
                    false_is_null,
                },
            )
        })
        .collect();
    Ok(Mapping {
        name: name.into(),
        entity: entity.expect("checked above"),
        identity: parsed.identity,
        skip_when: parsed.skip_when,
        deletes_by_identity: parsed.deletes_by_identity,
        fields,
    })
}

/// Every mapping of a directory, by name (`connector/stream`).
#[derive(Debug, Clone, Default)]
pub struct MappingSet {
    mappings: BTreeMap<String, Mapping>,
}

impl MappingSet {
    /// Parses one mapping text (tests, tools).
    pub fn parse(name: &str, file: &str, text: &str) -> Result<Mapping, MappingErrors> {
        let parsed: MappingFile = toml::from_str(text).map_err(|e| {
            let key = e
                .span()
                .map(|s| format!("(line {})", text[..s.start.min(text.len())].matches('\n').count() + 1))
                .unwrap_or_else(|| "(file)".into());
            MappingErrors(vec![MappingError { file: file.into(), key, reason: e.message().to_string() }])
        })?;
        validate(name, file, parsed).map_err(MappingErrors)
    }

    /// Loads `dir/*/*.toml`; all errors of all files at once. A missing directory is empty.
    pub fn load_dir(dir: &Path) -> Result<MappingSet, MappingErrors> {
        let mut set = MappingSet::default();
        let mut errors = Vec::new();
        let mut files: Vec<PathBuf> = Vec::new();
        if let Ok(connectors) = std::fs::read_dir(dir) {
            for c in connectors.flatten().filter(|e| e.path().is_dir()) {
                if let Ok(entries) = std::fs::read_dir(c.path()) {
                    files.extend(
                        entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "toml")),
                    );
                }
            }
        }
        files.sort();
        for path in files {
            let file = path.display().to_string();
            let connector =
                path.parent().and_then(Path::file_name).map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
            let stream = path.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
            let name = format!("{connector}/{stream}");
            match std::fs::read_to_string(&path) {
                Err(e) => errors.push(MappingError { file, key: "(file)".into(), reason: e.to_string() }),
                Ok(text) => match MappingSet::parse(&name, &file, &text) {
                    Ok(m) => {
                        set.mappings.insert(name, m);
                    }
                    Err(MappingErrors(es)) => errors.extend(es),
                },
            }
        }
        if errors.is_empty() { Ok(set) } else { Err(MappingErrors(errors)) }
    }

    pub fn get(&self, name: &str) -> Option<&Mapping> {
        self.mappings.get(name)
    }

    pub fn names(&self) -> Vec<String> {
        self.mappings.keys().cloned().collect()
    }
}

#[cfg(test)]
mod tests;
