//! Every intrinsic function, in its short (`!Tag`) and long (`Fn::`) form.

use rampart_iac::{Node, Unknown, Value};

use crate::common::*;

const PRELUDE: &str = r#"Parameters:
  Env:
    Type: String
    Default: prod
  Name:
    Type: String
  Cidrs:
    Type: CommaDelimitedList
    Default: "10.0.0.0/24,10.0.1.0/24"
  Count:
    Type: Number
    Default: 3
Mappings:
  Regions:
    prod:
      Ami: ami-prod
      Ports: [443, 8443]
    dev:
      Ami: ami-dev
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  Unknowable: !Equals [!Ref Name, x]
"#;

/// A bucket whose properties are `props`, plus a `Vpc` to refer to.
fn eval(props: &str) -> rampart_cloudformation::EvaluatedTemplate {
    let mut text = with_properties(PRELUDE, props);
    text.push_str("  Vpc:\n    Type: AWS::EC2::VPC\n");
    evaluate(&text)
}

/// The property `P` of a template whose properties are `props`; no diagnostics.
fn p(props: &str) -> Node {
    let out = eval(props);
    assert!(out.diagnostics.is_empty(), "{:#?}", out.diagnostics);
    prop(&out, "Subject", &["P"]).clone()
}

/// Asserts that both spellings evaluate to the same value (written in
/// different places).
fn same(short: &str, long: &str) -> Node {
    let a = p(short);
    let b = p(long);
    assert_eq!(
        without_origins(&a),
        without_origins(&b),
        "{short} vs {long}"
    );
    a
}

fn without_origins(node: &Node) -> Node {
    let value = match &node.value {
        Value::List(items) => Value::List(items.iter().map(without_origins).collect()),
        Value::Map(entries) => Value::Map(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), without_origins(v)))
                .collect(),
        ),
        other => other.clone(),
    };
    Node::new(value, None)
}

/// The line of `needle` in the template `eval` builds.
fn template_line(needle: &str) -> u32 {
    line_of(&with_properties(PRELUDE, ""), needle)
}

#[test]
fn ref_to_a_parameter() {
    let v = same("P: !Ref Env", "P: {Ref: Env}");
    assert_eq!(v.value, Value::String("prod".into()));
    let v = same("P: !Ref Name", "P: {\"Ref\": \"Name\"}");
    assert_eq!(
        v.unknown_value(),
        Some(&Unknown::UnsetVariable {
            name: "Name".into()
        })
    );
    let v = same("P: !Ref Count", "P:\n  Ref: Count");
    assert_eq!(v.as_i64(), Some(3));
    assert_eq!(strings(&p("P: !Ref Cidrs")), ["10.0.0.0/24", "10.0.1.0/24"]);
}

#[test]
fn ref_to_a_resource_or_pseudo_parameter() {
    assert_eq!(
        same("P: !Ref Vpc", "P: {Ref: Vpc}").value,
        reference("Vpc", "")
    );
    for pseudo in [
        "AWS::Region",
        "AWS::AccountId",
        "AWS::StackName",
        "AWS::StackId",
        "AWS::Partition",
        "AWS::URLSuffix",
        "AWS::NotificationARNs",
    ] {
        let v = same(
            &format!("P: !Ref {pseudo}"),
            &format!("P: {{Ref: \"{pseudo}\"}}"),
        );
        assert_eq!(
            reason(&v),
            format!("pseudo parameter `{pseudo}` is known at deployment")
        );
    }
}

#[test]
fn no_value_removes_properties_and_list_items() {
    let out = eval(
        "P: !Ref AWS::NoValue\nQ: {Ref: AWS::NoValue}\nR: [a, !Ref AWS::NoValue, !If [IsProd, !Ref AWS::NoValue, c], d]\nS: !If [IsProd, {Ref: AWS::NoValue}, x]\nT: kept\n",
    );
    assert!(out.diagnostics.is_empty(), "{:#?}", out.diagnostics);
    let subject = resource(&out, "Subject");
    let keys: Vec<&str> = subject
        .attributes
        .entries()
        .iter()
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(keys, ["R", "T"]);
    assert_eq!(strings(subject.get("R").unwrap()), ["a", "d"]);
}

#[test]
fn get_att() {
    let v = same(
        "P: !GetAtt Vpc.CidrBlock",
        "P: {\"Fn::GetAtt\": [Vpc, CidrBlock]}",
    );
    assert_eq!(v.value, reference("Vpc", "CidrBlock"));
    assert_eq!(
        p("P: !GetAtt [Vpc, CidrBlock]").value,
        reference("Vpc", "CidrBlock")
    );
    assert_eq!(
        p("P:\n  Fn::GetAtt: Vpc.CidrBlock").value,
        reference("Vpc", "CidrBlock")
    );
    // The attribute may hold dots, and may come from a parameter.
    assert_eq!(
        p("P: !GetAtt Vpc.Endpoint.Address").value,
        reference("Vpc", "Endpoint.Address")
    );
    assert_eq!(
        p("P: !GetAtt [Vpc, !Ref Env]").value,
        reference("Vpc", "prod")
    );
}

#[test]
fn sub() {
    let v = same(
        "P: !Sub \"${Env}-${!Literal}-${Count}\"",
        "P: {\"Fn::Sub\": \"${Env}-${!Literal}-${Count}\"}",
    );
    assert_eq!(v.value, Value::String("prod-${Literal}-3".into()));

    let v = same(
        "P: !Sub [\"${Prefix}/${Env}\", {Prefix: !Join [\"\", [a, b]]}]",
        "P:\n  Fn::Sub:\n    - \"${Prefix}/${Env}\"\n    - Prefix: ab\n",
    );
    assert_eq!(v.value, Value::String("ab/prod".into()));

    // Unknown parts: the whole string is unknown, with the part's reason.
    let v = same(
        "P: !Sub \"arn:${AWS::Partition}:s3:::${Env}\"",
        "P: {\"Fn::Sub\": \"arn:${AWS::Partition}:s3:::${Env}\"}",
    );
    assert_eq!(
        reason(&v),
        "pseudo parameter `AWS::Partition` is known at deployment"
    );
    assert_eq!(
        reason(&p("P: !Sub \"${Vpc.CidrBlock}/x\"")),
        "`Vpc.CidrBlock` is known after deployment"
    );
    assert_eq!(
        reason(&p("P: !Sub \"x-${Name}\"")),
        "parameter `Name` has no default"
    );
    // A lone variable is that value itself.
    assert_eq!(p("P: !Sub \"${Vpc}\"").value, reference("Vpc", ""));
    assert_eq!(
        p("P: !Sub \"${Vpc.CidrBlock}\"").value,
        reference("Vpc", "CidrBlock")
    );
    let out = eval("P: !Sub \"${Env}\"");
    assert_eq!(
        line(prop(&out, "Subject", &["P"])),
        template_line("Default: prod")
    );
}

#[test]
fn sub_keeps_block_scalars() {
    let v = p("P: !Sub |\n  #!/bin/bash\n  echo ${Env} > /etc/env\n");
    assert_eq!(string(&v), "#!/bin/bash\necho prod > /etc/env\n");
}

#[test]
fn if_() {
    let v = same(
        "P: !If [IsProd, big, small]",
        "P: {\"Fn::If\": [IsProd, big, small]}",
    );
    assert_eq!(string(&v), "big");
    let v = same(
        "P: !If [Unknowable, big, small]",
        "P: {\"Fn::If\": [Unknowable, big, small]}",
    );
    assert_eq!(
        reason(&v),
        "condition `Unknowable` cannot be known: parameter `Name` has no default"
    );
}

#[test]
fn join() {
    let v = same(
        "P: !Join [\":\", [a, !Ref Env, 3]]",
        "P: {\"Fn::Join\": [\":\", [a, {Ref: Env}, 3]]}",
    );
    assert_eq!(string(&v), "a:prod:3");
    assert_eq!(
        string(&p("P: !Join [\",\", !Ref Cidrs]")),
        "10.0.0.0/24,10.0.1.0/24"
    );
    assert_eq!(string(&p("P: !Join [\"\", []]")), "");
    let v = p("P: !Join [\"\", [\"arn:aws:s3:::\", !Ref Vpc, \"/*\"]]");
    // Not the VPC itself: a string built around it.
    assert_eq!(reason(&v), "`Vpc` is known after deployment");
}

#[test]
fn select() {
    let v = same(
        "P: !Select [1, [a, b, c]]",
        "P: {\"Fn::Select\": [\"1\", [a, b, c]]}",
    );
    assert_eq!(string(&v), "b");
    // The item keeps its origin: the parameter's default.
    let out = eval("P: !Select [0, !Ref Cidrs]");
    assert_eq!(
        line(prop(&out, "Subject", &["P"])),
        template_line("Default: \"10.0.0.0/24")
    );
    // Other items may be unknown.
    assert_eq!(string(&p("P: !Select [0, [a, !Ref Vpc]]")), "a");
    assert_eq!(
        reason(&p("P: !Select [0, !GetAZs \"\"]")),
        "the availability zones of the stack's region are known at deployment"
    );
}

#[test]
fn split() {
    let v = same(
        "P: !Split [\",\", \"a,b,,c\"]",
        "P: {\"Fn::Split\": [\",\", \"a,b,,c\"]}",
    );
    assert_eq!(strings(&v), ["a", "b", "", "c"]);
    assert!(p("P: !Split [\",\", !ImportValue shared-subnets]").is_unknown());
}

#[test]
fn find_in_map() {
    let v = same(
        "P: !FindInMap [Regions, !Ref Env, Ami]",
        "P: {\"Fn::FindInMap\": [Regions, {Ref: Env}, Ami]}",
    );
    assert_eq!(string(&v), "ami-prod");
    // Where the value is written in `Mappings`.
    let out = eval("P: !FindInMap [Regions, prod, Ami]");
    assert_eq!(
        line(prop(&out, "Subject", &["P"])),
        template_line("Ami: ami-prod")
    );
    let ports = p("P: !FindInMap [Regions, prod, Ports]");
    assert_eq!(ports.items().len(), 2);
    assert_eq!(ports.items()[1].value, Value::Number(8443.0));
    assert_eq!(
        reason(&p("P: !FindInMap [Regions, !Ref AWS::Region, Ami]")),
        "pseudo parameter `AWS::Region` is known at deployment"
    );
    // The language extensions' default value.
    assert_eq!(
        string(&p(
            "P: !FindInMap [Regions, test, Ami, {DefaultValue: ami-default}]"
        )),
        "ami-default"
    );
}

#[test]
fn base64() {
    let v = same("P: !Base64 hello", "P: {\"Fn::Base64\": hello}");
    assert_eq!(string(&v), "aGVsbG8=");
    assert_eq!(
        string(&p("P: !Base64 {\"Fn::Sub\": \"${Env}\"}")),
        "cHJvZA=="
    );
    assert!(p("P: !Base64 {\"Fn::Sub\": \"${AWS::Region}\"}").is_unknown());
}

#[test]
fn cidr() {
    let v = same(
        "P: !Cidr [10.0.0.0/16, 4, 8]",
        "P: {\"Fn::Cidr\": [\"10.0.0.0/16\", \"4\", \"8\"]}",
    );
    assert_eq!(
        strings(&v),
        ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"]
    );
    assert_eq!(
        strings(&p("P: !Cidr [\"2001:db8::/56\", 2, 64]")),
        ["2001:db8::/64", "2001:db8:0:1::/64"]
    );
    assert_eq!(
        string(&p("P: !Select [2, !Cidr [!Select [0, !Ref Cidrs], 4, 6]]")),
        "10.0.0.128/26"
    );
    assert_eq!(
        reason(&p("P: !Cidr [!GetAtt Vpc.CidrBlock, 4, 8]")),
        "`Vpc.CidrBlock` is known after deployment"
    );
}

#[test]
fn get_azs_and_import_value() {
    let v = same("P: !GetAZs \"\"", "P: {\"Fn::GetAZs\": \"\"}");
    assert!(reason(&v).contains("availability zones"));
    let v = same(
        "P: !GetAZs {Ref: AWS::Region}",
        "P: {\"Fn::GetAZs\": !Ref AWS::Region}",
    );
    assert!(v.is_unknown());
    let v = same(
        "P: !ImportValue network-VpcId",
        "P: {\"Fn::ImportValue\": network-VpcId}",
    );
    assert_eq!(
        reason(&v),
        "`network-VpcId` is exported by another stack, known at deployment"
    );
    assert!(p("P: !ImportValue {\"Fn::Sub\": \"${Env}-VpcId\"}").is_unknown());
}

#[test]
fn length_and_to_json_string() {
    let v = same(
        "P: !Length [a, b, !Ref Vpc]",
        "P: {\"Fn::Length\": [a, b, {Ref: Vpc}]}",
    );
    // Unknown items still count.
    assert_eq!(v.as_i64(), Some(3));
    assert_eq!(p("P: !Length [a, !Ref AWS::NoValue]").as_i64(), Some(1));
    assert_eq!(p("P: !Length {Ref: Cidrs}").as_i64(), Some(2));

    let v = same(
        "P: !ToJsonString {Env: !Ref Env, Ports: [443], Public: false}",
        "P: {\"Fn::ToJsonString\": {Env: {Ref: Env}, Ports: [443], Public: false}}",
    );
    assert_eq!(string(&v), r#"{"Env":"prod","Ports":[443],"Public":false}"#);
    assert_eq!(
        reason(&p("P: !ToJsonString [!Ref Vpc]")),
        "`Vpc` is known after deployment"
    );
}

#[test]
fn conditions_as_values() {
    let v = same(
        "P: !Equals [!Ref Env, prod]",
        "P: {\"Fn::Equals\": [{Ref: Env}, prod]}",
    );
    assert_eq!(v.value, Value::Bool(true));
    assert_eq!(p("P: !Not [!Condition IsProd]").value, Value::Bool(false));
    assert_eq!(
        p("P: !And [!Condition IsProd, !Equals [1, \"1\"]]").value,
        Value::Bool(true)
    );
    // Outside conditions, `Condition` is an ordinary key.
    let v = p("P:\n  Condition:\n    StringEquals:\n      aws:SourceVpc: vpc-1\n");
    assert_eq!(
        string(
            v.get("Condition")
                .unwrap()
                .get("StringEquals")
                .unwrap()
                .get("aws:SourceVpc")
                .unwrap()
        ),
        "vpc-1"
    );
}

#[test]
fn dynamic_references_are_unknown() {
    let v = p("P: '{{resolve:ssm:/agents/${Env}/endpoint}}'");
    assert!(reason(&v).contains("{{resolve:ssm:/agents/${Env}/endpoint}}"));
    let v = p("P: !Sub '{{resolve:ssm:/agents/${Env}/endpoint}}'");
    assert_eq!(
        reason(&v),
        "dynamic reference `{{resolve:ssm:/agents/prod/endpoint}}` is resolved at deployment"
    );
}

#[test]
fn nested_functions() {
    let v = p(
        "P: !Join [\"-\", [!Select [0, !Split [\".\", !FindInMap [Regions, !If [IsProd, prod, dev], Ami]]], !Sub \"${Count}\"]]",
    );
    assert_eq!(string(&v), "ami-prod-3");
}

#[test]
fn transform_is_a_macro() {
    let v = same(
        "P: !Transform {Name: AWS::Include, Parameters: {Location: s3://b/k}}",
        "P: {\"Fn::Transform\": {Name: AWS::Include, Parameters: {Location: s3://b/k}}}",
    );
    assert_eq!(
        reason(&v),
        "macro `AWS::Include` (`Fn::Transform`) produces this value at deployment"
    );
}
