use std::collections::HashSet;
use std::fmt;
use std::path::Path;

use rampart_model::Project;
use rampart_rules::{Finding, Redactions};
use serde::{Deserialize, Serialize};

/// The baseline file format. Entries carry more than the fingerprint so that a
/// reviewer can read what was accepted; only the fingerprint is matched.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    findings: Vec<BaselineEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineEntry {
    fingerprint: String,
    rule: String,
    file: String,
    resource: String,
    message: String,
}

const VERSION: u32 = 1;

/// Accepted findings, by fingerprint.
#[derive(Debug, Default)]
pub struct Baseline {
    fingerprints: HashSet<String>,
}

/// A baseline that cannot be read or written; the run stops (exit code 2).
#[derive(Debug)]
pub struct BaselineError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for BaselineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for BaselineError {}

impl Baseline {
    /// Reads a baseline written by `--write-baseline`.
    pub fn load(path: &Path) -> Result<Self, BaselineError> {
        let error = |message: String| BaselineError {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| error(format!("cannot read the baseline: {e}")))?;
        let file: BaselineFile = serde_json::from_str(&text).map_err(|e| {
            error(format!(
                "line {}, column {}: not a rampart baseline: {e}",
                e.line(),
                e.column()
            ))
        })?;
        if file.version != VERSION {
            return Err(error(format!(
                "baseline version {} is not supported (this rampart writes version {VERSION})",
                file.version
            )));
        }
        Ok(Self {
            fingerprints: file.findings.into_iter().map(|e| e.fingerprint).collect(),
        })
    }

    /// The baseline of `findings`, as the JSON a file holds (sorted, so that a
    /// rewritten baseline diffs cleanly).
    /// Messages are redacted like every report: a baseline is committed.
    pub fn render(
        findings: &[Finding],
        project: &Project,
        redactions: &Redactions,
    ) -> serde_json::Result<String> {
        let mut entries: Vec<BaselineEntry> = findings
            .iter()
            .map(|f| BaselineEntry {
                fingerprint: f.fingerprint.clone(),
                rule: f.rule.id.to_owned(),
                file: project.file(f.file).display_path.clone(),
                resource: redactions.scrub_finding(f, &f.resource).into_owned(),
                message: redactions.scrub_finding(f, &f.message).into_owned(),
            })
            .collect();
        entries.sort_by(|a, b| {
            (&a.file, &a.rule, &a.fingerprint).cmp(&(&b.file, &b.rule, &b.fingerprint))
        });
        entries.dedup_by(|a, b| a.fingerprint == b.fingerprint);
        let file = BaselineFile {
            version: VERSION,
            findings: entries,
        };
        let mut text = serde_json::to_string_pretty(&file)?;
        text.push('\n');
        Ok(text)
    }

    /// Writes the baseline of `findings` to `path`.
    pub fn write(
        path: &Path,
        findings: &[Finding],
        project: &Project,
        redactions: &Redactions,
    ) -> Result<(), BaselineError> {
        let error = |message: String| BaselineError {
            path: path.display().to_string(),
            message,
        };
        let text = Self::render(findings, project, redactions)
            .map_err(|e| error(format!("cannot render the baseline: {e}")))?;
        std::fs::write(path, text).map_err(|e| error(format!("cannot write the baseline: {e}")))
    }

    /// Removes the findings the baseline accepts; returns how many.
    pub fn apply(&self, findings: &mut Vec<Finding>) -> usize {
        let before = findings.len();
        findings.retain(|f| !self.fingerprints.contains(&f.fingerprint));
        before - findings.len()
    }
}
