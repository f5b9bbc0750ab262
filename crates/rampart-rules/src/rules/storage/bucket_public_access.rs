use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};
use rampart_config::Severity;

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "S3-001",
        name: "bucket-public-access-allowed",
        severity: Severity::High,
        summary: "S3 public access is not fully blocked",
        requirements: &["G-NET-07", "P-IVB-4", "G-SEC-04"],
        docs: RuleDocs {
            what: "Reports an S3 public-access block — per bucket (Terraform `aws_s3_bucket_public_access_block`, CloudFormation `PublicAccessBlockConfiguration` of `AWS::S3::Bucket`) or for the account (`aws_s3_account_public_access_block`) — that leaves any of its four settings (`block_public_acls`, `block_public_policy`, `ignore_public_acls`, `restrict_public_buckets`) off, and a canned ACL that grants public access (`acl = \"public-read\"`, `\"public-read-write\"`, `\"authenticated-read\"` on `aws_s3_bucket` or `aws_s3_bucket_acl`; CloudFormation `AccessControl: PublicRead`, …). A setting left out of such a block is off: Terraform and CloudFormation both default each one to `false` once the block is declared. A bucket with no block at all is not reported: since April 2023 AWS turns all four on for every new bucket.",
            why: "The four settings are what stands between a mistaken bucket policy or object ACL and the internet. Declaring the block and leaving one setting out switches that protection off for the bucket, silently overriding AWS's safe default — the usual way buckets of logs or model artefacts become public. The policy forbids exposing internal data directly (G-NET-07) and requires log buckets to block public access (P-IVB-4).",
            fail: Example::terraform(
                r#"resource "aws_s3_bucket" "artefacts" {
  bucket = "acme-agent-artefacts"
}

resource "aws_s3_bucket_public_access_block" "artefacts" {
  bucket              = aws_s3_bucket.artefacts.id
  block_public_acls   = true
  block_public_policy = true
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_s3_bucket" "artefacts" {
  bucket = "acme-agent-artefacts"
}

resource "aws_s3_bucket_public_access_block" "artefacts" {
  bucket                  = aws_s3_bucket.artefacts.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
"#,
            ),
            fix: "Set all four settings to `true` (or remove the block and keep AWS's default), drop public canned ACLs, and share objects through CloudFront with origin access control or pre-signed URLs instead.",
        },
    },
    check: Check::Resource(
        &[
            "aws_s3_bucket_public_access_block",
            "aws_s3_account_public_access_block",
            "aws_s3_bucket",
            "aws_s3_bucket_acl",
            "AWS::S3::Bucket",
        ],
        check,
    ),
    inactive_when: None,
};

const SETTINGS: [(&str, &str); 4] = [
    ("block_public_acls", "BlockPublicAcls"),
    ("block_public_policy", "BlockPublicPolicy"),
    ("ignore_public_acls", "IgnorePublicAcls"),
    ("restrict_public_buckets", "RestrictPublicBuckets"),
];

const PUBLIC_ACLS: [&str; 6] = [
    "public-read",
    "public-read-write",
    "authenticated-read",
    "PublicRead",
    "PublicReadWrite",
    "AuthenticatedRead",
];

fn check(resource: &IacResource<'_>, _ctx: &Context<'_>, sink: &mut Sink<'_>) {
    let (block, what) = match resource.resource_type.as_str() {
        "aws_s3_bucket_public_access_block" => {
            (Some(&resource.attributes), "bucket's public-access block")
        }
        "aws_s3_account_public_access_block" => {
            (Some(&resource.attributes), "account's public-access block")
        }
        "AWS::S3::Bucket" => (
            resource.get("PublicAccessBlockConfiguration"),
            "bucket's `PublicAccessBlockConfiguration`",
        ),
        _ => (None, ""),
    };
    if let Some(block) = block.filter(|b| !b.is_unknown()) {
        let mut missing = Vec::new();
        for (terraform, cloudformation) in SETTINGS {
            let name = if resource.is_cloudformation() {
                cloudformation
            } else {
                terraform
            };
            match block.get(name) {
                Some(value) if value.as_bool() == Some(false) => sink.report_resource(
                    resource,
                    Some(value),
                    format!(
                        "`{}` turns `{name}` off in the {what}{}",
                        resource.address,
                        consequence(terraform)
                    ),
                ),
                // Unknown, or on.
                Some(_) => {}
                None => missing.push(name),
            }
        }
        if !missing.is_empty() {
            let list = missing
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ");
            sink.report_resource(
                resource,
                None,
                format!(
                    "`{}` declares the {what} without {list}: a setting left out is off, overriding AWS's default of blocking public access",
                    resource.address
                ),
            );
        }
    }
    let acl = resource.attr("acl", "AccessControl");
    if let Some(acl) = acl.filter(|a| a.as_str().is_some_and(|v| PUBLIC_ACLS.contains(&v))) {
        sink.report_resource(
            resource,
            Some(acl),
            format!(
                "`{}` uses the canned ACL `{}`, which grants access to everyone{}",
                resource.address,
                acl.as_str().unwrap_or_default(),
                if acl.as_str().is_some_and(
                    |v| v.starts_with("authenticated") || v.starts_with("Authenticated")
                ) {
                    " with an AWS account"
                } else {
                    " on the internet"
                }
            ),
        );
    }
}

fn consequence(setting: &str) -> &'static str {
    match setting {
        "block_public_acls" => ": new public ACLs are accepted",
        "block_public_policy" => ": a bucket policy that grants public access is accepted",
        "ignore_public_acls" => ": existing public ACLs take effect",
        _ => ": a public bucket policy takes effect for anyone",
    }
}
