use rampart_config::Severity;
use rampart_model::aws::logging::FLOW_LOG_TYPES;

use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "LOG-002",
        name: "flow-log-partial-traffic",
        severity: Severity::Medium,
        summary: "Flow log records only accepted or only rejected traffic",
        requirements: &["P-IVB-2", "G-NET-05"],
        docs: RuleDocs {
            what: "Reports a flow log (Terraform `aws_flow_log`, CloudFormation `AWS::EC2::FlowLog`) whose `traffic_type` / `TrafficType` is `ACCEPT` or `REJECT` instead of `ALL`, wherever the value was written: the resource, a variable default, a `tfvars` file or a module input. Transit gateway flow logs, which have no traffic type, are not concerned. A value known only after apply is not reported (`--show-unknown` lists it).",
            why: "A flow log of rejected traffic shows the knocks on the door but not the connections that got in; one of accepted traffic shows what got in but not the scans and probes that preceded it. Investigating an incident needs both, and the policy asks for all network traffic to be logged (P-IVB-2); the requirements catalogue rates `ACCEPT`/`REJECT`-only logs Medium.",
            fail: Example::terraform(
                r#"resource "aws_flow_log" "agents" {
  vpc_id          = "vpc-0a1b2c3d4e5f60718"
  traffic_type    = "REJECT"
  log_destination = "arn:aws:logs:us-east-1:123456789012:log-group:/vpc/agents/flow"
  iam_role_arn    = "arn:aws:iam::123456789012:role/vpc-flow-logs"
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_flow_log" "agents" {
  vpc_id          = "vpc-0a1b2c3d4e5f60718"
  traffic_type    = "ALL"
  log_destination = "arn:aws:logs:us-east-1:123456789012:log-group:/vpc/agents/flow"
  iam_role_arn    = "arn:aws:iam::123456789012:role/vpc-flow-logs"
}
"#,
            ),
            fix: "Set `traffic_type = \"ALL\"` (CloudFormation `TrafficType: ALL`). A flow log's traffic type cannot be changed in place: Terraform replaces the flow log, which is harmless.",
        },
    },
    check: Check::Resource(FLOW_LOG_TYPES, check),
    inactive_when: None,
};

fn check(resource: &IacResource<'_>, _ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !super::is_managed(resource) {
        return;
    }
    let Some(node) = resource.attr("traffic_type", "TrafficType") else {
        return;
    };
    let Some(kind) = node.as_str().map(str::to_ascii_uppercase) else {
        return;
    };
    let what = match kind.as_str() {
        "ACCEPT" => "accepted",
        "REJECT" => "rejected",
        _ => return,
    };
    sink.report_resource(
        resource,
        Some(node),
        format!(
            "flow log `{}` records only {what} traffic (`{kind}`): set the traffic type to `ALL`",
            resource.address
        ),
    );
}
