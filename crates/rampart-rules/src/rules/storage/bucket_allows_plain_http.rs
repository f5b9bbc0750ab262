use rampart_config::Severity;
use rampart_model::aws::policy::{
    Statement, data_source_statements, json_document, json_statements,
};
use rampart_model::rampart_iac::{Node, Unknown, Value};

use super::companions;
use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};
use crate::rules::iam::policy_data_source;

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "S3-003",
        name: "bucket-allows-plain-http",
        severity: Severity::Medium,
        summary: "S3 bucket accepts requests without TLS",
        requirements: &["G-NET-04", "P-IVB-4"],
        docs: RuleDocs {
            what: "Reports an S3 bucket (Terraform `aws_s3_bucket`, CloudFormation `AWS::S3::Bucket`) whose bucket policy has no statement that denies every S3 action (`s3:*` or `*`) to every principal when `aws:SecureTransport` is `false` (condition `Bool` or `BoolIfExists`). The policy may be an `aws_s3_bucket_policy` (JSON, `jsonencode`, or an `aws_iam_policy_document` data source, including the documents it merges through `source_policy_documents` and `override_policy_documents`), the bucket's older inline `policy`, or an `AWS::S3::BucketPolicy`. A bucket whose policy cannot be read (known only after apply, read from a file) is not reported.",
            why: "S3 accepts plain HTTP unless its policy refuses it; a client or SDK configured for an `http://` endpoint then sends objects and credentials-signed requests in clear text inside and outside the VPC. The policy requires all network traffic to be encrypted in transit (G-NET-04) and log buckets to deny non-TLS access (P-IVB-4).",
            fail: Example::terraform(
                r#"resource "aws_s3_bucket" "reports" {
  bucket = "acme-agent-reports"
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_s3_bucket" "reports" {
  bucket = "acme-agent-reports"
}

resource "aws_s3_bucket_policy" "reports" {
  bucket = aws_s3_bucket.reports.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyPlainHttp"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.reports.arn, "${aws_s3_bucket.reports.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
}
"#,
            ),
            fix: "Add a bucket-policy statement with `Effect: Deny`, `Principal: \"*\"`, `Action: \"s3:*\"`, the bucket and its objects as `Resource`, and the condition `Bool: {aws:SecureTransport: false}`.",
        },
    },
    check: Check::Resource(&["aws_s3_bucket", "AWS::S3::Bucket"], check),
    inactive_when: None,
};

fn check(resource: &IacResource<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    let policies = companions(
        ctx,
        resource,
        &["aws_s3_bucket_policy", "AWS::S3::BucketPolicy"],
    );
    let mut documents: Vec<(IacResource<'_>, &Node)> = policies
        .found
        .iter()
        .filter_map(|p| p.attr("policy", "PolicyDocument").map(|n| (*p, n)))
        .collect();
    if let Some(inline) = resource.get("policy") {
        documents.push((*resource, inline));
    }
    let mut undecided = policies.undecided;
    for (owner, document) in documents {
        match denies_plain_http(ctx, &owner, document) {
            Some(true) => return,
            Some(false) => {}
            None => undecided = true,
        }
    }
    if undecided {
        return;
    }
    sink.report_resource(
        resource,
        None,
        format!(
            "bucket `{}` has no policy statement denying requests without TLS (`aws:SecureTransport` = `false`): S3 accepts plain HTTP",
            resource.address
        ),
    );
}

/// Whether a policy document denies plain HTTP; `None` when it cannot be read.
fn denies_plain_http(ctx: &Context<'_>, owner: &IacResource<'_>, document: &Node) -> Option<bool> {
    denies_in(ctx, owner, document, 0)
}

/// Data sources merge others (`source_policy_documents`,
/// `override_policy_documents`, as terraform-aws-modules/s3-bucket does for
/// its TLS statement); follow them, a few levels deep.
fn denies_in(
    ctx: &Context<'_>,
    owner: &IacResource<'_>,
    document: &Node,
    depth: usize,
) -> Option<bool> {
    if depth > 8 {
        return None;
    }
    if let Value::Unknown(unknown) = &document.value
        && matches!(**unknown, Unknown::Reference { .. })
    {
        // `policy = data.aws_iam_policy_document.x.json`: read the data source.
        let source = policy_data_source(ctx, owner, document)?;
        let statements = data_source_statements(&source.resource.attributes);
        if statements.iter().any(|s| denies(s, data_source_condition)) {
            return Some(true);
        }
        let mut undecided = false;
        for merged in ["source_policy_documents", "override_policy_documents"]
            .iter()
            .filter_map(|key| source.resource.get(key))
        {
            let parts: Vec<&Node> = match &merged.value {
                Value::List(items) => items.iter().collect(),
                _ => vec![merged],
            };
            for part in parts {
                match denies_in(ctx, &source, part, depth + 1) {
                    Some(true) => return Some(true),
                    Some(false) => {}
                    None => undecided = true,
                }
            }
        }
        return if undecided { None } else { Some(false) };
    }
    let parsed = json_document(document)?;
    let statements = json_statements(&parsed);
    Some(statements.iter().any(|s| denies(s, json_condition)))
}

fn denies(statement: &Statement<'_>, insecure_transport: fn(&Node) -> bool) -> bool {
    let everyone = statement.wildcard_principal().is_some();
    let every_action = !statement.not_action
        && statement.actions.iter().any(|a| {
            a.as_str()
                .is_some_and(|a| a == "*" || a.eq_ignore_ascii_case("s3:*"))
        });
    !statement.allow && everyone && every_action && insecure_transport(statement.node)
}

fn is_false(node: &Node) -> bool {
    match &node.value {
        Value::List(items) => items.iter().any(|i| i.as_bool() == Some(false)),
        _ => node.as_bool() == Some(false),
    }
}

/// `Condition: {Bool: {"aws:SecureTransport": "false"}}`.
fn json_condition(statement: &Node) -> bool {
    statement.get("Condition").is_some_and(|condition| {
        condition.entries().iter().any(|(operator, keys)| {
            (operator == "Bool" || operator == "BoolIfExists")
                && keys.entries().iter().any(|(key, value)| {
                    key.eq_ignore_ascii_case("aws:SecureTransport") && is_false(value)
                })
        })
    })
}

/// `condition { test = "Bool", variable = "aws:SecureTransport", values = ["false"] }`.
fn data_source_condition(statement: &Node) -> bool {
    statement.get("condition").is_some_and(|conditions| {
        conditions.blocks().any(|c| {
            matches!(
                c.get("test").and_then(Node::as_str),
                Some("Bool" | "BoolIfExists")
            ) && c
                .get("variable")
                .and_then(Node::as_str)
                .is_some_and(|v| v.eq_ignore_ascii_case("aws:SecureTransport"))
                && c.get("values").is_some_and(is_false)
        })
    })
}
