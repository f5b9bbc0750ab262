//! Plan JSON, read through `rampart_yaml` trees (JSON is YAML, so every value
//! keeps its position), turned into `rampart_iac` values.

use std::collections::HashMap;

use rampart_iac::{Node, Origin, Unknown, Value};
use rampart_source::FileId;
use rampart_yaml::{Node as Json, ScalarStyle, Value as JsonValue};

/// Deepest value rampart converts. The YAML reader already stops at 256 levels;
/// this bound also holds for trees built some other way.
pub(crate) const MAX_VALUE_DEPTH: usize = 256;

/// Objects with more entries than this are indexed before keys are looked up
/// in them, so that hostile objects with many keys stay linear.
const INDEX_ABOVE: usize = 16;

pub(crate) fn origin(file: FileId, node: &Json) -> Origin {
    Origin {
        file,
        span: node.span,
    }
}

pub(crate) fn too_deep() -> Unknown {
    Unknown::Unevaluated {
        reason: "value nests too deeply to be read".to_owned(),
    }
}

/// A JSON string.
pub(crate) fn string(node: &Json) -> Option<&str> {
    match &node.value {
        JsonValue::Scalar(text, ScalarStyle::Quoted) => Some(text),
        _ => None,
    }
}

/// A string field (`"address": "aws_vpc.main"`).
pub(crate) fn text<'a>(node: &'a Json, key: &str) -> Option<&'a str> {
    string(node.get(key)?)
}

/// `true`, written as a JSON boolean.
pub(crate) fn is_true(node: Option<&Json>) -> bool {
    matches!(node.map(|n| &n.value), Some(JsonValue::Scalar(text, ScalarStyle::Plain)) if &**text == "true")
}

/// A JSON scalar as a value: `null`, `true`, `false` and numbers only when
/// written bare, everything quoted is a string.
pub(crate) fn scalar(node: &Json) -> Value {
    let JsonValue::Scalar(text, style) = &node.value else {
        return Value::Null;
    };
    if *style != ScalarStyle::Plain {
        return Value::String(text.clone());
    }
    if node.is_null() {
        return Value::Null;
    }
    match &**text {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => json_number(text).map_or_else(|| Value::String(text.clone()), Value::Number),
    }
}

/// A number in JSON syntax (Rust would also accept `inf` and `NaN`).
fn json_number(text: &str) -> Option<f64> {
    let first = text.bytes().next()?;
    if !(first.is_ascii_digit() || first == b'-') {
        return None;
    }
    if !text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
    {
        return None;
    }
    text.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// A whole JSON value, every part with its origin.
pub(crate) fn to_node(file: FileId, node: &Json, depth: usize) -> Node {
    let at = Some(origin(file, node));
    if depth >= MAX_VALUE_DEPTH {
        return Node::unknown(too_deep(), at);
    }
    let value = match &node.value {
        JsonValue::Scalar(..) => scalar(node),
        JsonValue::Seq(items) => Value::List(
            items
                .iter()
                .map(|item| to_node(file, item, depth + 1))
                .collect(),
        ),
        JsonValue::Map(entries) => Value::Map(
            entries
                .iter()
                .filter_map(|e| Some((e.key.as_str()?.into(), to_node(file, &e.value, depth + 1))))
                .collect(),
        ),
    };
    Node::new(value, at)
}

/// Key lookup in a JSON object that stays linear for large objects.
pub(crate) struct Fields<'a> {
    node: Option<&'a Json>,
    index: Option<HashMap<&'a str, &'a Json>>,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(node: Option<&'a Json>) -> Self {
        let entries = node.map_or(&[][..], Json::entries);
        let index = (entries.len() > INDEX_ABOVE).then(|| {
            entries
                .iter()
                .filter_map(|e| Some((e.key.as_str()?, &e.value)))
                .collect()
        });
        Self { node, index }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&'a Json> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => self.node?.get(key),
        }
    }
}

/// Whether two JSON values are equal, wherever they were written. Deeper than
/// [`MAX_VALUE_DEPTH`] they count as different.
pub(crate) fn same(a: &Json, b: &Json, depth: usize) -> bool {
    if depth >= MAX_VALUE_DEPTH {
        return false;
    }
    match (&a.value, &b.value) {
        (JsonValue::Scalar(..), JsonValue::Scalar(..)) => scalar(a) == scalar(b),
        (JsonValue::Seq(x), JsonValue::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y, depth + 1))
        }
        (JsonValue::Map(x), JsonValue::Map(y)) => {
            if x.len() != y.len() {
                return false;
            }
            let other = Fields::new(Some(b));
            x.iter().all(|e| {
                e.key
                    .as_str()
                    .and_then(|key| other.get(key))
                    .is_some_and(|v| same(&e.value, v, depth + 1))
            })
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_yaml::{Limits, parse_stream};

    fn json(text: &str) -> Json {
        let mut parsed = parse_stream(text, "t.json", &Limits::default());
        parsed.documents.remove(0).root
    }

    #[test]
    fn scalars_follow_json() {
        let doc = json(r#"{"a": 1.5e2, "b": "22", "c": true, "d": null, "e": "null", "f": -3}"#);
        let value = |k: &str| scalar(doc.get(k).unwrap());
        assert_eq!(value("a"), Value::Number(150.0));
        assert_eq!(value("b"), Value::String("22".into()));
        assert_eq!(value("c"), Value::Bool(true));
        assert_eq!(value("d"), Value::Null);
        assert_eq!(value("e"), Value::String("null".into()));
        assert_eq!(value("f"), Value::Number(-3.0));
        assert_eq!(json_number("inf"), None);
        assert_eq!(json_number("NaN"), None);
        assert_eq!(json_number("1e999"), None);
    }

    #[test]
    fn nodes_keep_their_origin() {
        let doc = json("{\n  \"tags\": {\n    \"Name\": \"web\"\n  }\n}\n");
        let node = to_node(FileId(3), &doc, 0);
        let name = node.path(&["tags", "Name"]).unwrap();
        assert_eq!(name.as_str(), Some("web"));
        let origin = name.origin.unwrap();
        assert_eq!(origin.file, FileId(3));
        assert_eq!((origin.span.start.line, origin.span.start.column), (3, 13));
    }

    #[test]
    fn equality_ignores_positions_and_key_order() {
        let a = json(r#"{"x": [1, {"y": "z"}], "w": null}"#);
        let b = json("{\"w\": null,\n \"x\": [1, {\"y\": \"z\"}]}");
        let c = json(r#"{"x": [1, {"y": "Z"}], "w": null}"#);
        assert!(same(&a, &b, 0));
        assert!(!same(&a, &c, 0));
    }

    #[test]
    fn large_objects_are_indexed() {
        let body: Vec<String> = (0..100).map(|i| format!("\"k{i}\": {i}")).collect();
        let doc = json(&format!("{{{}}}", body.join(",")));
        let fields = Fields::new(Some(&doc));
        assert!(fields.index.is_some());
        assert_eq!(fields.get("k42").and_then(Json::as_i64), Some(42));
        assert!(fields.get("nope").is_none());
    }
}
