//! Explaining unknowns, and listing them for `--show-unknown`.

use std::fmt::Write;

use rampart_iac::{Node, Origin, Unknown, UnknownValue, Value};

/// Why a value is unknown, as a clause: "parameter `Env` has no default",
/// "`Vpc.CidrBlock` is known after deployment".
pub(crate) fn clause(unknown: &Unknown) -> String {
    match unknown {
        Unknown::Reference { address, attribute } if attribute.is_empty() => {
            format!("`{address}` is known after deployment")
        }
        Unknown::Reference { address, attribute } => {
            format!("`{address}.{attribute}` is known after deployment")
        }
        Unknown::UnsetVariable { name } => format!("parameter `{name}` has no default"),
        Unknown::Unevaluated { reason } => reason.clone(),
    }
}

/// The unknown a value built from an unknown part is. A `Fn::Join` or
/// `Fn::Sub` around a reference is not that reference, so the part's
/// reason is kept but not its kind: the model must not link `arn:…:${Bucket}/*`
/// to the bucket as if it were the bucket itself.
pub(crate) fn derived(unknown: &Unknown) -> Unknown {
    Unknown::Unevaluated {
        reason: clause(unknown),
    }
}

/// The first unknown inside a value, in document order.
pub(crate) fn first_unknown(node: &Node) -> Option<&Unknown> {
    match &node.value {
        Value::Unknown(unknown) => Some(unknown),
        Value::List(items) => items.iter().find_map(first_unknown),
        Value::Map(entries) => entries.iter().find_map(|(_, v)| first_unknown(v)),
        _ => None,
    }
}

/// Every unknown inside `node`, addressed as `Address.Key.List[0].Key`.
pub(crate) fn collect(address: &str, node: &Node, fallback: Origin, out: &mut Vec<UnknownValue>) {
    let mut path = Vec::new();
    walk(address, &mut path, node, fallback, out);
}

/// A step from a value to one inside it.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// The path to a value is written out only for the unknowns: a template's
/// values are walked whole and hold few of them.
fn walk<'a>(
    address: &str,
    path: &mut Vec<Step<'a>>,
    node: &'a Node,
    fallback: Origin,
    out: &mut Vec<UnknownValue>,
) {
    match &node.value {
        Value::Unknown(unknown) => out.push(UnknownValue {
            origin: node.origin.unwrap_or(fallback),
            address: written(address, path),
            unknown: (**unknown).clone(),
        }),
        Value::List(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Step::Index(i));
                walk(address, path, item, fallback, out);
                path.pop();
            }
        }
        Value::Map(entries) => {
            for (key, value) in entries {
                path.push(Step::Key(key));
                walk(address, path, value, fallback, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// `address` followed by `path`: `Address.Key.List[0]["a.b"]`.
fn written(address: &str, path: &[Step<'_>]) -> String {
    let mut text = address.to_owned();
    for step in path {
        // Writing to a `String` does not fail.
        let _ = match step {
            Step::Index(i) => write!(text, "[{i}]"),
            Step::Key(key) if key.contains(['.', '[', ']', '"']) || key.is_empty() => {
                write!(text, "[{key:?}]")
            }
            Step::Key(key) => {
                text.push('.');
                text.push_str(key);
                Ok(())
            }
        };
    }
    text
}

#[cfg(test)]
mod tests {
    use rampart_source::{FileId, Span};

    use super::*;

    fn unknown(reason: &str) -> Node {
        Node::unknown(
            Unknown::Unevaluated {
                reason: reason.into(),
            },
            None,
        )
    }

    fn map(entries: Vec<(&str, Node)>) -> Node {
        let entries = entries.into_iter().map(|(k, v)| (k.into(), v)).collect();
        Node::new(Value::Map(entries), None)
    }

    #[test]
    fn unknowns_are_addressed_by_their_path() {
        let tags = Node::new(
            Value::List(
                vec![
                    map(vec![("Key", Node::new(Value::String("a".into()), None))]),
                    map(vec![("Value", unknown("tag"))]),
                ]
                .into(),
            ),
            None,
        );
        let properties = map(vec![
            ("Tags", tags),
            ("a.b", unknown("dotted")),
            ("", unknown("empty")),
            ("Plain", unknown("plain")),
        ]);
        let root = map(vec![("Properties", properties)]);
        let fallback = Origin {
            file: FileId::from_index(0),
            span: Span::lines(1, 1),
        };
        let mut found = Vec::new();
        collect("Bucket", &root, fallback, &mut found);
        let addresses: Vec<&str> = found.iter().map(|u| u.address.as_str()).collect();
        assert_eq!(
            addresses,
            [
                "Bucket.Properties.Tags[1].Value",
                r#"Bucket.Properties["a.b"]"#,
                r#"Bucket.Properties[""]"#,
                "Bucket.Properties.Plain",
            ]
        );
    }
}
