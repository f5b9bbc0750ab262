//! Explaining unknowns, and listing them for `--show-unknown`.

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
    let mut path = address.to_owned();
    walk(&mut path, node, fallback, out);
}

fn walk(path: &mut String, node: &Node, fallback: Origin, out: &mut Vec<UnknownValue>) {
    match &node.value {
        Value::Unknown(unknown) => out.push(UnknownValue {
            origin: node.origin.unwrap_or(fallback),
            address: path.clone(),
            unknown: (**unknown).clone(),
        }),
        Value::List(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                walk(path, item, fallback, out);
                path.truncate(len);
            }
        }
        Value::Map(entries) => {
            for (key, value) in entries {
                let len = path.len();
                if key.contains(['.', '[', ']', '"']) || key.is_empty() {
                    path.push_str(&format!("[{key:?}]"));
                } else {
                    path.push('.');
                    path.push_str(key);
                }
                walk(path, value, fallback, out);
                path.truncate(len);
            }
        }
        _ => {}
    }
}
