use compact_str::CompactString;
use rampart_source::Span;

/// How a scalar was written. Only plain scalars are interpreted as booleans,
/// numbers or null; a quoted `"true"` stays a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    Quoted,
    Block,
}

/// A node's content. A tree is never changed once parsed, so its
/// collections are boxed slices (two words, no spare capacity) rather than
/// `Vec`s (three). A scalar's text of up to 24 bytes is kept in the node
/// itself: most keys and values of a manifest are that short, and then
/// need no allocation of their own to make and free.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Scalar(CompactString, ScalarStyle),
    Seq(Box<[Node]>),
    Map(Box<[Entry]>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

/// A YAML node and where it was written: seven words (the value, the span,
/// a thin pointer to the rare tag).
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
    /// A local tag such as `!Ref`, without the handle resolved (`!Ref`, `!!str`):
    /// see [`Node::tag`]. Behind one more pointer, since few nodes have one
    /// and a thin pointer keeps every node a word smaller.
    pub tag: Option<Box<Box<str>>>,
}

const EMPTY_ENTRIES: &[Entry] = &[];
const EMPTY_NODES: &[Node] = &[];

impl Node {
    pub fn scalar(text: impl Into<CompactString>, style: ScalarStyle, span: Span) -> Self {
        Self {
            value: Value::Scalar(text.into(), style),
            span,
            tag: None,
        }
    }

    /// An empty mapping at `span` (allocates nothing).
    pub fn empty_map(span: Span) -> Self {
        Self {
            value: Value::Map(Box::default()),
            span,
            tag: None,
        }
    }

    /// The node's tag (`!Ref`, `!!str`), if it has one.
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref().map(|tag| &**tag)
    }

    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The entry (key node and value node) of `key` in a mapping.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        // The text first: whether a key is a null only matters for one that
        // reads like one, and testing it for every key of every lookup was
        // a measurable part of a scan.
        self.entries().iter().find(|e| {
            matches!(&e.key.value, Value::Scalar(text, _) if **text == *key) && !e.key.is_null()
        })
    }

    /// Follows a path of mapping keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    /// The entries of a mapping; empty for anything else.
    pub fn entries(&self) -> &[Entry] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => EMPTY_ENTRIES,
        }
    }

    /// The items of a sequence; empty for anything else.
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => EMPTY_NODES,
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    pub fn is_seq(&self) -> bool {
        matches!(self.value, Value::Seq(_))
    }

    /// The text of any non-null scalar (`8080`, `"8080"` and `true` all have text).
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(text, _) if !self.is_null() => Some(text),
            _ => None,
        }
    }

    /// `null`, `~`, or nothing at all, written plain.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(text, ScalarStyle::Plain)
            if matches!(&**text, "" | "~" | "null" | "Null" | "NULL"))
    }

    /// A plain boolean. Kubernetes reads manifests as YAML 1.1, where `yes`, `on`
    /// and their capitalised forms are booleans too, so they are accepted here:
    /// `privileged: yes` is a privileged container.
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Scalar(text, ScalarStyle::Plain) => match &**text {
                "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y"
                | "Y" => Some(true),
                "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n"
                | "N" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// A plain integer (decimal, `0x` hex or `0o` octal).
    pub fn as_i64(&self) -> Option<i64> {
        match &self.value {
            Value::Scalar(text, ScalarStyle::Plain) => parse_int(text),
            _ => None,
        }
    }

    /// The number of nodes in this subtree (this node included).
    pub fn count(&self) -> usize {
        1 + match &self.value {
            Value::Scalar(..) => 0,
            Value::Seq(items) => items.iter().map(Node::count).sum(),
            Value::Map(entries) => entries
                .iter()
                .map(|e| e.key.count() + e.value.count())
                .sum(),
        }
    }

    /// The span of the whole subtree rewritten to `span` (used for alias expansion,
    /// so that findings point at the place an alias is used).
    pub(crate) fn relocate(&mut self, span: Span) {
        self.span = span;
        match &mut self.value {
            Value::Scalar(..) => {}
            Value::Seq(items) => items.iter_mut().for_each(|n| n.relocate(span)),
            Value::Map(entries) => entries.iter_mut().for_each(|e| {
                e.key.relocate(span);
                e.value.relocate(span);
            }),
        }
    }
}

fn parse_int(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let magnitude = if let Some(hex) = digits.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(oct) = digits.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()?
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()?
    } else {
        return None;
    };
    Some(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_are_seven_words() {
        // The generated tree of 100,000 files holds about 3.7 million nodes:
        // a word more in each is 28 MiB more, a text kept in its node 16
        // bytes or more less.
        assert_eq!(std::mem::size_of::<Node>(), 56);
        assert_eq!(std::mem::size_of::<Entry>(), 112);
    }

    fn plain(text: &str) -> Node {
        Node::scalar(text, ScalarStyle::Plain, Span::default())
    }

    #[test]
    fn yaml_1_1_booleans_are_understood() {
        assert_eq!(plain("yes").as_bool(), Some(true));
        assert_eq!(plain("Off").as_bool(), Some(false));
        assert_eq!(plain("maybe").as_bool(), None);
        let quoted = Node::scalar("true", ScalarStyle::Quoted, Span::default());
        assert_eq!(quoted.as_bool(), None);
        assert_eq!(quoted.as_str(), Some("true"));
    }

    #[test]
    fn integers() {
        assert_eq!(plain("0").as_i64(), Some(0));
        assert_eq!(plain("-12").as_i64(), Some(-12));
        assert_eq!(plain("0x1F").as_i64(), Some(31));
        assert_eq!(plain("1.5").as_i64(), None);
        assert_eq!(plain("").as_i64(), None);
    }

    #[test]
    fn null_has_no_text() {
        assert!(plain("~").is_null());
        assert_eq!(plain("null").as_str(), None);
        assert_eq!(
            Node::scalar("null", ScalarStyle::Quoted, Span::default()).as_str(),
            Some("null")
        );
    }
}
