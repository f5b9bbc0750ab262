use rampart_config::Severity;

use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "KMS-001",
        name: "kms-key-rotation-disabled",
        severity: Severity::Medium,
        summary: "KMS key is not rotated automatically",
        requirements: &["S-EKS-05", "G-BAK-04", "P-IVB-4"],
        docs: RuleDocs {
            what: "Reports a symmetric customer-managed KMS key (Terraform `aws_kms_key`, CloudFormation `AWS::KMS::Key`) without automatic rotation: `enable_key_rotation` / `EnableKeyRotation` unset (both default to `false`) or `false`. Asymmetric and HMAC keys (`customer_master_key_spec` / `KeySpec` other than `SYMMETRIC_DEFAULT`), which AWS cannot rotate, are not reported.",
            why: "These keys encrypt EKS secrets, logs, databases and backups. Automatic rotation creates new key material every year (or the `rotation_period_in_days` you set) while old ciphertext stays readable, limiting what one exposed key version decrypts. The implementation spec asks for rotation on the key that envelopes the cluster's secrets (S-EKS-05); the same key usually protects backups and logs (G-BAK-04, P-IVB-4).",
            fail: Example::terraform(
                r#"resource "aws_kms_key" "platform" {
  description = "EKS secrets and logs"
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_kms_key" "platform" {
  description         = "EKS secrets and logs"
  enable_key_rotation = true
}
"#,
            ),
            fix: "Set `enable_key_rotation = true` (CloudFormation `EnableKeyRotation: true`); optionally `rotation_period_in_days` between 90 and 2560.",
        },
    },
    check: Check::Resource(&["aws_kms_key", "AWS::KMS::Key"], check),
    inactive_when: None,
};

fn check(resource: &IacResource<'_>, _ctx: &Context<'_>, sink: &mut Sink<'_>) {
    let spec = resource
        .get("customer_master_key_spec")
        .or_else(|| resource.get("key_spec"))
        .or_else(|| resource.get("KeySpec"));
    if spec.is_some_and(|s| s.as_str() != Some("SYMMETRIC_DEFAULT")) {
        // Asymmetric, HMAC, or not known: rotation is not available or not decidable.
        return;
    }
    match resource.attr("enable_key_rotation", "EnableKeyRotation") {
        Some(value) if value.as_bool() == Some(false) => sink.report_resource(
            resource,
            Some(value),
            format!(
                "KMS key `{}` turns automatic rotation off",
                resource.address
            ),
        ),
        Some(_) => {}
        None => sink.report_resource(
            resource,
            None,
            format!(
                "KMS key `{}` does not enable automatic rotation (`{}` defaults to false)",
                resource.address,
                if resource.is_cloudformation() {
                    "EnableKeyRotation"
                } else {
                    "enable_key_rotation"
                }
            ),
        ),
    }
}
