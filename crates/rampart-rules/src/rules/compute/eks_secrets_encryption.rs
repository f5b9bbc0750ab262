use rampart_config::Severity;
use rampart_model::aws::compute::{
    self, Block, KubeVersion, Setting, field, repeated_blocks, single_block, version_setting,
};
use rampart_model::rampart_iac::Node;

use super::{block_anchor, is_managed, spelled};
use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "ENC-003",
        name: "eks-secrets-not-kms-encrypted",
        severity: Severity::Medium,
        summary: "EKS cluster does not envelope-encrypt Kubernetes Secrets with a KMS key",
        requirements: &["S-EKS-05"],
        docs: RuleDocs {
            what: "Reports an EKS cluster (Terraform `aws_eks_cluster`, CloudFormation `AWS::EKS::Cluster`) without an `encryption_config` / `EncryptionConfig` whose `resources` include `secrets` and whose `provider` names a KMS key (`key_arn`, `KeyArn`): at the resource when there is none, at `resources` when it leaves out `secrets`, at the block when it names no key. A key known only after apply (`aws_kms_key.eks.arn`) counts as a key. The severity is Medium: since Kubernetes 1.28 EKS envelope-encrypts all API data with an AWS-owned key by default, and the policy asks for a customer key on top. Below 1.28 there is no envelope encryption at all, which the policy rates High; the message says so.",
            why: "Kubernetes Secrets hold the agents' database passwords, API keys and tokens. With a customer-managed KMS key, reading them from an etcd backup or snapshot needs a key whose policy, rotation and every use (in CloudTrail) the team controls, and revoking the key makes the stolen copies useless. The implementation spec requires KMS envelope encryption of Secrets with a customer key (S-EKS-05).",
            fail: Example::terraform(
                r#"resource "aws_eks_cluster" "agents" {
  name     = "agents"
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"
  version  = "1.33"

  vpc_config {
    subnet_ids = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
  }
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_kms_key" "eks" {
  description         = "EKS secrets"
  enable_key_rotation = true
}

resource "aws_eks_cluster" "agents" {
  name     = "agents"
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"
  version  = "1.33"

  vpc_config {
    subnet_ids = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
  }

  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = aws_kms_key.eks.arn
    }
  }
}
"#,
            ),
            fix: "Add `encryption_config { resources = [\"secrets\"] provider { key_arn = aws_kms_key.eks.arn } }` with a dedicated KMS key that has `enable_key_rotation = true` (CloudFormation: `EncryptionConfig: [{Resources: [secrets], Provider: {KeyArn: !GetAtt EksKey.Arn}}]`). It can be added to an existing cluster but never removed; existing Secrets are re-encrypted when they are next written.",
        },
    },
    check: Check::Resource(compute::CLUSTER_TYPES, check),
    inactive_when: None,
};

/// What an encryption configuration lacks; `None` when it is complete or unknown.
enum Gap<'a> {
    Missing,
    WithoutSecrets(&'a Node),
    WithoutKey(&'a Node),
}

fn gap<'a>(resource: &'a IacResource<'_>) -> Option<Gap<'a>> {
    let language = resource.language;
    let configs = repeated_blocks(resource.attr("encryption_config", "EncryptionConfig"))?;
    let mut found = None;
    for config in configs {
        let resources = match Setting::of(field(config, language, "resources", "Resources")) {
            Setting::Unknown(_) => return None,
            Setting::Unset => {
                found.get_or_insert(Gap::WithoutSecrets(config));
                continue;
            }
            Setting::Known(node) => node,
        };
        if !resources.strings().contains(&"secrets") {
            if resources.contains_unknown() {
                return None;
            }
            found = Some(Gap::WithoutSecrets(resources));
            continue;
        }
        let key = match single_block(field(config, language, "provider", "Provider")) {
            Block::Unknown => return None,
            Block::Absent => Setting::Unset,
            Block::Present(provider) => Setting::of(field(provider, language, "key_arn", "KeyArn")),
        };
        if key.is_unset() {
            found = Some(Gap::WithoutKey(config));
            continue;
        }
        return None;
    }
    Some(found.unwrap_or(Gap::Missing))
}

fn check(resource: &IacResource<'_>, _ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !is_managed(resource) {
        return;
    }
    let Some(gap) = gap(resource) else {
        return;
    };
    let name = spelled(resource, "encryption_config", "EncryptionConfig");
    let (at, what) = match gap {
        Gap::Missing => (None, format!("has no `{name}`")),
        Gap::WithoutSecrets(node) => (
            Some(node),
            format!("has an `{name}` that does not cover `secrets`"),
        ),
        Gap::WithoutKey(node) => (
            block_anchor(resource, Some(node)),
            format!("has an `{name}` for `secrets` without a KMS key"),
        ),
    };
    let version = version_setting(resource).known().and_then(KubeVersion::of);
    let consequence = match version {
        Some(v) if v < KubeVersion::new(1, 28) => format!(
            "on Kubernetes {v} its Secrets have no envelope encryption at all (High under S-EKS-05)"
        ),
        _ => "its Secrets are envelope-encrypted only with an AWS-owned key, whose use the team can neither control nor audit".to_owned(),
    };
    sink.report_resource(
        resource,
        at,
        format!("EKS cluster `{}` {what}: {consequence}", resource.address),
    );
}
