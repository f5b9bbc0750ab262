use rampart_config::{Severity, TaintEffect, Tier};
use rampart_model::aws::compute::{self, Setting, field, repeated_blocks};
use rampart_model::rampart_iac::Node;

use super::{has_critical_label, is_managed, spelled};
use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};
use crate::rules::tiers::no_critical_taint;

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "NODE-005",
        name: "critical-nodes-without-taint",
        severity: Severity::High,
        summary: "Critical node group is not reserved for critical agents",
        requirements: &["S-NODE-09", "G-NET-01"],
        docs: RuleDocs {
            what: "Reports an EKS managed node group (Terraform `aws_eks_node_group`, CloudFormation `AWS::EKS::Nodegroup`) that runs critical agents — classified critical by its tags (or the provider's `default_tags`), or carrying the critical node label (`agent-classification=critical` by default, `labels` / `Labels`) — without the critical taint (`taint { key = \"agent-classification\", value = \"critical\", effect = \"NO_SCHEDULE\" }`, `Taints[]`, from `[kubernetes.critical-nodes]`), at the resource, or at a taint with the right key and another value or effect. A node group classified critical by its tags without the critical node label is reported too (at `labels`, or the resource): a taint only repels other pods, the label is what critical pods select. Taints and labels known only after apply are not judged.",
            why: "The critical tier's isolation depends on its nodes running nothing else: a pod of a lower tier scheduled next to a critical agent shares its kernel, its node credentials and its network, so one compromised standard agent becomes a path to the critical ones. The `NoSchedule` taint keeps other pods off; the label lets critical pods require these nodes (C-27). The policy specifies both (S-NODE-09) and segmentation between tiers (G-NET-01).",
            fail: Example::terraform(
                r#"resource "aws_eks_node_group" "critical" {
  cluster_name    = "agents"
  node_group_name = "critical"
  node_role_arn   = "arn:aws:iam::111122223333:role/eks-node"
  subnet_ids      = ["subnet-0a1b2c3d4e5f60001"]

  labels = {
    "agent-classification" = "critical"
  }

  scaling_config {
    desired_size = 2
    max_size     = 4
    min_size     = 2
  }
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_eks_node_group" "critical" {
  cluster_name    = "agents"
  node_group_name = "critical"
  node_role_arn   = "arn:aws:iam::111122223333:role/eks-node"
  subnet_ids      = ["subnet-0a1b2c3d4e5f60001"]

  labels = {
    "agent-classification" = "critical"
  }

  taint {
    key    = "agent-classification"
    value  = "critical"
    effect = "NO_SCHEDULE"
  }

  scaling_config {
    desired_size = 2
    max_size     = 4
    min_size     = 2
  }
}
"#,
            ),
            fix: "Add `taint { key = \"agent-classification\" value = \"critical\" effect = \"NO_SCHEDULE\" }` and `labels = { \"agent-classification\" = \"critical\" }` to the node group (CloudFormation: `Taints: [{Key: agent-classification, Value: critical, Effect: NO_SCHEDULE}]`, `Labels: {agent-classification: critical}`), and give critical pods the matching toleration and a required node affinity or `nodeSelector`.",
        },
    },
    check: Check::Resource(compute::NODE_GROUP_TYPES, check),
    inactive_when: Some(no_critical_taint),
};

/// The EKS API's spelling of a taint effect.
fn eks_effect(effect: TaintEffect) -> &'static str {
    match effect {
        TaintEffect::NoSchedule => "NO_SCHEDULE",
        TaintEffect::PreferNoSchedule => "PREFER_NO_SCHEDULE",
        TaintEffect::NoExecute => "NO_EXECUTE",
    }
}

/// Whether the node group has the critical taint; `Err` with a taint of the
/// right key and the wrong value or effect; `None` when unknown.
fn critical_taint<'a>(
    ctx: &Context<'_>,
    resource: &'a IacResource<'_>,
) -> Option<Result<(), Option<&'a Node>>> {
    let nodes = &ctx.config.kubernetes.critical_nodes;
    let want = eks_effect(nodes.taint_effect);
    let language = resource.language;
    let taints = repeated_blocks(resource.attr("taint", "Taints"))?;
    let mut near = None;
    for taint in taints {
        let text = |terraform: &str, cloudformation: &str| -> Option<Option<&'a str>> {
            match Setting::of(field(taint, language, terraform, cloudformation)) {
                Setting::Unset => Some(None),
                Setting::Known(node) => Some(node.as_str()),
                Setting::Unknown(_) => None,
            }
        };
        let key = text("key", "Key")?;
        let value = text("value", "Value")?;
        let effect = text("effect", "Effect")?;
        if key != Some(nodes.taint_key.as_str()) {
            continue;
        }
        if value.unwrap_or("") == nodes.taint_value && effect == Some(want) {
            return Some(Ok(()));
        }
        near.get_or_insert(taint);
    }
    Some(Err(near))
}

fn check(resource: &IacResource<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !is_managed(resource) {
        return;
    }
    let nodes = &ctx.config.kubernetes.critical_nodes;
    let tagged = resource.tier == Some(Tier::Critical);
    let labelled = has_critical_label(ctx, resource);
    if !tagged && labelled != Some(true) {
        return;
    }
    let why = if tagged {
        "is classified critical"
    } else {
        "carries the critical node label"
    };
    let wanted = format!(
        "{}={}:{}",
        nodes.taint_key,
        nodes.taint_value,
        eks_effect(nodes.taint_effect)
    );
    if let Some(Err(near)) = critical_taint(ctx, resource) {
        let at = near;
        sink.report_resource(
            resource,
            at,
            format!(
                "node group `{}` {why} but has no taint `{wanted}`: pods of other tiers can be scheduled onto the nodes of critical agents",
                resource.address
            ),
        );
    }
    if tagged && labelled == Some(false) && !nodes.label_key.is_empty() {
        let labels = resource.attr("labels", "Labels");
        sink.report_resource(
            resource,
            labels,
            format!(
                "node group `{}` is classified critical but its nodes lack the label `{}={}` (`{}`): critical pods cannot require these nodes, a taint only keeps other pods off",
                resource.address,
                nodes.label_key,
                nodes.label_value,
                spelled(resource, "labels", "Labels")
            ),
        );
    }
}
