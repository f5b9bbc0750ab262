use std::collections::{HashMap, HashSet};
use std::ops::RangeInclusive;

use rampart_config::Severity;
use rampart_discover::FileKind;
use rampart_model::{DockerfileDoc, Project, Subject};
use rampart_rules::meta::{SUPPRESSION_WITHOUT_REASON, UNUSED_SUPPRESSION};
use rampart_rules::{Finding, Rule, RuleMeta, find_rule, is_known_selector, sort_findings};
use rampart_source::{FileId, Position, SourceFile, Span};
use rampart_yaml::{Node, ScalarStyle, Value};
use rayon::prelude::*;

use crate::hcl_lines::{self, LineComment};

use rampart_source::SUPPRESSION_MARKER as MARKER;

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
    // Most files write no marker, and only those that do are read further.
    let marked = |file: FileId| {
        project
            .files
            .get(file.index())
            .is_some_and(SourceFile::writes_suppression_marker)
    };
    // Which YAML trees and Dockerfiles each marked file holds, built once (a
    // scan of many files with a suppression each must not rescan every object
    // per file).
    let mut yaml_by_file: HashMap<FileId, Vec<&Node>> = HashMap::new();
    for object in project.objects.iter().filter(|o| marked(o.file)) {
        yaml_by_file
            .entry(object.file)
            .or_default()
            .push(&object.root);
    }
    for (file, root) in project.templates.iter().filter(|(f, _)| marked(*f)) {
        yaml_by_file.entry(*file).or_default().push(root);
    }
    for rules in project.falco.rules_files.iter().filter(|r| marked(r.file)) {
        yaml_by_file
            .entry(rules.file)
            .or_default()
            .extend(&rules.documents);
    }
    for config in project.falco.configs.iter().filter(|c| marked(c.file)) {
        yaml_by_file
            .entry(config.file)
            .or_default()
            .push(&config.root);
    }
    let mut dockerfiles_by_file: HashMap<FileId, Vec<&DockerfileDoc>> = HashMap::new();
    for doc in project.dockerfiles.iter().filter(|d| marked(d.file)) {
        dockerfiles_by_file.entry(doc.file).or_default().push(doc);
    }
    // The suppressions are listed in file order.
    project
        .files
        .par_iter()
        .enumerate()
        .flat_map_iter(|(index, file)| {
            file_suppressions(project, index, file, &yaml_by_file, &dockerfiles_by_file)
        })
        .collect()
}

/// The suppressions one file writes.
fn file_suppressions(
    project: &Project,
    index: usize,
    file: &SourceFile,
    yaml_by_file: &HashMap<FileId, Vec<&Node>>,
    dockerfiles_by_file: &HashMap<FileId, Vec<&DockerfileDoc>>,
) -> Vec<Suppression> {
    let mut out = Vec::new();
    // Cheap test first: most files have no suppression at all.
    if !file.writes_suppression_marker() {
        return out;
    }
    let id = FileId::from_index(index);
    let kind = project.file_kinds.get(index).copied();
    let lines: Vec<&str> = file.text.lines().collect();
    let (comments, extents) = if is_hcl(kind) {
        let scanned = hcl_lines::scan(&file.text);
        let extents = Extents {
            by_start: scanned.by_start,
            ..Extents::default()
        };
        (scanned.comments, extents)
    } else {
        let extents = Extents::of(
            file,
            yaml_by_file.get(&id).map(Vec::as_slice).unwrap_or_default(),
            dockerfiles_by_file
                .get(&id)
                .map(Vec::as_slice)
                .unwrap_or_default(),
        );
        let comments = lines
            .iter()
            .enumerate()
            .filter_map(|(i, line)| {
                let comment = comment_of(line, kind)?;
                let line = u32::try_from(i + 1).unwrap_or(u32::MAX);
                // A `#` inside a block scalar or a multi-line quoted scalar is text.
                (!extents.in_scalar(Position::new(line, comment.column))).then(|| LineComment {
                    line,
                    column: comment.column,
                    text: comment.text.to_owned(),
                    own_line: comment.own_line,
                })
            })
            .collect();
        (comments, extents)
    };
    for comment in comments {
        let Some(body) = comment.text.trim_start().strip_prefix(MARKER) else {
            continue;
        };
        // `rampart:ignored` is not the marker.
        if body.starts_with(|c: char| c.is_alphanumeric() || c == '-' || c == '_') {
            continue;
        }
        let line_number = comment.line;
        let target = if comment.own_line {
            let index = usize::try_from(line_number).unwrap_or(usize::MAX) - 1;
            next_content_line(&lines, index, kind).unwrap_or(line_number)
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
    out
}

fn is_hcl(kind: Option<FileKind>) -> bool {
    matches!(kind, Some(FileKind::Terraform | FileKind::TerraformVars))
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
            let separator = matches!(
                kind,
                Some(
                    FileKind::Kubernetes
                        | FileKind::CloudFormation
                        | FileKind::FalcoRules
                        | FileKind::FalcoConfig
                )
            ) && trimmed == "---";
            let hcl_comment =
                is_hcl(kind) && (trimmed.starts_with("//") || trimmed.starts_with("/*"));
            !(trimmed.is_empty() || trimmed.starts_with('#') || separator || hcl_comment)
        })
        .and_then(|(i, _)| u32::try_from(i + 1).ok())
}

/// What the YAML or Dockerfile structure of a file says about its lines: the
/// line range of the things that start on each line (YAML entries and list
/// items, Dockerfile instructions), and where multi-line scalars are, inside
/// which a `#` is text, not a comment.
#[derive(Default)]
struct Extents {
    /// First line → last line of the outermost thing starting there.
    by_start: HashMap<u32, u32>,
    /// Scalars that cover more than one line, sorted by start.
    multi_line_scalars: Vec<MultiLineScalar>,
}

impl Extents {
    fn of(source: &SourceFile, roots: &[&Node], dockerfiles: &[&DockerfileDoc]) -> Self {
        let mut extents = Self::default();
        for doc in dockerfiles {
            for instruction in &doc.parsed.instructions {
                extents.add(source, instruction.span);
            }
        }
        for root in roots {
            extents.add_yaml(source, root);
        }
        extents.multi_line_scalars.sort();
        extents
    }

    fn add(&mut self, source: &SourceFile, span: Span) {
        let first = span.start.line;
        let last = last_line(source, span);
        let entry = self.by_start.entry(first).or_insert(first);
        *entry = (*entry).max(last);
    }

    /// Records every mapping entry (key through value) and list item, walking the
    /// tree with an explicit stack (the parser bounds its depth, but stay flat).
    fn add_yaml(&mut self, source: &SourceFile, root: &Node) {
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            if let Value::Scalar(_, style) = &node.value {
                if node.span.end.line > node.span.start.line {
                    self.multi_line_scalars.push(MultiLineScalar {
                        span: node.span,
                        block: *style == ScalarStyle::Block,
                    });
                }
                continue;
            }
            for entry in node.entries() {
                let end = entry.value.span.end.max(entry.key.span.end);
                self.add(source, Span::new(entry.key.span.start, end));
                stack.push(&entry.value);
            }
            for item in node.items() {
                self.add(source, item.span);
                stack.push(item);
            }
        }
    }

    /// The lines covered by what starts on `line` (just `line` when nothing does).
    fn starting_at(&self, line: u32) -> RangeInclusive<u32> {
        line..=self.by_start.get(&line).copied().unwrap_or(line).max(line)
    }

    /// Whether `position` lies inside a multi-line scalar (a block scalar or a
    /// quoted scalar that spans lines).
    fn in_scalar(&self, position: Position) -> bool {
        let candidates = self
            .multi_line_scalars
            .partition_point(|scalar| scalar.span.start <= position);
        self.multi_line_scalars[..candidates]
            .iter()
            .rev()
            .take(64)
            .any(|scalar| scalar.contains(position))
    }
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct MultiLineScalar {
    span: Span,
    block: bool,
}

impl MultiLineScalar {
    fn contains(&self, position: Position) -> bool {
        let span = self.span;
        if !(span.start <= position && position < span.end) {
            return false;
        }
        // A block scalar's span runs to the next token; its content is only the
        // lines indented at least as far as its first line (the parser starts the
        // node there), so a less indented comment after it is a comment.
        !self.block || position.column >= span.start.column
    }
}

/// The last line a span really covers. A block collection or block scalar ends
/// where the next token starts, which is often the first character of the next
/// line's content (a sibling key, the next list item): a span ending where only
/// indentation precedes it ends on the line before.
fn last_line(source: &SourceFile, span: Span) -> u32 {
    let end = span.end;
    if end.line <= span.start.line {
        return span.start.line;
    }
    let only_indentation_before = source.line(end.line).is_some_and(|text| {
        text.chars()
            .take(end.column.saturating_sub(1) as usize)
            .all(char::is_whitespace)
    });
    if only_indentation_before {
        end.line - 1
    } else {
        end.line
    }
}

/// The last line of each resource's declaration in a file that `covers`, by
/// resource index: the line before the next declaration in its file (or the
/// end of the file). Blocks
/// and template entries follow one another, so this is the block, give or take
/// the blank and comment lines after it.
fn resource_extents(
    project: &Project,
    covers: &HashMap<FileId, Vec<Cover>>,
) -> HashMap<usize, u32> {
    let mut by_file: HashMap<FileId, Vec<(u32, usize)>> = HashMap::new();
    // Only a file with a suppression in it can suppress by extent.
    let resources = project.resources.iter().enumerate();
    for (index, resource) in resources.filter(|(_, r)| covers.contains_key(&r.file)) {
        by_file
            .entry(resource.file)
            .or_default()
            .push((resource.span.start.line, index));
    }
    let mut out = HashMap::new();
    for headers in by_file.values_mut() {
        headers.sort_unstable();
        for (i, &(line, index)) in headers.iter().enumerate() {
            // Instances of one block (`count`, `for_each`) share a header.
            let next = headers[i..].iter().map(|&(l, _)| l).find(|&l| l > line);
            out.insert(index, next.map_or(u32::MAX, |l| l - 1));
        }
    }
    out
}

/// Whether a suppression's word (`ALL`, a rule id, name or family) names a rule.
fn names(written: &str, rule: &RuleMeta) -> bool {
    written.eq_ignore_ascii_case("ALL")
        || rule.id.eq_ignore_ascii_case(written)
        || rule.name == written
        || rule
            .id
            .rsplit_once('-')
            .is_some_and(|(family, _)| family.eq_ignore_ascii_case(written))
}

/// Which rules a suppression stage works with.
#[derive(Clone, Copy)]
pub struct RuleSets<'a> {
    /// The rules whose findings were evaluated: a suppression is "unused" only
    /// when the rules it names ran and reported nothing it covers.
    pub evaluated: &'a [&'static Rule],
    /// The rules the user selected: META-001/META-002 are reported only when
    /// selected.
    pub selected: &'a [&'static Rule],
}

/// Suppressions of one file with the same coverage, merged: stacked comments
/// above one entry are one range, however many there are.
struct Cover {
    lines: RangeInclusive<u32>,
    /// The suppressions (with a reason) covering these lines.
    suppressions: Vec<usize>,
}

/// Removes suppressed findings, adds the findings about the suppressions
/// themselves (META-001, META-002) when those rules are selected, and returns
/// the findings it suppressed.
///
/// Matching sweeps each file's findings in line order against its suppression
/// ranges sorted by start, so its cost grows with findings plus suppressions,
/// not with their product or with the lines a suppression covers.
pub fn apply_suppressions(
    findings: &mut Vec<Finding>,
    suppressions: &[Suppression],
    rules: RuleSets<'_>,
    severity_of: impl Fn(&'static Rule) -> Severity,
    project: &Project,
) -> Vec<Finding> {
    let mut covers: HashMap<FileId, Vec<Cover>> = HashMap::new();
    let mut cover_of: HashMap<(FileId, u32, u32), usize> = HashMap::new();
    for (index, suppression) in suppressions.iter().enumerate() {
        if suppression.reason.is_none() {
            continue;
        }
        let (first, last) = (*suppression.covers.start(), *suppression.covers.end());
        let file_covers = covers.entry(suppression.file).or_default();
        match cover_of.get(&(suppression.file, first, last)) {
            Some(&cover) => file_covers[cover].suppressions.push(index),
            None => {
                cover_of.insert((suppression.file, first, last), file_covers.len());
                file_covers.push(Cover {
                    lines: suppression.covers.clone(),
                    suppressions: vec![index],
                });
            }
        }
    }
    for file_covers in covers.values_mut() {
        file_covers.sort_by_key(|c| *c.lines.start());
    }

    // Findings by file, in line order.
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by_key(|&i| (findings[i].file, findings[i].span.start.line));
    let mut suppressed_by: Vec<Option<usize>> = vec![None; findings.len()];
    let mut used: HashSet<(usize, &'static str)> = HashSet::new();
    let mut current: Option<FileId> = None;
    let mut next_cover = 0;
    let mut active: Vec<usize> = Vec::new();
    for index in order {
        let finding = &findings[index];
        let Some(file_covers) = covers.get(&finding.file) else {
            continue;
        };
        if current != Some(finding.file) {
            current = Some(finding.file);
            next_cover = 0;
            active.clear();
        }
        let line = finding.span.start.line;
        while next_cover < file_covers.len() && *file_covers[next_cover].lines.start() <= line {
            active.push(next_cover);
            next_cover += 1;
        }
        active.retain(|&c| *file_covers[c].lines.end() >= line);
        let matched = active.iter().find_map(|&c| {
            file_covers[c].suppressions.iter().copied().find(|&s| {
                suppressions[s]
                    .rules
                    .iter()
                    .any(|written| names(written, finding.rule))
            })
        });
        if let Some(s) = matched {
            suppressed_by[index] = Some(s);
            used.insert((s, finding.rule.id));
        }
    }
    // A suppression on a resource's declaration also covers its findings that
    // are reported elsewhere: where a variable's value was written (a tfvars
    // file, a module call) or in a plan. So does one inside the resource's
    // block (on the attribute that reads the variable), for findings reported
    // outside the block; inside it, suppressions match by line as usual.
    let extents = resource_extents(project, &covers);
    let mut resource_covers: HashMap<usize, (Vec<usize>, Vec<usize>)> = HashMap::new();
    for (index, finding) in findings.iter().enumerate() {
        if suppressed_by[index].is_some() {
            continue;
        }
        let Subject::Resource(r) = finding.subject else {
            continue;
        };
        let Some(resource) = project.resources.get(r) else {
            continue;
        };
        let Some(file_covers) = covers.get(&resource.file) else {
            continue;
        };
        let header = resource.span.start.line;
        let end = extents.get(&r).copied().unwrap_or(header);
        let (at_header, inside) = resource_covers.entry(r).or_insert_with(|| {
            let of = |keep: &dyn Fn(&Cover) -> bool| -> Vec<usize> {
                file_covers
                    .iter()
                    .filter(|cover| keep(cover))
                    .flat_map(|cover| cover.suppressions.iter().copied())
                    .collect()
            };
            (
                of(&|cover| cover.lines.contains(&header)),
                of(&|cover| (header..=end).contains(cover.lines.start())),
            )
        });
        let outside =
            finding.file != resource.file || !(header..=end).contains(&finding.span.start.line);
        let candidates = at_header
            .iter()
            .chain(if outside { inside.iter() } else { [].iter() });
        let matched = candidates.copied().find(|&s| {
            suppressions[s]
                .rules
                .iter()
                .any(|written| names(written, finding.rule))
        });
        if let Some(s) = matched {
            suppressed_by[index] = Some(s);
            used.insert((s, finding.rule.id));
        }
    }
    let mut suppressed = Vec::new();
    let mut kept = Vec::with_capacity(findings.len());
    for (finding, by) in std::mem::take(findings).into_iter().zip(suppressed_by) {
        match by {
            Some(_) => suppressed.push(finding),
            None => kept.push(finding),
        }
    }
    *findings = kept;

    let selected = |rule: &Rule| rules.selected.iter().any(|r| r.meta.id == rule.meta.id);
    let report_missing_reason = selected(&SUPPRESSION_WITHOUT_REASON);
    let report_unused = selected(&UNUSED_SUPPRESSION);
    for (index, suppression) in suppressions.iter().enumerate() {
        let subject = Subject::File(suppression.file);
        let finding = |rule: &'static Rule, message: String| {
            Finding::new(
                &rule.meta,
                severity_of(rule),
                subject,
                suppression.span,
                message,
                Vec::new(),
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
            let named: Vec<&'static Rule> = rules
                .evaluated
                .iter()
                .copied()
                .filter(|rule| names(written, &rule.meta))
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
                None if written.eq_ignore_ascii_case("ALL") => "any rule".to_owned(),
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
