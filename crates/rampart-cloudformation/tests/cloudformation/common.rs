#![allow(dead_code)]

use rampart_cloudformation::{EvaluatedTemplate, evaluate_template};
use rampart_iac::{BlockKind, Node, Resource, Unknown, Value};
use rampart_source::FileId;
use rampart_yaml::{Limits, parse_stream};

pub const PATH: &str = "template.yaml";

/// Parses and evaluates a template; the YAML itself must be valid.
pub fn evaluate(text: &str) -> EvaluatedTemplate {
    let parsed = parse_stream(text, PATH, &Limits::default());
    assert!(
        parsed.diagnostics.is_empty(),
        "invalid YAML: {:?}",
        parsed.diagnostics
    );
    let root = &parsed.documents.first().expect("one document").root;
    evaluate_template(FileId(7), root, PATH)
}

/// Evaluates a template that must have no diagnostics.
pub fn evaluate_clean(text: &str) -> EvaluatedTemplate {
    let out = evaluate(text);
    assert!(
        out.diagnostics.is_empty(),
        "unexpected diagnostics: {:#?}",
        out.diagnostics
    );
    out
}

pub fn resource<'a>(out: &'a EvaluatedTemplate, id: &str) -> &'a Resource {
    out.resources
        .iter()
        .find(|r| r.address == id && r.kind == BlockKind::Resource)
        .unwrap_or_else(|| panic!("no resource {id}"))
}

pub fn parameter<'a>(out: &'a EvaluatedTemplate, name: &str) -> &'a Resource {
    out.resources
        .iter()
        .find(|r| r.address == name && r.kind == BlockKind::Variable)
        .unwrap_or_else(|| panic!("no parameter {name}"))
}

/// The value at a path of keys in a resource's properties, list indices as
/// numbers (`["SecurityGroupIngress", "0", "CidrIp"]`).
pub fn prop<'a>(out: &'a EvaluatedTemplate, id: &str, path: &[&str]) -> &'a Node {
    let mut node = &resource(out, id).attributes;
    for key in path {
        node = match key.parse::<usize>() {
            Ok(i) => node
                .items()
                .get(i)
                .unwrap_or_else(|| panic!("no item {i} in {id}.{path:?}: {node:?}")),
            Err(_) => node
                .get(key)
                .unwrap_or_else(|| panic!("no {key} in {id}.{path:?}: {node:?}")),
        };
    }
    node
}

/// A template with a single resource whose properties are `properties`
/// (indented by 6 spaces), after `prelude` sections.
pub fn with_properties(prelude: &str, properties: &str) -> String {
    let mut text = String::from("AWSTemplateFormatVersion: '2010-09-09'\n");
    text.push_str(prelude);
    text.push_str("Resources:\n  Subject:\n    Type: AWS::S3::Bucket\n    Properties:\n");
    for line in properties.lines() {
        text.push_str("      ");
        text.push_str(line);
        text.push('\n');
    }
    text
}

pub fn string(node: &Node) -> &str {
    node.as_str()
        .unwrap_or_else(|| panic!("not a string: {node:?}"))
}

pub fn line(node: &Node) -> u32 {
    node.origin.expect("an origin").span.start.line
}

pub fn reason(node: &Node) -> &str {
    match node.unknown_value() {
        Some(Unknown::Unevaluated { reason }) => reason,
        other => panic!("not unevaluated: {other:?} in {node:?}"),
    }
}

pub fn reference(address: &str, attribute: &str) -> Value {
    Value::Unknown(Box::new(Unknown::Reference {
        address: address.into(),
        attribute: attribute.into(),
    }))
}

pub fn strings(node: &Node) -> Vec<&str> {
    node.items().iter().map(string).collect()
}

/// The 1-based line of the first line of `text` containing `needle`.
pub fn line_of(text: &str, needle: &str) -> u32 {
    let index = text
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle}"));
    u32::try_from(index + 1).unwrap()
}

pub fn codes(out: &EvaluatedTemplate) -> Vec<&'static str> {
    out.diagnostics.iter().map(|d| d.code).collect()
}
