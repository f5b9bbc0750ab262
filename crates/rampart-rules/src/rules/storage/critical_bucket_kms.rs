use rampart_config::{Severity, Tier};
use rampart_model::rampart_iac::Node;

use super::companions;
use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "S3-004",
        name: "critical-bucket-without-kms",
        severity: Severity::Medium,
        summary: "Critical-tier S3 bucket is not encrypted with a KMS key",
        requirements: &["G-BAK-04", "P-IVB-4"],
        docs: RuleDocs {
            what: "Reports an S3 bucket of the critical tier whose default encryption is not SSE-KMS: in Terraform, no `aws_s3_bucket_server_side_encryption_configuration` for it whose rule applies `sse_algorithm = \"aws:kms\"` (or `\"aws:kms:dsse\"`), nor the older inline `server_side_encryption_configuration` block; in CloudFormation, `BucketEncryption` without such an `SSEAlgorithm`. A bucket encrypted with S3-managed keys (`AES256`, S3's default since 2023) is reported: it is encrypted, but not under a key the platform controls. When another encryption resource in the same root names a bucket that cannot be known, nothing is concluded.",
            why: "S3-managed keys protect against lost disks, not against a principal that can read the bucket. With a customer KMS key, reading an object also needs `kms:Decrypt` on the key — a second, separately audited permission — and the key can be disabled in an incident. The policy requires backups and data with sensitive content to be encrypted (G-BAK-04) and log buckets to use SSE-KMS (P-IVB-4); for critical agents' buckets this is the line.",
            fail: Example::terraform(
                r#"resource "aws_s3_bucket" "ledger" {
  bucket = "acme-payments-ledger"
  tags   = { classification = "critical" }
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_s3_bucket" "ledger" {
  bucket = "acme-payments-ledger"
  tags   = { classification = "critical" }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "ledger" {
  bucket = aws_s3_bucket.ledger.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = "arn:aws:kms:eu-west-1:123456789012:key/0b6a3f4e-5d7c-4f1e-9a2b-8c3d4e5f6a7b"
    }
    bucket_key_enabled = true
  }
}
"#,
            ),
            fix: "Add an `aws_s3_bucket_server_side_encryption_configuration` with `sse_algorithm = \"aws:kms\"` and a customer-managed key (`bucket_key_enabled = true` keeps KMS costs down); CloudFormation: `BucketEncryption.ServerSideEncryptionConfiguration[].ServerSideEncryptionByDefault` with `SSEAlgorithm: aws:kms` and `KMSMasterKeyID`.",
        },
    },
    check: Check::Resource(&["aws_s3_bucket", "AWS::S3::Bucket"], check),
    inactive_when: None,
};

/// The algorithm of every default-encryption rule under `rules` (Terraform
/// `rule` blocks or CloudFormation `ServerSideEncryptionConfiguration`).
fn algorithms<'a>(rules: &'a Node, by_default: &str, algorithm: &str) -> Vec<&'a Node> {
    let rules: Vec<&Node> = if rules.items().is_empty() {
        vec![rules]
    } else {
        rules.items().iter().collect()
    };
    rules
        .into_iter()
        .filter_map(|rule| {
            let default = rule.get(by_default)?;
            let default = default.blocks().next().unwrap_or(default);
            default.get(algorithm)
        })
        .collect()
}

fn is_kms(node: &Node) -> Option<bool> {
    if node.is_unknown() {
        return None;
    }
    Some(matches!(node.as_str(), Some("aws:kms" | "aws:kms:dsse")))
}

fn check(resource: &IacResource<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if resource.tier != Some(Tier::Critical) {
        return;
    }
    let found: Vec<&Node> = if resource.is_cloudformation() {
        resource
            .path(&["BucketEncryption", "ServerSideEncryptionConfiguration"])
            .map(|rules| algorithms(rules, "ServerSideEncryptionByDefault", "SSEAlgorithm"))
            .unwrap_or_default()
    } else {
        let mut found: Vec<&Node> = resource
            .get("server_side_encryption_configuration")
            .and_then(|c| c.blocks().next())
            .and_then(|c| c.get("rule"))
            .map(|rules| {
                algorithms(
                    rules,
                    "apply_server_side_encryption_by_default",
                    "sse_algorithm",
                )
            })
            .unwrap_or_default();
        let configurations = companions(
            ctx,
            resource,
            &["aws_s3_bucket_server_side_encryption_configuration"],
        );
        for configuration in &configurations.found {
            if let Some(rules) = configuration.resource.get("rule") {
                found.extend(algorithms(
                    rules,
                    "apply_server_side_encryption_by_default",
                    "sse_algorithm",
                ));
            }
        }
        if found.is_empty() && configurations.undecided {
            return;
        }
        found
    };
    if found.iter().any(|a| is_kms(a) != Some(false)) {
        return;
    }
    match found.first() {
        Some(algorithm) => sink.report_resource(
            resource,
            Some(algorithm),
            format!(
                "critical-tier bucket `{}` is encrypted with `{}`, S3-managed keys, not a KMS key the platform controls",
                resource.address,
                algorithm.as_str().unwrap_or_default()
            ),
        ),
        None => sink.report_resource(
            resource,
            None,
            format!(
                "critical-tier bucket `{}` has no SSE-KMS default encryption: objects get S3-managed keys, not a KMS key the platform controls",
                resource.address
            ),
        ),
    }
}
