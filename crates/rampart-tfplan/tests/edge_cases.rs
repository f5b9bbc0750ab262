//! Plans that are unusual, broken or hostile: rampart reads what it can, says
//! what it could not (with the line), and never panics.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rampart_iac::{Node, Unknown};
use rampart_source::{DiagnosticLevel, FileId};
use rampart_tfplan::{Action, PlanOutput, is_plan, read_plan};
use rampart_yaml::{Limits, parse_stream};

fn read(text: &str) -> PlanOutput {
    let parsed = parse_stream(text, "plan.json", &Limits::default());
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    read_plan(FileId(0), "plan.json", &parsed.documents[0].root)
}

fn codes(plan: &PlanOutput) -> Vec<&'static str> {
    plan.diagnostics.iter().map(|d| d.code).collect()
}

/// A plan with one resource and its change.
fn plan_with(values: &str, after_unknown: &str, after_sensitive: &str) -> String {
    format!(
        r#"{{"format_version": "1.2",
  "planned_values": {{"root_module": {{"resources": [
    {{"address": "aws_instance.web", "mode": "managed", "type": "aws_instance", "name": "web",
      "values": {values}}}]}}}},
  "resource_changes": [
    {{"address": "aws_instance.web", "mode": "managed", "type": "aws_instance", "name": "web",
      "change": {{"actions": ["create"], "after_unknown": {after_unknown}, "after_sensitive": {after_sensitive}}}}}]}}"#
    )
}

#[test]
fn only_plans_are_plans() {
    let doc = |text: &str| {
        parse_stream(text, "x.json", &Limits::default())
            .documents
            .remove(0)
            .root
    };
    assert!(is_plan(&doc(
        r#"{"format_version": "1.0", "planned_values": {}}"#
    )));
    assert!(is_plan(&doc(
        r#"{"format_version": "1.0", "resource_changes": []}"#
    )));
    // `terraform show -json` of a state, a Kubernetes object, a package.json.
    assert!(!is_plan(&doc(
        r#"{"format_version": "1.0", "values": {"root_module": {}}}"#
    )));
    assert!(!is_plan(&doc(r#"{"apiVersion": "v1", "kind": "Pod"}"#)));
    assert!(!is_plan(&doc(r#"{"name": "x", "planned_values": {}}"#)));
    assert!(!is_plan(&doc("[1, 2]")));
}

#[test]
fn an_unsupported_major_version_is_rejected_with_its_line() {
    let plan = read(
        "{\n  \"format_version\": \"2.0\",\n  \"planned_values\": {\"root_module\": {\"resources\": [\n    {\"address\": \"a_b.c\", \"mode\": \"managed\", \"type\": \"a_b\", \"values\": {}}]}}\n}\n",
    );
    assert_eq!(codes(&plan), ["tfplan-version"]);
    assert_eq!(plan.diagnostics[0].line, Some(2));
    assert!(plan.diagnostics[0].message.contains("`2.0`"));
    assert!(plan.resources.is_empty());
}

#[test]
fn malformed_parts_are_reported_and_the_rest_is_read() {
    let plan = read(
        r#"{"format_version": "1.1",
"planned_values": {"root_module": {
  "resources": [
    {"mode": "managed", "type": "aws_s3_bucket"},
    {"address": "aws_s3_bucket.logs", "mode": "managed", "type": "aws_s3_bucket", "values": [1]},
    {"address": "aws_s3_bucket.ok", "mode": "managed", "type": "aws_s3_bucket", "values": {"bucket": "ok"}},
    {"address": "aws_s3_bucket.ok", "mode": "managed", "type": "aws_s3_bucket", "values": {"bucket": "again"}},
    {"address": "aws_s3_bucket.x", "mode": "sideways", "type": "aws_s3_bucket"},
    {"address": "module..x.y", "mode": "managed", "type": "x"},
    "not a resource"
  ],
  "child_modules": {"oops": true}}},
"resource_drift": [{"address": 5}]}"#,
    );
    let found: Vec<(&str, Option<u32>)> =
        plan.diagnostics.iter().map(|d| (d.code, d.line)).collect();
    assert_eq!(
        found,
        [
            ("tfplan-malformed", Some(4)),
            ("tfplan-malformed", Some(5)),
            ("tfplan-duplicate-address", Some(7)),
            ("tfplan-malformed", Some(8)),
            ("tfplan-malformed", Some(9)),
            ("tfplan-malformed", Some(10)),
            ("tfplan-malformed", Some(12)),
            ("tfplan-malformed", Some(13)),
        ]
    );
    assert!(plan.diagnostics.iter().all(|d| d.file == "plan.json"));
    let addresses: Vec<&str> = plan.resources.iter().map(|r| r.address.as_str()).collect();
    assert_eq!(addresses, ["aws_s3_bucket.logs", "aws_s3_bucket.ok"]);
    let ok = &plan.resources[1];
    assert_eq!(ok.get("bucket").and_then(Node::as_str), Some("ok"));
}

#[test]
fn a_failed_plan_is_read_with_a_warning() {
    let plan = read(r#"{"format_version": "1.2", "planned_values": {}, "errored": true}"#);
    assert_eq!(codes(&plan), ["tfplan-errored"]);
    assert_eq!(plan.diagnostics[0].level, DiagnosticLevel::Warning);
}

#[test]
fn module_nesting_is_bounded() {
    let depth = 100;
    let mut module = String::from(
        r#"{"resources": [{"address": "deep.x", "mode": "managed", "type": "deep", "values": {}}]}"#,
    );
    for _ in 0..depth {
        module = format!(r#"{{"address": "module.m", "child_modules": [{module}]}}"#);
    }
    let plan = read(&format!(
        r#"{{"format_version": "1.0", "planned_values": {{"root_module": {module}}}}}"#
    ));
    assert_eq!(codes(&plan), ["tfplan-depth-limit"]);
    assert!(plan.resources.is_empty());
}

#[test]
fn unknown_elements_and_blocks_keep_their_shape() {
    let plan = read(&plan_with(
        r#"{"ami": "ami-123", "ebs_block_device": [{"volume_size": 8}], "secondary_private_ips": ["10.0.0.5", null]}"#,
        r#"{"ebs_block_device": [{"volume_id": true}], "secondary_private_ips": [false, true], "network_interface": [{"id": true}], "root_block_device": true, "tags": {}}"#,
        "{}",
    ));
    assert!(plan.diagnostics.is_empty(), "{:?}", plan.diagnostics);
    let web = &plan.resources[0];
    let ebs = &web.get("ebs_block_device").unwrap().items()[0];
    assert_eq!(ebs.get("volume_size").and_then(Node::as_i64), Some(8));
    assert!(ebs.get("volume_id").is_some_and(Node::is_unknown));
    let ips = web.get("secondary_private_ips").unwrap().items();
    assert_eq!(ips[0].as_str(), Some("10.0.0.5"));
    assert!(ips[1].is_unknown());
    // Only in `after_unknown`: a block whose parts are unknown.
    let interface = &web.get("network_interface").unwrap().items()[0];
    assert!(interface.get("id").is_some_and(Node::is_unknown));
    assert!(web.get("root_block_device").is_some_and(Node::is_unknown));
    assert!(web.get("tags").is_none(), "an empty marker adds nothing");
    let shown: Vec<&str> = plan.unknowns.iter().map(|u| u.address.as_str()).collect();
    assert_eq!(
        shown,
        [
            "aws_instance.web.ebs_block_device[0].volume_id",
            "aws_instance.web.secondary_private_ips[1]",
            "aws_instance.web.network_interface[0].id",
            "aws_instance.web.root_block_device",
        ]
    );
}

#[test]
fn sensitive_markers_cover_whole_values_and_parts() {
    let plan = read(&plan_with(
        r##"{"user_data": "#!/bin/sh\nexport TOKEN=abcd1234", "settings": {"a": "visible", "b": "hidden-b"}, "keys": ["k-one", "k-two"], "port": 5432, "flag": true}"##,
        "{}",
        r#"{"user_data": true, "settings": {"b": true}, "keys": true, "port": true, "flag": true}"#,
    ));
    let listed: Vec<(&str, &str)> = plan
        .sensitive
        .iter()
        .map(|s| (s.address.as_str(), s.secret.expose()))
        .collect();
    assert_eq!(
        listed,
        [
            (
                "aws_instance.web.user_data",
                "#!/bin/sh\nexport TOKEN=abcd1234"
            ),
            ("aws_instance.web.settings.b", "hidden-b"),
            ("aws_instance.web.keys[0]", "k-one"),
            ("aws_instance.web.keys[1]", "k-two"),
            ("aws_instance.web.port", "5432"),
        ]
    );
}

#[test]
fn deletions_outside_terraform_are_drift_and_moves_are_not() {
    let plan = read(
        r#"{"format_version": "1.2", "planned_values": {},
  "resource_drift": [
    {"address": "module.edge[\"eu\"].aws_lb.public", "module_address": "module.edge[\"eu\"]", "mode": "managed", "type": "aws_lb",
     "change": {"actions": ["delete"], "before": {"name": "public"}, "after": null}},
    {"address": "aws_s3_bucket.renamed", "previous_address": "aws_s3_bucket.old", "mode": "managed", "type": "aws_s3_bucket",
     "change": {"actions": ["no-op"], "before": {}, "after": {}}},
    {"address": "aws_iam_role.ci", "previous_address": "aws_iam_role.deployer", "mode": "managed", "type": "aws_iam_role",
     "change": {"actions": ["update"], "before": {"name": "ci", "tags": {"a": "1"}}, "after": {"name": "ci", "max_session_duration": 43200}}}
  ]}"#,
    );
    assert!(plan.diagnostics.is_empty(), "{:?}", plan.diagnostics);
    assert_eq!(plan.drift.len(), 2);
    let deleted = &plan.drift[0];
    assert!(deleted.deleted());
    assert_eq!(deleted.actions, [Action::Delete]);
    assert_eq!(deleted.module, "module.edge[\"eu\"]");
    assert!(deleted.changed_attributes.is_empty());
    let updated = &plan.drift[1];
    assert_eq!(
        updated.previous_address.as_deref(),
        Some("aws_iam_role.deployer")
    );
    assert_eq!(updated.changed_attributes, ["tags", "max_session_duration"]);
}

#[test]
fn data_sources_read_at_apply_are_not_read_twice() {
    let plan = read(
        r#"{"format_version": "1.2",
  "planned_values": {"root_module": {"resources": [
    {"address": "data.aws_ami.base", "mode": "data", "type": "aws_ami", "name": "base", "values": {"owners": ["amazon"]}}]}},
  "resource_changes": [
    {"address": "data.aws_ami.base", "mode": "data", "type": "aws_ami", "name": "base",
     "change": {"actions": ["read"], "after_unknown": {"id": true}}, "action_reason": "read_because_config_unknown"}],
  "prior_state": {"values": {"root_module": {"resources": [
    {"address": "data.aws_ami.base", "mode": "data", "type": "aws_ami", "name": "base", "values": {"id": "ami-old"}}]}}}}"#,
    );
    assert_eq!(plan.resources.len(), 1);
    let ami = plan.resources[0].get("id").and_then(Node::unknown_value);
    assert!(matches!(ami, Some(Unknown::Unevaluated { .. })));
}

#[test]
fn provider_arguments_that_are_not_constants_are_unknown() {
    let plan = read(
        r#"{"format_version": "1.2", "planned_values": {},
  "configuration": {"provider_config": {
    "module.edge:aws": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws", "module_address": "module.edge",
      "expressions": {
        "region": {"constant_value": null},
        "access_key": {"constant_value": "AKIAIOSFODNN7EXAMPLE"},
        "profile": {},
        "assume_role": [{"role_arn": {"references": ["aws_iam_role.deployer.arn", "aws_iam_role.deployer"]}}],
        "default_tags": [{"tags": {"references": ["var.tags", "local.common"]}}]}},
    "nameless": {"full_name": "x"}}}}"#,
    );
    assert_eq!(codes(&plan), ["tfplan-malformed"]);
    let aws = &plan.resources[0];
    assert_eq!(aws.address, "module.edge.provider.aws");
    assert_eq!(aws.module, "module.edge");
    assert!(aws.get("region").unwrap().is_null());
    assert_eq!(
        aws.get("access_key").and_then(Node::as_str),
        Some("AKIAIOSFODNN7EXAMPLE")
    );
    assert!(aws.get("profile").is_some_and(Node::is_unknown));
    let role = aws.get("assume_role").unwrap().items()[0]
        .get("role_arn")
        .unwrap();
    assert_eq!(
        role.unknown_value(),
        Some(&Unknown::Reference {
            address: "module.edge.aws_iam_role.deployer".into(),
            attribute: "arn".into()
        })
    );
    let tags = aws.get("default_tags").unwrap().items()[0]
        .get("tags")
        .unwrap();
    let Some(Unknown::Unevaluated { reason }) = tags.unknown_value() else {
        panic!("computed tags are unknown");
    };
    assert!(reason.contains("`var.tags`, `local.common`"), "{reason}");
    let shown: Vec<&str> = plan.unknowns.iter().map(|u| u.address.as_str()).collect();
    assert_eq!(
        shown,
        [
            "module.edge.provider.aws.profile",
            "module.edge.provider.aws.assume_role[0].role_arn",
            "module.edge.provider.aws.default_tags[0].tags",
        ]
    );
}

/// Arbitrary JSON, as text.
fn json_value() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("false".to_owned()),
        any::<i32>().prop_map(|n| n.to_string()),
        "[a-z_.\\[\\]\"0-9]{0,12}".prop_map(|s| format!("{s:?}")),
        prop_oneof![
            Just("\"managed\""),
            Just("\"data\""),
            Just("\"aws_vpc.main\""),
            Just("\"module.a[0].aws_x.y\""),
            Just("\"aws_vpc.main.id\""),
        ]
        .prop_map(str::to_owned),
    ];
    leaf.prop_recursive(6, 48, 6, |inner| {
        let key = prop_oneof![
            Just("address"),
            Just("mode"),
            Just("type"),
            Just("name"),
            Just("values"),
            Just("resources"),
            Just("child_modules"),
            Just("after_unknown"),
            Just("after_sensitive"),
            Just("sensitive_values"),
            Just("expressions"),
            Just("references"),
            Just("constant_value"),
            Just("change"),
            Just("id"),
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4)
                .prop_map(|items| format!("[{}]", items.join(","))),
            proptest::collection::vec((key, inner), 0..5).prop_map(|entries| {
                let body: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("\"{k}\":{v}"))
                    .collect();
                format!("{{{}}}", body.join(","))
            }),
        ]
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    #[test]
    fn never_panics_on_text(text in "\\PC{0,300}") {
        for document in parse_stream(&text, "p.json", &Limits::default()).documents {
            let _ = is_plan(&document.root);
            let _ = read_plan(FileId(0), "p.json", &document.root);
        }
    }

    #[test]
    fn never_panics_on_plan_shaped_json(
        planned in json_value(),
        changes in json_value(),
        drift in json_value(),
        configuration in json_value(),
        prior in json_value(),
        outputs in json_value(),
    ) {
        let text = format!(
            r#"{{"format_version":"1.2","planned_values":{{"root_module":{planned},"outputs":{outputs}}},"resource_changes":{changes},"resource_drift":{drift},"configuration":{configuration},"prior_state":{{"values":{{"root_module":{prior}}}}},"output_changes":{outputs},"variables":{outputs}}}"#
        );
        let parsed = parse_stream(&text, "p.json", &Limits::default());
        for document in parsed.documents {
            let _ = read_plan(FileId(0), "p.json", &document.root);
        }
    }
}

#[test]
fn deep_values_are_read_without_exhausting_the_stack() {
    // As deep as the JSON reader allows (256 levels), everywhere values are walked.
    let deep = |leaf: &str| "[".repeat(240) + leaf + &"]".repeat(240);
    let plan = read(&format!(
        r#"{{"format_version": "1.2",
  "planned_values": {{"root_module": {{"resources": [
    {{"address": "a_b.c", "mode": "managed", "type": "a_b", "name": "c", "values": {{"v": {}}}, "sensitive_values": {{"v": {}}}}}]}}}},
  "resource_changes": [{{"address": "a_b.c", "change": {{"after_unknown": {{"v": {}}}, "before": {{"v": {}}}, "before_sensitive": {{"v": {}}}}}}}],
  "configuration": {{"provider_config": {{"p": {{"name": "p", "expressions": {{"x": {}}}}}}}}}}}"#,
        deep("null"),
        deep("true"),
        deep("true"),
        deep("\"x\""),
        deep("true"),
        deep("{}"),
    ));
    assert!(plan.diagnostics.is_empty(), "{:?}", plan.diagnostics);
    assert_eq!(plan.resources.len(), 2);
    assert_eq!(plan.unknowns.len(), 1);
    assert_eq!(plan.sensitive.len(), 1);
}

#[test]
fn deposed_objects_are_not_the_planned_object_but_their_secrets_count() {
    let plan = read(
        r#"{"format_version": "1.2",
  "planned_values": {"root_module": {"resources": [
    {"address": "aws_db_instance.a", "mode": "managed", "type": "aws_db_instance", "name": "a", "values": {"password": "new-password"}}]}},
  "resource_changes": [
    {"address": "aws_db_instance.a", "deposed": "00000001", "mode": "managed", "type": "aws_db_instance", "name": "a",
     "change": {"actions": ["delete"], "before": {"password": "old-password"}, "before_sensitive": {"password": true}, "after_unknown": {"password": true}}},
    {"address": "aws_db_instance.a", "mode": "managed", "type": "aws_db_instance", "name": "a",
     "change": {"actions": ["create"], "after": {"password": "new-password"}, "after_sensitive": {"password": true}}}]}"#,
    );
    let db = &plan.resources[0];
    assert_eq!(
        db.get("password").and_then(Node::as_str),
        Some("new-password")
    );
    let secrets: Vec<String> = plan
        .secrets()
        .iter()
        .map(|s| s.expose().to_owned())
        .collect();
    assert_eq!(secrets, ["new-password", "old-password"]);
}
