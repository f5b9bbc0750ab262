//! Random templates, well-formed and not, never make the evaluator panic.

use proptest::prelude::*;
use rampart_cloudformation::{evaluate_template, is_cloudformation};
use rampart_source::FileId;
use rampart_yaml::{Limits, parse_stream};

fn evaluate_all(text: &str) {
    let parsed = parse_stream(text, "t.yaml", &Limits::default());
    for document in &parsed.documents {
        let _ = is_cloudformation(&document.root);
        let out = evaluate_template(FileId(0), &document.root, "t.yaml");
        for diagnostic in &out.diagnostics {
            assert!(diagnostic.line.is_some(), "{diagnostic:?}");
        }
    }
}

const FUNCTIONS: &[&str] = &[
    "!Ref",
    "!GetAtt",
    "!Sub",
    "!If",
    "!Join",
    "!Select",
    "!Split",
    "!FindInMap",
    "!Base64",
    "!Cidr",
    "!GetAZs",
    "!ImportValue",
    "!Equals",
    "!And",
    "!Or",
    "!Not",
    "!Condition",
    "!Length",
    "!ToJsonString",
    "!Transform",
    "!Bogus",
];

const WORDS: &[&str] = &[
    "A",
    "B",
    "C",
    "P",
    "Q",
    "R",
    "AWS::NoValue",
    "AWS::Region",
    "R.Arn",
    "${P}",
    "${R.Arn}",
    "${!x}",
    "10.0.0.0/16",
    "0",
    "1",
    "8",
    "-1",
    "\"\"",
    ",",
    "true",
    "~",
    "x${",
    "M",
];

/// A random value, intrinsics included, as flow YAML.
fn value() -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(WORDS).prop_map(str::to_owned);
    leaf.prop_recursive(6, 64, 4, |inner| {
        prop_oneof![
            (
                prop::sample::select(FUNCTIONS),
                prop::collection::vec(inner.clone(), 0..4)
            )
                .prop_map(|(f, args)| format!("{f} [{}]", args.join(", "))),
            (prop::sample::select(FUNCTIONS), inner.clone())
                .prop_map(|(f, arg)| format!("[{f} {arg}]")),
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
            (
                prop::sample::select(
                    &[
                        "Ref",
                        "Fn::If",
                        "Fn::Sub",
                        "Condition",
                        "Fn::Join",
                        "Fn::Cidr"
                    ][..]
                ),
                inner
            )
                .prop_map(|(f, arg)| format!("{{\"{f}\": {arg}}}")),
        ]
    })
}

fn template() -> impl Strategy<Value = String> {
    (value(), value(), value(), value(), value()).prop_map(|(a, b, c, d, e)| {
        format!(
            "Parameters:\n  P: {{Type: String, Default: {a}}}\n  Q: {{Type: CommaDelimitedList}}\nMappings:\n  M: {{A: {{B: {b}}}}}\nConditions:\n  C: {c}\n  D: !Condition C\nResources:\n  R:\n    Type: AWS::SNS::Topic\n    Condition: C\n    Properties:\n      X: {d}\n      Y: {e}\n  Fn::ForEach::L: [I, {d}, {{\"T${{I}}\": {{Type: AWS::SNS::Topic, Properties: {{Z: {e}}}}}}}]\n"
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_templates_never_panic(text in template()) {
        evaluate_all(&text);
    }

    #[test]
    fn yaml_like_text_never_panics(
        text in "(Resources:\n  R:\n    Type: AWS::S3::Bucket\n    Properties:\n      |[-:{}\\[\\],&*!|>'\" \t\na-zA-Z0-9$.]|!Ref |!If |Fn::|AWS::|Condition|Conditions:\n  ){0,80}"
    ) {
        evaluate_all(&text);
    }
}
