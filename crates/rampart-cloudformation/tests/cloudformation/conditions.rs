//! `Conditions` and resources that depend on them.

use crate::common::*;

fn template(conditions: &str) -> String {
    format!(
        r#"Parameters:
  Env: {{Type: String, Default: prod}}
  Region: {{Type: String}}
Conditions:
{conditions}
Resources:
  Always:
    Type: AWS::SNS::Topic
"#
    )
}

/// The resources that exist, one per condition `C1`, `C2`, … declared.
fn created(conditions: &str, names: &[&str]) -> Vec<String> {
    let mut text = template(conditions);
    for name in names {
        text.push_str(&format!(
            "  With{name}:\n    Type: AWS::SNS::Topic\n    Condition: {name}\n"
        ));
    }
    let out = evaluate_clean(&text);
    out.resources
        .iter()
        .filter(|r| r.address.starts_with("With"))
        .map(|r| r.address.trim_start_matches("With").to_owned())
        .collect()
}

#[test]
fn equals_and_or_not() {
    let conditions = r#"  IsProd: !Equals [!Ref Env, prod]
  IsDev: {"Fn::Equals": [{"Ref": "Env"}, dev]}
  Both: !And [!Condition IsProd, !Condition IsDev]
  Either: {"Fn::Or": [{"Condition": "IsProd"}, {"Condition": "IsDev"}]}
  NotDev: !Not [{"Condition": "IsDev"}]
  LongNot: {"Fn::Not": [!Equals [a, b]]}
  Nested: !And [!Or [!Condition IsDev, !Equals [1, 1]], !Not [!Condition IsDev]]"#;
    assert_eq!(
        created(
            conditions,
            &[
                "IsProd", "IsDev", "Both", "Either", "NotDev", "LongNot", "Nested"
            ]
        ),
        ["IsProd", "Either", "NotDev", "LongNot", "Nested"]
    );
}

#[test]
fn unknown_conditions_keep_resources_and_logic_still_decides() {
    let conditions = r#"  InEu: !Equals [!Ref Region, eu-west-1]
  InRegion: !Equals [!Ref "AWS::Region", eu-west-1]
  IsProd: !Equals [!Ref Env, prod]
  EuAndDev: !And [!Condition InEu, !Not [!Condition IsProd]]
  EuOrProd: !Or [!Condition InEu, !Condition IsProd]
  EuAndProd: !And [!Condition InEu, !Condition IsProd]"#;
    // `EuAndDev` is false whatever the region: the only one left out.
    assert_eq!(
        created(
            conditions,
            &["InEu", "InRegion", "EuAndDev", "EuOrProd", "EuAndProd"]
        ),
        ["InEu", "InRegion", "EuOrProd", "EuAndProd"]
    );
}

#[test]
fn conditions_compare_as_strings() {
    let conditions = r#"  A: !Equals [443, "443"]
  B: !Equals [true, "true"]
  C: !Equals [[a, b], [a, b]]
  D: !Equals ["", ""]
  E: !Equals [1, 2]"#;
    assert_eq!(
        created(conditions, &["A", "B", "C", "D", "E"]),
        ["A", "B", "C", "D"]
    );
}

#[test]
fn a_condition_that_refers_to_itself_is_reported() {
    let text = template(
        "  A: !And [!Condition B, !Equals [1, 1]]\n  B: !Not [!Condition A]\n  Self: !Condition Self\n  Fine: !Equals [1, 1]",
    ) + "  Guarded:\n    Type: AWS::SNS::Topic\n    Condition: A\n    Properties:\n      TopicName: !If [Self, a, b]\n";
    let out = evaluate(&text);
    let cycles: Vec<(u32, &str)> = out
        .diagnostics
        .iter()
        .map(|d| (d.line.unwrap(), d.message.as_str()))
        .collect();
    assert_eq!(
        cycles,
        [
            (
                line_of(&text, "  A: !And"),
                "conditions refer to each other (`A` → `B` → `A`); they are unknown"
            ),
            (
                line_of(&text, "  Self:"),
                "conditions refer to each other (`Self` → `Self`); they are unknown"
            ),
        ]
    );
    assert!(
        out.diagnostics
            .iter()
            .all(|d| d.code == "cfn-condition-cycle")
    );
    // Unknown, so the resource is kept and the branch not picked.
    assert_eq!(
        reason(prop(&out, "Guarded", &["TopicName"])),
        "condition `Self` cannot be known: conditions `Self` → `Self` refer to each other"
    );
}

#[test]
fn a_long_chain_of_conditions_stays_bounded() {
    let mut conditions = String::new();
    for i in 0..2_000 {
        conditions.push_str(&format!("  C{i}: !Condition C{}\n", i + 1));
    }
    conditions.push_str("  C2000: !Equals [1, 1]");
    let text = template(&conditions) + "  Guarded:\n    Type: AWS::SNS::Topic\n    Condition: C0\n";
    // Test threads have a 2 MiB stack: no overflow.
    let out = evaluate(&text);
    assert_eq!(codes(&out), ["cfn-limit"]);
    assert_eq!(resource(&out, "Always").resource_type, "AWS::SNS::Topic");
}

#[test]
fn undefined_conditions_are_reported() {
    let text = template("  IsProd: !Equals [!Ref Env, prod]")
        + "  Guarded:\n    Type: AWS::SNS::Topic\n    Condition: IsStaging\n    Properties:\n      TopicName: !If [Missing, a, b]\n";
    let out = evaluate(&text);
    let found: Vec<(&str, u32)> = out
        .diagnostics
        .iter()
        .map(|d| (d.code, d.line.unwrap()))
        .collect();
    assert_eq!(
        found,
        [
            ("cfn-undefined", line_of(&text, "Condition: IsStaging")),
            ("cfn-undefined", line_of(&text, "!If [Missing")),
        ]
    );
    assert!(prop(&out, "Guarded", &["TopicName"]).is_unknown());
}
