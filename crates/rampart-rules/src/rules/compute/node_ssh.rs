use rampart_config::Severity;
use rampart_model::aws::compute::{
    self, Block, Setting, field, key_name, launch_settings, single_block,
};

use super::{block_anchor, is_managed, noun, spelled};
use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "NODE-003",
        name: "node-ssh-access",
        severity: Severity::High,
        summary: "Nodes accept SSH logins",
        requirements: &["S-NODE-05", "P-IIIA1-b", "G-NET-03"],
        docs: RuleDocs {
            what: "Reports SSH access to nodes. A managed node group (Terraform `aws_eks_node_group`, CloudFormation `AWS::EKS::Nodegroup`) with a `remote_access` / `RemoteAccess` block, at the block; when it names a key (`ec2_ssh_key`, `Ec2SshKey`) without source security groups (`source_security_group_ids`, `SourceSecurityGroups`), EKS opens port 22 to 0.0.0.0/0 and the message says so (the policy rates that Critical). A launch template (`aws_launch_template`, `AWS::EC2::LaunchTemplate`) or instance (`aws_instance`, `AWS::EC2::Instance`) with an SSH key pair (`key_name`, `KeyName`), at the value. A key name known only after apply, or an empty one, is not reported.",
            why: "Production is changed only through the pipeline; nobody logs into servers (P-IIIA1-b). An SSH key on nodes is a standing credential outside every audit trail and a path around the cluster's RBAC, Pod Security and admission control straight to every container and mounted secret on the node (S-NODE-05). With EKS's default rule the port is open to the whole internet (G-NET-03). Session Manager gives audited, keyless access for emergencies.",
            fail: Example::terraform(
                r#"resource "aws_eks_node_group" "agents" {
  cluster_name    = "agents"
  node_group_name = "agents"
  node_role_arn   = "arn:aws:iam::111122223333:role/eks-node"
  subnet_ids      = ["subnet-0a1b2c3d4e5f60001"]

  scaling_config {
    desired_size = 2
    max_size     = 4
    min_size     = 2
  }

  remote_access {
    ec2_ssh_key = "ops"
  }
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_eks_node_group" "agents" {
  cluster_name    = "agents"
  node_group_name = "agents"
  node_role_arn   = "arn:aws:iam::111122223333:role/eks-node"
  subnet_ids      = ["subnet-0a1b2c3d4e5f60001"]

  scaling_config {
    desired_size = 2
    max_size     = 4
    min_size     = 2
  }
}
"#,
            ),
            fix: "Remove the `remote_access` block and every `key_name`; replacing a node group's remote access recreates the node group. For break-glass access use SSM Session Manager, which needs no key and no open port and logs every session; for debugging use `kubectl debug node/…` under RBAC.",
        },
    },
    check: Check::Resource(
        &[
            "aws_eks_node_group",
            "AWS::EKS::Nodegroup",
            "aws_launch_template",
            "AWS::EC2::LaunchTemplate",
            "aws_instance",
            "AWS::EC2::Instance",
        ],
        check,
    ),
    inactive_when: None,
};

/// The key a setting names: a non-empty literal, or a reference to a key pair
/// declared in the project (`aws_key_pair.ops.key_name`, `!Ref KeyPair`).
fn named_key(
    ctx: &Context<'_>,
    resource: &IacResource<'_>,
    setting: Setting<'_>,
) -> Option<String> {
    match setting {
        Setting::Known(node) => node
            .as_str()
            .filter(|k| !k.trim().is_empty())
            .map(|k| format!("`{k}`")),
        Setting::Unknown(node) => ctx
            .targets(resource, node)
            .into_iter()
            .find(|(target, _)| {
                matches!(
                    target.resource_type.as_str(),
                    "aws_key_pair" | "AWS::EC2::KeyPair"
                )
            })
            .map(|(target, _)| format!("`{}`", target.address)),
        Setting::Unset => None,
    }
}

fn check(resource: &IacResource<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !is_managed(resource) {
        return;
    }
    if compute::NODE_GROUP_TYPES.contains(&resource.resource_type.as_str()) {
        check_node_group(resource, ctx, sink);
        return;
    }
    let Some(settings) = launch_settings(resource) else {
        return;
    };
    let setting = key_name(resource, settings);
    let (Some(node), Some(key)) = (setting.node(), named_key(ctx, resource, setting)) else {
        return;
    };
    sink.report_resource(
        resource,
        Some(node),
        format!(
            "{} `{}` installs the SSH key pair {key} (`{}`): its instances accept SSH logins outside the deployment pipeline",
            noun(resource),
            resource.address,
            spelled(resource, "key_name", "KeyName")
        ),
    );
}

fn check_node_group(resource: &IacResource<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    let language = resource.language;
    let block = match single_block(resource.attr("remote_access", "RemoteAccess")) {
        Block::Absent | Block::Unknown => return,
        Block::Present(block) => block,
    };
    let key = Setting::of(field(block, language, "ec2_ssh_key", "Ec2SshKey"));
    let sources = Setting::of(field(
        block,
        language,
        "source_security_group_ids",
        "SourceSecurityGroups",
    ));
    let remote = spelled(resource, "remote_access", "RemoteAccess");
    let open = "so EKS opens port 22 to 0.0.0.0/0: anyone on the internet can try to log into the nodes (Critical under S-NODE-05)";
    let detail = match (named_key(ctx, resource, key), key, sources) {
        (None, Setting::Unset, _) => {
            "no key is named yet, but the node group is set up for SSH".to_owned()
        }
        (None, _, _) => "its nodes may accept SSH logins".to_owned(),
        (Some(name), _, Setting::Unset) => {
            format!("it installs the key {name} without source security groups, {open}")
        }
        (Some(name), _, Setting::Known(list))
            if list.items().is_empty() && !list.contains_unknown() =>
        {
            format!("it installs the key {name} with no source security group, {open}")
        }
        (Some(name), _, _) => format!(
            "it installs the key {name}: its nodes accept SSH logins from the source security groups"
        ),
    };
    let at = if resource.is_cloudformation() {
        key.node().or(block_anchor(resource, Some(block)))
    } else {
        Some(block)
    };
    sink.report_resource(
        resource,
        at,
        format!(
            "node group `{}` has a `{remote}` block: {detail}",
            resource.address
        ),
    );
}
