//! Line-independent locations, so that fingerprints survive moving a resource
//! within its file.

use rampart_source::{Position, Span};
use rampart_yaml::{Node, Value};

use crate::dockerfile::DockerfileDoc;
use crate::image::ImageRef;

/// The path to the deepest node at `pos`, such as
/// `spec.template.spec.containers[app].securityContext.privileged`. Sequence items
/// that have a `name` are named rather than numbered, so reordering containers
/// does not change the path.
pub(crate) fn yaml_path(root: &Node, pos: Position) -> String {
    let mut path = String::new();
    let mut node = root;
    'descend: loop {
        for entry in node.entries() {
            if entry.key.span.contains(pos) {
                push_key(&mut path, &entry.key);
                break 'descend;
            }
            if entry.value.span.contains(pos) {
                push_key(&mut path, &entry.key);
                node = &entry.value;
                continue 'descend;
            }
        }
        for (i, item) in node.items().iter().enumerate() {
            if item.span.contains(pos) {
                match item.get("name").and_then(Node::as_str) {
                    Some(name) => path.push_str(&format!("[{name}]")),
                    None => path.push_str(&format!("[{i}]")),
                }
                node = item;
                continue 'descend;
            }
        }
        break;
    }
    path
}

/// The scalar a finding at `pos` is about: the scalar node at `pos`, or, when
/// `pos` is on a key, that key's scalar value. `None` for a key whose value is a
/// collection. Fingerprints include it so that a baseline accepts the value it
/// saw (`NET_ADMIN`) and not a worse one written in the same place (`SYS_ADMIN`).
///
/// An `image` is reduced to its repository: a new tag or digest of the same
/// image is the same finding, or every release would reopen the baseline.
pub(crate) fn scalar_at(root: &Node, pos: Position) -> Option<String> {
    let mut node = root;
    let mut key: Option<&str> = None;
    'descend: loop {
        if let Value::Scalar(text, _) = &node.value {
            return node.span.contains(pos).then(|| canonical_value(key, text));
        }
        for entry in node.entries() {
            if entry.key.span.contains(pos) {
                return match &entry.value.value {
                    Value::Scalar(text, _) => Some(canonical_value(entry.key.as_str(), text)),
                    _ => None,
                };
            }
            if entry.value.span.contains(pos) {
                key = entry.key.as_str();
                node = &entry.value;
                continue 'descend;
            }
        }
        for item in node.items() {
            if item.span.contains(pos) {
                node = item;
                continue 'descend;
            }
        }
        return None;
    }
}

/// The path and scalar value of the node of an infrastructure resource written
/// at `span` (`ingress[0].cidr_blocks[0]`, `0.0.0.0/0`): a finding's place in
/// its resource, independent of lines. Searches breadth-first; the first node
/// whose origin is `span` wins.
pub(crate) fn iac_value_at(root: &rampart_iac::Node, span: Span) -> Option<(String, String)> {
    use rampart_iac::Value as IacValue;
    let mut queue: std::collections::VecDeque<(String, &rampart_iac::Node)> =
        std::collections::VecDeque::from([(String::new(), root)]);
    let mut visited = 0usize;
    while let Some((path, node)) = queue.pop_front() {
        visited += 1;
        if visited > 100_000 {
            return None;
        }
        if node.origin.is_some_and(|o| o.span == span) && !path.is_empty() {
            let value = match &node.value {
                IacValue::String(text) => text.to_string(),
                IacValue::Number(n) => n.to_string(),
                IacValue::Bool(b) => b.to_string(),
                _ => String::new(),
            };
            return Some((path, value));
        }
        match &node.value {
            IacValue::Map(entries) => {
                for (key, child) in entries {
                    let child_path = if path.is_empty() {
                        key.to_string()
                    } else {
                        format!("{path}.{key}")
                    };
                    queue.push_back((child_path, child));
                }
            }
            IacValue::List(items) => {
                for (i, child) in items.iter().enumerate() {
                    queue.push_back((format!("{path}[{i}]"), child));
                }
            }
            _ => {}
        }
    }
    None
}

fn canonical_value(key: Option<&str>, text: &str) -> String {
    match key {
        Some("image") => {
            ImageRef::parse(text).map_or_else(|| text.to_owned(), |image| image.name())
        }
        _ => text.to_owned(),
    }
}

fn push_key(path: &mut String, key: &Node) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(key.as_str().unwrap_or("?"));
}

/// The instruction at `span`, whitespace-normalised: `RUN apt-get install curl`.
pub(crate) fn dockerfile_instruction(doc: &DockerfileDoc, span: Span) -> String {
    let line = span.start.line;
    let Some(instruction) = doc
        .parsed
        .instructions
        .iter()
        .find(|i| i.span.start.line <= line && line <= i.span.end.line)
    else {
        return String::new();
    };
    let mut words: Vec<String> = instruction
        .arguments
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    // A base image is named without its tag or digest: bumping it is the same
    // place, not a new finding.
    if instruction.keyword == "FROM"
        && let Some(image) = words.first_mut()
        && let Some(reference) = ImageRef::parse(image)
    {
        *image = reference.name();
    }
    let mut located = format!("{} {}", instruction.keyword, words.join(" "));
    located.truncate(
        located
            .char_indices()
            .nth(200)
            .map_or(located.len(), |(i, _)| i),
    );
    located
}

/// `Dockerfile/<stage>` for the stage holding `span`.
pub(crate) fn dockerfile_resource(doc: &DockerfileDoc, span: Span) -> String {
    let line = span.start.line;
    let stage = doc.parsed.stages.iter().rev().find(|stage| {
        doc.parsed
            .instructions
            .get(stage.instructions.start)
            .is_some_and(|from| from.span.start.line <= line)
    });
    match stage {
        Some(stage) => match &stage.name {
            Some(name) => format!("Dockerfile/{name}"),
            None => format!("Dockerfile/stage-{}", stage.index),
        },
        None => "Dockerfile".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_list_items() {
        let text = "spec:\n  containers:\n  - name: app\n    securityContext:\n      privileged: true\n  - image: x\n";
        let stream = rampart_yaml::parse_stream(text, "t", &rampart_yaml::Limits::default());
        let root = &stream.documents[0].root;
        assert_eq!(
            yaml_path(root, Position::new(5, 19)),
            "spec.containers[app].securityContext.privileged"
        );
        assert_eq!(
            yaml_path(root, Position::new(6, 12)),
            "spec.containers[1].image"
        );
        assert_eq!(
            yaml_path(root, Position::new(4, 5)),
            "spec.containers[app].securityContext"
        );
    }

    #[test]
    fn scalars_at_values_and_keys() {
        let text = "spec:\n  add: [NET_ADMIN]\n  path: /var/log\n  block:\n    a: 1\n";
        let stream = rampart_yaml::parse_stream(text, "t", &rampart_yaml::Limits::default());
        let root = &stream.documents[0].root;
        assert_eq!(
            scalar_at(root, Position::new(2, 11)).as_deref(),
            Some("NET_ADMIN")
        );
        assert_eq!(
            scalar_at(root, Position::new(3, 3)).as_deref(),
            Some("/var/log")
        );
        assert_eq!(scalar_at(root, Position::new(4, 3)), None);
        let text = "image: r.example.com/a:1.2.3@sha256:abc\n";
        let stream = rampart_yaml::parse_stream(text, "t", &rampart_yaml::Limits::default());
        let root = &stream.documents[0].root;
        assert_eq!(
            scalar_at(root, Position::new(1, 8)).as_deref(),
            Some("r.example.com/a")
        );
    }
}
