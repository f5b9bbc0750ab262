//! A small YAML writer for generated manifests: block style, keys in the order they
//! were built (so `apiVersion`, `kind`, `metadata` come first, as people write them),
//! and strings quoted whenever a YAML 1.1 or 1.2 reader could take them for anything
//! but a string (`"on"`, `"8080"`, `"1.33"`, `"*"`).

use std::fmt::Write as _;

/// A YAML value whose mappings keep their insertion order.
#[derive(Clone, Debug, PartialEq)]
pub enum Yaml {
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    Seq(Vec<Yaml>),
    Map(Vec<(String, Yaml)>),
}

impl Yaml {
    /// A mapping from `(key, value)` pairs, in order.
    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Yaml)>) -> Self {
        Self::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    pub fn seq(items: impl IntoIterator<Item = Yaml>) -> Self {
        Self::Seq(items.into_iter().collect())
    }

    /// A sequence of strings.
    pub fn strs<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Self {
        Self::Seq(items.into_iter().map(|s| Self::Str(s.into())).collect())
    }

    pub fn str(text: impl Into<String>) -> Self {
        Self::Str(text.into())
    }

    /// This value as one YAML document, ending in a newline.
    pub fn to_document(&self) -> String {
        let mut out = String::new();
        match self {
            Self::Map(entries) if !entries.is_empty() => write_map(&mut out, entries, 0),
            Self::Seq(items) if !items.is_empty() => write_seq(&mut out, items, 0),
            scalar => {
                out.push_str(&inline(scalar));
                out.push('\n');
            }
        }
        out
    }

    /// Documents joined into one stream with `---` separators.
    pub fn to_stream(documents: &[Yaml]) -> String {
        documents
            .iter()
            .map(Yaml::to_document)
            .collect::<Vec<_>>()
            .join("---\n")
    }
}

impl From<&str> for Yaml {
    fn from(text: &str) -> Self {
        Self::Str(text.to_owned())
    }
}

impl From<String> for Yaml {
    fn from(text: String) -> Self {
        Self::Str(text)
    }
}

impl From<bool> for Yaml {
    fn from(value: bool) -> Self {
        Self::Bool(value)
    }
}

impl From<i64> for Yaml {
    fn from(value: i64) -> Self {
        Self::Int(value)
    }
}

impl From<u16> for Yaml {
    fn from(value: u16) -> Self {
        Self::Int(i64::from(value))
    }
}

impl From<u32> for Yaml {
    fn from(value: u32) -> Self {
        Self::Int(i64::from(value))
    }
}

impl From<Vec<Yaml>> for Yaml {
    fn from(items: Vec<Yaml>) -> Self {
        Self::Seq(items)
    }
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

fn is_block(value: &Yaml) -> bool {
    match value {
        Yaml::Map(entries) => !entries.is_empty(),
        Yaml::Seq(items) => !items.is_empty(),
        Yaml::Str(text) => text.contains('\n'),
        _ => false,
    }
}

fn write_map(out: &mut String, entries: &[(String, Yaml)], level: usize) {
    for (key, value) in entries {
        indent(out, level);
        write_entry(out, key, value, level);
    }
}

/// `key: value` at the current position (the indentation is already written).
fn write_entry(out: &mut String, key: &str, value: &Yaml, level: usize) {
    out.push_str(&quote(key));
    out.push(':');
    match value {
        Yaml::Map(entries) if !entries.is_empty() => {
            out.push('\n');
            write_map(out, entries, level + 1);
        }
        // A sequence under a key is written at the key's indentation, as kubectl does.
        Yaml::Seq(items) if !items.is_empty() => {
            out.push('\n');
            write_seq(out, items, level);
        }
        Yaml::Str(text) if text.contains('\n') => write_literal(out, text, level + 1),
        scalar => {
            out.push(' ');
            out.push_str(&inline(scalar));
            out.push('\n');
        }
    }
}

fn write_seq(out: &mut String, items: &[Yaml], level: usize) {
    for item in items {
        indent(out, level);
        out.push_str("- ");
        match item {
            Yaml::Map(entries) if !entries.is_empty() => {
                for (i, (key, value)) in entries.iter().enumerate() {
                    if i > 0 {
                        indent(out, level + 1);
                    }
                    write_entry(out, key, value, level + 1);
                }
            }
            Yaml::Seq(inner) if !inner.is_empty() => {
                out.push('\n');
                write_seq(out, inner, level + 1);
            }
            Yaml::Str(text) if text.contains('\n') => {
                out.pop();
                write_literal(out, text, level + 1);
            }
            scalar => {
                out.push_str(&inline(scalar));
                out.push('\n');
            }
        }
    }
}

/// A multi-line string as a literal block (`|-` when it has no final newline).
fn write_literal(out: &mut String, text: &str, level: usize) {
    let chomp = if text.ends_with('\n') { "" } else { "-" };
    let _ = writeln!(out, " |{chomp}");
    for line in text.trim_end_matches('\n').split('\n') {
        if !line.is_empty() {
            indent(out, level);
            out.push_str(line);
        }
        out.push('\n');
    }
}

fn inline(value: &Yaml) -> String {
    match value {
        Yaml::Null => "null".to_owned(),
        Yaml::Bool(b) => b.to_string(),
        Yaml::Int(i) => i.to_string(),
        Yaml::Str(text) => quote(text),
        Yaml::Seq(items) if items.is_empty() => "[]".to_owned(),
        Yaml::Map(entries) if entries.is_empty() => "{}".to_owned(),
        // Non-empty collections are written in block style by the callers.
        other => {
            debug_assert!(!is_block(other));
            String::new()
        }
    }
}

/// `text` as a plain scalar when every reader takes it for that string, otherwise
/// double-quoted with JSON-compatible escapes.
pub fn quote(text: &str) -> String {
    if needs_quotes(text) {
        let mut quoted = String::with_capacity(text.len() + 2);
        quoted.push('"');
        for c in text.chars() {
            match c {
                '"' => quoted.push_str("\\\""),
                '\\' => quoted.push_str("\\\\"),
                '\n' => quoted.push_str("\\n"),
                '\t' => quoted.push_str("\\t"),
                c if c.is_control() => {
                    let _ = write!(quoted, "\\u{:04x}", u32::from(c));
                }
                c => quoted.push(c),
            }
        }
        quoted.push('"');
        quoted
    } else {
        text.to_owned()
    }
}

fn needs_quotes(text: &str) -> bool {
    const RESERVED: &[&str] = &[
        "", "~", "null", "true", "false", "yes", "no", "on", "off", "y", "n",
    ];
    let Some(first) = text.chars().next() else {
        return true;
    };
    RESERVED.contains(&text.to_ascii_lowercase().as_str())
        || looks_numeric(text)
        || "-?:,[]{}#&*!|>'\"%@`".contains(first)
        || text.starts_with(' ')
        || text.ends_with(' ')
        || text.contains(": ")
        || text.contains(" #")
        || text.ends_with(':')
        || text.chars().any(|c| c.is_control())
}

/// Anything a YAML 1.1 reader might take for a number: `8080`, `1.33`, `0x1F`, `1e3`, `1_000`, `12:30`.
fn looks_numeric(text: &str) -> bool {
    let body = text.trim_start_matches(['+', '-']);
    let first = body.chars().next();
    first.is_some_and(|c| c.is_ascii_digit() || c == '.')
        && body
            .chars()
            .all(|c| c.is_ascii_hexdigit() || "._:xXoObB+-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_are_written_the_way_people_write_them() {
        let document = Yaml::map([
            ("apiVersion", Yaml::str("v1")),
            ("kind", Yaml::str("Namespace")),
            (
                "metadata",
                Yaml::map([
                    ("name", Yaml::str("critical-agents")),
                    (
                        "labels",
                        Yaml::map([
                            (
                                "pod-security.kubernetes.io/enforce-version",
                                Yaml::str("v1.33"),
                            ),
                            ("port", Yaml::str("8080")),
                            ("flag", Yaml::str("on")),
                        ]),
                    ),
                ]),
            ),
            (
                "ports",
                Yaml::seq([
                    Yaml::map([("port", 53u16.into()), ("protocol", "UDP".into())]),
                    Yaml::Map(Vec::new()),
                ]),
            ),
            ("empty", Yaml::seq([])),
            ("condition", Yaml::str("a and\nnot b")),
        ]);
        assert_eq!(
            document.to_document(),
            "\
apiVersion: v1
kind: Namespace
metadata:
  name: critical-agents
  labels:
    pod-security.kubernetes.io/enforce-version: v1.33
    port: \"8080\"
    flag: \"on\"
ports:
- port: 53
  protocol: UDP
- {}
empty: []
condition: |-
  a and
  not b
"
        );
    }

    #[test]
    fn ambiguous_scalars_are_quoted() {
        for text in [
            "1.33", "0x1F", "yes", "NO", "", "*", "- a", "a: b", "a #b", "@x",
        ] {
            assert!(quote(text).starts_with('"'), "{text}");
        }
        for text in [
            "critical-agents",
            "v1",
            "RuntimeDefault",
            "kube-dns",
            "10.0.0.0/16",
        ] {
            assert_eq!(quote(text), text);
        }
    }
}
