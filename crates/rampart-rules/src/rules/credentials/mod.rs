//! Secrets committed in manifests and infrastructure code (P-IIB2, G-CFG-02).
//!
//! The four rules split the object tree between them so that a secret is
//! reported once: SEC-001 reads `env[].value`, SEC-002 the `data` of ConfigMaps,
//! SEC-003 the `data` and `stringData` of Secrets, and SEC-004 every other string.

use crate::secrets::{SecretMatch, private_key_block};
use rampart_model::{ContainerKind, K8sObject};
use rampart_source::{SourceFile, Span};
use rampart_yaml::{Node, ScalarStyle, Value};

use crate::engine::Rule;

mod configmap_secret;
mod credential_in_manifest;
mod env_secret;
mod provider_credentials;
mod secret_manifest;
mod secret_variable_default;

pub(crate) static RULES: &[&Rule] = &[
    &env_secret::RULE,
    &configmap_secret::RULE,
    &secret_manifest::RULE,
    &credential_in_manifest::RULE,
    &provider_credentials::RULE,
    &secret_variable_default::RULE,
];

/// Whether the object is the core (`v1`) kind `kind`.
pub(crate) fn is_core(object: &K8sObject, kind: &str) -> bool {
    object.kind == kind && object.api_version == "v1"
}

/// `a GitHub token`, `an AWS access key id`.
pub(crate) fn with_article(kind: &str) -> String {
    let vowel = kind.starts_with(['A', 'E', 'I', 'O', 'U', 'a', 'e', 'i', 'o', 'u'])
        || kind.starts_with("npm");
    format!("{} {kind}", if vowel { "an" } else { "a" })
}

/// One step of a path into an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// `spec.template.spec.containers[0].args[1]`.
pub(crate) fn display_path(path: &[Step<'_>]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// The text of every scalar value under `root` (not the keys, which [`walk`]
/// does not visit), depth first.
pub(crate) fn value_texts(root: &Node) -> impl Iterator<Item = &str> {
    let mut stack = vec![root];
    std::iter::from_fn(move || {
        while let Some(node) = stack.pop() {
            match &node.value {
                Value::Scalar(text, _) => return Some(&**text),
                Value::Seq(items) => stack.extend(items.iter().rev()),
                Value::Map(entries) => stack.extend(entries.iter().rev().map(|entry| &entry.value)),
            }
        }
        None
    })
}

/// Visits every node of `root` with its path, depth first, without recursion.
/// `visit` returns whether to descend into the node.
pub(crate) fn walk<'a>(root: &'a Node, mut visit: impl FnMut(&'a Node, &[Step<'a>]) -> bool) {
    let mut path: Vec<Step<'a>> = Vec::new();
    // (node, depth of its parent path, the step that reached it).
    let mut stack: Vec<(&'a Node, usize, Option<Step<'a>>)> = vec![(root, 0, None)];
    while let Some((node, depth, step)) = stack.pop() {
        path.truncate(depth);
        if let Some(step) = step {
            path.push(step);
        }
        if !visit(node, &path) {
            continue;
        }
        let depth = path.len();
        match &node.value {
            Value::Scalar(..) => {}
            Value::Seq(items) => {
                for (i, item) in items.iter().enumerate().rev() {
                    stack.push((item, depth, Some(Step::Index(i))));
                }
            }
            Value::Map(entries) => {
                for entry in entries.iter().rev() {
                    if let Some(key) = entry.key.as_str() {
                        stack.push((&entry.value, depth, Some(Step::Key(key))));
                    }
                }
            }
        }
    }
}

/// An `env` item with a literal value: the item (`{name, value}`), its name and
/// the value node, when `path` ends at such an item (`…env[2]`).
pub(crate) fn env_item<'a>(node: &'a Node, path: &[Step<'_>]) -> Option<(&'a str, &'a Node)> {
    let [.., Step::Key("env"), Step::Index(_)] = path else {
        return None;
    };
    env_assignment(node)
}

/// An item of an `env` list with a literal value: its name and the value node.
pub(crate) fn env_assignment(item: &Node) -> Option<(&str, &Node)> {
    let name = item.get("name")?.as_str()?;
    let value = item.get("value")?;
    matches!(value.value, Value::Scalar(..)).then_some((name, value))
}

/// How to name the thing an `env` list at `path` belongs to: `container `agent``
/// for pod containers, `` `steps` entry `build` `` elsewhere (Tekton, Argo, …).
pub(crate) fn env_owner(object_root: &Node, path: &[Step<'_>]) -> String {
    // `path` ends with [.., owner list key, Index, "env", Index].
    let owner_path = path.get(..path.len().saturating_sub(2)).unwrap_or_default();
    let mut node = Some(object_root);
    for step in owner_path {
        node = node.and_then(|n| match step {
            Step::Key(key) => n.get(key),
            Step::Index(i) => n.items().get(*i),
        });
    }
    let name = node
        .and_then(|n| n.get("name"))
        .and_then(Node::as_str)
        .unwrap_or("<unnamed>");
    let list = match owner_path {
        [.., Step::Key(list), Step::Index(_)] => Some(*list),
        _ => None,
    };
    let kind = [
        ContainerKind::Container,
        ContainerKind::Init,
        ContainerKind::Ephemeral,
    ]
    .into_iter()
    .find(|k| Some(k.field()) == list);
    match (kind, list) {
        (Some(kind), _) => format!("{} `{name}`", kind.noun()),
        (None, Some(list)) => format!("`{list}` entry `{name}`"),
        (None, None) => format!("`{name}`"),
    }
}

/// The secret to record for a credential found on `line` (which starts at byte
/// `offset` of the scalar `text`): the match itself, or for a private key the
/// whole PEM block, whose later lines hold the key material.
pub(crate) fn whole_secret<'t>(
    text: &'t str,
    offset: usize,
    line: &str,
    found: &'t SecretMatch,
) -> &'t str {
    if found.kind != "private key" {
        return &found.text;
    }
    match line.find("-----BEGIN") {
        Some(at) => private_key_block(text, offset + at),
        None => &found.text,
    }
}

/// A literal block scalar (`|`, `|-`, `|+`, with an optional indentation
/// indicator) whose lines map to source lines: line `i` of the value is source
/// line `header + 1 + i`. Built once per scalar, so locating many embedded lines
/// costs one split, not one per line.
pub(crate) struct LiteralBlock<'a> {
    file: &'a SourceFile,
    lines: Vec<&'a str>,
    header: u32,
}

impl<'a> LiteralBlock<'a> {
    /// `None` unless the mapping is reliable: folded and quoted scalars, aliases
    /// and anything whose first content line is not where the parser put the
    /// node cannot be mapped, and callers fall back to a coarser span.
    pub(crate) fn new(file: &'a SourceFile, node: &'a Node) -> Option<Self> {
        let Value::Scalar(text, ScalarStyle::Block) = &node.value else {
            return None;
        };
        let lines: Vec<&str> = text.split('\n').collect();
        // The node starts at its first non-empty line; leading empty lines are
        // kept in the value.
        let leading = lines.iter().take_while(|l| l.is_empty()).count();
        let first = node.span.start.line;
        let header = first.checked_sub(u32::try_from(leading).ok()? + 1)?;
        if !is_literal_header(file.line(header)?) {
            return None;
        }
        let first_ok = lines
            .get(leading)
            .zip(file.line(first))
            .is_some_and(|(value, source)| source.ends_with(value));
        first_ok.then_some(Self {
            file,
            lines,
            header,
        })
    }

    /// The span of `len` characters at character `column` (0-based) of line
    /// `line_index` (0-based) of the value, when the source line really ends
    /// with that line of the value.
    pub(crate) fn span(&self, line_index: usize, column: usize, len: usize) -> Option<Span> {
        let value_line = self.lines.get(line_index)?;
        let line = self
            .header
            .checked_add(1)?
            .checked_add(u32::try_from(line_index).ok()?)?;
        let source = self.file.line(line)?;
        if value_line.is_empty() || !source.ends_with(value_line) {
            return None;
        }
        let indent = source.chars().count() - value_line.chars().count();
        Some(Span::on_line(
            line,
            u32::try_from(indent + column + 1).ok()?,
            u32::try_from(len).ok()?,
        ))
    }
}

/// Whether a line ends with a literal block scalar header: `|` with optional
/// chomping and indentation indicators, then an optional comment.
fn is_literal_header(line: &str) -> bool {
    let Some(bar) = line.rfind('|') else {
        return false;
    };
    let before_ok = line[..bar]
        .chars()
        .next_back()
        .is_none_or(|c| c == ' ' || c == '\t');
    let rest = &line[bar + 1..];
    let rest = match rest.find('#') {
        // A comment must be separated from the indicators by white space.
        Some(hash) if rest[..hash].ends_with([' ', '\t']) => &rest[..hash],
        Some(_) => return false,
        None => rest,
    };
    let indicators = rest.trim_end();
    before_ok
        && indicators.len() <= 2
        && indicators
            .chars()
            .all(|c| c == '-' || c == '+' || ('1'..='9').contains(&c))
}

/// Character index of byte offset `byte` in `text`.
pub(crate) fn char_column(text: &str, byte: usize) -> usize {
    text.get(..byte).map_or(0, |t| t.chars().count())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn literal_headers() {
        for line in [
            "  a: |",
            "- |-",
            "  key: |+  # comment",
            "x: |2",
            "x: |-2 #c",
            "|",
        ] {
            assert!(is_literal_header(line), "{line}");
        }
        for line in ["  a: >", "a: b|c", "a: |x", "a: '|'", "a: |#x"] {
            assert!(!is_literal_header(line), "{line}");
        }
    }

    fn source(text: &str) -> (SourceFile, Node) {
        let out = rampart_yaml::parse_stream(text, "t", &rampart_yaml::Limits::default());
        let node = out.documents[0].root.get("a").unwrap().clone();
        (SourceFile::new("t".into(), "t".into(), text.into()), node)
    }

    #[test]
    fn lines_inside_literal_blocks() {
        let (file, node) = source("a: |-  # note\n\n  x=1\n  pw=abc\nb: c\n");
        let block = LiteralBlock::new(&file, &node).unwrap();
        assert_eq!(block.span(2, 3, 3), Some(Span::on_line(4, 6, 3)));
        assert_eq!(block.span(1, 0, 3), Some(Span::on_line(3, 3, 3)));
        assert_eq!(block.span(0, 0, 1), None, "an empty line has no place");
        // Folded and quoted scalars cannot be mapped.
        let (file, node) = source("a: >\n  x=1\n  pw=abc\n");
        assert!(LiteralBlock::new(&file, &node).is_none());
        let (file, node) = source("a: \"x=1\\npw=abc\"\n");
        assert!(LiteralBlock::new(&file, &node).is_none());
    }
}
