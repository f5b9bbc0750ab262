use rampart_config::{Severity, Tier};

use super::companions;
use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "S3-002",
        name: "critical-bucket-without-versioning",
        severity: Severity::Medium,
        summary: "Critical-tier S3 bucket does not keep object versions",
        requirements: &["G-BAK-01", "G-BAK-06"],
        docs: RuleDocs {
            what: "Reports an S3 bucket of the critical tier (its `classification` tag, or the provider's `default_tags`) whose versioning is not `Enabled`: in Terraform, no `aws_s3_bucket_versioning` resource for it with `versioning_configuration { status = \"Enabled\" }` (nor the older inline `versioning { enabled = true }`), or one that suspends it; in CloudFormation, `VersioningConfiguration.Status` not `Enabled`. When another versioning resource in the same root names a bucket that cannot be known, nothing is concluded (`--show-unknown`).",
            why: "Versioning is S3's point-in-time recovery: an object overwritten or deleted by a faulty agent, a compromised credential or ransomware can be restored. The policy requires automated backups of all critical data (G-BAK-01) and point-in-time recovery (G-BAK-06); for a critical agent's bucket, versioning is the floor.",
            fail: Example::terraform(
                r#"resource "aws_s3_bucket" "payments_models" {
  bucket = "acme-payments-models"
  tags   = { classification = "critical" }
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_s3_bucket" "payments_models" {
  bucket = "acme-payments-models"
  tags   = { classification = "critical" }
}

resource "aws_s3_bucket_versioning" "payments_models" {
  bucket = aws_s3_bucket.payments_models.id
  versioning_configuration {
    status = "Enabled"
  }
}
"#,
            ),
            fix: "Add an `aws_s3_bucket_versioning` resource with `status = \"Enabled\"` (CloudFormation: `VersioningConfiguration: {Status: Enabled}`), and a lifecycle rule that expires noncurrent versions after the retention you need.",
        },
    },
    check: Check::Resource(&["aws_s3_bucket", "AWS::S3::Bucket"], check),
    inactive_when: None,
};

fn check(resource: &IacResource<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if resource.tier != Some(Tier::Critical) {
        return;
    }
    if resource.is_cloudformation() {
        let status = resource.path(&["VersioningConfiguration", "Status"]);
        match status {
            Some(s) if s.as_str() == Some("Enabled") || s.is_unknown() => {}
            Some(s) => sink.report_resource(
                resource,
                Some(s),
                format!("critical-tier bucket `{}` has versioning status `{}`: overwritten or deleted objects cannot be recovered", resource.address, s.as_str().map_or_else(|| s.describe(), str::to_owned)),
            ),
            None => sink.report_resource(
                resource,
                None,
                format!("critical-tier bucket `{}` has no `VersioningConfiguration`: overwritten or deleted objects cannot be recovered", resource.address),
            ),
        }
        return;
    }
    // The provider's older inline block.
    if let Some(inline) = resource.get("versioning").and_then(|v| v.blocks().next())
        && let Some(enabled) = inline.get("enabled")
        && enabled.as_bool() != Some(false)
    {
        return;
    }
    let found = companions(ctx, resource, &["aws_s3_bucket_versioning"]);
    let mut statuses = found.found.iter().filter_map(|v| {
        v.get("versioning_configuration")
            .and_then(|c| c.blocks().next())
            .and_then(|c| c.get("status"))
            .map(|status| (v, status))
    });
    match statuses.next() {
        Some((_, status)) if status.as_str() == Some("Enabled") || status.is_unknown() => {}
        Some((versioning, status)) => sink.report_resource(
            versioning,
            Some(status),
            format!(
                "critical-tier bucket `{}` has versioning status `{}`: overwritten or deleted objects cannot be recovered",
                resource.address,
                status.as_str().map_or_else(|| status.describe(), str::to_owned)
            ),
        ),
        None if found.undecided || !found.found.is_empty() => {}
        None => sink.report_resource(
            resource,
            None,
            format!(
                "critical-tier bucket `{}` has no `aws_s3_bucket_versioning` enabling versioning: overwritten or deleted objects cannot be recovered",
                resource.address
            ),
        ),
    }
}
