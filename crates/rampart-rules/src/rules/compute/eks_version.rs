use rampart_config::Severity;
use rampart_model::aws::compute::{
    self, EKS_RELEASES_CHECKED, KubeVersion, Setting, Support, eks_support, version_setting,
};

use super::is_managed;
use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "EKS-002",
        name: "eks-version-unsupported",
        severity: Severity::High,
        summary: "EKS cluster runs a Kubernetes version past standard support",
        requirements: &["S-EKS-01", "G-SEC-01"],
        docs: RuleDocs {
            what: "Reports an EKS cluster (Terraform `aws_eks_cluster`, CloudFormation `AWS::EKS::Cluster`) whose `version` / `Version` is past the end of EKS standard support, at the value (wherever it was written: the resource, a variable default, a `tfvars` file, a module input). rampart carries the Amazon EKS release calendar (1.23 and 1.27 to 1.35) and compares it with the date the table was last checked (2026-11-22), never with the clock, so a scan gives the same result every day; versions older than the table are past extended support. The message says whether the version is in paid extended support (with its end date) or past it entirely — no patches at all, which the policy rates Critical (C-04). A cluster without `version` gets the newest version when it is created and is not reported; a version newer than the table, or known only after apply, is not reported.",
            why: "Standard support is when EKS and the Kubernetes community ship security fixes. Past it, extended support costs six times the control-plane price and still ends twelve months later; past that, EKS upgrades the control plane on its own schedule, under the nodes and add-ons that were never tested against the new version. The policy requires prompt patching (G-SEC-01) and a supported cluster version (S-EKS-01); the seed's Kubernetes 1.27 left extended support on 2025-07-24 (C-04).",
            fail: Example::terraform(
                r#"resource "aws_eks_cluster" "agents" {
  name     = "agents"
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"
  version  = "1.27"

  vpc_config {
    subnet_ids             = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
    endpoint_public_access = false
  }
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_eks_cluster" "agents" {
  name     = "agents"
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"
  version  = "1.35"

  vpc_config {
    subnet_ids             = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
    endpoint_public_access = false
  }
}
"#,
            ),
            fix: "Upgrade the cluster one minor version at a time to a version in standard support (check `aws eks describe-cluster-versions`), upgrading the add-ons and node groups along with it, and plan the next upgrade before its end of standard support. Keep `upgrade_policy { support_type = \"STANDARD\" }` if a version must never silently enter paid extended support.",
        },
    },
    check: Check::Resource(compute::CLUSTER_TYPES, check),
    inactive_when: None,
};

fn check(resource: &IacResource<'_>, _ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !is_managed(resource) {
        return;
    }
    let Setting::Known(node) = version_setting(resource) else {
        return;
    };
    let Some(version) = KubeVersion::of(node) else {
        return;
    };
    let (status, consequence) = match eks_support(version, EKS_RELEASES_CHECKED) {
        Support::Ended { ended, exact } => (
            if exact {
                format!("past the end of EKS extended support (ended on {ended})")
            } else {
                format!("past the end of EKS extended support (ended no later than {ended})")
            },
            "it gets no security patches and EKS upgrades its control plane on its own schedule (Critical under C-04)".to_owned(),
        ),
        Support::Extended {
            standard_ended,
            ends,
        } => (
            format!("past the end of EKS standard support (ended on {standard_ended})"),
            format!("it is in paid extended support, which ends on {ends}"),
        ),
        Support::Standard { .. } | Support::NotInTable => return,
    };
    sink.report_resource(
        resource,
        Some(node),
        format!(
            "EKS cluster `{}` runs Kubernetes {version}, {status}: {consequence}; release calendar as of {EKS_RELEASES_CHECKED}",
            resource.address
        ),
    );
}
