use std::fmt;

use compact_str::CompactString;
use rampart_source::{FileId, Span};

/// Where a value was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    pub file: FileId,
    pub span: Span,
}

/// A value that cannot be known before the infrastructure exists, or that
/// rampart could not evaluate. Rules never guess past one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unknown {
    /// An attribute of another resource or data source, known after `apply`
    /// (`aws_vpc.main.id`, `!GetAtt Vpc.CidrBlock`, `!Ref Bucket`). Kept so the
    /// model can link resources.
    Reference { address: String, attribute: String },
    /// A variable or parameter with no default and no value given.
    UnsetVariable { name: String },
    /// Anything else, with the reason (`function "templatefile" is not evaluated`).
    Unevaluated { reason: String },
}

impl fmt::Display for Unknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Reference { address, attribute } if attribute.is_empty() => {
                write!(f, "`{address}` (known after apply)")
            }
            Self::Reference { address, attribute } => {
                write!(f, "`{address}.{attribute}` (known after apply)")
            }
            Self::UnsetVariable { name } => {
                write!(f, "`{name}` has no value: no default, and none given")
            }
            Self::Unevaluated { reason } => f.write_str(reason),
        }
    }
}

/// The entries of an object or block, in source order.
///
/// A boxed slice rather than a `Vec`, as [`List`] is: an evaluated value is
/// never grown once made, and without a capacity a [`Value`] is 24 bytes
/// (a `CompactString`'s spare byte holds the tag) and a [`Node`] 48 instead
/// of 56; a large scan holds millions (docs/benchmarks-history.md, eleventh round).
pub type Map = Box<[(CompactString, Node)]>;

/// The items of a list, tuple or set, in order.
pub type List = Box<[Node]>;

/// An evaluated value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(CompactString),
    List(List),
    Map(Map),
    /// Boxed: an unknown is two strings, and inline it would make every
    /// value, of which a large scan holds millions, twice as large.
    Unknown(Box<Unknown>),
}

/// A value and where it was written (`None` when it was not written anywhere:
/// a default the language supplies).
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub origin: Option<Origin>,
}

/// Adds an entry at the end of a map. A map is boxed, not made to grow, so
/// this moves it once: it is for the odd entry added to an evaluated map,
/// not for building one.
pub fn push_entry(map: &mut Map, key: CompactString, value: Node) {
    let mut entries = std::mem::take(map).into_vec();
    entries.push((key, value));
    *map = entries.into();
}

// What the boxed collections and the boxed unknown are for; a change that
// grows a value shows here rather than in a benchmark.
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Value>() == 24 && std::mem::size_of::<Node>() == 48);

const NO_NODES: &[Node] = &[];
const NO_ENTRIES: &[(CompactString, Node)] = &[];

impl Node {
    pub fn new(value: Value, origin: Option<Origin>) -> Self {
        Self { value, origin }
    }

    pub fn at(value: Value, origin: Origin) -> Self {
        Self {
            value,
            origin: Some(origin),
        }
    }

    pub fn unknown(unknown: Unknown, origin: Option<Origin>) -> Self {
        Self::new(Value::Unknown(Box::new(unknown)), origin)
    }

    /// The value of `key` in a map.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, node)| node)
    }

    /// Follows a path of map keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    pub fn entries(&self) -> &[(CompactString, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => NO_ENTRIES,
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::List(items) => items,
            _ => NO_NODES,
        }
    }

    /// The maps of a nested block that may be written once or repeated
    /// (`ingress { … }`): a list of maps, or a single map.
    pub fn blocks(&self) -> impl Iterator<Item = &Node> {
        let single = matches!(self.value, Value::Map(_)).then_some(self);
        single.into_iter().chain(
            self.items()
                .iter()
                .filter(|n| matches!(n.value, Value::Map(_))),
        )
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// A boolean; the strings `"true"` and `"false"` count, as Terraform
    /// converts them (CloudFormation writes booleans as strings too).
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => Some(*b),
            Value::String(text) => match text.trim().to_ascii_lowercase().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// A number; numeric strings count, as Terraform converts them.
    pub fn as_f64(&self) -> Option<f64> {
        match &self.value {
            Value::Number(n) => Some(*n),
            Value::String(text) => text.trim().parse().ok(),
            _ => None,
        }
    }

    /// An integer value, when the number is whole and in range.
    pub fn as_i64(&self) -> Option<i64> {
        let n = self.as_f64()?;
        (n.fract() == 0.0 && n.abs() < 9.0e15).then_some(n as i64)
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    pub fn unknown_value(&self) -> Option<&Unknown> {
        match &self.value {
            Value::Unknown(unknown) => Some(unknown),
            _ => None,
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.value, Value::Unknown(_))
    }

    /// Whether the value, or anything inside it, is unknown.
    pub fn contains_unknown(&self) -> bool {
        match &self.value {
            Value::Unknown(_) => true,
            Value::List(items) => items.iter().any(Node::contains_unknown),
            Value::Map(entries) => entries.iter().any(|(_, n)| n.contains_unknown()),
            _ => false,
        }
    }

    /// The strings of a list (a single string counts as a list of one).
    pub fn strings(&self) -> Vec<&str> {
        match &self.value {
            Value::String(text) => vec![text.as_str()],
            Value::List(items) => items.iter().filter_map(Node::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// A short rendering for messages: `"0.0.0.0/0"`, `22`, `[…]`, `(known after apply)`.
    pub fn describe(&self) -> String {
        match &self.value {
            Value::Null => "null".to_owned(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => format!("{}", *n as i64),
            Value::Number(n) => n.to_string(),
            Value::String(text) => format!("\"{text}\""),
            Value::List(items) => {
                let shown: Vec<String> = items.iter().take(5).map(Node::describe).collect();
                let more = if items.len() > 5 { ", …" } else { "" };
                format!("[{}{more}]", shown.join(", "))
            }
            Value::Map(_) => "{…}".to_owned(),
            Value::Unknown(unknown) => unknown.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Node {
        Node::new(Value::String(text.into()), None)
    }

    #[test]
    fn conversions_follow_terraform() {
        assert_eq!(s("true").as_bool(), Some(true));
        assert_eq!(s("443").as_i64(), Some(443));
        assert_eq!(Node::new(Value::Number(1.5), None).as_i64(), None);
        assert_eq!(s("x").as_bool(), None);
    }

    #[test]
    fn blocks_are_one_or_many() {
        let map = Node::new(Value::Map(vec![("a".into(), s("1"))].into()), None);
        let list = Node::new(
            Value::List(vec![map.clone(), s("not a block"), map.clone()].into()),
            None,
        );
        assert_eq!(map.blocks().count(), 1);
        assert_eq!(list.blocks().count(), 2);
        assert_eq!(list.describe(), "[{…}, \"not a block\", {…}]");
    }

    #[test]
    fn unknowns_are_found_anywhere() {
        let unknown = Node::unknown(Unknown::UnsetVariable { name: "x".into() }, None);
        let list = Node::new(Value::List(vec![s("a"), unknown].into()), None);
        assert!(list.contains_unknown());
        assert!(!list.is_unknown());
    }
}
