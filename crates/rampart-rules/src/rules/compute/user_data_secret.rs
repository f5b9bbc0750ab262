use rampart_config::Severity;
use rampart_model::rampart_iac::{Node, Origin, Value};
use rampart_source::{Span, redact};

use super::{is_managed, noun, spelled};
use crate::engine::{Check, Context, Example, IacResource, Rule, RuleDocs, RuleMeta, Sink};
use crate::rules::credentials::with_article;
use crate::secrets::{
    SecretMatch, assignment_in_line, decode_base64, find_credentials, private_key_block,
    secret_in_assignment,
};
use rampart_model::aws::compute::{Setting, launch_settings, user_data};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "NODE-006",
        name: "secret-in-user-data",
        severity: Severity::High,
        summary: "Secret written into instance user data",
        requirements: &["S-NODE-08", "P-IIB2-b", "P-IIB2-a"],
        docs: RuleDocs {
            what: "Reports secrets in the user data of a launch template (Terraform `aws_launch_template.user_data`, CloudFormation `AWS::EC2::LaunchTemplate` `LaunchTemplateData.UserData`) or an instance (`aws_instance.user_data` / `user_data_base64`, `AWS::EC2::Instance.UserData`), after decoding base64 (`base64encode(…)` and `Fn::Base64` are evaluated first): a credential with a known shape (AWS access key id, private key, GitHub, Slack, OpenAI tokens, a password in a URL, …) on any line, and `key=value` / `key: value` lines (shell `export`, cloud-config, `.env`) assigning a literal to a secret-looking name (`DB_PASSWORD=…`). Values that are visibly fetched at boot (`$(aws ssm get-parameter …)`, `${VAR}`) are not secrets. The finding is at the line in the source when the secret is found there, otherwise where the user data was written; the secret is never printed. User data built from values known only after apply (`templatefile`, `file`, other resources' attributes) is not scanned.",
            why: "EC2 has no encrypted user data (C-06): it is returned in clear to anything on the instance that can reach IMDS, to anyone with `ec2:DescribeInstanceAttribute`, and it sits in the Terraform state, the plan and the repository. A secret written there is committed (P-IIB2-b) and not in the vault (P-IIB2-a); the policy's compensating control for the seed's impossible `User_Data_Encryption` is exactly this scan (S-NODE-08).",
            fail: Example::terraform(
                r#"resource "aws_launch_template" "agents" {
  name = "agents-nodes"
  user_data = base64encode(<<-EOT
    #!/bin/bash
    export DB_PASSWORD="Zr8#kPq2!vLw9xT"
    /opt/agents/bootstrap.sh
  EOT
  )
}
"#,
            ),
            pass: Example::terraform(
                r#"resource "aws_launch_template" "agents" {
  name = "agents-nodes"
  user_data = base64encode(<<-EOT
    #!/bin/bash
    export DB_PASSWORD="$(aws secretsmanager get-secret-value --secret-id agents/db --query SecretString --output text)"
    /opt/agents/bootstrap.sh
  EOT
  )
}
"#,
            ),
            fix: "Rotate the secret: it is in the repository's history and the Terraform state. Store it in Secrets Manager or SSM Parameter Store (SecureString), let the node's or agent's IAM role read it, and fetch it at boot (`aws secretsmanager get-secret-value …`) or better at run time through the Secrets Store CSI driver or the External Secrets Operator. Keep IMDSv2 required with a hop limit of 1 so pods cannot read the user data either.",
        },
    },
    check: Check::Resource(
        &[
            "aws_launch_template",
            "AWS::EC2::LaunchTemplate",
            "aws_instance",
            "AWS::EC2::Instance",
        ],
        check,
    ),
    inactive_when: None,
};

/// Text that decodes from base64 to readable UTF-8.
fn decoded(text: &str) -> Option<String> {
    let trimmed = text.trim();
    if trimmed.len() < 8 {
        return None;
    }
    let bytes = decode_base64(trimmed)?;
    let text = String::from_utf8(bytes).ok()?;
    let readable = text
        .chars()
        .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'));
    readable.then_some(text)
}

/// A secret found in the user data: what to say and what to redact.
struct Found {
    describe: String,
    secret: String,
}

fn describe(found: &SecretMatch) -> String {
    if found.kind == "literal secret" {
        format!("a literal secret `{}`", redact(&found.text))
    } else {
        format!("{} (`{}`)", with_article(found.kind), redact(&found.text))
    }
}

/// The secrets of a script or configuration, one per line at most.
fn scan(text: &str) -> Vec<Found> {
    let mut out: Vec<Found> = Vec::new();
    let mut offset = 0;
    for line in text.split('\n') {
        let line_start = offset;
        offset += line.len() + 1;
        let (found, subject) = match assignment_in_line(line) {
            Some(assignment) => {
                let found = if assignment.is_code() {
                    find_credentials(assignment.value).into_iter().next()
                } else {
                    secret_in_assignment(assignment.key, assignment.value)
                };
                match found {
                    Some(found) => (found, format!("sets `{}` to", assignment.key)),
                    None => continue,
                }
            }
            None => match find_credentials(line).into_iter().next() {
                Some(found) => (found, "contains".to_owned()),
                None => continue,
            },
        };
        let secret = if found.kind == "private key" {
            match line.find("-----BEGIN") {
                Some(at) => private_key_block(text, line_start + at).to_owned(),
                None => found.text.clone(),
            }
        } else {
            found.text.clone()
        };
        if out.iter().any(|f| f.secret == secret) {
            continue;
        }
        out.push(Found {
            describe: format!("{subject} {}", describe(&found)),
            secret,
        });
    }
    out
}

/// The place of `needle` in the source, within the lines where the user data
/// was written: a node standing for it, so the finding points at the line.
fn locate(ctx: &Context<'_>, written: &Node, needle: &str) -> Option<Node> {
    let origin = written.origin?;
    let file = ctx.project.files.get(origin.file.index())?;
    let first_line = needle.lines().next().filter(|l| !l.trim().is_empty())?;
    let last = origin.span.end.line.max(origin.span.start.line);
    for line in origin.span.start.line..=last {
        let text = file.line(line)?;
        if let Some(byte) = text.find(first_line) {
            let column = text.get(..byte).map_or(0, |t| t.chars().count());
            let span = Span::on_line(
                line,
                u32::try_from(column + 1).ok()?,
                u32::try_from(first_line.chars().count()).ok()?,
            );
            return Some(Node::new(
                Value::Null,
                Some(Origin {
                    file: origin.file,
                    span,
                }),
            ));
        }
    }
    None
}

fn check(resource: &IacResource<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if !is_managed(resource) {
        return;
    }
    let Some(settings) = launch_settings(resource) else {
        return;
    };
    let Setting::Known(written) = user_data(resource, settings) else {
        return;
    };
    let Some(raw) = written.as_str() else {
        return;
    };
    let text = decoded(raw).unwrap_or_else(|| raw.to_owned());
    let field = spelled(resource, "user_data", "UserData");
    for found in scan(&text) {
        let place = locate(ctx, written, &found.secret);
        sink.report_resource_secret(
            resource,
            Some(place.as_ref().unwrap_or(written)),
            format!(
                "{} `{}`: its `{field}` {}; user data is readable by anything that reaches the instance metadata and by anyone who can describe the instance",
                noun(resource),
                resource.address,
                found.describe
            ),
            &found.secret,
        );
    }
}
