use std::collections::{HashMap, HashSet};
use std::ops::RangeInclusive;

use rampart_config::Severity;
use rampart_discover::FileKind;
use rampart_model::{Project, Subject};
use rampart_rules::meta::{SUPPRESSION_WITHOUT_REASON, UNUSED_SUPPRESSION};
use rampart_rules::{Finding, Rule, find_rule, is_known_selector, sort_findings};
use rampart_source::{FileId, Span};
use rampart_yaml::Node;

const MARKER: &str = "rampart:ignore";

/// One `# rampart:ignore` comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    pub file: FileId,
    /// Where the comment starts.
    pub span: Span,
    /// The lines whose findings it suppresses: the YAML entry or list item, or
    /// the Dockerfile instruction, that starts on the comment's line (a trailing
    /// comment) or on the next line with content (a comment on a line of its own).
    pub covers: RangeInclusive<u32>,
    /// Rule ids, names or families as written.
    pub rules: Vec<String>,
    /// The text after ` -- `; `None` when missing or blank.
    pub reason: Option<String>,
}

/// A comment found on a line.
struct Comment<'a> {
    /// 1-based column of the `#`.
    column: u32,
    /// The text after `#`.
    text: &'a str,
    /// Whether nothing but whitespace precedes it.
    own_line: bool,
}

/// The suppression comments of every scanned file.
pub fn parse_suppressions(project: &Project) -> Vec<Suppression> {
    let mut out = Vec::new();
    for (index, file) in project.files.iter().enumerate() {
        // Cheap test first: most files have no suppression at all.
        if !file.text.contains(MARKER) {
            continue;
        }
        let id = FileId(u32::try_from(index).unwrap_or(u32::MAX));
        let kind = project.file_kinds.get(index).copied();
        let extents = Extents::of(project, id, kind);
        let lines: Vec<&str> = file.text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some(comment) = comment_of(line, kind) else {
                continue;
            };
            let Some(body) = comment.text.trim_start().strip_prefix(MARKER) else {
                continue;
            };
            // `rampart:ignored` is not the marker.
            if body.starts_with(|c: char| c.is_alphanumeric() || c == '-' || c == '_') {
                continue;
            }
            let line_number = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let target = if comment.own_line {
                next_content_line(&lines, i, kind).unwrap_or(line_number)
            } else {
                line_number
            };
            let (names, reason) = split_reason(body);
            let rules = names
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            let width = u32::try_from(comment.text.chars().count() + 1).unwrap_or(1);
            out.push(Suppression {
                file: id,
                span: Span::on_line(line_number, comment.column, width),
                covers: extents.starting_at(target),
                rules,
                reason: reason.map(str::to_owned),
            });
        }
    }
    out
}

/// Splits `PSS-001, PSS-002 -- why` at the first `--` that follows whitespace (or
/// starts the text), so that rule ids, which contain `-`, are never cut.
fn split_reason(body: &str) -> (&str, Option<&str>) {
    let mut search = 0;
    while let Some(found) = body[search..].find("--") {
        let at = search + found;
        let preceded_by_space = body[..at]
            .chars()
            .next_back()
            .is_none_or(char::is_whitespace);
        if preceded_by_space {
            let reason = body[at + 2..].trim();
            return (&body[..at], (!reason.is_empty()).then_some(reason));
        }
        search = at + 2;
    }
    (body, None)
}

/// The comment of a line, if it has one.
fn comment_of(line: &str, kind: Option<FileKind>) -> Option<Comment<'_>> {
    let trimmed = line.trim_start();
    if let Some(text) = trimmed.strip_prefix('#') {
        let indent = line.len() - trimmed.len();
        let column = line[..indent].chars().count() + 1;
        return Some(Comment {
            column: u32::try_from(column).unwrap_or(1),
            text,
            own_line: true,
        });
    }
    // Dockerfiles have no trailing comments: `RUN x # y` passes `# y` to the shell.
    if kind == Some(FileKind::Dockerfile) {
        return None;
    }
    yaml_trailing_comment(line)
}

/// A YAML comment after content: a `#` preceded by whitespace, outside quoted
/// scalars. Single-quoted scalars escape a quote by doubling it (`'it''s'`);
/// double-quoted ones with a backslash, which can itself be escaped (`"C:\\"`).
fn yaml_trailing_comment(line: &str) -> Option<Comment<'_>> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Plain,
        Single,
        Double,
        DoubleEscape,
    }
    let mut state = State::Plain;
    let mut previous = ' ';
    let mut chars = line.char_indices().peekable();
    while let Some((byte, c)) = chars.next() {
        state = match (state, c) {
            (State::Plain, '\'') if previous.is_whitespace() || "[{:,-".contains(previous) => {
                State::Single
            }
            (State::Plain, '"') if previous.is_whitespace() || "[{:,-".contains(previous) => {
                State::Double
            }
            (State::Plain, '#') if previous.is_whitespace() => {
                let column = line[..byte].chars().count() + 1;
                return Some(Comment {
                    column: u32::try_from(column).unwrap_or(1),
                    text: &line[byte + 1..],
                    own_line: false,
                });
            }
            (State::Single, '\'') => {
                if chars.peek().is_some_and(|(_, next)| *next == '\'') {
                    chars.next();
                    State::Single
                } else {
                    State::Plain
                }
            }
            (State::Double, '\\') => State::DoubleEscape,
            (State::DoubleEscape, _) => State::Double,
            (State::Double, '"') => State::Plain,
            (state, _) => state,
        };
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

/// The line ranges of the things that start on each line of a file: YAML
/// entries and list items, Dockerfile instructions.
#[derive(Default)]
struct Extents {
    /// First line → last line of the outermost thing starting there.
    by_start: HashMap<u32, u32>,
}

impl Extents {
    fn of(project: &Project, file: FileId, kind: Option<FileKind>) -> Self {
        let mut extents = Self::default();
        match kind {
            Some(FileKind::Dockerfile) => {
                for doc in project.dockerfiles.iter().filter(|d| d.file == file) {
                    for instruction in &doc.parsed.instructions {
                        extents.add(instruction.span.start.line, instruction.span);
                    }
                }
            }
            Some(FileKind::Kubernetes) => {
                for object in project.objects.iter().filter(|o| o.file == file) {
                    extents.add_yaml(&object.root);
                }
            }
            None => {}
        }
        extents
    }

    fn add(&mut self, first: u32, span: Span) {
        // A block collection's span ends where the next token starts: at column 1
        // of a later line, which it does not include.
        let last = if span.end.column <= 1 && span.end.line > first {
            span.end.line - 1
        } else {
            span.end.line
        };
        let entry = self.by_start.entry(first).or_insert(first);
        *entry = (*entry).max(last);
    }

    /// Records every mapping entry (key through value) and list item, walking the
    /// tree with an explicit stack (the parser bounds its depth, but stay flat).
    fn add_yaml(&mut self, root: &Node) {
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            for entry in node.entries() {
                let span = Span::new(
                    entry.key.span.start,
                    entry.value.span.end.max(entry.key.span.end),
                );
                self.add(entry.key.span.start.line, span);
                stack.push(&entry.value);
            }
            for item in node.items() {
                self.add(item.span.start.line, item.span);
                stack.push(item);
            }
        }
    }

    /// The lines covered by what starts on `line` (just `line` when nothing does).
    fn starting_at(&self, line: u32) -> RangeInclusive<u32> {
        line..=self.by_start.get(&line).copied().unwrap_or(line).max(line)
    }
}

/// Whether a suppression's word (a rule id, name or family) names `rule`.
fn names(written: &str, rule: &Rule) -> bool {
    rule.meta.id.eq_ignore_ascii_case(written)
        || rule.meta.name == written
        || rule
            .meta
            .id
            .rsplit_once('-')
            .is_some_and(|(family, _)| family.eq_ignore_ascii_case(written))
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
    // Suppressions that can suppress (they have a reason), by file and line.
    let mut by_line: HashMap<(FileId, u32), Vec<usize>> = HashMap::new();
    for (index, suppression) in suppressions.iter().enumerate() {
        if suppression.reason.is_none() {
            continue;
        }
        for line in suppression.covers.clone() {
            by_line
                .entry((suppression.file, line))
                .or_default()
                .push(index);
        }
    }
    // (suppression, rule id) pairs that suppressed something.
    let mut used: HashSet<(usize, &'static str)> = HashSet::new();
    let before = findings.len();
    findings.retain(|finding| {
        let candidates = by_line
            .get(&(finding.file, finding.span.start.line))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let matched = candidates.iter().copied().find(|&index| {
            suppressions[index].rules.iter().any(|written| {
                finding.rule.id.eq_ignore_ascii_case(written)
                    || finding.rule.name == written.as_str()
                    || finding
                        .rule
                        .id
                        .rsplit_once('-')
                        .is_some_and(|(family, _)| family.eq_ignore_ascii_case(written))
            })
        });
        match matched {
            Some(index) => {
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
        let finding = |rule: &'static Rule, message: String| {
            Finding::new(
                &rule.meta,
                severity_of(rule),
                subject,
                suppression.span,
                message,
                None,
                project,
            )
        };
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
                findings.push(finding(&SUPPRESSION_WITHOUT_REASON, message));
            }
            continue;
        }
        if !report_unused {
            continue;
        }
        for written in &suppression.rules {
            if !is_known_selector(written) {
                findings.push(finding(
                    &UNUSED_SUPPRESSION,
                    format!("`{written}` is not a rampart rule, name or family; this part of the suppression does nothing"),
                ));
                continue;
            }
            let named: Vec<&'static Rule> = rules_run
                .iter()
                .copied()
                .filter(|rule| names(written, rule))
                .collect();
            // Rules that did not run cannot be said to be unused.
            if named.is_empty()
                || named
                    .iter()
                    .any(|rule| used.contains(&(index, rule.meta.id)))
            {
                continue;
            }
            let what = match find_rule(written) {
                Some(rule) => format!("{} `{}`", rule.meta.id, rule.meta.name),
                None => format!("the {written} rules"),
            };
            let lines = if suppression.covers.start() == suppression.covers.end() {
                format!("line {}", suppression.covers.start())
            } else {
                format!(
                    "lines {}-{}",
                    suppression.covers.start(),
                    suppression.covers.end()
                )
            };
            findings.push(finding(
                &UNUSED_SUPPRESSION,
                format!("nothing on {lines} is reported by {what}; remove the suppression"),
            ));
        }
    }
    sort_findings(findings, project);
    suppressed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trailing(line: &str) -> Option<(u32, String)> {
        yaml_trailing_comment(line).map(|c| (c.column, c.text.to_owned()))
    }

    #[test]
    fn quoted_hashes_are_not_comments() {
        assert_eq!(trailing("value: 'it''s # not a comment'"), None);
        assert_eq!(trailing("value: \"a # b\""), None);
        assert_eq!(trailing("value: 'it''s' # yes"), Some((16, " yes".into())));
        assert_eq!(
            trailing("value: \"C:\\\\\" # yes"),
            Some((15, " yes".into()))
        );
        assert_eq!(
            trailing("value: \"say \\\"#\\\"\" # yes"),
            Some((20, " yes".into()))
        );
        assert_eq!(trailing("url: http://x/#anchor"), None);
        assert_eq!(trailing("a: b #c"), Some((6, "c".into())));
    }

    #[test]
    fn the_reason_follows_a_spaced_double_dash() {
        assert_eq!(
            split_reason(" PSS-001 -- why not"),
            (" PSS-001 ", Some("why not"))
        );
        assert_eq!(split_reason(" PSS-001--x"), (" PSS-001--x", None));
        assert_eq!(split_reason(" PSS-001 --"), (" PSS-001 ", None));
        assert_eq!(split_reason(" PSS-001"), (" PSS-001", None));
    }
}
