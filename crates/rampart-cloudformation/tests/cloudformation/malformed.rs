//! Malformed templates: a diagnostic with the line, the rest still evaluated.

use rampart_cloudformation::evaluate_template;
use rampart_iac::Value;
use rampart_source::{DiagnosticLevel, FileId};
use rampart_yaml::{Limits, parse_stream};

use crate::common::*;

/// (code, line) of each diagnostic.
fn found(out: &rampart_cloudformation::EvaluatedTemplate) -> Vec<(&'static str, u32)> {
    out.diagnostics
        .iter()
        .map(|d| {
            assert_eq!(d.file, PATH);
            (d.code, d.line.expect("a line"))
        })
        .collect()
}

#[test]
fn a_template_that_is_not_a_mapping() {
    let parsed = parse_stream("- a\n- b\n", PATH, &Limits::default());
    let out = evaluate_template(FileId(0), &parsed.documents[0].root, PATH);
    assert_eq!(found(&out), [("cfn-structure", 1)]);
    assert!(out.resources.is_empty());
}

#[test]
fn broken_sections_and_resources_are_skipped() {
    let text = r#"AWSTemplateFormatVersion: '2010-09-09'
Parameters: [not, a, mapping]
Mappings: 3
Resources:
  NotAMap: [1, 2]
  NoType:
    Properties: {A: 1}
  TaggedType:
    Type: !Ref Something
  BadProperties:
    Type: AWS::SNS::Topic
    Properties: [a]
  Good:
    Type: AWS::SNS::Topic
    Propertes:
      TopicName: typo
Outputs: {}
Extra: 1
"#;
    let out = evaluate(text);
    let mut found = found(&out);
    found.sort_by_key(|(_, line)| *line);
    assert_eq!(
        found,
        [
            ("cfn-structure", 2),
            ("cfn-structure", 3),
            ("cfn-structure", 5),
            ("cfn-structure", 6),
            ("cfn-structure", 8),
            ("cfn-structure", 12),
            ("cfn-unknown-key", 15),
            ("cfn-unknown-key", 18),
        ]
    );
    let errors = out
        .diagnostics
        .iter()
        .filter(|d| d.level == DiagnosticLevel::Error)
        .count();
    assert_eq!(errors, 6);
    assert!(resource(&out, "BadProperties").attributes.is_unknown());
    assert_eq!(
        resource(&out, "Good").attributes.value,
        Value::Map(Box::default())
    );
}

#[test]
fn a_template_without_resources() {
    let out = evaluate("AWSTemplateFormatVersion: '2010-09-09'\nDescription: nothing\n");
    assert_eq!(found(&out), [("cfn-structure", 1)]);
    let out = evaluate("AWSTemplateFormatVersion: '2010-09-09'\nResources: x\n");
    assert_eq!(found(&out), [("cfn-structure", 2)]);
}

#[test]
fn malformed_functions_are_unknown_and_reported() {
    let props = r#"A: !Join [",", a, b]
B: {"Fn::Select": [5, [a, b]]}
C: !Ref Nowhere
D: !GetAtt NoDot
E: {"Fn::Frobnicate": [1]}
F: !Frobnicate x
G: !Cidr [not-a-cidr, 2, 8]
H: !Cidr [10.0.0.0/24, 8, 6]
I: !FindInMap [Missing, a, b]
J: !If [OnlyTwo, a]
K: !Split ["", abc]
L: !Sub ["${X}", [not, a, map]]
M: !GetAtt Env.Arn
N: !Select [-1, [a]]
O: !Length notalist
P: !ToJsonString 3
Q: !Sub "${AWS::NoValue}"
R: !Base64 [a]
S: !Equals [a]
T: !Sub "${Subnets}"
U: !Ref
Fine: ok
"#;
    let text = with_properties(
        "Parameters:\n  Env: {Type: String, Default: x}\n  Subnets: {Type: CommaDelimitedList, Default: 'a,b'}\n",
        props,
    );
    let out = evaluate(&text);
    let first = line_of(&text, "A: !Join");
    let lines: Vec<(&str, u32)> = found(&out)
        .into_iter()
        .map(|(code, line)| (code, line - first))
        .collect();
    assert_eq!(
        lines,
        [
            ("cfn-intrinsic", 0),
            ("cfn-intrinsic", 1),
            ("cfn-undefined", 2),
            ("cfn-intrinsic", 3),
            ("cfn-intrinsic", 4),
            ("cfn-intrinsic", 5),
            ("cfn-intrinsic", 6),
            ("cfn-intrinsic", 7),
            ("cfn-undefined", 8),
            ("cfn-intrinsic", 9),
            ("cfn-intrinsic", 10),
            ("cfn-intrinsic", 11),
            ("cfn-undefined", 12),
            ("cfn-intrinsic", 13),
            ("cfn-intrinsic", 14),
            ("cfn-intrinsic", 15),
            ("cfn-intrinsic", 16),
            ("cfn-intrinsic", 17),
            ("cfn-intrinsic", 18),
            ("cfn-intrinsic", 19),
            ("cfn-intrinsic", 20),
        ]
    );
    let subject = resource(&out, "Subject");
    for (key, value) in subject.attributes.entries() {
        if key == "Fine" {
            assert_eq!(string(value), "ok");
        } else {
            assert!(value.is_unknown(), "{key}: {value:?}");
        }
    }
    assert_eq!(
        reason(subject.get("B").unwrap()),
        "`Fn::Select` is invalid: index 5 is out of range for a list of 2"
    );
    assert_eq!(
        out.diagnostics[0].message,
        "invalid `Fn::Join`: expected [Delimiter, [Values]]"
    );
}

#[test]
fn a_loop_with_a_bad_shape() {
    let text = "Resources:\n  Fn::ForEach::X: [a, b]\n  Topic:\n    Type: AWS::SNS::Topic\n";
    let out = evaluate(text);
    assert_eq!(found(&out), [("cfn-intrinsic", 2)]);
    assert_eq!(resource(&out, "Topic").resource_type, "AWS::SNS::Topic");
}

#[test]
fn exponential_expansion_is_cut_off() {
    // Every `Fn::ToJsonString` doubles the backslashes of the one inside it.
    let mut value = String::from("\"x\"");
    for _ in 0..60 {
        value = format!("!ToJsonString [{value}]");
    }
    let text = with_properties("", &format!("P: {value}\nQ: fine\n"));
    let out = evaluate(&text);
    assert_eq!(codes(&out), ["cfn-limit"]);
    assert!(prop(&out, "Subject", &["P"]).is_unknown());
    assert_eq!(string(prop(&out, "Subject", &["Q"])), "fine");

    // A large default referenced many times.
    let mut text = format!(
        "Parameters:\n  Big:\n    Type: String\n    Default: {}\nResources:\n",
        "x".repeat(1 << 20)
    );
    for i in 0..100 {
        text.push_str(&format!(
            "  T{i}:\n    Type: AWS::SNS::Topic\n    Properties:\n      A: !Join [\"\", [!Ref Big, !Ref Big]]\n"
        ));
    }
    let out = evaluate(&text);
    assert_eq!(codes(&out), ["cfn-limit"]);
    assert_eq!(out.resources.len(), 101);
}

#[test]
fn deep_nesting_is_bounded() {
    // As deep as the YAML parser allows, every level a function.
    let mut value = String::from("x");
    for _ in 0..120 {
        value = format!("!Select [0, [{value}]]");
    }
    let text = with_properties("", &format!("P: {value}\n"));
    let out = evaluate_clean(&text);
    assert_eq!(string(prop(&out, "Subject", &["P"])), "x");

    let mut value = String::from("x");
    for _ in 0..40 {
        value = format!("{{\"Fn::Select\": [0, [{{\"Fn::Join\": [\"\", [{value}]]}}]]}}");
    }
    let text = with_properties("", &format!("P: {value}\n"));
    let out = evaluate_clean(&text);
    assert_eq!(string(prop(&out, "Subject", &["P"])), "x");
}

#[test]
fn defaults_that_refer_to_parameters_stay_bounded() {
    let mut text = String::from("Parameters:\n  Self:\n    Type: String\n    Default: !Ref Self\n");
    for i in 0..3_000 {
        text.push_str(&format!(
            "  P{i}:\n    Type: String\n    Default: !Ref P{}\n",
            i + 1
        ));
    }
    text.push_str("  P3000:\n    Type: String\n    Default: end\n");
    text.push_str("  Q0: {Type: String, Default: !Ref Q1}\n  Q1: {Type: String, Default: end}\n");
    text.push_str("Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      A: !Ref Self\n      B: !Ref P0\n      C: !Ref Q0\n");
    let out = evaluate(&text);
    assert_eq!(
        reason(prop(&out, "Topic", &["A"])),
        "the default of parameter `Self` refers to itself"
    );
    assert!(prop(&out, "Topic", &["B"]).is_unknown());
    assert_eq!(string(prop(&out, "Topic", &["C"])), "end");
    assert!(codes(&out).contains(&"cfn-limit"));
}
