use std::collections::HashSet;

use rampart_config::Severity;
use rampart_model::rampart_iac::{BlockKind, Language, Node, Resource};
use rampart_model::{Project, Subject};
use rampart_source::redact;
use rampart_source::{FileId, Span};

use crate::engine::{Check, Context, Example, Findings, Rule, RuleDocs, RuleMeta};
use crate::secrets::{is_placeholder, secret_in_assignment};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "SEC-010",
        name: "secret-variable-default",
        severity: Severity::High,
        summary: "Secret committed as a variable or parameter default",
        requirements: &["G-CFG-02", "G-CFG-05", "P-IIB2-b"],
        docs: RuleDocs {
            what: "Reports the `default` of a Terraform variable that is marked `sensitive = true`, or whose name looks secret (`db_password`, `api_token`, …), or whose default has a known credential shape; and the `Default` of a CloudFormation parameter with `NoEcho: true` or a secret-looking name. Empty values, placeholders (`changeme`, `<secret>`, `${…}`), ARNs and paths are not reported. A module used twice is reported once. A default that reaches a provider argument, a database master password or a Secrets Manager value is left to SEC-009, SEC-005 and SEC-006, which report it at the same place. The value is never printed.",
            why: "A default is committed with the code: the secret is in the repository, its forks and its history, and every environment that forgets to set the variable silently uses it. The policy says sensitive variables must have no default (G-CFG-05), secrets come from the vault at runtime (G-CFG-02) and are never committed (P-IIB2-b).",
            fail: Example::terraform(
                r#"variable "db_password" {
  type      = string
  sensitive = true
  default   = "Pr0d-Agents-2024!"
}
"#,
            ),
            pass: Example::terraform(
                r#"variable "db_password" {
  type      = string
  sensitive = true
}
"#,
            ),
            fix: "Remove the default and rotate the secret; better, stop passing it through Terraform: `manage_master_user_password = true` for RDS, or an `aws_secretsmanager_secret` the workload reads at runtime.",
        },
    },
    check: Check::Project(check),
    inactive_when: None,
};

/// Attributes whose secret values more specific rules report where they are
/// written: a provider's arguments (SEC-009), database master passwords
/// (SEC-005), Secrets Manager values (SEC-006). A variable default used there
/// is their finding, not a second one.
const REPORTED_ELSEWHERE: &[&str] = &[
    "password",
    "password_wo",
    "master_password",
    "master_password_wo",
    "MasterUserPassword",
    "secret_string",
    "secret_string_wo",
    "SecretString",
];

/// A default this rule reports unless another rule reports it where it is used.
struct SecretDefault<'a> {
    index: usize,
    resource: &'a Resource,
    default: &'a Node,
    text: &'a str,
    origin: (FileId, Span),
    name: &'a str,
    kind: &'static str,
    cloudformation: bool,
}

fn check(ctx: &Context<'_>, findings: &mut Findings) {
    let project = ctx.project;
    let defaults: Vec<SecretDefault<'_>> = (project.variables().iter())
        .filter_map(|&index| secret_default(project, index))
        .collect();
    if defaults.is_empty() {
        return;
    }
    // Where those defaults are used by what other rules report: only their
    // origins are looked for, so that a project with no secret default (most
    // of them) does not gather the origin of every value of every resource.
    let wanted: HashSet<(FileId, Span)> = defaults.iter().map(|found| found.origin).collect();
    let mut seen = HashSet::new();
    for resource in &project.resources {
        let every_key = match resource.kind {
            BlockKind::Provider => true,
            BlockKind::Resource => false,
            _ => continue,
        };
        for (key, value) in resource.attributes.entries() {
            if !every_key && !REPORTED_ELSEWHERE.contains(&key.as_str()) {
                continue;
            }
            if let Some(origin) = value.origin
                && wanted.contains(&(origin.file, origin.span))
            {
                seen.insert((origin.file, origin.span));
            }
        }
    }
    for found in defaults {
        // A module used twice has one default, reported once.
        if !seen.insert(found.origin) {
            continue;
        }
        let what = if found.cloudformation {
            "parameter"
        } else {
            "variable"
        };
        let text = found.text.trim();
        findings
            .on(Subject::Resource(found.index))
            .report_resource_secret(
                found.resource,
                Some(found.default),
                format!(
                    "{what} `{}` has {} {} as its default (`{}`): it is committed with the code",
                    found.name,
                    article(found.kind),
                    found.kind,
                    redact(text)
                ),
                text,
            );
    }
}

/// The variable or parameter at `index` if its default is a secret.
fn secret_default(project: &Project, index: usize) -> Option<SecretDefault<'_>> {
    let resource = project.resources.get(index)?;
    let cloudformation = resource.language == Language::CloudFormation;
    let (default, hidden) = if cloudformation {
        (resource.get("Default"), resource.get("NoEcho"))
    } else {
        (resource.get("default"), resource.get("sensitive"))
    };
    let default = default?;
    let text = default.as_str()?;
    let origin = default.origin?;
    let name = resource
        .address
        .rsplit_once("var.")
        .map_or(resource.address.as_str(), |(_, name)| name);
    let kind = match secret_in_assignment(name, text) {
        Some(found) => found.kind,
        None if hidden.and_then(Node::as_bool) == Some(true) && !is_placeholder(text) => {
            "literal secret"
        }
        None => return None,
    };
    Some(SecretDefault {
        index,
        resource,
        default,
        text,
        origin: (origin.file, origin.span),
        name,
        kind,
        cloudformation,
    })
}

/// "a" or "an" before a kind of credential ("an AWS access key id").
fn article(kind: &str) -> &'static str {
    if kind.starts_with(['a', 'e', 'i', 'o', 'A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    }
}
