use rampart_config::Severity;
use rampart_model::aws::compute::{self, Block, Setting, field, single_block};

use super::{block_anchor, hosts_critical_agents, is_managed, spelled};
use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "EKS-001",
        name: "eks-public-endpoint",
        severity: Severity::High,
        summary: "EKS API server endpoint is reachable from the internet",
        requirements: &["S-EKS-02", "G-NET-07", "G-NET-03"],
        docs: RuleDocs {
            what: "Reports an EKS cluster (Terraform `aws_eks_cluster`, CloudFormation `AWS::EKS::Cluster`) whose Kubernetes API endpoint is public: `vpc_config.endpoint_public_access` / `ResourcesVpcConfig.EndpointPublicAccess` set to `true`, or not set at all, since AWS's default is `true`. The finding is at the value, or at the `vpc_config` block (the resource in CloudFormation) when the default applies. The message says whether `public_access_cidrs` / `PublicAccessCidrs` admits the whole internet (`0.0.0.0/0`, also the default) and whether the cluster hosts critical agents (it is classified critical, or one of its node groups is tagged or labelled critical): the policy rates that combination Critical. Data sources are not judged; a value known only after apply is not reported (`--show-unknown` lists it).",
            why: "The API server is the control point of every agent in the cluster: whoever reaches it can try stolen kubeconfigs, leaked service-account tokens and every authentication or API-server vulnerability, from anywhere. The policy keeps internal services off the internet (G-NET-07), requires network access controls (G-NET-03) and specifies a private endpoint (S-EKS-02). A public endpoint restricted to a few CIDRs is still reachable from outside the VPC; one open to `0.0.0.0/0` in front of critical agents is the worst case.",
            fail: Example::terraform(
                r#"resource "aws_eks_cluster" "agents" {
  name     = "agents"
  role_arn = aws_iam_role.cluster.arn

  vpc_config {
    subnet_ids              = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
    endpoint_private_access = true
  }
}

resource "aws_iam_role" "cluster" {
  name               = "eks-cluster"
  assume_role_policy = "{}"
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_eks_cluster" "agents" {
  name     = "agents"
  role_arn = aws_iam_role.cluster.arn

  vpc_config {
    subnet_ids              = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
    endpoint_private_access = true
    endpoint_public_access  = false
  }
}

resource "aws_iam_role" "cluster" {
  name               = "eks-cluster"
  assume_role_policy = "{}"
}
"#,
            ),
            fix: "Set `endpoint_public_access = false` and `endpoint_private_access = true` in `vpc_config` (CloudFormation: `EndpointPublicAccess: false`, `EndpointPrivateAccess: true`), and reach the API from inside the VPC: a GitOps controller in the cluster, self-hosted CI runners or a bastion behind SSM. If a public endpoint must stay for a while, restrict `public_access_cidrs` to the few egress addresses that need it.",
        },
    },
    check: Check::Resource(compute::CLUSTER_TYPES, check),
    inactive_when: None,
};

fn check(resource: &IacResource<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !is_managed(resource) {
        return;
    }
    let language = resource.language;
    let vpc = match single_block(resource.attr("vpc_config", "ResourcesVpcConfig")) {
        Block::Unknown => return,
        Block::Absent => None,
        Block::Present(block) => Some(block),
    };
    let public_name = spelled(
        resource,
        "vpc_config.endpoint_public_access",
        "ResourcesVpcConfig.EndpointPublicAccess",
    );
    let public = vpc.map_or(Setting::Unset, |b| {
        Setting::of(field(
            b,
            language,
            "endpoint_public_access",
            "EndpointPublicAccess",
        ))
    });
    let (at, how) = match public {
        Setting::Unknown(_) => return,
        Setting::Known(node) => match node.as_bool() {
            Some(true) => (Some(node), format!("sets `{public_name}` to true")),
            _ => return,
        },
        Setting::Unset => (
            block_anchor(resource, vpc),
            format!("does not set `{public_name}`, whose default is true"),
        ),
    };
    let cidrs_name = spelled(
        resource,
        "vpc_config.public_access_cidrs",
        "ResourcesVpcConfig.PublicAccessCidrs",
    );
    let cidrs = vpc.map_or(Setting::Unset, |b| {
        Setting::of(field(
            b,
            language,
            "public_access_cidrs",
            "PublicAccessCidrs",
        ))
    });
    let open_to = |text: &str| text == "0.0.0.0/0" || text == "::/0";
    let exposure = match cidrs {
        Setting::Unset => {
            format!("anyone on the internet can reach it (`{cidrs_name}` defaults to 0.0.0.0/0)")
        }
        Setting::Known(node) if node.strings().iter().any(|c| open_to(c)) => format!(
            "anyone on the internet can reach it (`{cidrs_name}` includes {})",
            node.strings()
                .into_iter()
                .find(|c| open_to(c))
                .unwrap_or("0.0.0.0/0")
        ),
        Setting::Known(node) if !node.contains_unknown() => format!(
            "it is reachable from outside the VPC, from {}",
            node.describe()
        ),
        _ => "it is reachable from outside the VPC".to_owned(),
    };
    let open = exposure.starts_with("anyone");
    let critical = match hosts_critical_agents(ctx, resource) {
        Some(reason) if open => format!(
            "; {reason}: the API that controls critical agents is open to the whole internet (Critical under S-EKS-02)"
        ),
        Some(reason) => format!("; {reason}"),
        None => String::new(),
    };
    sink.report_resource(
        resource,
        at,
        format!(
            "EKS cluster `{}` {how}: its Kubernetes API endpoint is public and {exposure}{critical}",
            resource.address
        ),
    );
}
