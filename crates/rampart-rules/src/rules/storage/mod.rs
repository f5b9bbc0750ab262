//! S3 buckets, KMS keys and databases' deletion protection: public access,
//! versioning, transport, encryption, key rotation (G-NET-07, G-NET-04,
//! G-BAK-01, G-BAK-04, S-EKS-05).

use rampart_model::rampart_iac::{Node, Value};

use crate::engine::{Context, IacResource, Rule};

mod bucket_allows_plain_http;
mod bucket_public_access;
mod critical_bucket_kms;
mod critical_bucket_versioning;
mod database_deletion_protection;
mod kms_key_rotation;

pub(crate) static RULES: &[&Rule] = &[
    &bucket_public_access::RULE,
    &critical_bucket_versioning::RULE,
    &bucket_allows_plain_http::RULE,
    &critical_bucket_kms::RULE,
    &kms_key_rotation::RULE,
    &database_deletion_protection::RULE,
];

/// The Terraform resources of `types` in the bucket's scope that configure it
/// (`bucket = aws_s3_bucket.logs.id`, or the bucket's literal name).
pub(crate) struct Companions<'a> {
    pub found: Vec<IacResource<'a>>,
    /// Some resource of these types names a bucket that cannot be known, so
    /// it may be this one: nothing can be concluded from an absence.
    pub undecided: bool,
}

pub(crate) fn companions<'a>(
    ctx: &Context<'a>,
    bucket: &IacResource<'_>,
    types: &[&str],
) -> Companions<'a> {
    let name = bucket.attr("bucket", "BucketName").and_then(Node::as_str);
    let mut out = Companions {
        found: Vec::new(),
        undecided: false,
    };
    for candidate in ctx.resources_in(bucket.scope, types) {
        let Some(target) = candidate.attr("bucket", "Bucket") else {
            continue;
        };
        let targets = ctx.targets(&candidate, target);
        if targets.iter().any(|(t, _)| t.index == bucket.index) {
            out.found.push(candidate);
        } else if let Some(text) = target.as_str() {
            match name {
                Some(name) if name == text => out.found.push(candidate),
                Some(_) => {}
                // The bucket's own name is not known (or AWS generates it):
                // a literal name may be it.
                None => out.undecided = true,
            }
        } else if targets.is_empty() && matches!(target.value, Value::Unknown(_)) {
            out.undecided = true;
        }
    }
    out
}
