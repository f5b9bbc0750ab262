//! The plan of a small agent platform (`fixtures/agents-prod.plan.json`,
//! written from Terraform's documented JSON format), read as a scan reads it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rampart_iac::{BlockKind, Language, Node, Resource, Unknown, Value};
use rampart_source::FileId;
use rampart_tfplan::{Action, PlanOutput, is_plan, read_plan};
use rampart_yaml::{Limits, parse_stream};

const FIXTURE: &str = include_str!("fixtures/agents-prod.plan.json");
const PATH: &str = "plans/agents-prod.plan.json";

fn read(text: &str) -> PlanOutput {
    let parsed = parse_stream(text, PATH, &Limits::default());
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let root = &parsed.documents[0].root;
    assert!(is_plan(root));
    read_plan(FileId(7), PATH, root)
}

fn resource<'a>(plan: &'a PlanOutput, address: &str) -> &'a Resource {
    plan.resources
        .iter()
        .find(|r| r.address == address)
        .unwrap_or_else(|| panic!("no resource {address}"))
}

/// The 1-based line of the `nth` occurrence of `needle` in the fixture.
fn line_of(needle: &str, nth: usize) -> u32 {
    let offset = FIXTURE
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("`{needle}` not in the fixture"))
        .0;
    u32::try_from(FIXTURE[..offset].matches('\n').count() + 1).unwrap()
}

fn line(node: &Node) -> u32 {
    node.origin.expect("an origin").span.start.line
}

#[test]
fn the_fixture_reads_without_diagnostics() {
    let plan = read(FIXTURE);
    assert!(plan.diagnostics.is_empty(), "{:?}", plan.diagnostics);
    assert_eq!(plan.terraform_version.as_deref(), Some("1.9.5"));
}

#[test]
fn every_planned_resource_data_source_and_provider_is_read() {
    let plan = read(FIXTURE);
    let listed: Vec<(&str, BlockKind, &str)> = plan
        .resources
        .iter()
        .map(|r| (r.address.as_str(), r.kind, r.module.as_str()))
        .collect();
    assert_eq!(
        listed,
        [
            ("aws_db_instance.main", BlockKind::Resource, ""),
            ("aws_security_group.db", BlockKind::Resource, ""),
            ("aws_security_group.web", BlockKind::Resource, ""),
            ("aws_vpc.main", BlockKind::Resource, ""),
            (
                "module.network.aws_subnet.private[0]",
                BlockKind::Resource,
                "module.network"
            ),
            (
                "module.network.aws_subnet.private[1]",
                BlockKind::Resource,
                "module.network"
            ),
            (
                "module.network.aws_vpc.this",
                BlockKind::Resource,
                "module.network"
            ),
            (
                "module.network.module.endpoints.aws_vpc_endpoint.s3",
                BlockKind::Resource,
                "module.network.module.endpoints"
            ),
            // Read while planning, so only in `prior_state`.
            ("data.aws_caller_identity.current", BlockKind::Data, ""),
            ("provider.aws", BlockKind::Provider, ""),
            ("provider.aws.east", BlockKind::Provider, ""),
        ]
    );
    assert!(
        plan.resources
            .iter()
            .all(|r| r.language == Language::TerraformPlan && r.file == FileId(7))
    );
    let subnet = resource(&plan, "module.network.aws_subnet.private[1]");
    assert_eq!(subnet.resource_type, "aws_subnet");
    assert_eq!(
        subnet.get("cidr_block").and_then(Node::as_str),
        Some("10.1.1.0/24")
    );
    let caller = resource(&plan, "data.aws_caller_identity.current");
    assert_eq!(
        caller.get("account_id").and_then(Node::as_str),
        Some("123456789012")
    );
}

#[test]
fn resources_point_at_their_address_and_values_at_where_they_are_written() {
    let plan = read(FIXTURE);
    let web = resource(&plan, "aws_security_group.web");
    assert_eq!(
        web.span.start.line,
        line_of("\"address\": \"aws_security_group.web\"", 0)
    );
    // The column of the value, not of the key.
    assert_eq!(web.span.start.column, 22);

    let cidr = web.path(&["ingress"]).unwrap().items()[0]
        .get("cidr_blocks")
        .unwrap()
        .items()[0]
        .clone();
    assert_eq!(cidr.as_str(), Some("0.0.0.0/0"));
    assert_eq!(line(&cidr), line_of("\"0.0.0.0/0\"", 0));
    let (file, span) = web.span_of(web.get("from_port"));
    assert_eq!(
        (file, span),
        (FileId(7), web.span),
        "a missing attribute points at the resource"
    );
    let port = &web.get("ingress").unwrap().items()[0];
    assert_eq!(port.get("to_port").and_then(Node::as_i64), Some(443));
    assert_eq!(port.get("self").and_then(Node::as_bool), Some(false));
    assert!(
        resource(&plan, "module.network.aws_vpc.this")
            .get("tags")
            .unwrap()
            .is_null()
    );
}

#[test]
fn values_known_after_apply_are_explicit_unknowns() {
    let plan = read(FIXTURE);
    let db = resource(&plan, "aws_db_instance.main");
    let id = db.get("id").expect("a wholly unknown attribute is added");
    assert_eq!(
        id.unknown_value(),
        Some(&Unknown::Unevaluated {
            reason: "known after apply".into()
        })
    );
    // It points at its `after_unknown` marker in `resource_changes`.
    assert_eq!(line(id), line_of("\"id\": true", 0));
    assert!(db.get("endpoint").is_some_and(Node::is_unknown));
    assert!(db.get("engine").is_some_and(|e| !e.is_unknown()));

    // Unknown parts of known blocks; known parts stay.
    let sg = resource(&plan, "aws_security_group.db");
    assert!(sg.get("egress").is_some_and(Node::is_unknown));
    assert_eq!(sg.get("ingress").unwrap().items().len(), 1);

    let shown: Vec<&str> = plan.unknowns.iter().map(|u| u.address.as_str()).collect();
    for expected in [
        "aws_db_instance.main.id",
        "aws_db_instance.main.vpc_security_group_ids[0]",
        "aws_security_group.db.egress",
        "module.network.aws_subnet.private[0].vpc_id",
        "module.network.module.endpoints.aws_vpc_endpoint.s3.vpc_id",
        "provider.aws.east.region",
    ] {
        assert!(shown.contains(&expected), "{expected} not in {shown:?}");
    }
    assert!(plan.unknowns.iter().all(|u| u.origin.file == FileId(7)));
}

#[test]
fn unknowns_from_one_resource_attribute_are_references() {
    let plan = read(FIXTURE);
    let reference = |address: &str, attribute: &str| Unknown::Reference {
        address: address.into(),
        attribute: attribute.into(),
    };
    // Inside a module, addresses are the module's.
    for index in 0..2 {
        let subnet = resource(
            &plan,
            &format!("module.network.aws_subnet.private[{index}]"),
        );
        assert_eq!(
            subnet.get("vpc_id").and_then(Node::unknown_value),
            Some(&reference("module.network.aws_vpc.this", "id"))
        );
    }
    // `vpc_security_group_ids = [aws_security_group.db.id]`.
    let db = resource(&plan, "aws_db_instance.main");
    let group = &db.get("vpc_security_group_ids").unwrap().items()[0];
    assert_eq!(
        group.unknown_value(),
        Some(&reference("aws_security_group.db", "id"))
    );
    // A variable is not a resource: no link.
    let endpoint = resource(&plan, "module.network.module.endpoints.aws_vpc_endpoint.s3");
    assert_eq!(
        endpoint.get("vpc_id").and_then(Node::unknown_value),
        Some(&Unknown::Unevaluated {
            reason: "known after apply".into()
        })
    );
}

#[test]
fn sensitive_values_are_kept_and_listed_for_redaction() {
    let plan = read(FIXTURE);
    let db = resource(&plan, "aws_db_instance.main");
    let password = db.get("password").unwrap();
    assert_eq!(
        password.as_str(),
        Some("s3cr3t-Passw0rd!"),
        "rules still see it"
    );
    assert!(plan.is_sensitive(password.origin.unwrap()));
    assert!(!plan.is_sensitive(db.get("username").unwrap().origin.unwrap()));

    let listed: Vec<&str> = plan.sensitive.iter().map(|s| s.address.as_str()).collect();
    for expected in [
        "aws_db_instance.main.password",
        "output.db_password",
        "var.db_password",
    ] {
        assert!(listed.contains(&expected), "{expected} not in {listed:?}");
    }
    let secrets = plan.secrets();
    assert_eq!(secrets.len(), 1);
    assert_eq!(secrets[0].expose(), "s3cr3t-Passw0rd!");
    // Every place the plan file writes it is known.
    let places = FIXTURE.matches("\"s3cr3t-Passw0rd!\"").count();
    assert_eq!(plan.sensitive.len(), places);
    assert!(!format!("{:?}", plan.sensitive).contains("s3cr3t-Passw0rd!"));
}

#[test]
fn drift_is_what_changed_outside_terraform() {
    let plan = read(FIXTURE);
    assert_eq!(plan.drift.len(), 1);
    let drift = &plan.drift[0];
    assert_eq!(drift.address, "aws_security_group.web");
    assert_eq!(drift.resource_type, "aws_security_group");
    assert_eq!(drift.kind, BlockKind::Resource);
    assert_eq!(drift.module, "");
    assert_eq!(drift.actions, [Action::Update]);
    assert!(!drift.deleted());
    assert_eq!(drift.changed_attributes, ["ingress"]);
    assert_eq!(drift.file, FileId(7));
    // The entry in `resource_drift`, not the resource in `planned_values`.
    let in_drift = FIXTURE.find("\"resource_drift\"").unwrap();
    let expected = u32::try_from(FIXTURE[..in_drift].matches('\n').count() + 3).unwrap();
    assert_eq!(drift.span.start.line, expected);
}

#[test]
fn providers_keep_default_tags_and_region() {
    let plan = read(FIXTURE);
    let aws = resource(&plan, "provider.aws");
    assert_eq!(aws.resource_type, "aws");
    assert_eq!(aws.span.start.line, line_of("\"aws\": {", 0));
    assert_eq!(aws.get("region").and_then(Node::as_str), Some("eu-west-1"));
    let tags = aws
        .get("default_tags")
        .unwrap()
        .blocks()
        .next()
        .unwrap()
        .get("tags")
        .unwrap();
    assert_eq!(
        tags.get("agent-classification").and_then(Node::as_str),
        Some("critical")
    );
    assert_eq!(
        line(tags.get("managed-by").unwrap()),
        line_of("\"managed-by\": \"terraform\"", 2)
    );

    let east = resource(&plan, "provider.aws.east");
    assert_eq!(east.get("alias").and_then(Node::as_str), Some("east"));
    let Some(Unknown::Unevaluated { reason }) = east.get("region").and_then(Node::unknown_value)
    else {
        panic!("the region comes from a variable");
    };
    assert!(reason.contains("`var.east_region`"), "{reason}");
}

#[test]
fn minified_plans_read_the_same_on_one_line() {
    // `terraform show -json` writes one line.
    let minified: String = FIXTURE
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("")
        .replace("\": ", "\":");
    let plan = read(&minified);
    let pretty = read(FIXTURE);
    assert!(plan.diagnostics.is_empty());
    assert_eq!(plan.resources.len(), pretty.resources.len());
    assert_eq!(plan.unknowns.len(), pretty.unknowns.len());
    assert_eq!(plan.sensitive.len(), pretty.sensitive.len());
    let web = resource(&plan, "aws_security_group.web");
    assert_eq!(web.span.start.line, 1);
    let column = minified.find("\"aws_security_group.web\"").unwrap() + 1;
    assert_eq!(web.span.start.column as usize, column);
    let strip = |r: &Resource| match &r.attributes.value {
        Value::Map(entries) => entries
            .iter()
            .map(|(k, v)| (k.clone(), v.describe()))
            .collect::<Vec<_>>(),
        _ => Vec::new(),
    };
    for (a, b) in plan.resources.iter().zip(&pretty.resources) {
        assert_eq!(strip(a), strip(b));
    }
}
