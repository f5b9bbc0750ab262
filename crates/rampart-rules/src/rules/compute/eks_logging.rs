use rampart_config::Severity;
use rampart_model::aws::compute::{self, Block, Setting, repeated_blocks, single_block};
use rampart_model::rampart_iac::Node;

use super::is_managed;
use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

/// The control-plane logs the policy requires.
const REQUIRED: &[&str] = &["api", "audit", "authenticator"];

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "EKS-003",
        name: "eks-control-plane-logging",
        severity: Severity::High,
        summary: "EKS control-plane api, audit or authenticator logs are off",
        requirements: &["S-EKS-03", "S-EKS-04", "P-IVB-1", "P-IVB-3"],
        docs: RuleDocs {
            what: "Reports an EKS cluster (Terraform `aws_eks_cluster`, CloudFormation `AWS::EKS::Cluster`) whose enabled control-plane log types (`enabled_cluster_log_types`, `Logging.ClusterLogging.EnabledTypes[].Type`) lack `api`, `audit` or `authenticator`, at the list, or at the resource when none is enabled (EKS's default: no control-plane logs). `controllerManager` and `scheduler` are recommended but not required. A list with a value known only after apply is reported only when the known values cannot complete it.",
            why: "The audit log is the only record of who did what through the Kubernetes API: reading secrets, creating pods, changing RBAC, exec into an agent. The authenticator log records which IAM identity each request came from, and the API server log shows the requests themselves. Without them an incident in the cluster cannot be investigated. The policy requires logging all activity (P-IVB-1) and all access attempts (P-IVB-3), and the EKS control-plane logs with the audit log specifically (S-EKS-03, S-EKS-04).",
            fail: Example::terraform(
                r#"resource "aws_eks_cluster" "agents" {
  name                      = "agents"
  role_arn                  = "arn:aws:iam::111122223333:role/eks-cluster"
  enabled_cluster_log_types = ["api"]

  vpc_config {
    subnet_ids = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
  }
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_eks_cluster" "agents" {
  name                      = "agents"
  role_arn                  = "arn:aws:iam::111122223333:role/eks-cluster"
  enabled_cluster_log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]

  vpc_config {
    subnet_ids = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
  }
}
"#,
            ),
            fix: "Set `enabled_cluster_log_types = [\"api\", \"audit\", \"authenticator\", \"controllerManager\", \"scheduler\"]` (CloudFormation: `Logging: {ClusterLogging: {EnabledTypes: [{Type: api}, {Type: audit}, …]}}`), and declare the log group `/aws/eks/<cluster>/cluster` yourself with a retention of at least 90 days and a KMS key, so EKS does not create it with infinite retention and no encryption.",
        },
    },
    check: Check::Resource(compute::CLUSTER_TYPES, check),
    inactive_when: None,
};

/// The enabled log types as written: the node holding them, the known types,
/// and whether some are unknown. `None` when the whole setting is unknown.
fn enabled_types<'a>(
    resource: &'a IacResource<'_>,
) -> Option<(Option<&'a Node>, Vec<&'a str>, bool)> {
    if !resource.is_cloudformation() {
        return match Setting::of(resource.get("enabled_cluster_log_types")) {
            Setting::Unset => Some((None, Vec::new(), false)),
            Setting::Unknown(_) => None,
            Setting::Known(node) => Some((Some(node), node.strings(), node.contains_unknown())),
        };
    }
    let logging = match single_block(resource.get("Logging")) {
        Block::Absent => return Some((None, Vec::new(), false)),
        Block::Unknown => return None,
        Block::Present(logging) => logging,
    };
    let cluster_logging = match single_block(logging.get("ClusterLogging")) {
        Block::Absent => return Some((None, Vec::new(), false)),
        Block::Unknown => return None,
        Block::Present(cluster_logging) => cluster_logging,
    };
    let list = cluster_logging.get("EnabledTypes");
    let entries = repeated_blocks(list)?;
    let mut types = Vec::new();
    let mut unknown = false;
    for entry in entries {
        match Setting::of(entry.get("Type")) {
            Setting::Known(node) => types.extend(node.as_str()),
            Setting::Unknown(_) => unknown = true,
            Setting::Unset => {}
        }
    }
    Some((list.filter(|n| !n.is_null()), types, unknown))
}

fn check(resource: &IacResource<'_>, _ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !is_managed(resource) {
        return;
    }
    let Some((node, types, unknown)) = enabled_types(resource) else {
        return;
    };
    let missing: Vec<String> = REQUIRED
        .iter()
        .filter(|required| !types.contains(required))
        .map(|t| format!("`{t}`"))
        .collect();
    if missing.is_empty() || unknown {
        return;
    }
    let what = if types.is_empty() {
        "enables no control-plane log (EKS's default)".to_owned()
    } else {
        let plural = if missing.len() > 1 { "logs" } else { "log" };
        format!(
            "does not enable the {} control-plane {plural}",
            missing.join(", ")
        )
    };
    sink.report_resource(
        resource,
        node,
        format!(
            "EKS cluster `{}` {what}: API activity in the cluster, who authenticated and what they did, is not recorded",
            resource.address
        ),
    );
}
