//! The event kinds as data (`mappings/programme-kinds.toml`): per kind, the tasks an event brings
//! (slug, title, places, documentation link). Loaded and validated at start-up; every problem is
//! reported at once, naming the file, the kind and the key.

use std::{collections::BTreeMap, path::Path};

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KindsFile {
    kinds: BTreeMap<String, KindFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KindFile {
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    tasks: Vec<TaskFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskFile {
    slug: String,
    title: String,
    #[serde(default)]
    places: Option<i64>,
    #[serde(default)]
    doc_url: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

/// A task every event of a kind brings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskTemplate {
    /// Stable within the event: the task's external id is `{event id}:{slug}`.
    pub slug: String,
    pub title: String,
    /// Its own places (volunteers, facilitation); `None`: it shares the event's capacity.
    pub places: Option<u32>,
    pub doc_url: Option<String>,
    pub description: Option<String>,
}

/// One kind of event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventKind {
    pub name: String,
    pub description: Option<String>,
    pub tasks: Vec<TaskTemplate>,
}

/// Every kind, from one file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProgrammeKinds {
    pub file: String,
    pub kinds: Vec<EventKind>,
}

/// One problem of the kinds file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindProblem {
    pub kind: Option<String>,
    pub key: String,
    pub reason: String,
}

/// Every problem of a kinds file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .problems.iter().map(|p| match &p.kind {
    Some(kind) => format!("{}: kind \"{kind}\": key `{}`: {}", .file, p.key, p.reason),
    None => format!("{}: key `{}`: {}", .file, p.key, p.reason),
}).collect::<Vec<_>>().join("\n"))]
pub struct KindsError {
    pub file: String,
    pub problems: Vec<KindProblem>,
}

/// Lower-case, accents off, letters and digits only: `Repair Café` = `repair-cafe`.
pub fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ÿ' | 'ý' => 'y',
            'ñ' => 'n',
            'œ' => 'o',
            'æ' => 'a',
            other => other,
        })
        .filter(|c| c.is_alphanumeric())
        .collect()
}

fn valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
}

fn check_task(i: usize, task: &TaskFile, earlier: &[TaskFile], problem: &mut dyn FnMut(String, String)) {
    let at = format!("tasks[{i}]");
    if !valid_slug(&task.slug) {
        problem(format!("{at}.slug"), format!("`{}` is not a slug (a-z, 0-9 and `-`)", task.slug));
    } else if earlier.iter().any(|t| t.slug == task.slug) {
        problem(format!("{at}.slug"), format!("`{}` is used by another task of this kind", task.slug));
    }
    if task.title.trim().is_empty() {
        problem(format!("{at}.title"), "must not be empty".into());
    }
    if let Some(places) = task.places
        && !(1..=10_000).contains(&places)
    {
        problem(
            format!("{at}.places"),
            format!("{places} is not between 1 and 10000 (leave it out to share the event's capacity)"),
        );
    }
    if let Some(url) = &task.doc_url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        problem(format!("{at}.doc_url"), format!("`{url}` is not an http(s) URL"));
    }
}

impl ProgrammeKinds {
    /// Reads and validates `path`.
    pub fn load(path: &Path) -> Result<ProgrammeKinds, KindsError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| KindsError {
            file: file.clone(),
            problems: vec![KindProblem { kind: None, key: "(file)".into(), reason: e.to_string() }],
        })?;
        ProgrammeKinds::parse(&file, &text)
    }

    /// Parses and validates a kinds text (`file` names it in errors).
    pub fn parse(file: &str, text: &str) -> Result<ProgrammeKinds, KindsError> {
        let parsed: KindsFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            let key = line.map(|l| format!("(line {l})")).unwrap_or_else(|| "(file)".into());
            KindsError {
                file: file.into(),
                problems: vec![KindProblem { kind: None, key, reason: e.message().to_string() }],
            }
        })?;
        let mut problems = Vec::new();
        if parsed.kinds.is_empty() {
            problems.push(KindProblem { kind: None, key: "kinds".into(), reason: "no kind defined".into() });
        }
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        for (name, kind) in &parsed.kinds {
            let mut problem = |key: String, reason: String| {
                problems.push(KindProblem { kind: Some(name.clone()), key, reason });
            };
            let folded = fold(name);
            if folded.is_empty() {
                problem("(name)".into(), "a kind needs letters or digits in its name".into());
            } else if let Some(other) = seen.insert(folded, name.clone()) {
                problem("(name)".into(), format!("same as kind \"{other}\" once case and accents are ignored"));
            }
            for (i, task) in kind.tasks.iter().enumerate() {
                check_task(i, task, &kind.tasks[..i], &mut problem);
            }
        }
        if !problems.is_empty() {
            return Err(KindsError { file: file.into(), problems });
        }
        let kinds = parsed
            .kinds
            .into_iter()
            .map(|(name, k)| EventKind {
                name,
                description: k.description,
                tasks: k
                    .tasks
                    .into_iter()
                    .map(|t| TaskTemplate {
                        slug: t.slug,
                        title: t.title.trim().to_string(),
                        places: t.places.map(|p| p as u32),
                        doc_url: t.doc_url,
                        description: t.description,
                    })
                    .collect(),
            })
            .collect();
        Ok(ProgrammeKinds { file: file.into(), kinds })
    }

    /// The kinds' names, for the spreadsheet's `known_kinds`.
    pub fn names(&self) -> Vec<String> {
        self.kinds.iter().map(|k| k.name.clone()).collect()
    }

    /// The kind named `name` (case, accents, spaces and punctuation ignored).
    pub fn get(&self, name: &str) -> Option<&EventKind> {
        let folded = fold(name);
        self.kinds.iter().find(|k| fold(&k.name) == folded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../mappings/programme-kinds.toml");

    #[test]
    fn the_shipped_kinds_load_with_their_tasks() {
        let kinds = ProgrammeKinds::parse("programme-kinds.toml", SHIPPED).unwrap_or_else(|e| panic!("{e}"));
        let meeting = kinds.get("reunion").expect("Réunion, found without its accent");
        let lead = &meeting.tasks[0];
        assert_eq!((lead.slug.as_str(), lead.title.as_str(), lead.places), ("animer", "Animer la réunion", Some(1)));
        assert!(lead.doc_url.as_deref().is_some_and(|u| u.starts_with("https://")));
        assert!(meeting.tasks.iter().any(|t| t.title == "Participer à la réunion" && t.places.is_none()));
        let site = kinds.get("CHANTIER PARTICIPATIF").unwrap();
        assert!(site.tasks.iter().any(|t| t.places.is_some_and(|p| p > 1)), "volunteer places");
        for name in ["Atelier", "Permanence", "Repair café", "Soirée concert", "Formation", "Conférence"] {
            assert!(kinds.get(name).is_some(), "{name}");
        }
        // The kinds the spreadsheet connector's benchmark programme uses.
        for name in hub_connector_spreadsheet::bench::programme_csv(4, None)
            .split(|b| *b == b'\n')
            .skip(1)
            .filter_map(|l| std::str::from_utf8(l).ok()?.split(';').nth(4).map(str::to_string))
        {
            assert!(kinds.get(&name).is_some(), "{name}");
        }
    }

    #[test]
    fn every_problem_names_the_file_the_kind_and_the_key() {
        let text = "[kinds.\"Réunion\"]\n[[kinds.\"Réunion\".tasks]]\nslug = \"Animer!\"\ntitle = \" \"\nplaces = 0\n\
                    doc_url = \"wiki/guide\"\n[[kinds.\"Réunion\".tasks]]\nslug = \"b\"\ntitle = \"B\"\n\
                    [[kinds.\"Réunion\".tasks]]\nslug = \"b\"\ntitle = \"B2\"\n[kinds.\"reunion\"]\n";
        let err = ProgrammeKinds::parse("kinds.toml", text).unwrap_err().to_string();
        for part in [
            "kinds.toml: kind \"Réunion\": key `tasks[0].slug`",
            "key `tasks[0].title`: must not be empty",
            "key `tasks[0].places`",
            "key `tasks[0].doc_url`",
            "key `tasks[2].slug`: `b` is used by another task",
            "kind \"reunion\": key `(name)`: same as kind \"Réunion\"",
        ] {
            assert!(err.contains(part), "{part} in:\n{err}");
        }
        let unknown = ProgrammeKinds::parse("k.toml", "[kinds.A]\ncolour = 1\n").unwrap_err().to_string();
        assert!(unknown.starts_with("k.toml: key `(line") && unknown.contains("colour"), "{unknown}");
    }
}
