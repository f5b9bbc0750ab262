use rampart_config::Severity;
use rampart_model::aws::compute::{
    self, NetworkPolicy, PolicyEngine, addons_of, auto_mode_network_policy, cluster_of,
    is_auto_mode, is_vpc_cni, network_policy_engine, vpc_cni_network_policy,
};

use super::{is_managed, spelled};
use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "EKS-004",
        name: "network-policy-not-enforced",
        severity: Severity::High,
        summary: "EKS cluster does not enforce Kubernetes NetworkPolicies",
        requirements: &["S-EKS-06", "G-NET-01", "G-NET-06"],
        docs: RuleDocs {
            what: "Reports an EKS cluster whose NetworkPolicies are accepted but not enforced. The Amazon VPC CNI enforces them only when its EKS add-on (Terraform `aws_eks_addon`, CloudFormation `AWS::EKS::Addon` with `addon_name = \"vpc-cni\"`) sets `enableNetworkPolicy` to `\"true\"` in `configuration_values` / `ConfigurationValues` (off by default; `nodeAgent.enabled: false` turns it off again). Reported: a `vpc-cni` add-on whose configuration leaves it off, at the configuration or the add-on; a cluster (`aws_eks_cluster`, `AWS::EKS::Cluster`) with no `vpc-cni` add-on declared, at the cluster; an EKS Auto Mode cluster (`compute_config.enabled`) when no ConfigMap `kube-system/amazon-vpc-cni` with `enable-network-policy-controller: \"true\"` is in the project (a manifest or a `kubernetes_config_map`). Nothing is reported when Calico or Cilium is visible (their DaemonSets, the Tigera operator's `Installation`, a `helm_release` of their charts), when the add-on's configuration is known only after apply or is not JSON, or when an add-on of the same configuration cannot be tied to its cluster.",
            why: "Every NetworkPolicy of the agent namespaces — the default-deny, the critical tier's isolation, the egress limits — is stored by the API server and then ignored when nothing enforces it: pods keep talking to everything, and the policies give a false sense of segmentation. The policy requires segmentation (G-NET-01) and zero-trust networking (G-NET-06); enforcement is what makes the seed's NetworkPolicies real (S-EKS-06).",
            fail: Example::terraform(
                r#"resource "aws_eks_cluster" "agents" {
  name     = "agents"
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"

  vpc_config {
    subnet_ids = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
  }
}

resource "aws_eks_addon" "vpc_cni" {
  cluster_name = aws_eks_cluster.agents.name
  addon_name   = "vpc-cni"
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_eks_cluster" "agents" {
  name     = "agents"
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"

  vpc_config {
    subnet_ids = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
  }
}

resource "aws_eks_addon" "vpc_cni" {
  cluster_name = aws_eks_cluster.agents.name
  addon_name   = "vpc-cni"
  configuration_values = jsonencode({
    enableNetworkPolicy = "true"
  })
}
"#,
            ),
            fix: "Manage the VPC CNI as an EKS add-on and set `configuration_values = jsonencode({ enableNetworkPolicy = \"true\" })` (add-on version 1.14 or later). In EKS Auto Mode, apply the ConfigMap `amazon-vpc-cni` in `kube-system` with `enable-network-policy-controller: \"true\"`. Alternatively install Calico or Cilium as the policy engine. Then check with a test pod that a default-deny policy really blocks traffic.",
        },
    },
    check: Check::Resource(
        &[
            "aws_eks_cluster",
            "AWS::EKS::Cluster",
            "aws_eks_addon",
            "AWS::EKS::Addon",
        ],
        check,
    ),
    inactive_when: None,
};

fn check(resource: &IacResource<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !is_managed(resource) || network_policy_engine(ctx.project) != PolicyEngine::None {
        return;
    }
    if compute::ADDON_TYPES.contains(&resource.resource_type.as_str()) {
        check_addon(resource, ctx, sink);
    } else {
        check_cluster(resource, ctx, sink);
    }
}

/// A `vpc-cni` add-on that leaves network policy off.
fn check_addon(addon: &IacResource<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if is_vpc_cni(addon) != Some(true) {
        return;
    }
    // An Auto Mode cluster does not use the add-on's configuration.
    let cluster = cluster_of(ctx.project, addon.index).map(|i| ctx.resource(i));
    if cluster.is_some_and(|c| is_auto_mode(&c) != Some(false)) {
        return;
    }
    let NetworkPolicy::Off(at) = vpc_cni_network_policy(addon) else {
        return;
    };
    let config = spelled(addon, "configuration_values", "ConfigurationValues");
    let how = if at.is_some() {
        format!(
            "its `{config}` do not set `enableNetworkPolicy` to \"true\" with the node agent on"
        )
    } else {
        format!("it has no `{config}`, and `enableNetworkPolicy` is off by default")
    };
    let whose = cluster.map_or(String::new(), |c| format!(" of cluster `{}`", c.address));
    sink.report_resource(
        addon,
        at,
        format!(
            "VPC CNI add-on `{}`{whose} does not enforce NetworkPolicies: {how}; every NetworkPolicy in the cluster is accepted and ignored",
            addon.address
        ),
    );
}

/// A cluster without any `vpc-cni` add-on, or an Auto Mode cluster without
/// the network policy controller.
fn check_cluster(cluster: &IacResource<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    let project = ctx.project;
    match is_auto_mode(cluster) {
        None => return,
        Some(true) => {
            if auto_mode_network_policy(project) == Some(false) {
                sink.report_resource(
                    cluster,
                    None,
                    format!(
                        "EKS Auto Mode cluster `{}` does not enforce NetworkPolicies: no ConfigMap `kube-system/amazon-vpc-cni` with `enable-network-policy-controller: \"true\"` is in the project, so every NetworkPolicy is accepted and ignored",
                        cluster.address
                    ),
                );
            }
            return;
        }
        Some(false) => {}
    }
    let mut has_cni = false;
    for addon in addons_of(project, cluster.index) {
        match is_vpc_cni(&project.resources[addon]) {
            None => return,
            Some(true) => has_cni = true,
            Some(false) => {}
        }
    }
    if has_cni {
        // Judged on the add-on.
        return;
    }
    // An add-on of the same configuration whose cluster cannot be resolved
    // may be this cluster's: one naming its cluster by a value known only
    // after apply, or by a literal name when this cluster's name is unknown.
    let own_name = cluster.attr("name", "Name").and_then(|n| n.as_str());
    let orphan = ctx
        .resources_of(compute::ADDON_TYPES)
        .into_iter()
        .filter(|a| is_managed(a) && a.scope == cluster.scope && is_vpc_cni(a) != Some(false))
        .filter(|a| cluster_of(project, a.index).is_none())
        .any(|a| {
            match a
                .attr("cluster_name", "ClusterName")
                .and_then(|n| n.as_str())
            {
                Some(name) => own_name.is_none_or(|own| own == name),
                None => true,
            }
        });
    if orphan {
        return;
    }
    sink.report_resource(
        cluster,
        None,
        format!(
            "EKS cluster `{}` does not enforce NetworkPolicies: no `vpc-cni` add-on is declared for it, so the VPC CNI runs with its defaults (`enableNetworkPolicy` off) and no Calico or Cilium is in the project; every NetworkPolicy is accepted and ignored",
            cluster.address
        ),
    );
}
