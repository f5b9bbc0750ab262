use rampart_config::Severity;
use rampart_model::aws::compute::{
    self, AmiFamily, InstanceTypes, NodeAmi, has_neuron, has_nvidia_gpu, is_gpu_ami, is_neuron_ami,
    node_group_ami, node_group_instance_types,
};

use super::{is_managed, spelled};
use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

/// When EKS stopped publishing and supporting AL2 AMIs.
const AL2_END_OF_SUPPORT: &str = "2025-11-26";

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "NODE-004",
        name: "unsupported-node-ami",
        severity: Severity::Medium,
        summary: "Node group runs an unsupported or mismatched AMI type",
        requirements: &["S-NODE-02", "G-SEC-01", "P-IIIB2-b"],
        docs: RuleDocs {
            what: "Reports an EKS managed node group (Terraform `aws_eks_node_group`, CloudFormation `AWS::EKS::Nodegroup`) whose `ami_type` / `AmiType` is an Amazon Linux 2 type (`AL2_x86_64`, `AL2_x86_64_GPU`, `AL2_ARM_64`: EKS AL2 AMIs reached end of support on 2025-11-26 and none exist for Kubernetes 1.33 and later), or is not set on a node group whose Kubernetes version (its own `version`, else its cluster's) is before 1.30, where EKS picks AL2. Also a GPU AMI type (`AL2_x86_64_GPU`, `*_NVIDIA`) on an instance type without an NVIDIA GPU (families other than `g*` and `p*`), and a Neuron AMI type on a type without Inferentia or Trainium, using the node group's `instance_types`, else its launch template's `instance_type`, else EKS's `t3.medium`. A custom AMI from the launch template, and values known only after apply, are not reported.",
            why: "An AMI type past its end of support gets no kernel, container runtime or kubelet security fixes, and blocks cluster upgrades. A GPU image on a CPU-only instance carries the NVIDIA driver stack, its kernel modules and their vulnerabilities for nothing, and usually means the node group is not what its authors think it is (the seed's `AL2_x86_64_GPU` on `c6i.2xlarge`, C-05). The policy requires prompt patching (G-SEC-01), vetted node images (P-IIIB2-b) and an approved AMI type (S-NODE-02).",
            fail: Example::terraform(
                r#"resource "aws_eks_node_group" "critical" {
  cluster_name    = "agents"
  node_group_name = "critical"
  node_role_arn   = "arn:aws:iam::111122223333:role/eks-node"
  subnet_ids      = ["subnet-0a1b2c3d4e5f60001"]
  ami_type        = "AL2_x86_64_GPU"
  instance_types  = ["c6i.2xlarge"]

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
  ami_type        = "AL2023_x86_64_STANDARD"
  instance_types  = ["c6i.2xlarge"]

  scaling_config {
    desired_size = 2
    max_size     = 4
    min_size     = 2
  }
}
"#,
            ),
            fix: "Move the node group to `AL2023_x86_64_STANDARD` (or `AL2023_ARM_64_STANDARD`, `BOTTLEROCKET_x86_64`); an AMI family change needs a new node group, created next to the old one before the old one is drained. Use `AL2023_x86_64_NVIDIA` or `BOTTLEROCKET_x86_64_NVIDIA` only on GPU instance types (`g5`, `g6`, `p4d`, `p5`), and the Neuron AMI only on `inf*` and `trn*`.",
        },
    },
    check: Check::Resource(compute::NODE_GROUP_TYPES, check),
    inactive_when: None,
};

fn check(resource: &IacResource<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !is_managed(resource) {
        return;
    }
    let project = ctx.project;
    let ami_name = spelled(resource, "ami_type", "AmiType");
    match node_group_ami(project, resource.index) {
        NodeAmi::Written {
            node,
            ami_type,
            family,
        } => {
            let mut problems = Vec::new();
            if family == AmiFamily::Al2 {
                problems.push(format!(
                    "EKS AL2 AMIs reached end of support on {AL2_END_OF_SUPPORT} and none are published for Kubernetes 1.33 and later"
                ));
            }
            if let Some(mismatch) = accelerator_mismatch(ctx, resource, ami_type) {
                problems.push(mismatch);
            }
            if !problems.is_empty() {
                sink.report_resource(
                    resource,
                    Some(node),
                    format!(
                        "node group `{}` sets `{ami_name}` to `{ami_type}`: {}",
                        resource.address,
                        problems.join("; ")
                    ),
                );
            }
        }
        NodeAmi::Defaulted {
            family: AmiFamily::Al2,
            version,
        } => sink.report_resource(
            resource,
            None,
            format!(
                "node group `{}` does not set `{ami_name}`, so on Kubernetes {version} EKS gives it an Amazon Linux 2 AMI: EKS AL2 AMIs reached end of support on {AL2_END_OF_SUPPORT}",
                resource.address
            ),
        ),
        _ => {}
    }
}

/// A GPU or Neuron AMI on instance types that have neither.
fn accelerator_mismatch(
    ctx: &Context<'_>,
    resource: &IacResource<'_>,
    ami_type: &str,
) -> Option<String> {
    let (needs, has): (&str, fn(&str) -> bool) = if is_gpu_ami(ami_type) {
        ("an NVIDIA GPU", has_nvidia_gpu)
    } else if is_neuron_ami(ami_type) {
        ("Inferentia or Trainium", has_neuron)
    } else {
        return None;
    };
    let InstanceTypes::Known { types, node } =
        node_group_instance_types(ctx.project, resource.index)
    else {
        return None;
    };
    let without: Vec<String> = types
        .iter()
        .filter(|t| !has(t))
        .map(|t| format!("`{t}`"))
        .collect();
    if without.is_empty() {
        return None;
    }
    let source = if node.is_none() {
        " (EKS's default instance type)"
    } else {
        ""
    };
    Some(format!(
        "it is built for {needs}, which {}{source} does not have: the accelerator drivers and their kernel modules run for nothing (C-05)",
        without.join(", ")
    ))
}
