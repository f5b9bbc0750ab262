use std::collections::HashSet;

use rampart_config::Severity;
use rampart_discover::FileKind;
use rampart_model::{Project, Subject};
use rampart_rules::meta::{SUPPRESSION_WITHOUT_REASON, UNUSED_SUPPRESSION};
use rampart_rules::{Finding, Rule, find_rule, sort_findings};
use rampart_source::{FileId, Span};

const MARKER: &str = "rampart:ignore";

/// One `# rampart:ignore` comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    pub file: FileId,
    /// Where the comment starts.
    pub span: Span,
    /// The line whose findings it suppresses.
    pub target_line: u32,
    /// Rule ids or names as written.
    pub rules: Vec<String>,
    /// The text after ` -- `; `None` when missing or blank.
    pub reason: Option<String>,
}

/// The suppression comments of every scanned file.
pub fn parse_suppressions(project: &Project) -> Vec<Suppression> {
    let mut out = Vec::new();
    for (index, file) in project.files.iter().enumerate() {
        let id = FileId(u32::try_from(index).unwrap_or(u32::MAX));
        // Cheap test first: most files have no suppression at all.
        if !file.text.contains(MARKER) {
            continue;
        }
        let kind = project.file_kinds.get(index).copied();
        let lines: Vec<&str> = file.text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some((column, comment, own_line)) = comment_of(line, kind) else {
                continue;
            };
            let Some(body) = comment.trim_start().strip_prefix(MARKER) else {
                continue;
            };
            // `rampart:ignored` is not the marker.
            if body.starts_with(|c: char| c.is_alphanumeric() || c == '-' || c == '_') {
                continue;
            }
            let line_number = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let target_line = if own_line {
                next_content_line(&lines, i, kind).unwrap_or(line_number)
            } else {
                line_number
            };
            let (names, reason) = match body.split_once("--") {
                Some((names, reason)) => (names, Some(reason.trim()).filter(|r| !r.is_empty())),
                None => (body, None),
            };
            let rules = names
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            let width = u32::try_from(comment.chars().count() + 1).unwrap_or(1);
            out.push(Suppression {
                file: id,
                span: Span::on_line(line_number, column, width),
                target_line,
                rules,
                reason: reason.map(str::to_owned),
            });
        }
    }
    out
}

/// The comment of a line: its 1-based column (at `#`), its text after `#`, and
/// whether the comment is alone on its line.
fn comment_of(line: &str, kind: Option<FileKind>) -> Option<(u32, &str, bool)> {
    let trimmed = line.trim_start();
    if let Some(text) = trimmed.strip_prefix('#') {
        let column = line.len() - trimmed.len();
        let column = line[..column].chars().count() + 1;
        return Some((u32::try_from(column).unwrap_or(1), text, true));
    }
    // Dockerfiles have no trailing comments: `RUN x # y` passes `# y` to the shell.
    if kind == Some(FileKind::Dockerfile) {
        return None;
    }
    // YAML: a comment starts at a `#` preceded by whitespace, outside quotes.
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    for (byte, c) in line.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') if previous.is_whitespace() || "[{:,-".contains(previous) => {
                quote = Some(c);
            }
            (Some('"'), '\\') => {}
            (Some(q), c) if c == q && !(q == '"' && previous == '\\') => quote = None,
            (None, '#') if previous.is_whitespace() => {
                let column = line[..byte].chars().count() + 1;
                return Some((u32::try_from(column).unwrap_or(1), &line[byte + 1..], false));
            }
            _ => {}
        }
        previous = c;
    }
    None
}

/// The 1-based number of the first line after `index` with content (not blank,
/// not a comment), which a comment on a line of its own applies to.
fn next_content_line(lines: &[&str], index: usize, kind: Option<FileKind>) -> Option<u32> {
    lines
        .iter()
        .enumerate()
        .skip(index + 1)
        .find(|(_, line)| {
            let trimmed = line.trim();
            // A YAML document separator is not content a finding can be on.
            let separator = kind == Some(FileKind::Kubernetes) && trimmed == "---";
            !(trimmed.is_empty() || trimmed.starts_with('#') || separator)
        })
        .and_then(|(i, _)| u32::try_from(i + 1).ok())
}

/// Removes suppressed findings and adds the findings about the suppressions
/// themselves (META-001, META-002) when those rules are among `rules_run`.
///
/// Returns the number of findings suppressed.
pub fn apply_suppressions(
    findings: &mut Vec<Finding>,
    suppressions: &[Suppression],
    rules_run: &[&'static Rule],
    severity_of: impl Fn(&'static Rule) -> Severity,
    project: &Project,
) -> usize {
    // (suppression index, rule id) pairs that suppressed something.
    let mut used: HashSet<(usize, &'static str)> = HashSet::new();
    let before = findings.len();
    findings.retain(|finding| {
        let matched = suppressions.iter().enumerate().find(|(_, s)| {
            s.reason.is_some()
                && s.file == finding.file
                && s.target_line == finding.span.start.line
                && s.rules.iter().any(|r| {
                    finding.rule.id.eq_ignore_ascii_case(r) || finding.rule.name == r.as_str()
                })
        });
        match matched {
            Some((index, _)) => {
                used.insert((index, finding.rule.id));
                false
            }
            None => true,
        }
    });
    let suppressed = before - findings.len();

    let runs = |rule: &Rule| rules_run.iter().any(|r| r.meta.id == rule.meta.id);
    let report_missing_reason = runs(&SUPPRESSION_WITHOUT_REASON);
    let report_unused = runs(&UNUSED_SUPPRESSION);
    for (index, suppression) in suppressions.iter().enumerate() {
        let subject = Subject::File(suppression.file);
        if suppression.reason.is_none() || suppression.rules.is_empty() {
            if report_missing_reason {
                let message = if suppression.rules.is_empty() {
                    "`rampart:ignore` names no rule, so it suppresses nothing; write `# rampart:ignore RULE-ID -- reason`".to_owned()
                } else {
                    format!(
                        "suppression of {} gives no reason, so it suppresses nothing; add ` -- <why this exception is acceptable>`",
                        suppression.rules.join(", ")
                    )
                };
                findings.push(Finding::new(
                    &SUPPRESSION_WITHOUT_REASON.meta,
                    severity_of(&SUPPRESSION_WITHOUT_REASON),
                    subject,
                    suppression.span,
                    message,
                    project,
                ));
            }
            continue;
        }
        if !report_unused {
            continue;
        }
        for written in &suppression.rules {
            let message = match find_rule(written) {
                None => format!("`{written}` is not a rampart rule; this suppression does nothing"),
                // A rule that did not run cannot be said to be unused.
                Some(rule) if !runs(rule) => continue,
                Some(rule) if used.contains(&(index, rule.meta.id)) => continue,
                Some(rule) => format!(
                    "nothing on line {} is reported by {} `{}`; remove the suppression",
                    suppression.target_line, rule.meta.id, rule.meta.name
                ),
            };
            findings.push(Finding::new(
                &UNUSED_SUPPRESSION.meta,
                severity_of(&UNUSED_SUPPRESSION),
                subject,
                suppression.span,
                message,
                project,
            ));
        }
    }
    sort_findings(findings, project);
    suppressed
}
