//! `.tfvars.json` files: one JSON object of variable values, read through
//! `rampart_yaml` (JSON is YAML) so that every value keeps its position.

use rampart_iac::{Node, Origin, Unknown, Value};
use rampart_source::{Diagnostic, DiagnosticLevel, FileId};
use rampart_yaml::{Limits, Node as Json, ScalarStyle, Value as JsonValue};

/// Deepest value converted (the YAML reader already stops at 256 levels).
const MAX_DEPTH: usize = 256;

/// The variable values of a `.tfvars.json` file, each with where it was
/// written (a repeated key: the last one), and the problems met reading it:
/// a file that cannot be read holds no values.
pub fn parse_json_vars(
    file: FileId,
    text: &str,
    display_path: &str,
) -> (Vec<(String, Node)>, Vec<Diagnostic>) {
    let stream = rampart_yaml::parse_stream(text, display_path, &Limits::default());
    let mut diagnostics = stream.diagnostics;
    if diagnostics
        .iter()
        .any(|d| d.level == DiagnosticLevel::Error)
    {
        return (Vec::new(), diagnostics);
    }
    let root = match stream.documents.as_slice() {
        [document] if document.root.is_map() => &document.root,
        // An empty file holds no values.
        [] if text.trim().is_empty() => return (Vec::new(), diagnostics),
        _ => {
            diagnostics.push(Diagnostic::error(
                "terraform-vars-json",
                display_path,
                "a `.tfvars.json` file must hold one JSON object of variable values; the file was skipped",
            ));
            return (Vec::new(), diagnostics);
        }
    };
    let values = root
        .entries()
        .iter()
        .filter_map(|entry| {
            Some((
                entry.key.as_str()?.to_owned(),
                to_node(file, &entry.value, 0),
            ))
        })
        .collect();
    (values, diagnostics)
}

/// A JSON value, every part with its origin: strings stay strings (a
/// `.tfvars.json` string is never a template), bare `true`, `false`, `null`
/// and numbers are what they say.
fn to_node(file: FileId, json: &Json, depth: usize) -> Node {
    let origin = Some(Origin {
        file,
        span: json.span,
    });
    if depth >= MAX_DEPTH {
        return Node::unknown(
            Unknown::Unevaluated {
                reason: "value nests too deeply to be read".to_owned(),
            },
            origin,
        );
    }
    let value = match &json.value {
        JsonValue::Scalar(_, ScalarStyle::Plain) if json.is_null() => Value::Null,
        JsonValue::Scalar(text, ScalarStyle::Plain) => match &**text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => text
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .map_or_else(|| Value::String(text.clone()), Value::Number),
        },
        JsonValue::Scalar(text, _) => Value::String(text.clone()),
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
    Node::new(value, origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_keep_their_positions() {
        let (values, diagnostics) = parse_json_vars(
            FileId(0),
            "{\n  \"public\": true,\n  \"cidrs\": [\"10.0.0.0/8\"],\n  \"n\": 3,\n  \"s\": \"true\",\n  \"z\": null\n}\n",
            "terraform.tfvars.json",
        );
        assert!(diagnostics.is_empty());
        assert_eq!(values[0].0, "public");
        assert_eq!(values[0].1.as_bool(), Some(true));
        assert_eq!(values[0].1.origin.unwrap().span.start.line, 2);
        assert_eq!(values[1].1.items()[0].as_str(), Some("10.0.0.0/8"));
        assert_eq!(values[2].1.value, Value::Number(3.0));
        assert_eq!(values[3].1.value, Value::String("true".into()));
        assert!(values[4].1.is_null());
        let (values, diagnostics) = parse_json_vars(FileId(0), "[1]", "x.tfvars.json");
        assert!(values.is_empty());
        assert_eq!(diagnostics[0].code, "terraform-vars-json");
        let (values, diagnostics) = parse_json_vars(FileId(0), "{\"a\": ", "x.tfvars.json");
        assert!(values.is_empty());
        assert_eq!(diagnostics[0].code, "yaml-syntax");
        // A repeated key is a warning; the file is read.
        let (values, diagnostics) =
            parse_json_vars(FileId(0), "{\"a\": 1, \"a\": 2}", "x.tfvars.json");
        assert_eq!(diagnostics[0].code, "yaml-duplicate-key");
        assert!(!values.is_empty());
    }
}
