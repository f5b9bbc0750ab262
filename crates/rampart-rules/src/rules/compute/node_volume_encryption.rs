use rampart_config::Severity;
use rampart_model::aws::compute::{
    self, AccountDefault, Block, Setting, TemplateLink, ebs_encryption_by_default, image_setting,
    node_group_template, template_data, template_users, template_volumes,
};

use super::{is_managed, spelled};
use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "ENC-004",
        name: "node-volume-not-encrypted",
        severity: Severity::High,
        summary: "Node EBS volume is not encrypted",
        requirements: &["S-NODE-04", "G-BAK-04", "G-SEC-04"],
        docs: RuleDocs {
            what: "Reports node volumes that are not encrypted, unless the account encrypts new EBS volumes by default (`aws_ebs_encryption_by_default` with `enabled` true or unset, anywhere in the project; rampart cannot tell which account and region each root module deploys to). In a launch template (Terraform `aws_launch_template`, CloudFormation `AWS::EC2::LaunchTemplate`): an EBS block device mapping with `ebs.encrypted` / `Ebs.Encrypted` false or unset (a volume restored from a snapshot follows the snapshot and is not reported when unset); a template that maps no block device, has no `image_id` and launches EKS managed nodes, whose root volume then comes from the unencrypted snapshot of the EKS AMI. A managed node group (`aws_eks_node_group`, `AWS::EKS::Nodegroup`) without a launch template: the launch template EKS creates for it does not encrypt the root volume. Values known only after apply are not reported.",
            why: "Node volumes hold container images, logs, emptyDir and the kubelet's copies of mounted Secrets and service-account tokens; their snapshots end up in backups. Unencrypted, anyone who gets a snapshot or a detached volume reads them without any key. The policy requires disk encryption on nodes (S-NODE-04), encrypted backups (G-BAK-04) and secure baselines such as account-level EBS encryption (G-SEC-04).",
            fail: Example::terraform(
                r#"resource "aws_launch_template" "agents" {
  name = "agents-nodes"

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size = 100
      volume_type = "gp3"
    }
  }
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_launch_template" "agents" {
  name = "agents-nodes"

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size = 100
      volume_type = "gp3"
      encrypted   = true
      kms_key_id  = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    }
  }
}
"#,
            ),
            fix: "Set `encrypted = true` (and `kms_key_id` for a customer-managed key) in every `ebs` block of the launch template (CloudFormation: `Ebs: {Encrypted: true, KmsKeyId: …}`), give managed node groups a launch template that maps the root volume (`/dev/xvda`) encrypted, and turn on `aws_ebs_encryption_by_default` in every account and region as a safety net.",
        },
    },
    check: Check::Resource(
        &[
            "aws_launch_template",
            "AWS::EC2::LaunchTemplate",
            "aws_eks_node_group",
            "AWS::EKS::Nodegroup",
        ],
        check,
    ),
    inactive_when: None,
};

fn check(resource: &IacResource<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !is_managed(resource) || ebs_encryption_by_default(ctx.project) != AccountDefault::Off {
        return;
    }
    if compute::NODE_GROUP_TYPES.contains(&resource.resource_type.as_str()) {
        if node_group_template(ctx.project, resource.index) == TemplateLink::None {
            sink.report_resource(
                resource,
                None,
                format!(
                    "node group `{}` has no launch template: the one EKS creates for it does not encrypt the root volume, and the account does not encrypt new EBS volumes by default",
                    resource.address
                ),
            );
        }
        return;
    }
    let Block::Present(data) = template_data(resource) else {
        return;
    };
    let Some(volumes) = template_volumes(resource, data) else {
        return;
    };
    if volumes.is_empty() {
        let users = template_users(ctx.project, resource.index);
        if image_setting(resource, data).is_unset()
            && let Some(first) = users.first()
        {
            sink.report_resource(
                resource,
                None,
                format!(
                    "launch template `{}` maps no block device: the nodes of `{}` get the root volume of the EKS AMI's snapshot, which is not encrypted, and the account does not encrypt new EBS volumes by default",
                    resource.address,
                    ctx.resource(*first).address
                ),
            );
        }
        return;
    }
    let encrypted = spelled(resource, "encrypted", "Encrypted");
    for volume in volumes {
        let device = volume
            .device
            .and_then(|d| d.as_str())
            .map_or(String::new(), |d| format!(" `{d}`"));
        let (at, how) = match volume.encrypted {
            Setting::Unknown(_) => continue,
            Setting::Known(node) => match node.as_bool() {
                Some(false) => (Some(node), format!("sets `{encrypted}` to false")),
                _ => continue,
            },
            Setting::Unset if volume.from_snapshot => continue,
            Setting::Unset => {
                let anchor = if resource.is_cloudformation() {
                    volume.device.or(Some(volume.mapping))
                } else {
                    Some(volume.ebs)
                };
                (anchor, format!("does not set `{encrypted}`"))
            }
        };
        sink.report_resource(
            resource,
            at,
            format!(
                "launch template `{}` maps the EBS volume{device} unencrypted: it {how} and the account does not encrypt new EBS volumes by default",
                resource.address
            ),
        );
    }
}
